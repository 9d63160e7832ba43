"""Column parsers and header spellings of import files."""

from datetime import date

import pytest

from kechuang.services.entity_fields import parse_date, parse_float, parse_int, parse_list, spec_for
from kechuang.services.tabular.readers import read_sheet
from kechuang.services.tabular.writers import write_rows


def test_lists_split_on_chinese_and_western_separators():
    assert parse_list("人工智能；机器学习、视觉; AI, ML|x") == [
        "人工智能",
        "机器学习",
        "视觉",
        "AI",
        "ML",
        "x",
    ]
    assert parse_list('["a", "b", "a"]') == ["a", "b"]
    assert parse_list(None) == [] and parse_list(["  x ", ""]) == ["x"]


def test_numbers_and_dates():
    assert parse_int("1,200") == 1200 and parse_int("") is None and parse_int(3.0) == 3
    with pytest.raises(ValueError, match="whole number"):
        parse_int("3.5")
    with pytest.raises(ValueError, match="negative"):
        parse_float("-1")
    assert parse_date("2026/5/3") == date(2026, 5, 3) and parse_date("2026-05-31") == date(2026, 5, 31)
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_date("next week")


def test_codes_are_normalised_from_names_in_either_language():
    spec = spec_for("demand")
    assert spec.parsers["industry_codes"]("C39; 软件和信息技术服务业") == ["39", "65"]
    assert spec.parsers["preferred_regions"]("海淀区; Tianjin") == ["110108", "120000"]
    with pytest.raises(ValueError):
        spec.parsers["discipline_codes"]("alchemy")


def test_headers_accepted_in_field_chinese_or_english_spelling():
    spec = spec_for("achievement")
    accepted = spec.column_for_header()
    for spelling in ("title_zh", "标题（中文）", "Title (Chinese)", "title (chinese)", "标题(中文)"):
        assert (
            accepted[
                spelling.replace(" ", "")
                .replace("(", "")
                .replace(")", "")
                .replace("（", "")
                .replace("）", "")
                .replace("_", "")
                .lower()
            ]
            == "title_zh"
        )


def test_columns_put_ids_and_references_first():
    assert spec_for("person").columns[:3] == ["external_id", "owner_org", "organization"]
    assert spec_for("authorship").columns == ["achievement", "person", "position"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "jsonl"])
def test_written_rows_read_back(fmt):
    spec = spec_for("organization")
    rows = [
        {"external_id": "o1", "name_zh": "清华大学", "aliases": ["THU", "Tsinghua"], "kind": "university"}
    ]
    sheet = read_sheet(spec, f"x.{fmt}", write_rows(spec, rows, fmt, "en"))
    assert not sheet.errors
    number, row = sheet.rows[0]
    assert number == (1 if fmt == "jsonl" else 2)
    assert row["name_zh"] == "清华大学" and parse_list(row["aliases"]) == ["THU", "Tsinghua"]
