"""Scientific animation and international actions: the Forum with its speakers, posters,
prizes and workshops; public evenings and their surveys; information sessions, trainings,
summer school, supported events; mobilities, teachers, hosted students and delegations."""

from datetime import date, timedelta

from events.models import (
    Event,
    EventSpeaker,
    InternationalAction,
    Poster,
    Prize,
    SurveyResponse,
)

from . import plan
from .grants import ACTIONS, OBJECTS, Grants
from .network import Network
from .sync import sync_children, sync_links, sync_rows

E = Event.Kind
R = Event.Role

CANCERS = ["cancers du sein", "cancers du poumon", "lymphomes", "mélanomes", "gliomes",
           "sarcomes", "cancers colorectaux", "cancers de la prostate", "leucémies"]
ECLAIR_WORKSHOP = "Atelier patients partenaires – chercheurs (ECLAIR)"
SHANGHAI = "Université Jiao Tong de Shanghai"


def build_animation(net: Network, grants: Grants) -> None:
    events = _sync_events(net, grants)
    _sync_forum_content(net, events)
    _sync_supported_event_prizes(net, grants, events)
    _sync_surveys(events)
    _sync_international(net, grants)


def _event_row(net: Network, title, kind, role, start, end=None, *, site=None, venue="",
               participants=None, parent=None, organiser="clara", call=None,
               working_group=None, award=None, international=False, description=""):
    return {
        "title": title, "start_date": start, "end_date": end or start, "kind": kind,
        "role": role, "site_id": net.sites[site].pk if site else None, "venue": venue,
        "participants": participants, "parent_id": parent.pk if parent else None,
        "organiser_id": net.orgs[organiser].pk if organiser else None,
        "call_id": call.pk if call else None,
        "working_group_id": net.working_groups[working_group].pk if working_group else None,
        "award_id": award.pk if award else None, "is_international": international,
        "description": description,
    }


def _sync_events(net: Network, grants: Grants) -> dict:
    rows, keys = [], []

    def add(key, row):
        keys.append(key)
        rows.append(row)

    for year in plan.YEARS:
        forum = plan.FORUMS[year]
        (m1, d1), (m2, d2) = forum["dates"]
        start, end = date(year, m1, d1), date(year, m2, d2)
        add(("forum", year), _event_row(
            net, f"Forum de la recherche en cancérologie {year}", E.FORUM, R.ORGANISED,
            start, end, site=forum["site"], venue=forum["venue"],
            participants=forum["participants"],
            description="Le rendez-vous annuel des équipes du réseau : conférences, posters, "
                        "trophées des jeunes start-up et ateliers participatifs.",
        ))
        evening = plan.PUBLIC_EVENINGS[year]
        add(("evening", year), _event_row(
            net, evening["title"], E.PUBLIC_EVENING, R.ORGANISED,
            date(year, *evening["date"]), site=evening["site"], venue=evening["venue"],
            participants=evening["participants"], working_group="ECLAIR",
            description="Soirée grand public : le duo patient-chercheur au cœur des échanges.",
        ))
        for code, (month, day), participants in plan.INFO_SESSIONS[year]:
            call = grants.calls[(code, year)]
            add(("info", year, code), _event_row(
                net, f"Session d'information — {call.title}", E.INFO_SESSION, R.ORGANISED,
                date(year, month, day), venue="En ligne (visioconférence)",
                participants=participants, call=call,
            ))
        title, (month, day), participants = plan.TRAININGS[year]
        add(("training", year), _event_row(
            net, title, E.TRAINING, R.ORGANISED, date(year, month, day), site="lyon",
            venue="Jardin des entreprises, Lyon", participants=participants,
        ))
        add(("summer", year), _event_row(
            net, f"Precision Oncology Summer School {year} — Médecine de précision en "
                 "oncologie et entrepreneuriat",
            E.SUMMER_SCHOOL, R.PARTNERSHIP, date(year, 7, 7), date(year, 7, 11), site="lyon",
            venue="Campus Lyon-Est, Lyon", participants=40, organiser="ucbl",
        ))
        for i, title in enumerate(plan.INTERNATIONAL_CONFERENCES[year]):
            add(("conference", year, i), _event_row(
                net, title, E.CONFERENCE, R.SUPPORTED, date(year, 11, 24 + i), site="lyon",
                venue="Entretiens Jacques Cartier, Lyon", participants=90 + 20 * i,
                organiser=None, international=True,
            ))
        for app in grants.apps:
            if app.year == year and app.event:
                ev = app.event
                add(("supported", year, app.rank_in_status), _event_row(
                    net, ev["title"], E.SCIENTIFIC_EVENT, R.SUPPORTED, ev["start"], ev["end"],
                    site=ev["site"], venue=ev["venue"], participants=ev["participants"],
                    organiser=ev["host"], award=app.award,
                ))
    synced = sync_rows(Event, ["title", "start_date"], rows)
    events = {key: synced[(row["title"], row["start_date"])] for key, row in zip(
        keys, rows, strict=True)}

    # Workshops held during the Forums: children of the Forum, except ECLAIR's 2025 workshop,
    # which the report counts among the Forum's workshops but was not attached to it.
    rows, keys = [], []
    for year in plan.YEARS:
        forum = events[("forum", year)]
        for i, name in enumerate(plan.FORUMS[year]["workshops"]):
            day = forum.start_date + timedelta(days=i % forum.days)
            keys.append(("workshop", year, i))
            rows.append(_event_row(
                net, name, E.WORKSHOP, R.ORGANISED, day, site=plan.FORUMS[year]["site"],
                venue=forum.venue, participants=25 + 5 * i, parent=forum,
            ))
    forum = events[("forum", 2025)]
    keys.append(("workshop", 2025, "eclair"))
    rows.append(_event_row(
        net, ECLAIR_WORKSHOP, E.WORKSHOP, R.ORGANISED, forum.start_date, forum.end_date,
        site=plan.FORUMS[2025]["site"], venue=forum.venue, participants=30,
        working_group="ECLAIR",
        description="Atelier participatif du groupe ECLAIR, tenu pendant le Forum.",
    ))
    synced = sync_rows(Event, ["title", "start_date"], rows)
    events.update({key: synced[(row["title"], row["start_date"])] for key, row in zip(
        keys, rows, strict=True)})
    return events


def _sync_forum_content(net: Network, events: dict) -> None:
    speakers, posters = [], []
    students = net.students
    young = {}
    for year in plan.YEARS:
        forum_plan = plan.FORUMS[year]
        forum = events[("forum", year)]
        leaders = net.teams_in(year)
        invited = (net.patients[6:10] + [net.contacts[i] for i in sorted(net.contacts)[:5]]
                   + net.experts[:5])
        chosen = [(t.leader, f"Travaux de l'équipe « {t.obj.name} »")
                  for t in leaders[year % 5::5][: forum_plan["speakers"] - len(invited)]]
        chosen += [(p, "Témoignage de patient partenaire") for p in net.patients[6:10]]
        chosen += [(p, "Regard industriel sur l'innovation en cancérologie")
                   for p in invited[4:9]]
        chosen += [(p, "Conférence invitée") for p in net.experts[:5]]
        speakers += [{"event_id": forum.pk, "person_id": person.pk, "topic": topic}
                     for person, topic in chosen]
        for kind, count in (("lay", forum_plan["lay_posters"]),
                            ("scientific", forum_plan["scientific_posters"])):
            for i in range(count):
                j = i + (year - 2023) * 7 + (100 if kind == "lay" else 0)
                cancer = CANCERS[j % len(CANCERS)]
                obj = OBJECTS[(j * 5) % len(OBJECTS)]
                if kind == "lay":
                    title = f"Comprendre le rôle {obj} dans les {cancer} ({i + 1})"
                else:
                    # Worded unlike the applications' titles, so that a poster never reads
                    # as an application that was not selected (tests/test_privacy_crawl.py).
                    action = ACTIONS[j % len(ACTIONS)].lower()
                    title = f"{obj[0].upper()}{obj[1:]} : {action} dans les {cancer} ({i + 1})"
                posters.append({
                    "event_id": forum.pk, "kind": kind, "title": title,
                    "presenter_id": students[(j * 7) % len(students)].pk,
                })
        young[year] = sorted(
            (c for c in net.companies_in(year) if c.active_from.year >= year - 2),
            key=lambda c: (-c.active_from.toordinal(), c.index),
        )[: forum_plan["trophies"]]
    sync_rows(EventSpeaker, ["event_id", "person_id"], speakers)
    synced = sync_rows(Poster, ["event_id", "title"], posters)

    prizes = []
    for year in plan.YEARS:
        forum = events[("forum", year)]
        n = plan.FORUMS[year]["poster_prizes"]
        forum_posters = [p for (event_id, _t), p in synced.items() if event_id == forum.pk]
        lay = sorted((p for p in forum_posters if p.kind == "lay"), key=lambda p: p.title)
        sci = sorted((p for p in forum_posters if p.kind == "scientific"),
                     key=lambda p: p.title)
        winners = lay[: n * 2 // 5] + sci[: n - n * 2 // 5]
        for i, poster in enumerate(winners):
            label = ("Prix du public — poster vulgarisé" if poster.kind == "lay"
                     else "Prix du meilleur poster scientifique")
            prizes.append({"event_id": forum.pk, "kind": Prize.Kind.POSTER_PRIZE,
                           "label": f"{label} n° {i + 1}", "poster_id": poster.pk,
                           "laureate_id": None, "awarded_by_clara": True})
        for company in young[year]:
            prizes.append({"event_id": forum.pk, "kind": Prize.Kind.STARTUP_TROPHY,
                           "label": f"Trophée jeune start-up {year} — {company.obj.name}",
                           "poster_id": None, "laureate_id": company.obj.pk,
                           "awarded_by_clara": True})
    sync_rows(Prize, ["event_id", "label"], prizes)


def _sync_supported_event_prizes(net: Network, grants: Grants, events: dict) -> None:
    """Poster prizes handed out by CLARA at supported events, plus one prize given by the
    organiser itself (not counted among CLARA's prizes)."""
    posters, prizes = [], []
    for year in plan.YEARS:
        count = plan.SUPPORTED_EVENT_PRIZES[year]
        for rank in range(count + 1):
            event = events[("supported", year, rank)]
            title = f"Poster primé — {event.title}"
            presenter = net.students[(rank * 11 + year) % len(net.students)]
            posters.append({"event_id": event.pk, "kind": "scientific", "title": title,
                            "presenter_id": presenter.pk})
            prizes.append((event, title, rank < count))
    synced = sync_rows(Poster, ["event_id", "title"], posters)
    sync_rows(Prize, ["event_id", "label"], [
        {"event_id": event.pk, "kind": Prize.Kind.POSTER_PRIZE,
         "label": "Prix poster du CLARA" if by_clara else "Prix poster des organisateurs",
         "poster_id": synced[(event.pk, title)].pk, "laureate_id": None,
         "awarded_by_clara": by_clara}
        for event, title, by_clara in prizes
    ])


def _sync_surveys(events: dict) -> None:
    comments = ["Très belle soirée, merci !", "Échanges passionnants avec les chercheurs.", ""]
    sync_children(SurveyResponse, "event_id", {
        events[("evening", year)].pk: [
            {"rating": rating, "would_recommend": recommend, "comment": comments[i % 3]}
            for i, (rating, recommend) in enumerate(plan.PUBLIC_EVENINGS[year]["ratings"])
        ]
        for year in plan.YEARS
    }, ["rating", "would_recommend", "comment"])


def _sync_international(net: Network, grants: Grants) -> None:
    Kind = InternationalAction.Kind
    rows, members = [], {}
    for app in grants.apps:
        if app.mobility:
            m = app.mobility
            rows.append({
                "kind": Kind.MOBILITY, "title": f"Mobilité {app.year} — {app.pi} à "
                                             f"{m['institution']}",
                "person_id": app.pi.pk, "country": m["country"],
                "institution": m["institution"], "start_date": m["start"],
                "end_date": m["end"], "award_id": app.award.pk,
            })
    for year in plan.YEARS:
        teachers = [t.leader for t in net.teams_in(year)][year % 7::17][: plan.TEACHERS[year]]
        for i, person in enumerate(teachers):
            start = date(year, 3 + i, 10)
            rows.append({
                "kind": Kind.TEACHING,
                "title": f"Master 1 en cancérologie {year} (Shanghai) — {person}",
                "person_id": person.pk, "country": "CN", "institution": SHANGHAI,
                "start_date": start, "end_date": start + timedelta(days=5), "award_id": None,
            })
    hosted = {2025: net.guests[:1], 2024: net.guests[1:3], 2023: net.guests[3:4]}
    for year, people in hosted.items():
        for person in people:
            rows.append({
                "kind": Kind.STUDENT_HOSTED,
                "title": f"Accueil en Master 2 à Lyon ({year}-{year + 1}) — {person}",
                "person_id": person.pk, "country": "CN", "institution": SHANGHAI,
                "start_date": date(year, 9, 1), "end_date": date(year + 1, 6, 30),
                "award_id": None,
            })
    by_site = {site: [t.leader for t in net.teams_in(2025, site)] for site in plan.SITE_SLUGS}
    delegation_2025 = (by_site["clermont-ferrand"][2:4] + by_site["grenoble"][5:7]
                       + by_site["lyon"][8:11])
    delegation_2023 = by_site["lyon"][20:23] + by_site["grenoble"][12:14]
    for title, country, institution, start, people in (
        ("Délégation en Chine — symposium « Intelligence artificielle en médecine, "
         "vieillissement et cancer »", "CN",
         f"{SHANGHAI}, avec l'Université de Manchester et l'Université nationale de Singapour",
         date(2025, 11, 3), delegation_2025),
        ("Délégation au Québec — Entretiens Jacques Cartier de Montréal", "CA",
         "Université de Montréal", date(2023, 10, 2), delegation_2023),
    ):
        rows.append({
            "kind": Kind.DELEGATION, "title": title, "person_id": people[0].pk,
            "country": country, "institution": institution, "start_date": start,
            "end_date": start + timedelta(days=5), "award_id": None,
        })
        members[title] = people
    synced = sync_rows(InternationalAction, ["kind", "title"], rows)
    delegations = {title: synced[(Kind.DELEGATION, title)] for title in members}
    sync_links(InternationalAction.members, [
        (delegations[title].pk, person.pk)
        for title, people in members.items() for person in people
    ], [d.pk for d in delegations.values()])

