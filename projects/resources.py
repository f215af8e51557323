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


# --- Added for the history loader (issue 11: `manage.py import_records`) -------------------

from clara.accounts.models import User  # noqa: E402
from clara.admin_helpers import CaseInsensitiveLookupWidget  # noqa: E402
from clara.network.resources import OrganisationByNameWidget, TeamByNameWidget  # noqa: E402
from projects.models import Outcome, ProjectYearStatus, SupportAction  # noqa: E402
from projects.services import project_status_check, project_status_set  # noqa: E402

PROJECT_COLUMN = "projet (référence de la demande)"


def project_field(attribute: str = "project"):
    return lookup_field(attribute, PROJECT_COLUMN, FundedProject, "award__application__reference")


class ProjectYearStatusResource(SpreadsheetResource):
    """Where each funded project stood each year, keyed by the project (the reference of its
    application) and the year; written through `project_status_set`, so a completed or
    stopped project never resumes."""

    project = project_field()

    class Meta:
        model = ProjectYearStatus
        import_id_fields = ("project", "year")
        fields = ("project", "year", "status", "note")
        export_order = fields

    export_select_related = ("project__award__application",)

    def get_queryset(self):
        return super().get_queryset().order_by("project_id", "year")

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        if instance.project_id and instance.year and instance.status:
            try:
                project_status_check(project=instance.project, year=instance.year,
                                     status=instance.status, exclude_pk=instance.pk)
            except ValidationError as error:
                errors = error.update_error_dict(errors)
        super().validate_instance(instance, errors, validate_unique)

    def save_instance(self, instance, is_create, row, **kwargs):
        row = project_status_set(project=instance.project, year=instance.year,
                                 status=instance.status, note=instance.note,
                                 by=kwargs.get("user"))
        instance.pk = row.pk
        instance._state.adding = False


class OutcomeResource(SpreadsheetResource):
    """Outcomes of funded projects, keyed by the project, the kind and the title; checked by
    the kind's rules (`Outcome.clean`: DOI, patent and trial numbers, jobs, amount, funder)."""

    project = project_field()

    class Meta:
        model = Outcome
        import_id_fields = ("project", "kind", "title")
        fields = ("project", "kind", "title", "date", "identifier", "jobs", "amount", "funder")
        export_order = fields

    export_select_related = ("project__award__application",)

    def save_instance(self, instance, is_create, row, **kwargs):
        from clara.spreadsheets.records import record_save

        record_save(instance, by=kwargs.get("user"))


class SupportActionResource(SpreadsheetResource):
    """Support given by staff, keyed by date and subject; the team by its name within the
    row's organisation, the project by its application's reference, the staff member by the
    e-mail of their account."""

    organisation = fields.Field(
        attribute="organisation", column_name="organisation (nom)",
        widget=OrganisationByNameWidget(),
    )
    team = fields.Field(
        attribute="team", column_name="équipe (nom)",
        widget=TeamByNameWidget(organisation_column="organisation de l'équipe (nom)"),
    )
    team_organisation = fields.Field(
        attribute="team__organisation__name", column_name="organisation de l'équipe (nom)",
        readonly=True,
    )
    project = project_field()
    staff_member = fields.Field(
        attribute="staff_member", column_name="chargé(e) de mission (e-mail)",
        widget=CaseInsensitiveLookupWidget(User, field="email"),
    )

    class Meta:
        model = SupportAction
        import_id_fields = ("date", "subject")
        fields = ("date", "subject", "kind", "team", "team_organisation", "organisation",
                  "project", "staff_member", "notes")
        export_order = fields

    export_select_related = ("team__organisation", "organisation",
                             "project__award__application", "staff_member")

    def save_instance(self, instance, is_create, row, **kwargs):
        from clara.spreadsheets.records import record_save

        record_save(instance, by=kwargs.get("user"))

