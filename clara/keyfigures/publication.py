"""Published years: staff publish a year's figures once its report is final.

The public key-figure pages show published years only (staff also see the others, marked as
drafts). A publication stores the year's figures as they were, for one purpose: the staff
dashboard compares them with the figures the records give today, and lists the record changes
made since (django-simple-history) in the families of records of the figures that moved. The
pages never read the stored figures: they always compute from the records.

Services: `year_publish` (also republishing: a decision that records the new figures) and
`year_unpublish`. Selectors: `published_years`, `publication_in_force`,
`changes_since_publication`.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import reduce

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, Q, Value
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clara.formatting import format_figure
from clara.keyfigures import selectors
from clara.keyfigures.models import YearPublication
from clara.keyfigures.plurals import label_for
from clara.publiccache import records_changed

# Record changes listed on the dashboard at most (newest first), and per figure.
HISTORY_LIMIT = 200
HISTORY_PER_FIGURE = 10


# --- Selectors ------------------------------------------------------------------------------


def published_years() -> list[int]:
    """The years whose figures are published, newest first (one query)."""
    return list(YearPublication.objects.in_force().order_by("-year")
                .values_list("year", flat=True))


def publication_in_force(year: int) -> YearPublication | None:
    """The publication of `year` in force, with who published it (one query), or None."""
    return (YearPublication.objects.in_force().filter(year=year)
            .select_related("published_by").first())


def publication_history(year: int) -> list[YearPublication]:
    """Every publication of `year`, newest first, with who made and ended it (one query)."""
    return list(YearPublication.objects.filter(year=year)
                .select_related("published_by", "ended_by").order_by("-published_at"))


# --- Services -------------------------------------------------------------------------------


def _as_text(value: int | Decimal) -> str:
    """A figure as stored: the same text on SQLite and PostgreSQL ("275000", not "275000.00")."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def _as_number(text: str) -> int | Decimal | None:
    try:
        number = Decimal(text)
    except (InvalidOperation, TypeError):
        return None
    return int(number) if number == number.to_integral_value() and "." not in text else number


@transaction.atomic
def year_publish(*, year: int, user, reason: str = "") -> YearPublication:
    """Publish the figures of `year` as the records give them now; when the year is already
    published, republish it (the publication in force ends as "republished" and is kept).

    Raises ValidationError for a year outside 2000–2100, a year after the current one, or a
    year in which nothing is recorded."""
    now = timezone.now()
    if not 2000 <= year <= timezone.localdate(now).year:
        raise ValidationError(_("On ne publie que des années passées ou en cours."))
    if year not in selectors.years_with_records():
        raise ValidationError(_("Aucun dossier n'est enregistré pour %(year)s : rien à publier.")
                              % {"year": year})
    current = (YearPublication.objects.select_for_update().in_force().filter(year=year)
               .first())
    if current is not None:
        current.ended_at, current.ended_by = now, user
        current.ended_how = YearPublication.End.REPUBLISHED
        current.save(update_fields=["ended_at", "ended_by", "ended_how"])
    figures = selectors.key_figures_for_year(year)
    publication = YearPublication(
        year=year, published_at=now, published_by=user, reason=reason[:500],
        figures={key: _as_text(value) for key, value in figures.items()},
    )
    publication.full_clean()
    publication.save()
    # The public pages of the year appear (or their draft mark goes): recompute them.
    records_changed()
    return publication


@transaction.atomic
def year_unpublish(*, year: int, user, reason: str = "") -> YearPublication:
    """Withdraw the publication of `year`: its public pages answer 404 again. The publication
    is kept, ended as "withdrawn". Raises ValidationError when the year is not published."""
    current = (YearPublication.objects.select_for_update().in_force().filter(year=year)
               .first())
    if current is None:
        raise ValidationError(_("Les chiffres de %(year)s ne sont pas publiés.") % {"year": year})
    current.ended_at, current.ended_by = timezone.now(), user
    current.ended_how = YearPublication.End.WITHDRAWN
    if reason:
        current.reason = f"{current.reason} — {reason}"[:500] if current.reason else reason[:500]
    current.save(update_fields=["ended_at", "ended_by", "ended_how", "reason"])
    records_changed()
    return current


# --- What the records changed since the publication ----------------------------------------


@dataclass(frozen=True)
class HistorySource:
    """Where the record changes behind a family's figures are: the history of `model`, for
    the records `path` names from the family's rows of the year ("pk": the rows themselves)."""

    model: type
    path: str

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


def _has_history(model) -> bool:
    return hasattr(model, "history") and hasattr(model.history, "model")


def history_sources(family: str) -> list[HistorySource]:
    """The histories that record changes of a family's figures: its own model's, and those of
    the records its rows point to (a contribution's award: moving the award's decision date
    moves the contribution to another year). Models without history give nothing."""
    model = selectors.FAMILIES[family](2000).model
    sources = [HistorySource(model, "pk")] if _has_history(model) else []
    for field in model._meta.concrete_fields:
        target = field.related_model if field.many_to_one else None
        if target is not None and target is not model and _has_history(target):
            sources.append(HistorySource(target, field.attname))
    return sources


CHANGE_TYPES = {"+": gettext_lazy("création"), "~": gettext_lazy("modification"),
                "-": gettext_lazy("suppression")}


def _history_rows(year: int, since, families: set[str]) -> list[dict]:
    """The history rows made after `since` of the records of `families` in `year` (and the
    deletions of their models, whose records no longer say which year they belonged to):
    one query (a UNION of the histories), newest first, at most HISTORY_LIMIT."""
    # Per model, the records of the year that any of the families names (a model may be read
    # by several families, and by some through a relation: the award of a contribution).
    sources: dict[str, tuple[type, list[Q]]] = {}
    for family in sorted(families):
        for source in history_sources(family):
            entry = sources.setdefault(source.label, (source.model, []))
            entry[1].append(Q(id__in=selectors.FAMILIES[family](year).order_by()
                              .values(source.path)))
    parts = []
    for label, (model, conditions) in sources.items():
        historical = model.history.model
        in_year = reduce(operator.or_, conditions)
        # Deleted records no longer say which year they belonged to: every deletion counts.
        rows = historical.objects.filter(in_year | Q(history_type="-"),
                                         history_date__gt=since)
        parts.append(rows.order_by().annotate(model=Value(label, output_field=CharField()))
                     .values("history_id", "id", "history_date", "history_type",
                             "history_user__email", "history_user__first_name",
                             "history_user__last_name", "history_change_reason", "model"))
    if not parts:
        return []
    query = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return list(query.order_by("-history_date", "-history_id")[:HISTORY_LIMIT])


def _describe(row: dict) -> dict:
    label = row["model"]
    app_label, model_name = label.split(".")
    model = apps.get_model(app_label, model_name)
    url = None
    if row["history_type"] != "-":
        try:
            url = reverse(f"admin:{app_label}_{model_name}_change", args=[row["id"]])
        except NoReverseMatch:
            url = None
    name = " ".join(filter(None, (row["history_user__first_name"],
                                  row["history_user__last_name"])))
    return {
        "model": label,
        "model_name": model._meta.verbose_name,
        "id": row["id"],
        "url": url,
        "type": row["history_type"],
        "type_display": CHANGE_TYPES.get(row["history_type"], row["history_type"]),
        "user": name or row["history_user__email"] or "—",
        "date": row["history_date"],
        "reason": row["history_change_reason"] or "",
    }


def changes_since_publication(year: int, current: dict | None = None,
                              catalogue: dict | None = None,
                              publication: YearPublication | None = None) -> dict | None:
    """What the records have changed in the published figures of `year`, or None when the
    year is not published.

    `current` are the figures the records give now (computed when not given). The answer:
    the publication, the figures whose value moved (published value, value now, difference,
    formatted as the pages do) each with the record changes made since the publication in
    the histories of its family, and every such record change. A fixed number of queries:
    the publication, the catalogue and figures unless given, and one for the history rows.
    """
    from clara.keyfigures.views import format_change

    publication = publication if publication is not None else publication_in_force(year)
    if publication is None:
        return None
    catalogue = catalogue if catalogue is not None else selectors.figure_catalogue()
    current = current if current is not None else selectors.key_figures_for_year(year, catalogue)
    changed = []
    for key, figure in catalogue.items():
        now = current[key]
        published = _as_number(publication.figures.get(key)) if key in publication.figures \
            else None
        if published is not None and published == now:
            continue
        changed.append({
            "key": key,
            "figure": figure,
            "label": label_for(figure, now),
            "published": published,
            "published_display": (format_figure(published, figure.unit)
                                  if published is not None else "—"),
            "current": now,
            "current_display": format_figure(now, figure.unit),
            "delta_display": (format_change(now - published, figure.unit)
                              if published is not None else _("nouveau chiffre")),
        })
    # Figures published then but gone from the catalogue (a site renamed): shown, not compared.
    gone = [{"key": key, "published": value} for key, value in publication.figures.items()
            if key not in catalogue]
    families = {row["figure"].family for row in changed}
    rows = [_describe(row) for row in _history_rows(year, publication.published_at, families)]
    by_model: dict[str, list[dict]] = {}
    for row in rows:
        by_model.setdefault(row["model"], []).append(row)
    for row in changed:
        labels = [source.label for source in history_sources(row["figure"].family)]
        row["history_models"] = labels
        records = [r for label in labels for r in by_model.get(label, [])]
        records.sort(key=lambda r: r["date"], reverse=True)
        row["records"] = records[:HISTORY_PER_FIGURE]
        row["more_records"] = max(0, len(records) - HISTORY_PER_FIGURE)
    return {
        "publication": publication,
        "figures": changed,
        "gone": gone,
        "records": rows,
        "records_truncated": len(rows) >= HISTORY_LIMIT,
    }
