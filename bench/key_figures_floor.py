"""The key figures of a year in hand-written SQL (PostgreSQL): the floor the ORM is measured
against in `bench/national_bench.py`. One query per family of records, as the catalogue asks
the database, each bounded by the year with range conditions on indexed columns; the figures
are finished in Python exactly as the catalogue finishes them, and the bench checks that both
give the same values."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
RESEARCH = ("oncostarter", "proof_of_concept", "structuring")

QUERIES = {
    "sites": "SELECT id, slug FROM network_site ORDER BY position, name",
    "census": """
        SELECT t.site_id, count(*), sum(c.researchers + c.doctoral_students),
               sum(c.health_professionals)
        FROM network_teamcensus c JOIN network_team t ON t.id = c.team_id
        WHERE c.year = %(year)s GROUP BY t.site_id""",
    "companies": """
        SELECT site_id, count(*) FROM network_organisation
        WHERE kind = 'company' AND develops_oncology_products
          AND active_from <= %(last_day)s
          AND (active_until IS NULL OR active_until >= %(first_day)s)
        GROUP BY site_id""",
    "calls": """
        SELECT count(*) FROM programmes_call
        WHERE closes_at >= %(start)s AND closes_at < %(end)s""",
    "tracks": """
        SELECT count(DISTINCT c.track_id) FROM programmes_call c
        JOIN programmes_programme p ON p.id = c.programme_id
        WHERE c.closes_at >= %(start)s AND c.closes_at < %(end)s
          AND p.kind = 'oncostarter' AND c.track_id IS NOT NULL""",
    "applications": """
        SELECT p.kind, t.code, a.status, count(*),
               count(*) FILTER (WHERE EXISTS (
                   SELECT 1 FROM programmes_decision d
                   WHERE d.application_id = a.id AND d.outcome = 'audition'))
        FROM programmes_call c
        JOIN programmes_programme p ON p.id = c.programme_id
        LEFT JOIN programmes_track t ON t.id = c.track_id
        JOIN programmes_application a ON a.call_id = c.id
        WHERE c.closes_at >= %(start)s AND c.closes_at < %(end)s
          AND a.status NOT IN ('draft', 'withdrawn')
        GROUP BY p.kind, t.code, a.status""",
    "domains": """
        SELECT count(*) FROM programmes_innovationdomain d WHERE EXISTS (
            SELECT 1 FROM programmes_call c JOIN programmes_application a ON a.call_id = c.id
            WHERE a.domain_id = d.id AND c.closes_at >= %(start)s AND c.closes_at < %(end)s
              AND a.status NOT IN ('draft', 'withdrawn'))""",
    "awards": """
        SELECT count(*), sum(w.amount) FROM funding_award w
        JOIN programmes_application a ON a.id = w.application_id
        JOIN programmes_call c ON c.id = a.call_id
        JOIN programmes_programme p ON p.id = c.programme_id
        WHERE w.decided_at >= %(start)s AND w.decided_at < %(end)s
          AND p.kind IN ('oncostarter', 'proof_of_concept', 'structuring')""",
    "contributions": """
        SELECT p.kind, f.kind, sum(k.amount) FROM funding_award w
        JOIN funding_contribution k ON k.award_id = w.id
        JOIN funding_funder f ON f.id = k.funder_id
        JOIN programmes_application a ON a.id = w.application_id
        JOIN programmes_call c ON c.id = a.call_id
        JOIN programmes_programme p ON p.id = c.programme_id
        WHERE w.decided_at >= %(start)s AND w.decided_at < %(end)s
        GROUP BY p.kind, f.kind""",
    "oncostarter_funders": """
        SELECT count(*) FROM funding_funder f
        WHERE f.kind = 'ligue_committee' AND EXISTS (
            SELECT 1 FROM funding_contribution k
            JOIN funding_award w ON w.id = k.award_id
            JOIN programmes_application a ON a.id = w.application_id
            JOIN programmes_call c ON c.id = a.call_id
            JOIN programmes_programme p ON p.id = c.programme_id
            WHERE k.funder_id = f.id AND p.kind = 'oncostarter'
              AND w.decided_at >= %(start)s AND w.decided_at < %(end)s)""",
    "investments": """
        SELECT sum(i.planned_amount) FROM funding_award w
        JOIN funding_companyinvestment i ON i.award_id = w.id
        JOIN programmes_application a ON a.id = w.application_id
        JOIN programmes_call c ON c.id = a.call_id
        JOIN programmes_programme p ON p.id = c.programme_id
        WHERE w.decided_at >= %(start)s AND w.decided_at < %(end)s
          AND p.kind = 'proof_of_concept'""",
    "statuses": """
        SELECT p.kind, count(*) FROM projects_projectyearstatus s
        JOIN projects_fundedproject fp ON fp.id = s.project_id
        JOIN funding_award w ON w.id = fp.award_id
        JOIN programmes_application a ON a.id = w.application_id
        JOIN programmes_call c ON c.id = a.call_id
        JOIN programmes_programme p ON p.id = c.programme_id
        WHERE s.year = %(year)s AND s.status = 'ongoing'
        GROUP BY p.kind""",
    "support": """
        SELECT count(*) FROM projects_supportaction
        WHERE date >= %(first_day)s AND date <= %(last_day)s""",
    "events": """
        SELECT e.kind, e.role, e.parent_id IS NULL, e.is_international, pe.kind, cp.kind,
               count(*), sum(e.participants), sum(e.end_date - e.start_date), sum(w.amount)
        FROM events_event e
        LEFT JOIN events_event pe ON pe.id = e.parent_id
        LEFT JOIN programmes_call c ON c.id = e.call_id
        LEFT JOIN programmes_programme cp ON cp.id = c.programme_id
        LEFT JOIN funding_award w ON w.id = e.award_id
        WHERE e.start_date >= %(first_day)s AND e.start_date <= %(last_day)s
        GROUP BY 1, 2, 3, 4, 5, 6""",
    "speakers": """
        SELECT count(*) FROM events_event e JOIN events_eventspeaker s ON s.event_id = e.id
        WHERE e.start_date >= %(first_day)s AND e.start_date <= %(last_day)s
          AND e.kind = 'forum'""",
    "posters": """
        SELECT p.kind, count(*) FROM events_event e JOIN events_poster p ON p.event_id = e.id
        WHERE e.start_date >= %(first_day)s AND e.start_date <= %(last_day)s
          AND e.kind = 'forum' GROUP BY p.kind""",
    "prizes": """
        SELECT e.kind, e.role, z.kind, z.awarded_by_clara, count(*)
        FROM events_event e JOIN events_prize z ON z.event_id = e.id
        WHERE e.start_date >= %(first_day)s AND e.start_date <= %(last_day)s
        GROUP BY 1, 2, 3, 4""",
    "surveys": """
        SELECT count(*), count(*) FILTER (WHERE r.would_recommend), avg(r.rating)
        FROM events_event e JOIN events_surveyresponse r ON r.event_id = e.id
        WHERE e.start_date >= %(first_day)s AND e.start_date <= %(last_day)s
          AND e.kind = 'public_evening'""",
    "working_groups": """
        SELECT count(*) FROM events_workinggroup
        WHERE started_on <= %(last_day)s AND (ended_on IS NULL OR ended_on >= %(first_day)s)""",
    "international": """
        SELECT i.kind, count(*), sum(w.amount), count(DISTINCT i.country)
        FROM events_internationalaction i LEFT JOIN funding_award w ON w.id = i.award_id
        WHERE i.start_date >= %(first_day)s AND i.start_date <= %(last_day)s
        GROUP BY i.kind""",
}


def year_bounds(year: int) -> dict:
    start = dt.datetime(year, 1, 1, tzinfo=PARIS).astimezone(dt.UTC)
    end = dt.datetime(year + 1, 1, 1, tzinfo=PARIS).astimezone(dt.UTC)
    return {"year": year, "start": start, "end": end, "first_day": dt.date(year, 1, 1),
            "last_day": dt.date(year, 12, 31)}


def run_queries(cursor, year: int) -> dict[str, list[tuple]]:
    params = year_bounds(year)
    rows = {}
    for family, sql in QUERIES.items():
        cursor.execute(sql, params)
        rows[family] = cursor.fetchall()
    return rows


def _eur(value) -> Decimal:
    return Decimal(value or 0)


def finish(rows: dict[str, list[tuple]]) -> dict:
    """The figures from the rows of `run_queries`, finished as the catalogue finishes them."""
    f: dict = {}
    sites = rows["sites"]
    census = {site_id: (n, researchers, hp) for site_id, n, researchers, hp in rows["census"]}
    companies = dict(rows["companies"])
    for site_id, slug in sites:
        f[f"sites.{slug}.researchers"] = int(census.get(site_id, (0, 0, 0))[1] or 0)
    for site_id, slug in sites:
        f[f"sites.{slug}.companies"] = companies.get(site_id, 0)
    f["network.teams"] = sum(n for n, _r, _h in census.values())
    f["network.researchers"] = sum(int(r or 0) for _n, r, _h in census.values())
    f["network.health_professionals"] = sum(int(h or 0) for _n, _r, h in census.values())
    f["network.companies"] = sum(companies.values())
    (n_awards, awarded), = rows["awards"]
    f["awards.count"], f["awards.amount_eur"] = n_awards, _eur(awarded)
    f["domains.count"] = rows["domains"][0][0]
    f["calls.count"] = rows["calls"][0][0]
    apps = rows["applications"]
    f["calls.applications"] = sum(r[3] for r in apps)
    f["support.count"] = rows["support"][0][0]

    events = rows["events"]

    def ev(cond, col=6):
        return sum(r[col] or 0 for r in events if cond(*r[:6]))

    def animation(kind, role, top, intl, *_rest):
        return top and role in ("organised", "supported") and not intl and kind != "workshop"

    f["events.count"] = ev(animation)
    f["events.participants"] = ev(animation, 7)
    f["working_groups.count"] = rows["working_groups"][0][0]
    f["info_sessions.count"] = ev(lambda k, *_: k == "info_session")
    forum_n = ev(lambda k, *_: k == "forum")
    forum_span = ev(lambda k, *_: k == "forum", 8)
    f["forum.days"] = int(forum_span) + forum_n
    f["forum.participants"] = ev(lambda k, *_: k == "forum", 7)
    f["forum.speakers"] = rows["speakers"][0][0]
    posters = dict(rows["posters"])
    f["forum.lay_posters"] = posters.get("lay", 0)
    f["forum.scientific_posters"] = posters.get("scientific", 0)
    prizes = rows["prizes"]
    f["forum.poster_prizes"] = sum(r[4] for r in prizes
                                   if r[0] == "forum" and r[2] == "poster_prize")
    f["forum.startup_trophies"] = sum(r[4] for r in prizes
                                      if r[0] == "forum" and r[2] == "startup_trophy")
    f["forum.workshops"] = ev(lambda k, _r, _t, _i, pk, _c: k == "workshop" and pk == "forum")

    def supported(k, r, *_):
        return k == "scientific_event" and r == "supported"

    f["supported_events.count"] = ev(supported)
    f["supported_events.poster_prizes"] = sum(
        r[4] for r in prizes
        if r[0] == "scientific_event" and r[1] == "supported" and r[2] == "poster_prize" and r[3]
    )
    f["supported_events.subsidies_eur"] = _eur(ev(supported, 9))
    f["public_evenings.count"] = ev(lambda k, *_: k == "public_evening")
    f["public_evenings.participants"] = ev(lambda k, *_: k == "public_evening", 7)
    (answers, yes, rating), = rows["surveys"]
    f["public_evenings.recommend_pct"] = (
        int((Decimal(100) * yes / answers).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
        if answers else 0
    )
    f["public_evenings.rating"] = (
        Decimal(str(rating)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        if rating is not None else Decimal("0")
    )
    ongoing = dict(rows["statuses"])

    def selected(kind, code=None):
        return sum(r[3] for r in apps if r[0] == kind and r[2] == "selected"
                   and (code is None or r[1] == code))

    contributions = rows["contributions"]

    def contributed(kind, funder_kind=None):
        return _eur(sum(r[2] for r in contributions if r[0] == kind
                        and (funder_kind is None or r[1] == funder_kind)))

    f["oncostarter.ongoing"] = ongoing.get("oncostarter", 0)
    f["oncostarter.submitted"] = sum(r[3] for r in apps if r[0] == "oncostarter")
    f["oncostarter.selected"] = selected("oncostarter")
    f["poc.selected"] = selected("proof_of_concept")
    f["structuring.selected"] = selected("structuring")
    for code in ("blanc", "thematise", "interface"):
        f[f"oncostarter.selected.{code}"] = selected("oncostarter", code)
    f["oncostarter.auditions"] = sum(r[4] for r in apps if r[0] == "oncostarter")
    f["oncostarter.tracks"] = rows["tracks"][0][0]
    f["oncostarter.info_sessions"] = ev(
        lambda k, _r, _t, _i, _p, ck: k == "info_session" and ck == "oncostarter")
    f["oncostarter.amount_eur"] = contributed("oncostarter")
    f["oncostarter.ligue_committees"] = rows["oncostarter_funders"][0][0]
    f["poc.ongoing"] = ongoing.get("proof_of_concept", 0)
    f["poc.public_eur"] = contributed("proof_of_concept", "local_authority")
    f["poc.company_investment_eur"] = _eur(rows["investments"][0][0])
    f["structuring.ongoing"] = ongoing.get("structuring", 0)
    f["structuring.amount_eur"] = contributed("structuring")
    f["skills.trainings"] = ev(lambda k, *_: k == "training")
    f["skills.summer_schools"] = ev(lambda k, *_: k == "summer_school")
    f["skills.workshops"] = ev(lambda k, *_: k == "workshop")
    intl = {kind: (n, amount, countries) for kind, n, amount, countries in rows["international"]}
    f["international.mobilities"] = intl.get("mobility", (0,))[0]
    f["international.mobility_eur"] = _eur(intl.get("mobility", (0, 0))[1])
    f["international.mobility_countries"] = intl.get("mobility", (0, 0, 0))[2]
    f["international.conferences"] = ev(lambda k, _r, _t, intl_, *_: k == "conference" and intl_)
    f["international.teachers"] = intl.get("teaching", (0,))[0]
    f["international.students_hosted"] = intl.get("student_hosted", (0,))[0]
    f["international.delegations"] = intl.get("delegation", (0,))[0]
    return f


def key_figures_floor(connection, year: int) -> dict:
    with connection.cursor() as cursor:
        return finish(run_queries(cursor, year))
