"""The statistics page's chart data: figures from the service, every label in the visitor's language."""

from __future__ import annotations

from typing import Any

from kechuang.domain.market import FlowDirection
from kechuang.services.market_stats import Bucket, ContractStatistics

from .i18n import Translator

WAN = 10_000
TOP = 10
# flow direction -> (sellers' node, buyers' node) of the flow chart
FLOW_NODES = {
    FlowDirection.WITHIN_BEIJING: ("seller_beijing", "buyer_beijing"),
    FlowDirection.TO_TIANJIN_HEBEI: ("seller_beijing", "buyer_tianjin_hebei"),
    FlowDirection.TO_OTHER_PROVINCES: ("seller_beijing", "buyer_other_provinces"),
    FlowDirection.TO_ABROAD: ("seller_beijing", "buyer_abroad"),
    FlowDirection.INFLOW_DOMESTIC: ("seller_other_provinces", "buyer_beijing"),
    FlowDirection.INFLOW_ABROAD: ("seller_abroad", "buyer_beijing"),
}


def _wan(value: float) -> float:
    return round(value / WAN, 1)


def label(bucket: Bucket, lang: str) -> str:
    return bucket.label_zh if lang == "zh" else bucket.label_en


def _series(buckets: list[Bucket], lang: str) -> dict[str, list[Any]]:
    return {
        "names": [label(b, lang) for b in buckets],
        "count": [b.count for b in buckets],
        "amount": [_wan(b.transaction_amount) for b in buckets],
    }


def flow_chart(stats: ContractStatistics, _: Translator) -> dict[str, Any]:
    """Sellers' place → buyers' place, weighted by transaction amount (Beijing's outflows and inflows)."""
    links = []
    for bucket in stats.groups.get("flow", []):
        flow = FlowDirection(bucket.key)
        if flow not in FLOW_NODES or bucket.transaction_amount <= 0:
            continue
        source, target = FLOW_NODES[flow]
        links.append({"source": _(f"market.stats.node.{source}"), "target": _(f"market.stats.node.{target}"),
                      "value": _wan(bucket.transaction_amount), "count": bucket.count,
                      "flow": flow.label(_.lang)})
    names = dict.fromkeys(name for link in links for name in (link["source"], link["target"]))
    return {"nodes": [{"name": name} for name in names], "links": links}


def months(stats: ContractStatistics) -> dict[str, list[Any]]:
    """Every month of the period, empty months included, so the time axis has no gaps."""
    found = {b.key: b for b in stats.groups.get("month", [])}
    keys, day = [], stats.period_from.replace(day=1)
    while day <= stats.period_to:
        keys.append(f"{day:%Y-%m}")
        day = day.replace(year=day.year + day.month // 12, month=day.month % 12 + 1)
    return {
        "names": keys,
        "count": [found[k].count if k in found else 0 for k in keys],
        "amount": [_wan(found[k].transaction_amount) if k in found else 0 for k in keys],
    }


def chart_data(stats: ContractStatistics, _: Translator) -> dict[str, Any]:
    """All chart series plus their axis and series names, as one JSON block for static/market-charts.js."""
    return {
        "labels": {
            "count": _("market.stats.count"),
            "amount": _("market.stats.amount_wan"),
            "flow": _("market.stats.flow"),
            "empty": _("market.stats.empty"),
        },
        "flow": flow_chart(stats, _),
        "months": months(stats),
        "types": _series(stats.groups.get("type", []), _.lang),
        "disciplines": _series(stats.groups.get("discipline", [])[:TOP], _.lang),
        "industries": _series(stats.groups.get("industry", [])[:TOP], _.lang),
    }
