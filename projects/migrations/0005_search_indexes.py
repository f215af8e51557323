"""Indexes for the public search of funded projects on PostgreSQL (bench/public_site.py):
the French full-text vectors of the project's name and public summary, and of the
application's title and acronym, the expressions `projects.search` queries (GIN). Nothing on
other databases. Indexes only: no model changes."""

from django.db import migrations

INDEXES = {
    "project_search_gin": (
        "projects_fundedproject",
        "to_tsvector('clara_french'::regconfig, "
        "COALESCE(\"name\", '') || ' ' || COALESCE(\"public_summary\", ''))",
    ),
    "application_search_gin": (
        "programmes_application",
        "to_tsvector('clara_french'::regconfig, "
        "COALESCE(\"title\", '') || ' ' || COALESCE(\"acronym\", ''))",
    ),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, (table, expression) in INDEXES.items():
            schema_editor.execute(
                f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin (({expression}))')


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("projects", "0004_french_unaccent_search"),
                    ("programmes", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
