"""The facets' index gets the co-funders (`facet_funders`, 0008) as its last column, so that
the co-funder counts and filter read the index alone on PostgreSQL. On PostgreSQL, the GIN index of the stored full-text vector (`facet_search_vector`, 0008),
which `projects.search` queries, in place of the expression indexes of 0005 and 0007 (the
vector was computed from the text at every row a query rechecked). Nothing elsewhere."""

from django.db import migrations, models

OLD = {
    "project_facet_search_gin": (
        "projects_fundedproject", "to_tsvector('clara_french'::regconfig, "
        "COALESCE(\"facet_search_text\", ''))"),
    "project_search_gin": (
        "projects_fundedproject", "to_tsvector('clara_french'::regconfig, "
        "COALESCE(\"name\", '') || ' ' || COALESCE(\"public_summary\", ''))"),
    "application_search_gin": (
        "programmes_application", "to_tsvector('clara_french'::regconfig, "
        "COALESCE(\"title\", '') || ' ' || COALESCE(\"acronym\", ''))"),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in OLD:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
        schema_editor.execute(
            'CREATE INDEX IF NOT EXISTS "project_search_vector_gin" ON '
            '"projects_fundedproject" USING gin ("facet_search_vector")')


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('DROP INDEX IF EXISTS "project_search_vector_gin"')
        for name, (table, expression) in OLD.items():
            schema_editor.execute(
                f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin (({expression}))')


class Migration(migrations.Migration):
    dependencies = [("projects", "0008_project_funders_search_vector")]

    operations = [
        migrations.RemoveIndex(model_name="fundedproject", name="project_facets_idx"),
        migrations.AddIndex(
            model_name="fundedproject",
            index=models.Index(fields=["facet_programme_id", "facet_track_id",
                                       "facet_decision_year", "site", "facet_domain_id",
                                       "facet_latest_status", "facet_funders"],
                               name="project_facets_idx"),
        ),
        migrations.RunPython(create, drop),
    ]
