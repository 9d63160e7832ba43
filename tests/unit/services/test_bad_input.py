"""Bad input refused by the shared rules: control characters, lengths, non-finite numbers, oversized files."""

from __future__ import annotations

import io
import json
import time
import zipfile

import pytest

from kechuang.services.entity_fields import parse_float, parse_int, parse_list, spec_for
from kechuang.services.tabular.readers import ReadLimits, read_sheet
from kechuang.services.tabular.writers import write_rows

DEMAND = spec_for("demand")
BROKEN_SHEET = ('<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<dimension ref="A1:A2"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>external_id</t>'
    '</is></c></row><row r="2"><c r="A2"><v>1</v></c></ro')


@pytest.mark.parametrize("raw", ["Infinity", "-inf", "nan", "NaN", "1e400", float("inf"), float("nan")])
def test_non_finite_numbers_are_refused(raw):
    with pytest.raises(ValueError, match=r"finite|number"):
        parse_float(raw)


def test_amounts_are_bounded():
    assert parse_float("1e9") == 1e9
    with pytest.raises(ValueError, match="at most"):
        parse_float("1e10")
    with pytest.raises(ValueError):
        parse_int("1e400")


@pytest.mark.parametrize(
    ("field", "raw"),
    [
        ("title_zh", "标题\x00注入"),
        ("title_zh", "line\nbreak"),
        ("title_en", "bad\ud800surrogate"),
        ("description_zh", "退格\x08"),
        ("external_id", "x" * 121),
        ("title_en", "t" * 501),
        ("description_en", "d" * 20_001),
    ],
)
def test_text_with_control_characters_or_too_long_is_refused(field, raw):
    with pytest.raises(ValueError):
        DEMAND.parsers[field](raw)


def test_multiline_fields_keep_newlines_and_tabs():
    assert DEMAND.parsers["description_zh"]("第一行\n\t第二行") == "第一行\n\t第二行"


def test_list_items_follow_the_same_rule():
    with pytest.raises(ValueError):
        parse_list(["ok", "bad\x00"])
    with pytest.raises(ValueError, match="at most"):
        parse_list([str(i) for i in range(1000)])


def _xlsx_with_rows(rows: int, *, cols: int = 1, filled: bool = False, dimension: str = "") -> bytes:
    """A small zip whose sheet holds `rows` rows after the header (empty ones compress to almost nothing)."""
    cells = "".join(f'<c r="{chr(65 + c)}1" t="inlineStr"><is><t>external_id</t></is></c>' for c in range(cols))
    cell = '<c r="A{n}" t="inlineStr"><is><t>r{n}</t></is></c>' if filled else ""
    body = "".join(f'<row r="{n}">{cell.format(n=n)}</row>' for n in range(2, rows + 2))
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        f'spreadsheetml/2006/main">{dimension}<sheetData><row r="1">{cells}</row>{body}</sheetData></worksheet>'
    )
    return _workbook(sheet)


def _workbook(sheet_xml: str) -> bytes:
    from openpyxl import Workbook

    out = io.BytesIO()
    Workbook().save(out)
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    rebuilt = io.BytesIO()
    with zipfile.ZipFile(rebuilt, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = sheet_xml.encode() if item.filename == "xl/worksheets/sheet1.xml" else source.read(item)
            target.writestr(item.filename, data)
    return rebuilt.getvalue()


def test_an_xlsx_zip_bomb_is_refused_before_it_is_opened():
    content = _xlsx_with_rows(200_000)
    with pytest.raises(ValueError, match="uncompressed"):
        read_sheet(DEMAND, "bomb.xlsx", content, ReadLimits(uncompressed_bytes=1_000_000))


def test_an_xlsx_with_millions_of_empty_rows_is_read_quickly_and_found_empty():
    started = time.process_time()
    for content in (_xlsx_with_rows(300_000), _xlsx_with_rows(0, dimension='<dimension ref="A1:A20000000"/>')):
        sheet = read_sheet(DEMAND, "empty.xlsx", content)
        assert sheet.rows == [] and not sheet.errors
    assert time.process_time() - started < 10


def test_an_xlsx_with_too_many_data_rows_stops_at_the_limit():
    with pytest.raises(ValueError, match="rows"):
        read_sheet(DEMAND, "many.xlsx", _xlsx_with_rows(5000, filled=True), ReadLimits(rows=1000))


def test_too_many_columns_are_refused():
    content = _xlsx_with_rows(1, cols=20)
    with pytest.raises(ValueError, match="columns"):
        read_sheet(DEMAND, "wide.xlsx", content, ReadLimits(columns=10))


def test_broken_sheet_xml_is_a_clear_error():
    broken = _workbook(BROKEN_SHEET)
    with pytest.raises(ValueError, match="not a readable XLSX"):
        read_sheet(DEMAND, "broken.xlsx", broken)


def test_csv_and_jsonl_rows_and_lines_are_bounded():
    csv_text = "external_id\n" + "".join(f"r{i}\n" for i in range(50))
    with pytest.raises(ValueError, match="rows"):
        read_sheet(DEMAND, "many.csv", csv_text.encode(), ReadLimits(rows=10))
    jsonl = "".join(json.dumps({"external_id": f"r{i}"}) + "\n" for i in range(50))
    with pytest.raises(ValueError, match="rows"):
        read_sheet(DEMAND, "many.jsonl", jsonl.encode(), ReadLimits(rows=10))
    long_line = json.dumps({"external_id": "x" * 5000}) + "\n"
    with pytest.raises(ValueError, match="line"):
        read_sheet(DEMAND, "long.jsonl", long_line.encode(), ReadLimits(line_chars=1000))
    with pytest.raises(ValueError, match=r"line|cell"):
        read_sheet(DEMAND, "long.csv", ("external_id\n" + "y" * 5000 + "\n").encode(),
                   ReadLimits(line_chars=1000))


def test_a_huge_csv_cell_is_a_located_error_not_a_crash():
    content = ("external_id\n" + "z" * 200_000 + "\n").encode()
    with pytest.raises(ValueError):
        read_sheet(DEMAND, "cell.csv", content)


def test_jsonl_export_writes_no_infinity_tokens():
    out = write_rows(DEMAND, [{"external_id": "d1", "title_zh": "a\x00b", "budget_max": float("inf")}], "jsonl")
    line = json.loads(out, parse_constant=lambda token: pytest.fail(f"non-JSON token {token}"))
    assert line["budget_max"] is None and line["title_zh"] == "ab"


def test_xlsx_export_survives_control_characters():
    out = write_rows(DEMAND, [{"external_id": "d1", "title_zh": "a\x00b\ud800c"}], "xlsx")
    assert out[:2] == b"PK"


def test_sample_confidential_ids_are_not_sequential():
    """A sequential confidential id (dem-0003) invites guessing its neighbours."""
    import re
    from importlib import resources

    for name in ("achievements.jsonl", "demands.jsonl"):
        rows = [json.loads(line) for line in resources.files("kechuang.sample").joinpath(name).open(encoding="utf-8")]
        secret = [row["external_id"] for row in rows if row.get("visibility") == "confidential"]
        assert secret and not [ref for ref in secret if re.fullmatch(r"[a-z]+-\d{1,6}", ref)]
