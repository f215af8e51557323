"""What the two open-data formats share: the period asked for, and the rows they cannot write.

A record that would make an invalid row (a beneficiary without any identifier, an agreement
not signed yet…) is never written broken: it becomes a `Problem`, listed to staff with what is
missing (`/donnees/controle/`, and the command's stderr), and left out of the file.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clara.opendata.selectors import FIRST_YEAR, LAST_YEAR, Period

LICENCE_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
LICENCE_NAME = "Licence Ouverte / Open Licence 2.0"


class PeriodError(ValueError):
    """A year outside FIRST_YEAR..LAST_YEAR, not a number, or a span ending before it starts."""


def _year(value: str | int) -> int:
    try:
        year = int(str(value).strip())
    except ValueError:
        raise PeriodError(_("L'année doit être un nombre de quatre chiffres.")) from None
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise PeriodError(
            _("L'année doit être comprise entre %(first)s et %(last)s.")
            % {"first": FIRST_YEAR, "last": LAST_YEAR}
        )
    return year


def period_from(*, year=None, first=None, last=None, default: Period) -> Period:
    """The period of `?annee=YYYY`, or of `?de=YYYY&a=YYYY` (either end may be left out);
    `default` when nothing is asked. Raises PeriodError on bad input."""
    if year not in (None, ""):
        value = _year(year)
        return Period(value, value)
    if first in (None, "") and last in (None, ""):
        return default
    start = _year(first) if first not in (None, "") else None
    end = _year(last) if last not in (None, "") else None
    # One end alone: the other from the default, never crossing it.
    if start is None:
        start = min(default.first_year, end)
    if end is None:
        end = max(default.last_year, start)
    if end < start:
        raise PeriodError(_("La fin de la période précède son début."))
    return Period(start, end)


@dataclass(frozen=True)
class Problem:
    """A row that cannot be exported: which award (and funder, for SCDL), and what is missing."""

    award_id: int
    reference: str
    project: str
    funder: str
    missing: tuple[str, ...]


def local_date(moment) -> str:
    """The date of `moment` in Europe/Paris, YYYY-MM-DD."""
    return timezone.localtime(moment).date().isoformat()


def scdl_export(period: Period):
    """The SCDL CSV text of `period`, its rows and its problems (three queries)."""
    from clara.opendata.scdl import scdl_csv, scdl_rows
    from clara.opendata.selectors import published_awards

    rows, problems = scdl_rows(published_awards(period))
    return scdl_csv(rows), rows, problems


def giving360_export(period: Period, *, access_url: str = "", download_url: str = ""):
    """The 360Giving package of `period` (a dict) and its problems (three queries)."""
    from clara.opendata.giving360 import giving360_package
    from clara.opendata.selectors import published_awards

    return giving360_package(published_awards(period), period, access_url=access_url,
                             download_url=download_url)


def file_name(kind: str, period: Period) -> str:
    extension = "csv" if kind == "scdl" else "json"
    return f"clara-subventions-{kind}-{period.label}.{extension}"
