"""Import templates: the headers in the user's language, one example row, the allowed values of every
enumerated column (a second sheet, or `#` comment lines in CSV) and XLSX drop-downs (data validation).

What a column allows is read from its parser (enum, code scheme, choices, range), so a template never
drifts from what the importer accepts; drop-down items are labels or `code name` that parse back.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kechuang.domain.codes import code_table

from ..entity_fields import EntitySpec
from .labels import header
from .writers import cell

SEPARATORS = re.compile(r"[;；|、,，\n]+")  # the list separators of entity_fields.parse_list
SHORT_RANGE = 20  # a whole-number range up to this wide is offered as a drop-down list
SCHEME_NAMES = {
    "industry": ("GB/T 4754 国民经济行业分类", "GB/T 4754 industry classification"),
    "discipline": ("GB/T 13745 学科分类", "GB/T 13745 discipline classification"),
    "region": ("GB/T 2260 行政区划", "GB/T 2260 administrative regions"),
    "country": ("ISO 3166 国家和地区", "ISO 3166 countries"),
}
EXAMPLE_IDS = {
    "organization": "ORG-0001", "owner_org": "ORG-0001", "host_org": "ORG-0001", "person": "PER-0001",
    "pi_person": "PER-0001", "achievement": "ACH-0001", "demand": "DEM-0001", "scenario": "SCN-0001",
    "investor": "INV-0001", "project": "PRJ-0001", "contract": "CT-2025-0001",
}
EXAMPLES: dict[str, tuple[Any, Any]] = {  # field -> (Chinese example, English example)
    "name_zh": ("示例新能源科技有限公司", "示例新能源科技有限公司"),
    "name_en": ("Example New Energy Co., Ltd.", "Example New Energy Co., Ltd."),
    "title_zh": ("高能量密度固态电池", "高能量密度固态电池"),
    "title_en": ("High-energy-density solid-state battery", "High-energy-density solid-state battery"),
    "website": ("https://www.example.com", "https://www.example.com"),
    "email": ("zhang.wei@example.com", "zhang.wei@example.com"),
    "orcid": ("0000-0002-1825-0097", "0000-0002-1825-0097"),
    "credit_code": ("91110108MA00000000", "91110108MA00000000"),
    "patent_numbers": ("CN202310000000.0", "CN202310000000.0"),
    "funder": ("北京市科学技术委员会", "Beijing Municipal Science & Technology Commission"),
    "program": ("重点研发计划", "Key R&D program"),
    "rating": ("优秀", "Excellent"),
    "registration_number": ("2025110108000001", "2025110108000001"),
    "contract_type": ("技术转让", "Technology transfer"),
    "contract_subtype": ("专利权转让", "Patent assignment"),
    "title": ("固态电池电解质专利转让", "Solid-state electrolyte patent assignment"),
    "seller_name": ("示例大学", "Example University"),
    "buyer_name": ("示例新能源科技有限公司", "Example New Energy Co., Ltd."),
    "region_code": ("110108", "110108"),
    "seller_region_code": ("110108", "110108"),
    "buyer_region_code": ("130100", "130100"),
    "preferred_regions": ("110000", "110000"),
    "regions": ("110000", "110000"),
    "country_code": ("CN", "CN"),
    "seller_country_code": ("CN", "CN"),
    "buyer_country_code": ("CN", "CN"),
    "industry_codes": ("3841", "3841"),
    "discipline_codes": ("A", "A"),
    "contract_amount": (1_500_000, 1_500_000),
    "transaction_amount": (1_200_000, 1_200_000),
    "materials_amount": (300_000, 300_000),
    "other_non_technical_amount": (0, 0),
    "trl": (6, 6),
    "required_trl": (5, 5),
    "share": (1, 1),
    "position": (1, 1),
    "founded_year": (2015, 2015),
    "birth_year": (1980, 1980),
    "start_year": (2020, 2020),
    "end_year": (2025, 2025),
    "year": (2025, 2025),
}
DATES = {"deadline": "2026-12-31", "starts_on": "2026-01-01", "ends_on": "2026-12-31",
         "start_date": "2025-01-01", "end_date": "2027-12-31", "signed_on": "2025-06-01",
         "registered_on": "2025-06-15"}
AMOUNT_STEMS = ("price", "budget", "ticket", "amount")


@dataclass(frozen=True)
class Allowed:
    """What one column accepts: a list of (value, label) items, or a code scheme, or a range."""

    items: tuple[tuple[str, str], ...] = ()
    scheme: str = ""
    multi: bool = False
    low: float | None = None
    high: float | None = None


def allowed(parser: Callable[..., Any] | None, lang: str) -> Allowed | None:
    """The allowed values of a column, from its parser's attributes; None for free text."""
    if parser is None:
        return None
    multi = bool(getattr(parser, "multi", False))
    enum = getattr(parser, "enum", None)
    if enum is not None:
        return Allowed(tuple((m.value, m.label(lang)) for m in enum), multi=multi)
    choices = getattr(parser, "choices", None)
    if choices is not None:
        return Allowed(tuple((c.value, c.label(lang)) for c in choices), multi=multi)
    scheme = getattr(parser, "scheme", "")
    if scheme:
        return Allowed(scheme=scheme, multi=multi)
    if hasattr(parser, "low"):
        low, high = parser.low, parser.high  # type: ignore[attr-defined]
        short = getattr(parser, "whole", False) and high - low <= SHORT_RANGE  # TRL 1-9: a drop-down
        items = tuple((str(n), str(n)) for n in range(int(low), int(high) + 1)) if short else ()
        return Allowed(items, low=low, high=high)
    return None


def code_items(scheme: str, lang: str) -> list[str]:
    """Every code of a scheme as `code name` (list separators in names replaced, so it parses back)."""
    table = code_table(scheme)
    return [f"{c.code} {SEPARATORS.sub('/', c.label(lang))}" for c in table._codes.values()]


def example_row(spec: EntitySpec, lang: str) -> dict[str, Any]:
    """One row that imports cleanly (given the example organization, person and achievement)."""
    row: dict[str, Any] = {}
    pick = 0 if lang.startswith("zh") else 1
    for column in spec.columns:
        parser = spec.parsers.get(column)
        if parser is None or (column == "external_id"):
            row[column] = EXAMPLE_IDS.get(column, EXAMPLE_IDS.get(spec.name, "EX-0001"))
            continue
        rule = allowed(parser, lang)
        if column in EXAMPLES:
            row[column] = EXAMPLES[column][pick]
        elif column in DATES:
            row[column] = DATES[column]
        elif rule is not None and rule.items:
            row[column] = rule.items[0][1]
        elif column.endswith("_zh"):
            row[column] = "示例"
        elif column.endswith("_en"):
            row[column] = "Example"
        elif any(stem in column for stem in AMOUNT_STEMS):
            row[column] = 100
        else:
            row[column] = ""
    return row


def guide_lines(spec: EntitySpec, lang: str) -> list[str]:
    """One line per enumerated column: its header and what it allows, in `lang`."""
    zh = lang.startswith("zh")
    lines = []
    for column in spec.columns:
        rule = allowed(spec.parsers.get(column), lang)
        if rule is None:
            continue
        title = header(column, lang, spec.name)
        if rule.low is not None:
            text = f"{rule.low:g}–{rule.high:g}"
        elif rule.items:
            text = ("、" if zh else ", ").join(label for _, label in rule.items)
        elif rule.scheme:
            name = SCHEME_NAMES[rule.scheme][0 if zh else 1]
            text = (f"{name}的代码或名称（见 XLSX 模板的代码表）" if zh
                    else f"a code or name of the {name} (see the XLSX template's code sheet)")
        else:
            continue
        if rule.multi:
            text += "（可填多个，用分号分隔）" if zh else " (several allowed, separated by semicolons)"
        lines.append(f"{title}{'：' if zh else ': '}{text}")
    return lines


def template(spec: EntitySpec, fmt: str, lang: str = "zh") -> bytes:
    """The import template of `spec` in `fmt` (csv, xlsx or jsonl) with headers in `lang`."""
    example = example_row(spec, lang)
    if fmt == "jsonl":
        return (json.dumps({c: example[c] for c in spec.columns}, ensure_ascii=False) + "\n").encode("utf-8")
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(spec.headers(lang))
        writer.writerow([cell(example[c], flat=True) for c in spec.columns])
        note = ("# 以 # 开头的行不会导入。示例行请替换为实际数据。" if lang.startswith("zh")
                else "# Lines starting with # are not imported. Replace the example row with your data.")
        writer.writerow([note])
        for line in guide_lines(spec, lang):
            writer.writerow([f"# {line}"])
        return buffer.getvalue().encode("utf-8-sig")
    if fmt == "xlsx":
        return _xlsx(spec, example, lang)
    raise ValueError(f"unknown format '{fmt}': use csv, xlsx or jsonl")


def _xlsx(spec: EntitySpec, example: dict[str, Any], lang: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation

    zh = lang.startswith("zh")
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = spec.name
    headers = spec.headers(lang)
    sheet.append(headers)
    sheet.append([cell(example[c], flat=True) for c in spec.columns])
    sheet.freeze_panes = "A2"
    lists = workbook.create_sheet("可选值" if zh else "Allowed values")
    codes = workbook.create_sheet("代码表" if zh else "Codes")
    code_columns: dict[str, str] = {}
    list_column = 0
    for index, column in enumerate(spec.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(headers[index - 1]) * 2)
        rule = allowed(spec.parsers.get(column), lang)
        if rule is None:
            continue
        target = f"{get_column_letter(index)}2:{get_column_letter(index)}1048576"
        if rule.items or rule.scheme:
            if rule.items:
                list_column += 1
                letter = get_column_letter(list_column)
                lists.cell(row=1, column=list_column, value=header(column, lang, spec.name))
                for row, (_, label) in enumerate(rule.items, start=2):
                    lists.cell(row=row, column=list_column, value=label)
                source = f"{quote_sheetname(lists.title)}!${letter}$2:${letter}${len(rule.items) + 1}"
            else:
                if rule.scheme not in code_columns:
                    items = code_items(rule.scheme, lang)
                    position = len(code_columns) + 1
                    letter = get_column_letter(position)
                    codes.cell(row=1, column=position, value=SCHEME_NAMES[rule.scheme][0 if zh else 1])
                    for row, item in enumerate(items, start=2):
                        codes.cell(row=row, column=position, value=item)
                    code_columns[rule.scheme] = f"${letter}$2:${letter}${len(items) + 1}"
                source = f"{quote_sheetname(codes.title)}!{code_columns[rule.scheme]}"
            # a list column takes several values: the drop-down offers one, typing more is a warning only
            validation = DataValidation(type="list", formula1=source, allow_blank=True,
                                        errorStyle="warning" if rule.multi else "stop",
                                        showErrorMessage=True, showInputMessage=True)
        else:
            validation = DataValidation(type="decimal", operator="between", formula1=f"{rule.low:g}",
                                        formula2=f"{rule.high:g}", allow_blank=True,
                                        showErrorMessage=True, showInputMessage=True)
        validation.error = ("请从列表中选择，或见“可选值”表" if zh else
                            "Choose from the list, or see the allowed values sheet")
        validation.prompt = guide_lines_for(spec, column, lang)
        validation.add(target)
        sheet.add_data_validation(validation)
    guide = workbook.create_sheet("说明" if zh else "Guide")
    guide.append(["列 Column", "字段 Field", "中文表头", "English header", "可选值 Allowed"])
    rules = {line.split("：" if zh else ": ", 1)[0]: line for line in guide_lines(spec, lang)}
    for column, shown in zip(spec.columns, spec.headers(lang), strict=True):
        guide.append([shown, column, header(column, "zh", spec.name), header(column, "en", spec.name),
                      rules.get(shown, "")])
    if not code_columns:
        workbook.remove(codes)
    if list_column == 0:
        workbook.remove(lists)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def guide_lines_for(spec: EntitySpec, column: str, lang: str) -> str:
    """The guide line of one column (the drop-down's prompt), at most Excel's 255 characters."""
    title = header(column, lang, spec.name)
    for line in guide_lines(spec, lang):
        if line.startswith(title):
            return line[:255]
    return ""
