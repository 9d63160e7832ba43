"""Hostile import files for the fuzz tests: hypothesis strategies and a few hand-made bombs."""

from __future__ import annotations

import codecs
import csv
import functools
import io
import json
import zipfile
from typing import Any
from xml.sax.saxutils import escape

from hypothesis import strategies as st
from openpyxl import Workbook

from kechuang.services.contracts import contract_spec
from kechuang.services.entity_fields import spec_for

# numbers that float() or json.loads accept but no budget, year or TRL can be
NASTY_NUMBERS = (
    "NaN", "nan", "-NaN", "Infinity", "-Infinity", "inf", "1e400", "-1e400", "1e-400", "1e308",
    "9223372036854775807", "9223372036854775808", "-9223372036854775809", "1" * 400, "１２", "1,000",
    "0x1F", "1_000", " 5 ", "５", "", "-0",
)
CONTROL = "".join(map(chr, range(0x20))) + "\x7f\x85\u2028\u2029\ufeff\u200b\u202e\ufffe\uffff"
LONG_CELL_CHARS = (1_000, 70_000, 140_000)  # the csv module refuses fields over 131,072 characters

lone_surrogate = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
short_text = st.text(max_size=12)
cells = st.one_of(
    short_text,
    st.sampled_from(NASTY_NUMBERS),
    st.text(st.sampled_from(CONTROL), min_size=1, max_size=4),
    st.builds(lambda a, s, b: a + s + b, short_text, lone_surrogate, short_text),
    st.builds(lambda n, c: c * n, st.sampled_from(LONG_CELL_CHARS), st.sampled_from("x汉\x00")),
)
ENCODINGS = ("utf-8", "utf-8-sig", "double-bom", "gb18030", "utf-16", "mixed")


def columns_of(entity: str) -> list[str]:
    """Every column the importer of `entity` knows, by its plain name."""
    spec = contract_spec() if entity == "contract" else spec_for(entity)
    return sorted({*spec.parsers, *(ref.column for ref in spec.references)})


def encode(text: str, how: str) -> bytes:
    """`text` as bytes in one of ENCODINGS; lone surrogates pass through as the invalid bytes they make."""
    if how == "utf-8":
        return text.encode("utf-8", "surrogatepass")
    if how == "utf-8-sig":
        return codecs.BOM_UTF8 + text.encode("utf-8", "surrogatepass")
    if how == "double-bom":
        return codecs.BOM_UTF8 * 2 + text.encode("utf-8", "surrogatepass")
    if how == "gb18030":
        return text.encode("gb18030", "replace")
    if how == "utf-16":
        return text.encode("utf-16", "surrogatepass")
    half = len(text) // 2  # mixed: a file saved half by one program, half by another
    return text[:half].encode("utf-8", "surrogatepass") + text[half:].encode("gb18030", "replace")


@st.composite
def tables(draw: Any, entity: str) -> list[list[str]]:
    """A header of known (and some unknown) columns, then rows of hostile cells, some of them empty."""
    known = columns_of(entity)
    header = draw(st.lists(st.sampled_from(known) | short_text, min_size=1, max_size=8))
    width = len(header) + draw(st.integers(-1, 2))
    rows = draw(st.lists(st.lists(cells, min_size=0, max_size=max(width, 0)), max_size=6))
    rows += [[""] * width] * draw(st.sampled_from((0, 0, 3, 2_000)))
    return [header, *rows]


@st.composite
def csv_files(draw: Any, entity: str) -> bytes:
    table = draw(tables(entity))
    out = io.StringIO()
    if draw(st.booleans()):
        csv.writer(out, lineterminator=draw(st.sampled_from(("\n", "\r\n", "\r")))).writerows(table)
    else:  # unquoted: commas, quotes and newlines inside cells break the table
        out.write("\n".join(",".join(row) for row in table))
    return encode(out.getvalue(), draw(st.sampled_from(ENCODINGS)))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | cells,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(short_text, inner, max_size=3),
    max_leaves=6,
)
RAW_JSON_LINES = (
    "Infinity", "NaN", "[1, 2]", '"text"', "null", '{"external_id": "x"', "{" * 3, "[" * 100_000,
    '{"budget_max": Infinity}', '{"budget_max": NaN}', '{"budget_max": -Infinity}', '{"budget_max": 1e400}',
    '{"title_zh": "\\ud800"}', '{"external_id": "\\udfff", "title_zh": "t"}', '{"external_id": {"$ne": ""}}',
    '{"external_id": "a", "external_id": "b"}', '{"trl": 99999999999999999999999}', "\ufeff{}",
)


@st.composite
def jsonl_files(draw: Any, entity: str) -> bytes:
    known = columns_of(entity)
    lines = []
    for _ in range(draw(st.integers(0, 5))):
        if draw(st.integers(0, 4)) == 0:
            lines.append(draw(st.sampled_from(RAW_JSON_LINES)))
            continue
        keys = st.sampled_from(known) | short_text
        record = draw(st.dictionaries(keys, json_values, max_size=6))
        lines.append(json.dumps(record, ensure_ascii=draw(st.booleans())))
    lines += [""] * draw(st.sampled_from((0, 2, 5_000)))
    return encode(draw(st.sampled_from(("\n", "\r\n"))).join(lines), draw(st.sampled_from(ENCODINGS)))


# ---- XLSX: a workbook written by openpyxl whose sheet XML is replaced by hand-made (or broken) XML

SHEET = "xl/worksheets/sheet1.xml"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


@functools.cache
def _base_members() -> dict[str, bytes]:
    out = io.BytesIO()
    workbook = Workbook()
    workbook.active.append(["external_id"])
    workbook.save(out)
    with zipfile.ZipFile(out) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def xlsx_with_sheet(sheet_xml: bytes | str, drop: tuple[str, ...] = ()) -> bytes:
    """A valid workbook around `sheet_xml` (which need not be valid XML)."""
    data = sheet_xml.encode("utf-8", "surrogatepass") if isinstance(sheet_xml, str) else sheet_xml
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in _base_members().items():
            if name not in drop:
                archive.writestr(name, data if name == SHEET else content)
    return out.getvalue()


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def xlsx_cell(ref: str, value: Any) -> str:
    """One <c>: numbers as stored numbers (even 'NaN' and '1e400'), text inline, some typed by hand."""
    if isinstance(value, tuple):  # (type, raw value) exactly as written, e.g. ("s", "99"): a missing shared string
        kind, raw = value
        return f'<c r="{ref}" t="{kind}"><v>{raw}</v></c>'
    if isinstance(value, int | float) or value in NASTY_NUMBERS[:10]:
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'


def sheet_xml(rows: list[list[Any]], dimension: str | None = None, first_row: int = 1) -> str:
    body = []
    for number, row in enumerate(rows, start=first_row):
        cells_xml = "".join(xlsx_cell(f"{_column_letters(i)}{number}", v) for i, v in enumerate(row))
        body.append(f'<row r="{number}">{cells_xml}</row>')
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<worksheet xmlns="{MAIN_NS}">{dim}<sheetData>{"".join(body)}</sheetData></worksheet>'


TYPED_CELLS = (("s", "99"), ("s", "-1"), ("b", "2"), ("e", "#DIV/0!"), ("n", "abc"), ("d", "not-a-date"),
               ("str", "=1/0"), ("n", "1e400"), ("n", "NaN"), ("inlineStr", ""))


@st.composite
def xlsx_files(draw: Any, entity: str) -> bytes:
    table = draw(tables(entity))
    rows = [[draw(st.sampled_from(TYPED_CELLS)) if draw(st.integers(0, 9)) == 0 else cell for cell in row]
            for row in table[:8]]
    dimension = draw(st.sampled_from((None, "A1", "A1:XFD1048576", "A1:B2", "ZZZ0", "A1:A99999999")))
    xml = sheet_xml(rows, dimension)
    mutation = draw(st.sampled_from(("none", "none", "truncate-xml", "garbage-xml", "truncate-zip", "flip",
                                     "no-sheet", "escaped-control")))
    if mutation == "truncate-xml":
        return xlsx_with_sheet(xml[: draw(st.integers(0, max(len(xml) - 1, 0)))])
    if mutation == "garbage-xml":
        return xlsx_with_sheet(draw(st.binary(max_size=200)))
    if mutation == "no-sheet":
        return xlsx_with_sheet(xml, drop=(SHEET,))
    if mutation == "escaped-control":  # openpyxl turns _x0001_ back into the control character
        return xlsx_with_sheet(xml.replace("</t>", "_x0000__x0001__xD800_</t>"))
    content = xlsx_with_sheet(xml)
    if mutation == "truncate-zip":
        return content[: draw(st.integers(0, len(content) - 1))]
    if mutation == "flip":
        at = draw(st.integers(0, len(content) - 1))
        return content[:at] + bytes([content[at] ^ draw(st.integers(1, 255))]) + content[at + 1 :]
    return content


def files(entity: str) -> st.SearchStrategy[tuple[str, bytes]]:
    """(file name, content) of any format, or random bytes under any of the accepted names."""
    return st.one_of(
        st.tuples(st.just(f"{entity}.csv"), csv_files(entity)),
        st.tuples(st.just(f"{entity}.jsonl"), jsonl_files(entity)),
        st.tuples(st.just(f"{entity}.xlsx"), xlsx_files(entity)),
        st.tuples(st.sampled_from((".csv", ".xlsx", ".jsonl", ".json", ".xlsm")).map(entity.__add__),
                  st.binary(max_size=300)),
    )


# ---- bombs: small files that declare or imply a huge table


def _deflated_sheet(prefix: bytes, filler: bytes, count: int, suffix: bytes) -> bytes:
    """A workbook whose sheet XML is streamed into the zip, so that the test never holds it unpacked."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in _base_members().items():
            if name != SHEET:
                archive.writestr(name, content)
        with archive.open(SHEET, "w", force_zip64=True) as sheet:
            sheet.write(prefix)
            for _ in range(count // 10_000):
                sheet.write(filler * 10_000)
            sheet.write(suffix)
    return out.getvalue()


@functools.cache
def bombs() -> dict[str, tuple[str, bytes]]:
    """Name -> (file name, content) of files small on disk and hostile once read."""
    head = f'<worksheet xmlns="{MAIN_NS}"><sheetData>'.encode()
    tail = b"</sheetData></worksheet>"
    header_row = '<row r="1"><c r="A1" t="inlineStr"><is><t>external_id</t></is></c></row>'
    return {
        "xlsx-huge-dimension": ("demand.xlsx", xlsx_with_sheet(sheet_xml([["external_id"]], "A1:XFD1048576"))),
        "xlsx-far-cell": ("demand.xlsx", xlsx_with_sheet(
            f'<worksheet xmlns="{MAIN_NS}"><sheetData>{header_row}'
            '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
            "</sheetData></worksheet>")),
        "xlsx-wide-row": ("demand.xlsx", xlsx_with_sheet(sheet_xml([["external_id"], ["x"] * 16_384]))),
        "xlsx-million-empty-rows": ("demand.xlsx", _deflated_sheet(
            head + header_row.encode(), b"<row/>", 1_000_000, tail)),
        "xlsx-zip-bomb": ("demand.xlsx", _deflated_sheet(head, b" " * 1_000, 250_000, tail)),
        "xlsx-broken-xml": ("demand.xlsx", xlsx_with_sheet(sheet_xml([["external_id"], ["a"]])[:-40])),
        "xlsx-control-chars": ("demand.xlsx", xlsx_with_sheet(
            sheet_xml([["external_id", "title_zh"], ["a\x01", "b\x00"]]))),
        "not-a-zip": ("demand.xlsx", b"PK\x03\x04" + b"\x00" * 100),
        "csv-million-empty-lines": ("demand.csv", b"external_id,title_zh\n" + b",\n" * 1_000_000),
        "csv-huge-cell": ("demand.csv", b"external_id,title_zh\na," + b"x" * 3_000_000 + b"\n"),
        "csv-wide-header": ("demand.csv", b",".join([b"external_id"] + [b"title_zh"] * 100_000) + b"\n"),
        "csv-unclosed-quote": ("demand.csv", b'external_id,title_zh\na,"' + b"y\n" * 200_000),
        "csv-utf16": ("demand.csv", "external_id,title_zh\na,标题\n".encode("utf-16")),
        "jsonl-deep-nesting": ("demand.jsonl", b"[" * 200_000),
        "jsonl-huge-line": ("demand.jsonl", b'{"external_id": "a", "title_zh": "' + b"x" * 3_000_000 + b'"}'),
        "jsonl-infinity": ("demand.jsonl", b'{"external_id": "a", "title_zh": "t", "budget_max": Infinity}'),
        "jsonl-nan": ("demand.jsonl", b'{"external_id": "a", "title_zh": "t", "budget_min": NaN}'),
        "jsonl-1e400": ("demand.jsonl", b'{"external_id": "a", "title_zh": "t", "budget_max": 1e400}'),
        "jsonl-lone-surrogate": ("demand.jsonl", b'{"external_id": "a\\ud800", "title_zh": "\\udfff"}'),
        "jsonl-million-empty-lines": ("demand.jsonl", b"\n" * 1_000_000),
    }
