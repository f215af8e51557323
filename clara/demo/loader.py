"""Demo data: the CLARA network in 2023, 2024 and 2025, built record by record.

Besides, the next edition of the calls is open on the day it is loaded, without applications
(`open_calls.py`).

`load_demo()` is deterministic and idempotent: every record has a natural key (slug,
reference, name…), a second run writes nothing. Aggregating the records with the key-figure
definitions gives the 2025 activity report's figures, and other plausible ones for 2023 and
2024 (see `plan.py` for the scenario).
"""

from django.apps import apps
from django.db import transaction

from clara.demo.animation import build_animation
from clara.demo.disbursements import sync_disbursements
from clara.demo.evaluation import build_evaluation
from clara.demo.grants import build_grants, sync_grants
from clara.demo.network import DEMO_ACCOUNTS, DEMO_PASSWORD, build_network, sync_accounts
from clara.demo.open_calls import build_open_calls
from clara.publiccache import records_changed

__all__ = ["DEMO_ACCOUNTS", "DEMO_PASSWORD", "DEMO_APPS", "load_demo", "row_counts"]

DEMO_APPS = ("accounts", "network", "programmes", "funding", "projects", "events")


@transaction.atomic
def load_demo() -> None:
    """Build (or complete) the demo network; running it again changes nothing."""
    net = build_network()
    grants = build_grants(net)
    sync_accounts(net)
    sync_grants(net, grants)
    sync_disbursements()
    build_animation(net, grants)
    # The next edition's calls, open today: a new user always has one to apply to.
    open_calls = build_open_calls(net, grants)
    # Reviewers, auditions, and a submitted application on an open call with reviews assigned
    # to the demo reviewer accounts (clara/demo/evaluation.py).
    build_evaluation(net, grants, open_calls)
    # Written in bulk, without model signals: the public list's copy of each project's facts.
    from projects.services import project_facts_refresh

    project_facts_refresh()
    # The years of the reference reports are final: their figures are public.
    publish_demo_years()
    # Written in bulk, without model signals: the public pages must be recomputed.
    records_changed()


DEMO_PUBLISHED_YEARS = (2023, 2024, 2025)


def publish_demo_years() -> None:
    from clara.keyfigures.publication import published_years, year_publish

    published = set(published_years())
    for year in DEMO_PUBLISHED_YEARS:
        if year not in published:
            year_publish(year=year, user=None, reason="Données de démonstration")


def row_counts() -> dict[str, int]:
    """Rows per model of the project's apps (history tables and M2M links included)."""
    counts = {}
    for label in DEMO_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            counts[model._meta.label] = model._default_manager.count()
    return counts
