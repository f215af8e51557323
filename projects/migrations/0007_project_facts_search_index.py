"""On PostgreSQL, the GIN index of the French full-text vector of each project's searched
text (`facet_search_text`, filled by 0006), the expression `projects.search` queries.
Nothing on other databases."""

from django.db import migrations

CREATE = (
    'CREATE INDEX IF NOT EXISTS "project_facet_search_gin" ON "projects_fundedproject" '
    "USING gin ((to_tsvector('clara_french'::regconfig, "
    "COALESCE(\"facet_search_text\", ''))))"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('DROP INDEX IF EXISTS "project_facet_search_gin"')


class Migration(migrations.Migration):
    dependencies = [("projects", "0006_project_facts")]

    operations = [migrations.RunPython(create, drop)]
