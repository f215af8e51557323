"""The derived copy of each funded project's facts for the public list `/projets/`
(`FundedProject`'s `facet_*` columns, kept by `projects.services.project_facts_refresh`):
the columns, their indexes and their first filling (the GIN index of the searched text on
PostgreSQL: 0007, in a transaction of its own)."""

from django.db import migrations, models


def fill(apps, schema_editor):
    from projects.services import _facts_refresh

    _facts_refresh(
        apps.get_model("projects", "FundedProject"),
        apps.get_model("funding", "Award"),
        apps.get_model("projects", "ProjectYearStatus"),
        None,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("funding", "0004_disbursements"),
        ("network", "0002_person_public_consent"),
        ("projects", "0005_search_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="fundedproject",
            name="facet_amount",
            field=models.DecimalField(decimal_places=2, editable=False, max_digits=12, null=True),
        ),
        migrations.AddField(
            model_name="fundedproject",
            name="facet_decided_at",
            field=models.DateTimeField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="fundedproject",
            name="facet_decision_year",
            field=models.PositiveSmallIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="fundedproject",
            name="facet_domain_id",
            field=models.PositiveIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="fundedproject",
            name="facet_latest_status",
            field=models.CharField(editable=False, max_length=16, null=True),
        ),
        migrations.AddField(
            model_name="fundedproject",
            name="facet_programme_id",
            field=models.PositiveIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="fundedproject",
            name="facet_search_plain",
            field=models.TextField(default="", editable=False),
        ),
        migrations.AddField(
            model_name="fundedproject",
            name="facet_search_text",
            field=models.TextField(default="", editable=False),
        ),
        migrations.AddField(
            model_name="fundedproject",
            name="facet_track_id",
            field=models.PositiveIntegerField(editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name="fundedproject",
            index=models.Index(
                fields=[
                    "facet_programme_id",
                    "facet_track_id",
                    "facet_decision_year",
                    "site",
                    "facet_domain_id",
                    "facet_latest_status",
                ],
                name="project_facets_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="fundedproject",
            index=models.Index(fields=["facet_decision_year"], name="project_facet_year_idx"),
        ),
        migrations.AddIndex(
            model_name="fundedproject",
            index=models.Index(
                fields=["-facet_decided_at", "name", "id"], name="project_recent_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="fundedproject",
            index=models.Index(fields=["-facet_amount", "name", "id"], name="project_amount_idx"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
