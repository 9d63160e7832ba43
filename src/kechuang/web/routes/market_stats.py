"""The contract statistics page: totals, flow and time charts, breakdown tables, CSV/XLSX downloads."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from kechuang.services import market_stats

from ..i18n import Translator
from ..market_charts import chart_data
from ..render import ECHARTS_FILE, render
from ..session import csrf_guard, uow_of, visitor

router = APIRouter(dependencies=[Depends(csrf_guard)], include_in_schema=False)
TABLES = ("flow", "type", "discipline", "industry", "seller_region", "buyer_region", "seller_kind",
          "buyer_kind", "tech_field", "top_sellers", "top_buyers")


@router.get("/market/statistics")
def statistics_page(request: Request, year: str = "", year_from: str = "", year_to: str = "") -> Response:
    """Officers, registrars and admins; the service refuses everyone else (a translated 403 page).

    One year (`year`) or a range (`year_from`..`year_to`); by default the latest year with registered
    contracts. Totals, types and flows are shown beside the previous period of the same length.
    """
    who = visitor(request)
    if not who.signed_in:
        return RedirectResponse("/login?next=/market/statistics", status_code=303)
    uow = uow_of(request)
    latest = market_stats.latest_year(who.actor, uow) or date.today().year - 1
    first, last = _years(year_from or year, year_to or year, latest)
    stats = market_stats.contract_statistics(who.actor, uow, period=market_stats.years_period(first, last))
    before = market_stats.contract_statistics(who.actor, uow, period=market_stats.previous_period(stats))
    this_year = date.today().year
    years = sorted({*range(min(first, latest) - 5, this_year + 1), first, last}, reverse=True)
    return render(request, "statistics.html", stats=stats, first=first, last=last, tables=TABLES, years=years,
                  change=market_stats.year_on_year(stats, before), previous=before,
                  data=chart_data(stats, Translator(who.lang)), charts=ECHARTS_FILE.is_file())


def _years(first: str, last: str, latest: int) -> tuple[int, int]:
    """The chosen years, each within 1980-2100 and in order; anything unreadable falls back to `latest`."""
    def read(value: str) -> int:
        return int(value) if value.isdigit() and 1980 <= int(value) <= 2100 else latest

    a, b = read(first), read(last)
    return (a, b) if a <= b else (b, a)
