"""Malformed query strings on every admin changelist (QUALITY.md scenario 20): filters, date
hierarchies, search, ordering, pagination and the "chiffre clef" filter answer with the list
(the bad value ignored, or Django's `?e=1` redirect) or a 400, never a 500.

The query strings are derived from each admin's own configuration: the parameters its list
filters expect, its date hierarchy, and the parameters every changelist reads."""

from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.contrib.admin import FieldListFilter, SimpleListFilter
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.views.main import ORDER_VAR, PAGE_VAR, SEARCH_VAR
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db

MODEL_ADMINS = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
ADMIN_IDS = [model._meta.label for model, _ in MODEL_ADMINS]
ACCEPTED = {200, 302, 400}

BAD_VALUES = (
    "abc",
    "9999999999999999999999",
    "-9999999999999999999999",
    "2025-13-45",
    "",
    "<script>alert(1)</script>",
    "1,a",
    "\x00",
    "a\x00b",
)
# For lookups the filters do not offer but a hand-written URL may use (`site__in=`).
HAND_WRITTEN_VALUES = ("abc", "1,9999999999999999999999", "\x00")
ODD_SEARCHES = ("<script>", "\x00", "%", "_", "'", "\\", "a" * 3000, "‮", "=1")
# Parameters every changelist reads, whatever its configuration.
COMMON_QUERIES = (
    {ORDER_VAR: "abc"},
    {ORDER_VAR: "99"},
    {ORDER_VAR: "-99"},
    {ORDER_VAR: "1.abc.-"},
    {ORDER_VAR: "9999999999999999999999"},
    {ORDER_VAR: "\x00"},
    {PAGE_VAR: "abc"},
    {PAGE_VAR: "-1"},
    {PAGE_VAR: "0"},
    {PAGE_VAR: "99999"},
    {PAGE_VAR: "9999999999999999999999"},
    {"all": "abc"},
    {"_facets": "1", ORDER_VAR: "abc"},
    {"_to_field": "abc"},
    {"chiffre": "abc"},
    {"chiffre": "2025:nope"},
    {"chiffre": "99999:x"},
    {"chiffre": "9999999999999999999999:calls.applications"},
    {"chiffre": "99999:calls.applications"},
    {"chiffre": "0:calls.applications"},
    {"chiffre": "-1:calls.applications"},
    {"chiffre": "２０２５:calls.applications"},
    {"chiffre": "2025:calls.applications\x00"},
    {"chiffre": ":"},
    {"chiffre": "2025:sites.\x00.researchers"},
    *({SEARCH_VAR: value} for value in ODD_SEARCHES),
)


@pytest.fixture
def records():
    """A few rows in every family, so that the filters list choices and the lists render."""
    application = f.ApplicationFactory(
        domain=f.InnovationDomainFactory(), teams=[f.TeamFactory()],
        partner_companies=[f.CompanyFactory()],
    )
    f.AttachmentFactory(application=application)
    f.ReviewScoreFactory(review__application=application)
    f.DecisionFactory(application=application, recorded_by=f.StaffUserFactory())
    award = f.AwardFactory()
    f.ContributionFactory(award=award)
    f.CompanyInvestmentFactory(award=award)
    project = f.FundedProjectFactory(award=award)
    f.ProjectYearStatusFactory(project=project)
    f.FollowUpReportFactory(project=project)
    f.OutcomeFactory(project=project)
    f.SupportActionFactory(project=project)
    f.TeamCensusFactory()
    event = f.EventFactory(kind="forum", working_group=f.WorkingGroupFactory())
    f.EventSpeakerFactory(event=event)
    f.PrizeFactory(event=event)
    f.SurveyResponseFactory(event=event)
    f.InternationalActionFactory()


def filter_parameters(model_admin, request) -> tuple[set[str], set[str]]:
    """The query parameters the admin's list filters read, and lookups on the field paths of
    `list_filter` that a hand-written URL may use."""
    offered, hand_written = set(), set()
    for entry in model_admin.get_list_filter(request):
        if isinstance(entry, type) and issubclass(entry, SimpleListFilter):
            offered.add(entry.parameter_name)
            continue
        path, filter_class = entry if isinstance(entry, (list, tuple)) else (
            entry, FieldListFilter.create
        )
        field = get_fields_from_path(model_admin.model, path)[-1]
        spec = filter_class(field, request, {}, model_admin.model, model_admin, field_path=path)
        offered.update(spec.expected_parameters())
        hand_written.update({path, f"{path}__in", f"{path}__gte"})
    return offered, hand_written - offered


def date_hierarchy_queries(field: str) -> list[dict[str, str]]:
    year, month, day = f"{field}__year", f"{field}__month", f"{field}__day"
    return [
        {year: "abc"},
        {year: "0"},
        {year: "-1"},
        {year: "99999"},
        {year: "9999999999999999999999"},
        {year: "2025", month: "13"},
        {year: "2025", month: "0"},
        {year: "2025", month: "abc"},
        {year: "2025", month: "2", day: "99"},
        {year: "2025", month: "2", day: "30"},
        {year: "2025", month: "2", day: "abc"},
        {month: "13"},
        {day: "99"},
        {year: "2025\x00"},
        {year: "2025", month: "2", day: "9999999999999999999999"},
    ]


def crafted_queries(model_admin, request) -> list[dict[str, str]]:
    offered, hand_written = filter_parameters(model_admin, request)
    queries = [{name: value} for name in sorted(offered) for value in BAD_VALUES]
    queries += [{name: value} for name in sorted(hand_written) for value in HAND_WRITTEN_VALUES]
    if model_admin.date_hierarchy:
        queries += date_hierarchy_queries(model_admin.date_hierarchy)
    return queries + list(COMMON_QUERIES)


@pytest.mark.parametrize(("model", "model_admin"), MODEL_ADMINS, ids=ADMIN_IDS)
def test_changelist_malformed_query_is_never_a_server_error(
    superuser_client, superuser, rf, records, model, model_admin
):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    request = rf.get(url)
    request.user = superuser

    failures = []
    queries = crafted_queries(model_admin, request)
    for query in queries:
        try:
            status = superuser_client.get(f"{url}?{urlencode(query)}").status_code
        except Exception as error:  # the test client re-raises what would be a 500
            status = f"500 {type(error).__name__}: {str(error)[:80]}"
        if status not in ACCEPTED:
            failures.append(f"{urlencode(query)} -> {status}")

    if model_admin.get_list_filter(request) or model_admin.date_hierarchy:
        assert len(queries) > len(COMMON_QUERIES)
    assert not failures, "\n".join(failures)


LOCAL_FIELD_VALUES = ("abc", "1e999999", "99999999999999999999999")


@pytest.mark.parametrize(("model", "model_admin"), MODEL_ADMINS, ids=ADMIN_IDS)
def test_hand_written_lookup_on_any_field_of_the_model_is_never_a_server_error(
    superuser_client, model, model_admin
):
    """Django lets a URL filter on any field of the model itself, listed or not: amounts beyond
    a decimal column, text compared with an IP address column…"""
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")

    failures = []
    for field in model._meta.concrete_fields:
        if field.is_relation:
            continue
        for lookup in ("", "__gte", "__in"):
            for value in LOCAL_FIELD_VALUES:
                query = urlencode({f"{field.name}{lookup}": value})
                try:
                    status = superuser_client.get(f"{url}?{query}").status_code
                except Exception as error:  # the test client re-raises what would be a 500
                    status = f"500 {type(error).__name__}: {str(error)[:80]}"
                if status not in ACCEPTED:
                    failures.append(f"{query} -> {status}")

    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("value", ["abc", "0", "99999", "9999999999999999999999", "२०२५", "-2025"])
def test_malformed_year_filter_shows_the_unfiltered_list(superuser_client, records, value):
    url = reverse("admin:funding_award_changelist")

    response = superuser_client.get(url, {"decided_at_year": value})

    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


@pytest.mark.parametrize("value", ["1000", "9999"])
def test_year_filter_at_the_ends_of_the_calendar_filters(superuser_client, records, value):
    url = reverse("admin:funding_award_changelist")

    response = superuser_client.get(url, {"decided_at_year": value})

    assert response.status_code == 200
    assert response.context["cl"].result_count == 0


def test_valid_year_filter_still_filters(superuser_client, records):
    from funding.models import Award

    award = Award.objects.get()
    url = reverse("admin:funding_award_changelist")
    year = award.decided_at.year

    assert superuser_client.get(url, {"decided_at_year": year}).context["cl"].result_count == 1
    assert superuser_client.get(url, {"decided_at_year": year + 1}).context[
        "cl"].result_count == 0


def test_malformed_figure_filter_shows_the_unfiltered_list(superuser_client, records):
    url = reverse("admin:programmes_application_changelist")
    unfiltered = superuser_client.get(url).context["cl"].result_count

    for value in ("abc", "2025:nope", "99999:x", "99999:calls.applications", "0:calls.applications",
                  "9999999999999999999999:calls.applications", "２０２５:calls.applications"):
        response = superuser_client.get(url, {"chiffre": value})
        assert response.status_code == 200, value
        assert response.context["cl"].result_count == unfiltered, value


def test_valid_figure_filter_still_filters(superuser_client, records):
    url = reverse("admin:programmes_application_changelist")

    response = superuser_client.get(url, {"chiffre": "2099:calls.applications"})

    assert response.status_code == 200
    assert response.context["cl"].result_count == 0


def test_date_hierarchy_year_beyond_python_dates_shows_the_unfiltered_list(superuser_client):
    url = reverse("admin:programmes_call_changelist")

    response = superuser_client.get(url, {"closes_at__year": "9999999999999999999999"})

    assert response.status_code == 302
    assert response["Location"] == f"{url}?e=1"


def test_foreign_key_beyond_64_bits_shows_the_unfiltered_list(superuser_client):
    url = reverse("admin:programmes_call_changelist")

    response = superuser_client.get(url, {"programme__in": "1,9999999999999999999999"})

    assert response.status_code == 302
    assert response["Location"] == f"{url}?e=1"


@pytest.mark.parametrize(
    ("changelist", "query"),
    [
        ("admin:funding_award_changelist", {"amount__gte": "1e999999"}),
        ("admin:funding_award_changelist", {"amount__in": "1,99999999999"}),
        ("admin:axes_accesslog_changelist", {"ip_address": "abc"}),
        ("admin:axes_accesslog_changelist", {"ip_address__in": "192.0.2.7,abc"}),
    ],
)
def test_value_beyond_its_column_shows_the_unfiltered_list(superuser_client, changelist, query):
    url = reverse(changelist)

    response = superuser_client.get(url, query)

    assert response.status_code == 302
    assert response["Location"] == f"{url}?e=1"


def test_values_within_their_columns_still_filter(superuser_client, records):
    from funding.models import Award

    award = Award.objects.get()
    url = reverse("admin:funding_award_changelist")

    by_amount = superuser_client.get(url, {"amount__gte": str(award.amount)})
    by_ip = superuser_client.get(reverse("admin:axes_accesslog_changelist"),
                                 {"ip_address__in": "192.0.2.7,2001:db8::1"})

    assert by_amount.context["cl"].result_count == 1
    assert by_ip.status_code == 200


def test_filter_value_with_nul_shows_the_unfiltered_list(superuser_client):
    url = reverse("admin:programmes_programme_changelist")

    response = superuser_client.get(url, {"kind__exact": "a\x00b"})

    assert response.status_code == 302
    assert response["Location"] == f"{url}?e=1"
