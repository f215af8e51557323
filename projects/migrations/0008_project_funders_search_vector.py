"""Two more derived columns for the public list `/projets/` (see `FundedProject`): the
co-funders of each project's award (`facet_funders`, the co-funder filter and its counts
without a join) and, on PostgreSQL, the stored French full-text vector of the searched text
(`facet_search_vector`); both filled here. Their index: 0009, in a transaction of its own."""

import django.contrib.postgres.search
from django.db import migrations, models


def fill(apps, schema_editor):
    from projects.services import _funders_refresh

    _funders_refresh(None)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "UPDATE projects_fundedproject SET facet_search_vector = "
            "to_tsvector('clara_french'::regconfig, facet_search_text)")


class Migration(migrations.Migration):

    dependencies = [
        ('projects', '0007_project_facts_search_index'),
        ('funding', '0002_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='fundedproject',
            name='facet_funders',
            field=models.TextField(default='', editable=False),
        ),
        migrations.AddField(
            model_name='fundedproject',
            name='facet_search_vector',
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
