"""XLSX of an edition (scores, audit, uncertainty, configuration) and the data behind its pages and charts."""

from __future__ import annotations

import io
import json
from typing import Any

from openpyxl import Workbook

from kechuang.domain.indicators import IndexEdition

from .frameworks import framework_by_id
from .values import dataset_units


def node_names(framework_nodes: list[dict[str, Any]], lang: str) -> dict[str, str]:
    key = "name_zh" if lang.startswith("zh") else "name_en"
    return {n["code"]: n.get(key) or n["code"] for n in framework_nodes}


def edition_labels(uow: Any, edition: IndexEdition, lang: str) -> tuple[dict[str, str], dict[str, str]]:
    """Names of the edition's nodes and units in one language."""
    framework = framework_by_id(uow, edition.framework_id)
    units = {
        u.code: (u.name_zh if lang.startswith("zh") else u.name_en) or u.code
        for u in dataset_units(uow, edition.dataset)
    }
    return node_names(framework.nodes, lang), units


def edition_xlsx(
    edition: IndexEdition, nodes: dict[str, str], units: dict[str, str], lang: str = "zh"
) -> bytes:
    """One workbook: every score and rank, the audit of each year, the uncertainty analysis, the config."""
    zh = lang.startswith("zh")
    results = edition.results
    book = Workbook()
    sheet = book.active
    sheet.title = "scores"
    sheet.append(
        ["年份", "单元代码", "单元", "节点代码", "节点", "得分", "排名"]
        if zh
        else ["year", "unit code", "unit", "node code", "node", "score", "rank"]
    )
    for year in results["years"]:
        for code in results["order"]:
            for i, unit in enumerate(results["units"]):
                sheet.append(
                    [
                        year,
                        unit,
                        units.get(unit, unit),
                        code,
                        nodes.get(code, code),
                        results["scores"][str(year)][code][i],
                        results["ranks"][str(year)][code][i],
                    ]
                )
    audit_sheet = book.create_sheet("audit")
    audit_sheet.append(
        ["年份", "节点", "上级", "与上级相关", "与指数相关", "克朗巴赫α（上级）"]
        if zh
        else ["year", "node", "parent", "r with parent", "r with index", "Cronbach alpha (parent)"]
    )
    for year, report in results["audit"].items():
        for row in report["correlations"]:
            audit_sheet.append(
                [
                    int(year),
                    row["code"],
                    row["parent"],
                    row["with_parent"],
                    row["with_index"],
                    report["alphas"].get(row["parent"]),
                ]
            )
    warnings = book.create_sheet("warnings")
    warnings.append(
        ["年份", "类型", "节点", "另一节点", "r"] if zh else ["year", "kind", "node", "other", "r"]
    )
    for year, report in results["audit"].items():
        for w in report["warnings"]:
            warnings.append([int(year), w["kind"], w["code"], w["other"], w["r"]])
    analysis = results.get("uncertainty")
    if analysis:
        ranks = book.create_sheet("uncertainty")
        ranks.append(
            ["单元代码", "单元", "名义排名", "中位排名", "第5百分位", "第95百分位"]
            if zh
            else ["unit code", "unit", "nominal rank", "median rank", "5th percentile", "95th percentile"]
        )
        for i, unit in enumerate(analysis["units"]):
            ranks.append(
                [
                    unit,
                    units.get(unit, unit),
                    analysis["nominal"][i],
                    analysis["median"][i],
                    analysis["p05"][i],
                    analysis["p95"][i],
                ]
            )
        indices = book.create_sheet("sensitivity")
        indices.append(
            ["选择", "一阶指数", "总效应指数", "排名位移一阶", "排名位移总效应"]
            if zh
            else ["choice", "first order", "total", "rank shift first order", "rank shift total"]
        )
        for name, value in analysis["first_order"].items():
            indices.append(
                [
                    name,
                    value,
                    analysis["total"][name],
                    analysis["shift_first_order"].get(name),
                    analysis["shift_total"].get(name),
                ]
            )
    config = book.create_sheet("config")
    config.append(["key", "value"])
    for key, value in edition.config.items():
        config.append([key, json.dumps(value, ensure_ascii=False)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
