"""Spreadsheet import/export of funded projects (see clara/admin_helpers.py for the
conventions shared by every resource). A new row opens the project through
`funded_project_open` (with its first yearly status); an existing row updates its public
description."""

from django.core.exceptions import ValidationError
from import_export import fields

from clara.admin_helpers import SpreadsheetResource, lookup_field
from clara.network.models import Site
from funding.models import Award
from projects.models import FundedProject
from projects.services import funded_project_check_open, funded_project_open


class FundedProjectResource(SpreadsheetResource):
    """Funded projects, keyed by the reference of the application their award funds; the
    site by its identifier."""

    award = lookup_field("award", "demande (référence)", Award, "application__reference")
    programme = fields.Field(
        attribute="award__application__call__programme__name", column_name="programme",
        readonly=True,
    )
    site = lookup_field("site", "site (identifiant)", Site, "slug")

    class Meta:
        model = FundedProject
        import_id_fields = ("award",)
        fields = (
            "award", "programme", "name", "site", "start_date", "end_date", "public_summary",
        )
        export_order = fields

    export_select_related = ("award__application__call__programme", "site")

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        if instance.pk is None and instance.award_id:
            try:
                funded_project_check_open(award=instance.award)
            except ValidationError as error:
                errors = error.update_error_dict(errors)
        super().validate_instance(instance, errors, validate_unique)

    def save_instance(self, instance, is_create, row, **kwargs):
        if not is_create:
            instance.save()
            return
        project = funded_project_open(
            award=instance.award, name=instance.name, site=instance.site,
            start_date=instance.start_date, end_date=instance.end_date,
            public_summary=instance.public_summary, by=kwargs.get("user"),
        )
        instance.pk = project.pk
        instance._state.adding = False
