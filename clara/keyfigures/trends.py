"""A figure over the years as a small bar chart drawn on the server (inline SVG, no script):
the geometry is computed here, the template `keyfigures/_trend.html` only places it. The
chart is a picture for sighted readers; the table beside it holds the same values, each
linking to the records of its year."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

WIDTH = 480
HEIGHT = 220
TOP = 26  # room for the values above the bars
BOTTOM = 26  # room for the years under the bars
SIDE = 8
# Beyond this many bars, values are not written above them (the table gives them) and only
# every other year (or fewer) is written under them, so that labels never overlap.
MAX_LABELLED = 12


@dataclass
class TrendBar:
    year: int
    value: int | Decimal
    display: str
    url: str
    x: float
    y: float
    width: float
    height: float
    centre: float
    label_y: float
    show_value: bool
    show_year: bool


@dataclass
class TrendChart:
    width: int
    height: int
    baseline: float
    year_y: float
    bars: list[TrendBar]

    @property
    def years(self) -> list[int]:
        return [bar.year for bar in self.bars]


def trend_chart(points: list[tuple[int, int | Decimal, str, str]]) -> TrendChart | None:
    """Vertical bars, oldest year on the left, for `points` = (year, value, value as shown,
    url of the year's records), in any order. None when there is no year to draw."""
    if not points:
        return None
    points = sorted(points, key=lambda point: point[0])
    count = len(points)
    largest = max((Decimal(value) for _y, value, _d, _u in points), default=Decimal(0))
    plot_width = WIDTH - 2 * SIDE
    plot_height = HEIGHT - TOP - BOTTOM
    baseline = HEIGHT - BOTTOM
    slot = plot_width / count
    bar_width = round(min(slot * 0.7, 80), 2)
    every = max(1, math.ceil(count / MAX_LABELLED))
    bars = []
    for index, (year, value, display, url) in enumerate(points):
        share = float(Decimal(value) / largest) if largest > 0 else 0.0
        # A value above zero is always visible, however small beside the largest.
        height = round(max(share * plot_height, 2 if value else 0), 2)
        centre = round(SIDE + slot * (index + 0.5), 2)
        bars.append(TrendBar(
            year, value, display, url, round(centre - bar_width / 2, 2),
            round(baseline - height, 2), bar_width, height, centre, round(baseline - height - 6, 2),
            show_value=count <= MAX_LABELLED,
            show_year=(count - 1 - index) % every == 0,  # the latest year always
        ))
    return TrendChart(WIDTH, HEIGHT, baseline, HEIGHT - 8, bars)
