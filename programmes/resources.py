"""Spreadsheet import/export of calls and applications (see clara/admin_helpers.py for the
conventions shared by every resource).

Applications are written through `programmes.services`: a new row is a draft or a submitted
application, a changed status is a move of the transitions table (a committee's decision needs
the "date du comité" column), and the separate history mode loads past applications of
closed calls with the status they had.
"""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from import_export import fields, widgets

from clara.accounts.models import User
from clara.admin_helpers import (
    DATE_FORMATS,
    CaseInsensitiveLookupWidget,
    ChoiceWidget,
    LookupWidget,
    SpreadsheetResource,
    lookup_field,
)
from clara.network.resources import PersonByOrcidOrEmailWidget
from programmes.models import Application, Call, InnovationDomain, Programme, Track
from programmes.services import (
    application_check_history_import,
    application_check_move,
    application_check_new,
    application_create_many,
    application_import_history,
    application_set_status,
    call_check_budget,
)


class TrackWidget(LookupWidget):
    """An entry key named by its label or code ("Blanc", "thematise"), within the programme
    of the row's programme column."""

    def __init__(self, programme_column: str, **kwargs):
        super().__init__(Track, field="code", **kwargs)
        self.programme_column = programme_column
        self.codes = ChoiceWidget(Track.Code.choices)

    def clean(self, value, row=None, **kwargs):
        return super().clean(self.codes.clean(value), row, **kwargs)

    def get_queryset(self, value, row, *args, **kwargs):
        return Track.objects.filter(programme__slug=(row or {}).get(self.programme_column))

    def lookup_key(self, value, row):
        return (str(row.get(self.programme_column) or ""), self.codes.clean(value))

    def prefetch_queryset(self, keys):
        return Track.objects.filter(
            programme__slug__in={slug for slug, _code in keys}
        ).select_related("programme")

    def index_keys(self, obj):
        return [(obj.programme.slug, obj.code)]

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value.get_code_display()


class CallResource(SpreadsheetResource):
    """Calls, keyed by their identifier (slug); the programme by its identifier, the entry
    key by its label or code."""

    programme = lookup_field("programme", "programme (identifiant)", Programme, "slug")
    track = fields.Field(
        attribute="track", column_name="clef d'entrée",
        widget=TrackWidget(programme_column="programme (identifiant)"),
    )

    class Meta:
        model = Call
        import_id_fields = ("slug",)
        fields = (
            "slug", "title", "programme", "track", "year", "theme", "opens_at", "closes_at",
            "budget", "description", "eligibility_rules",
        )
        export_order = fields

    export_select_related = ("programme", "track")

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        try:
            call_check_budget(call=instance, budget=instance.budget)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        super().validate_instance(instance, errors, validate_unique)


class ApplicationResource(SpreadsheetResource):
    """Applications, keyed by reference. The call is named by its identifier, the applicant
    (an account) by e-mail, the principal investigator by ORCID iD or else e-mail, the
    innovation domain by its identifier. The scientific content is not exported: it is
    unpublished research and stays in the application."""

    call = lookup_field("call", "appel (identifiant)", Call, "slug")
    programme = fields.Field(
        attribute="call__programme__name", column_name="programme", readonly=True
    )
    applicant = fields.Field(
        attribute="applicant", column_name="déposant (e-mail)",
        widget=CaseInsensitiveLookupWidget(User, field="email"),
    )
    principal_investigator = fields.Field(
        attribute="principal_investigator",
        column_name="porteur ou porteuse (ORCID ou e-mail)",
        widget=PersonByOrcidOrEmailWidget(),
    )
    domain = lookup_field("domain", "domaine d'innovation (identifiant)", InnovationDomain, "slug")

    class Meta:
        model = Application
        import_id_fields = ("reference",)
        fields = (
            "reference", "call", "programme", "acronym", "title", "applicant",
            "principal_investigator", "domain", "requested_amount", "status", "submitted_at",
            "lay_summary", "committee_date",
        )
        export_order = fields

    export_select_related = ("call__programme", "applicant", "principal_investigator", "domain")

    @classmethod
    def get_display_name(cls):
        return gettext("Demandes (création et étapes de l'instruction)")

    committee_date = fields.Field(
        attribute=None, column_name="date du comité",
        widget=widgets.DateWidget(), readonly=True,
    )

    def after_init_instance(self, instance, new, row, **kwargs):
        # The status stored before the row's values are applied: a change is a move.
        instance._stored_status = None if new else instance.status

    def _committee_date(self, row):
        value = (row.get(self.fields["committee_date"].column_name) or "")
        if isinstance(value, str):
            value = value.strip()
        if not value:
            return None
        widget = widgets.DateWidget()
        widget.formats = DATE_FORMATS
        try:
            return widget.clean(value)
        except ValueError:
            raise ValidationError(
                {"committee_date": gettext("« %(value)s » n'est pas une date (JJ/MM/AAAA).")
                 % {"value": value}}
            ) from None

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        stored = getattr(instance, "_stored_status", None)
        if (instance.pk is None and instance.status == Application.Status.SUBMITTED
                and instance.submitted_at is None):
            # As `application_create` does: a new submitted row without a time is submitted now.
            instance.submitted_at = timezone.now()
        try:
            if instance.pk is None:
                application_check_new(application=instance)
            elif instance.status != stored:
                application_check_move(current=stored, new=instance.status)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        # The other fields are checked as they are stored with; the service checks the record
        # again after the move (which may stamp the submission time).
        new_status = instance.status
        if instance.pk is not None:
            instance.status = stored
        try:
            super().validate_instance(instance, errors, validate_unique)
        finally:
            instance.status = new_status

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self._new_applications = []

    def save_instance(self, instance, is_create, row, **kwargs):
        user = kwargs.get("user")
        if is_create:
            # Checked above (full_clean, starting status); written together after the last
            # row by `application_create_many`, in the same all-or-nothing transaction.
            self._new_applications.append(instance)
            return
        new_status, stored = instance.status, instance._stored_status
        if new_status == stored:
            instance._history_user = user
            instance.save()
            return
        committee_date = self._committee_date(row)
        instance.status = stored
        instance._history_user = user
        instance.save()
        application_set_status(
            application=instance, status=new_status, by=user, committee_date=committee_date
        )

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        new = getattr(self, "_new_applications", [])
        if new and not (result.has_errors() or result.has_validation_errors()):
            application_create_many(applications=new, by=kwargs.get("user"))
        self._new_applications = []

    # The committee date is read on import only.
    def get_export_fields(self, selected_fields=None):
        return [f for f in super().get_export_fields(selected_fields) if f.attribute]


class ApplicationHistoryResource(ApplicationResource):
    """The history import: past applications of closed calls, created with the status they
    had (no transition check), each history row saying it came from this import. It never
    changes an existing application. Offered in the admin only to staff with the permission
    `programmes.import_application_history`."""

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        try:
            application_check_history_import(
                application=instance, call=getattr(instance, "call", None)
            )
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        SpreadsheetResource.validate_instance(self, instance, errors, validate_unique)

    def save_instance(self, instance, is_create, row, **kwargs):
        application_import_history(application=instance, by=kwargs.get("user"))

    @classmethod
    def get_display_name(cls):
        return gettext("Historique (appels clos, statuts passés)")


# --- Added for the history loader (issue 11: `manage.py import_records`) -------------------

from clara.network.models import Organisation  # noqa: E402
from clara.network.resources import (  # noqa: E402
    KeysWidget,
    LinksResource,
    OrganisationByNameWidget,
    PeopleKeysWidget,
    TeamKeysWidget,
)
from programmes.models import Decision  # noqa: E402


class InnovationDomainResource(SpreadsheetResource):
    """Innovation domains, keyed by their identifier (slug)."""

    class Meta:
        model = InnovationDomain
        import_id_fields = ("slug",)
        fields = ("slug", "name")
        export_order = fields


class ProgrammeResource(SpreadsheetResource):
    """Programmes, keyed by their identifier (slug); the instructing partner by its name."""

    partner = fields.Field(
        attribute="partner", column_name="partenaire d'instruction (nom)",
        widget=OrganisationByNameWidget(),
    )

    class Meta:
        model = Programme
        import_id_fields = ("slug",)
        fields = ("slug", "name", "kind", "partner", "description")
        export_order = fields

    export_select_related = ("partner",)


class TrackResource(SpreadsheetResource):
    """Entry keys, keyed by their programme's identifier and their code."""

    programme = lookup_field("programme", "programme (identifiant)", Programme, "slug")
    code = fields.Field(attribute="code", column_name="clef d'entrée",
                        widget=ChoiceWidget(Track.Code.choices))

    class Meta:
        model = Track
        import_id_fields = ("programme", "code")
        fields = ("programme", "code", "description")
        export_order = fields

    export_select_related = ("programme",)


class ApplicationLinksResource(LinksResource):
    """The teams, partner companies and co-applicants of applications, keyed by the
    application's reference (written after the applications)."""

    reference = fields.Field(attribute="reference", column_name="demande (référence)")
    teams = fields.Field(
        attribute="teams", column_name="équipes (nom @ organisation ; …)",
        widget=TeamKeysWidget(),
    )
    partner_companies = fields.Field(
        attribute="partner_companies", column_name="entreprises partenaires (noms ; …)",
        widget=KeysWidget(Organisation, field="name"),
    )
    co_applicants = fields.Field(
        attribute="co_applicants",
        column_name="co-porteurs et co-porteuses (ORCID ou e-mail ; …)",
        widget=PeopleKeysWidget(),
    )

    class Meta:
        model = Application
        import_id_fields = ("reference",)
        fields = ("reference", "teams", "partner_companies", "co_applicants")
        export_order = fields

    export_prefetch_related = ("teams__organisation", "partner_companies", "co_applicants")


class LenientAccountWidget(CaseInsensitiveLookupWidget):
    """An account named by e-mail, or None when no account has that address (a past
    applicant needs no account: see ApplicationRecordsResource)."""

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except ValueError:
            return None


class ApplicationRecordsResource(ApplicationHistoryResource):
    """Applications as the history loader reads them: a new application of a closed call is
    loaded with the status it had through the history mode (`application_import_history`);
    any other row is imported as the admin's import does (a new draft or submitted
    application, or a move of an existing one). A past application needs no account: when
    its "déposant" cell names no account, the principal investigator's account is used, or
    else the history account (`history_applicant`, inactive, that cannot log in)."""

    applicant = fields.Field(
        attribute="applicant", column_name="déposant (e-mail)",
        widget=LenientAccountWidget(User, field="email"),
    )

    class Meta(ApplicationResource.Meta):
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True

    def after_init_instance(self, instance, new, row, **kwargs):
        super().after_init_instance(instance, new, row, **kwargs)
        instance._stored_applicant_id = None if new else instance.applicant_id

    def _is_history(self, instance) -> bool:
        call = getattr(instance, "call", None) if instance.call_id else None
        return instance.pk is None and call is not None and call.closes_at <= timezone.now()

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if instance.applicant_id is None and instance.pk is not None:
            # An existing application keeps its applicant when the cell names no account.
            instance.applicant_id = getattr(instance, "_stored_applicant_id", None)
        if instance.applicant_id is None and "applicant" not in errors:
            given = str(row.get(self.fields["applicant"].column_name) or "").strip()
            if self._is_history(instance):
                from clara.spreadsheets.records import history_applicant

                person = getattr(instance, "principal_investigator", None) \
                    if instance.principal_investigator_id else None
                instance.applicant = (person.user if person is not None and person.user_id
                                      else history_applicant())
            elif given:
                errors["applicant"] = [gettext("Aucun compte n'a l'adresse « %(value)s ».")
                                       % {"value": given}]
        if errors:
            raise ValidationError(errors)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        if self._is_history(instance):
            return super().validate_instance(instance, import_validation_errors,
                                             validate_unique)
        return ApplicationResource.validate_instance(self, instance, import_validation_errors,
                                                     validate_unique)

    def save_instance(self, instance, is_create, row, **kwargs):
        if self._is_history(instance):
            return super().save_instance(instance, is_create, row, **kwargs)
        return ApplicationResource.save_instance(self, instance, is_create, row, **kwargs)

    @classmethod
    def get_display_name(cls):
        return gettext("Demandes (historique : appels clos avec leurs statuts passés)")


class DecisionApplicationWidget(LookupWidget):
    def __init__(self, **kwargs):
        super().__init__(Application, field="reference", **kwargs)


class DecisionResource(SpreadsheetResource):
    """Committee decisions, keyed by the application's reference, the decision and the date
    of the committee. A new row is a past decision (`decision_import_history`: the
    application already has the status it led to); an existing one has its grounds
    corrected (`decision_update`)."""

    application = fields.Field(
        attribute="application", column_name="demande (référence)",
        widget=DecisionApplicationWidget(),
    )

    class Meta:
        model = Decision
        import_id_fields = ("application", "outcome", "committee_date")
        fields = ("application", "outcome", "committee_date", "notes", "recorded_at")
        export_order = fields

    export_select_related = ("application",)

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        # An empty "saisie le" keeps the time recorded (now, for a new decision).
        if field.attribute == "recorded_at" and not str(
            row.get(field.column_name) or ""
        ).strip():
            return
        super().import_field(field, instance, row, is_m2m, **kwargs)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        from clara.spreadsheets.records import decision_check_history

        errors = dict(import_validation_errors or {})
        if instance.pk is None and instance.application_id and instance.outcome:
            try:
                decision_check_history(decision=instance)
            except ValidationError as error:
                errors = error.update_error_dict(errors)
        super().validate_instance(instance, errors, validate_unique)

    def save_instance(self, instance, is_create, row, **kwargs):
        from clara.spreadsheets.records import decision_import_history
        from programmes.services import decision_update

        if is_create:
            decision_import_history(decision=instance, by=kwargs.get("user"))
        else:
            decision_update(decision=instance, committee_date=instance.committee_date,
                            notes=instance.notes, by=kwargs.get("user"))


__all__ = [
    "ApplicationLinksResource", "ApplicationRecordsResource",
    "DecisionResource", "InnovationDomainResource", "ProgrammeResource", "TrackResource",
]
