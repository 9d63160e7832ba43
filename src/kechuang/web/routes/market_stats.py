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
TABLES = ("flow", "type", "discipline", "industry", "seller_region", "buyer_region", "top_sellers",
          "top_buyers")


@router.get("/market/statistics")
def statistics_page(request: Request, year: str = "") -> Response:
    """Officers, registrars and admins; the service refuses everyone else (a translated 403 page)."""
    who = visitor(request)
    if not who.signed_in:
        return RedirectResponse("/login?next=/market/statistics", status_code=303)
    this_year = date.today().year
    # default: the last complete calendar year, the period annual statistics report on
    chosen = int(year) if year.isdigit() and 1980 <= int(year) <= 2100 else this_year - 1
    stats = market_stats.contract_statistics(who.actor, uow_of(request), year=chosen)
    years = sorted({*range(this_year - 5, this_year + 1), chosen}, reverse=True)
    return render(request, "statistics.html", stats=stats, year=chosen, tables=TABLES, years=years,
                  data=chart_data(stats, Translator(who.lang)), charts=ECHARTS_FILE.is_file())
