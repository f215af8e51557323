"""A text search configuration for the public search of funded projects on PostgreSQL:
French stemming with accents ignored (« resistance » finds « résistance »). Nothing on
other databases (SQLite ignores accents through a function registered per connection,
`projects.search`).

`CREATE EXTENSION unaccent` needs a role allowed to create extensions (the database owner
on PostgreSQL ≥ 13, where unaccent is a trusted extension)."""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS unaccent;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'clara_french') THEN
        CREATE TEXT SEARCH CONFIGURATION clara_french (COPY = french);
        ALTER TEXT SEARCH CONFIGURATION clara_french
            ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
    END IF;
END
$$;
"""
DROP = "DROP TEXT SEARCH CONFIGURATION IF EXISTS clara_french;"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("projects", "0003_follow_up")]

    operations = [migrations.RunPython(create, drop)]
