"""The public territory page `/territoire/` (English under /en/): funding per site and per year
of decision, as a chart and as a table whose cells link to the funded projects behind them.
Anonymous, cached like the other public pages; two queries whatever the size of the data."""

from django.shortcuts import render

from clara.publiccache import public_cache
from projects.territory import YearSpan, territory_chart, territory_table


@public_cache
def index(request):
    span = YearSpan.from_query(request.GET)
    territory = territory_table(span)
    return render(request, "projects/territory.html", {
        "territory": territory,
        "chart": territory_chart(territory),
    })
