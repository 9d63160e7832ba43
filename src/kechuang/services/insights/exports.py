"""XLSX workbooks of every decision-support table: network measures, the trend radar, a chain map."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook

from kechuang.domain.insights import ChainStage
from kechuang.domain.limits import clean_text

from .networks import NetworkView
from .trends import FieldRadar

XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SUMMARY_COLUMNS = (
    "year", "nodes", "edges", "total_weight", "components", "largest_component_share", "communities",
    "modularity", "cross_sector_share", "bth_share", "international_share", "isolates_share",
)  # fmt: skip


def _cell(value: Any) -> Any:
    """Spreadsheet-safe value: lists joined, text without control characters, no formula injection."""
    if isinstance(value, list | tuple):
        value = "; ".join(str(v) for v in value)
    if isinstance(value, str):
        value = clean_text(value, multiline=False)
        if value[:1] in ("=", "+", "-", "@"):
            value = "'" + value
    return value


def _book(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for title, header, rows in sheets:
        sheet = book.create_sheet(title[:31])
        sheet.append(list(header))
        for row in rows:
            sheet.append([_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def network_workbook(view: NetworkView) -> bytes:
    """Sheets: summary, by year, brokers, organizations, ties, Beijing-Tianjin-Hebei, international."""
    summary = view.summary
    return _book([
        ("summary", ("measure", "value"), [(k, summary[k]) for k in SUMMARY_COLUMNS if k != "year"]),
        ("by_year", SUMMARY_COLUMNS, [[row[k] for k in SUMMARY_COLUMNS] for row in view.by_year]),
        ("brokers", ("node", "betweenness"), summary["top_brokers"]),
        ("organizations", ("id", "name", "sector", "region", "country", "degree", "strength", "community",
                           "broker", "records"),
         [[n[k] for k in ("id", "name", "sector", "region", "country", "degree", "strength", "community",
                          "broker", "records")] for n in view.nodes]),
        ("ties", ("source", "target", "weight", "kinds"),
         [[t["source"], t["target"], t["weight"], t["kinds"]] for t in view.links]),
        ("bth", ("pair", "weight"), list(view.bth.items())),
        ("international", ("country", "weight", "foreign_partners", "domestic_partners"),
         [[r["country"], r["weight"], r["foreign_partners"], r["domestic_partners"]]
          for r in view.international]),
    ])  # fmt: skip


def radar_workbook(fields: list[FieldRadar]) -> bytes:
    """One row per topic with its curve, growth, bursts, novelty and evidence."""
    rows = []
    for radar in fields:
        for topic in radar.topics:
            curve = [f"{y}:{c}" for y, c in zip(topic.years, topic.counts, strict=True)]
            bursts = [f"{b.start}-{b.end} ({b.weight:.2f})" for b in topic.bursts]
            rows.append([radar.field, radar.label, topic.term, topic.volume, round(topic.growth, 6),
                         "yes" if topic.is_new else "", topic.first_year, round(topic.score, 6), curve,
                         bursts, topic.evidence])  # fmt: skip
    header = ("field", "field_name", "term", "volume", "growth", "new", "first_year", "score", "curve",
              "bursts", "evidence")  # fmt: skip
    return _book([("topics", header, rows)])


def chain_workbook(chain_map: dict[str, Any], lang: str = "zh") -> bytes:
    """Per node: stage, suppliers by region, records, gap flag, candidates and matched achievements."""
    name = "name_zh" if lang.startswith("zh") else "name_en"
    title = "title_zh" if lang.startswith("zh") else "title_en"
    nodes, candidates = [], []
    for item in chain_map["nodes"]:
        node = item["node"]
        label = node[name] or node["name_zh"] or node["name_en"]
        suppliers = item["suppliers"]
        nodes.append([
            ChainStage(node["stage"]).label(lang), label, node["industry_codes"],
            [s[name] or s["name_zh"] for s in suppliers["beijing"]],
            [s[name] or s["name_zh"] for s in suppliers["tianjin_hebei"]],
            [s[name] or s["name_zh"] for s in suppliers["elsewhere"]],
            item["achievement_count"], item["demand_count"], item["contracts"], item["contract_amount"],
            "gap" if item["gap"] else "", "regional gap" if item["regional_gap"] else "",
        ])  # fmt: skip
        for supplier in item["candidates"]:
            candidates.append(
                [label, "supplier", supplier[name] or supplier["name_zh"], supplier["region"], "", ""]
            )
        for match in item["matches"]:
            reasons = [r["zh" if lang.startswith("zh") else "en"] for r in match["reasons"]]
            candidates.append([label, "achievement", match[title] or match["title_zh"], match["region_code"],
                               match["score"], reasons])  # fmt: skip
    header = (
        "stage",
        "node",
        "industry_codes",
        "beijing_suppliers",
        "tianjin_hebei_suppliers",
        "other_suppliers",
        "achievements",
        "demands",
        "contracts",
        "contract_amount",
        "gap",
        "regional_gap",
    )
    return _book([
        ("nodes", header, nodes),
        ("gap_candidates", ("node", "kind", "name", "region", "score", "reasons"), candidates),
    ])  # fmt: skip
