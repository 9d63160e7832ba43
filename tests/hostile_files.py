"""Broken files and racing calls shared by the bad-input and concurrency tests (importable from any test)."""

from __future__ import annotations

import io
import threading
import zipfile
from collections.abc import Callable
from typing import Any

from kechuang.domain.errors import KechuangError

BROKEN_SHEET = (
    '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<dimension ref="A1:A2"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>external_id</t>'
    '</is></c></row><row r="2"><c r="A2"><v>1</v></c></ro'
)


def broken_sheet_xlsx() -> bytes:
    """A valid XLSX package whose first sheet's XML is cut off in the middle."""
    from openpyxl import Workbook

    out = io.BytesIO()
    Workbook().save(out)
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    rebuilt = io.BytesIO()
    with zipfile.ZipFile(rebuilt, "w") as target:
        for item in source.infolist():
            sheet = item.filename.endswith("sheet1.xml")
            target.writestr(item.filename, BROKEN_SHEET.encode() if sheet else source.read(item))
    return rebuilt.getvalue()


def race(*calls: Callable[[], Any], timeout: float = 120) -> list[Any]:
    """Run the calls at one moment on real threads (separate pooled connections); each result is a value
    or the domain error it raised."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[i] = call()
        except KechuangError as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results
