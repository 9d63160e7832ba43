"""Check the shipped code tables and their bilingual lookups so that registry codes stay canonical."""

from __future__ import annotations

import csv
import json
import os
from importlib import resources
from pathlib import Path

import pytest

from kechuang.domain.codes import Code, code_table, csl_discipline_code, region_group

DATA_FILES = ["disciplines.csv", "industries.csv", "regions.csv", "countries.csv", "csl_disciplines.csv"]


def shared_data() -> Path:
    env = os.environ.get("KECHUANG_SHARED_DATA")
    return Path(env) if env else Path(__file__).parents[2] / ".." / "shared" / "data"


def _rows(name: str) -> list[dict[str, str]]:
    with resources.files("kechuang.domain").joinpath("code_data", name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("name", DATA_FILES)
def test_csv_files_are_sorted_utf8_with_header(name: str) -> None:
    raw = resources.files("kechuang.domain").joinpath("code_data", name).read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    raw.decode("utf-8")
    rows = _rows(name)
    assert rows
    if name != "csl_disciplines.csv":
        codes = [r["code"] for r in rows]
        assert codes == sorted(codes) and len(set(codes)) == len(codes)


def test_discipline_counts_and_levels() -> None:
    table = code_table("discipline")
    by_level = {lvl: sum(c.level == lvl for c in table) for lvl in range(4)}
    assert by_level == {0: 5, 1: 62, 2: 735, 3: 2740}
    assert len(table) == 3542
    assert all(c.name_en for c in table if c.level <= 1)
    assert all(c.parent in table for c in table if c.level > 0)
    assert table.get("850").name_zh == "民族学与文化学"
    assert table.get("1903510").parent == "19030"


def test_industry_counts_and_parents() -> None:
    table = code_table("industry")
    by_level = {lvl: sum(c.level == lvl for c in table) for lvl in range(1, 5)}
    assert by_level == {1: 20, 2: 97, 3: 473, 4: 1381}
    assert all(c.name_en for c in table if c.level <= 2)
    assert [table.get(c).parent for c in ("39", "391", "3911")] == ["C", "39", "391"]
    assert table.get("2780").name_zh == table.get("278").name_zh == "药用辅料及包装材料"
    assert table.get("727").name_zh == "安全保护服务" and table.get("7271").name_zh == "安全服务"
    assert table.get("8053").name_zh == "养生保健服务"


def test_region_coverage() -> None:
    table = code_table("region")
    provinces = [c for c in table if c.level == 1]
    assert len(provinces) == 34 and {"710000", "810000", "820000"} <= {c.code for c in provinces}
    assert len(table.children("110000")) == 16
    assert len(table.children("120000")) == 16
    cities = table.children("130000")
    assert len(cities) == 11 and all(c.level == 2 for c in cities)
    hebei_counties = [c for c in table if c.level == 3 and c.code.startswith("13")]
    assert len(hebei_counties) == 167
    assert all(c.parent == c.code[:4] + "00" for c in hebei_counties)
    expected = {
        "110108": "海淀区",
        "120116": "滨海新区",
        "130100": "石家庄市",
        "130600": "保定市",
        "130684": "高碑店市",
    }
    assert {code: table.get(code).name_zh for code in expected} == expected
    names = {c.code: c.name_en for c in table}
    assert names["110000"] == "Beijing" and names["110108"] == "Haidian District"
    assert names["130100"] == "Shijiazhuang" and names["130681"] == "Zhuozhou"
    assert names["130638"] == "Xiong County" and names["610000"] == "Shaanxi" and names["140000"] == "Shanxi"
    assert names["150000"] == "Inner Mongolia" and names["820000"] == "Macao"


def test_country_table() -> None:
    table = code_table("country")
    assert len(table) == 249
    assert table.get("CN").name_zh == "中国"
    assert all(c.name_zh and c.name_en for c in table)


def test_bilingual_find() -> None:
    disciplines = code_table("discipline")
    assert disciplines.find("计算机科学技术").code == "520"
    assert disciplines.find("computer science and technology").code == "520"
    assert disciplines.find("Computer Science & Technology").code == "520"
    assert disciplines.find("520").code == "520"
    regions = code_table("region")
    assert regions.find("海淀区").code == "110108"
    assert regions.find("Haidian District").code == "110108"
    assert regions.find("北京").code == "110000"
    assert regions.find("河北").code == "130000"
    assert regions.find("桥西区") is None  # two districts share the name
    countries = code_table("country")
    assert countries.find("德国").code == "DE"
    assert countries.find("Germany").code == "DE"
    assert countries.find("deu").code == "DE"
    assert countries.find("Hong Kong").code == "HK"
    assert countries.find("nowhere") is None
    industries = code_table("industry")
    assert industries.find("房地产业").code == "K"  # section and division share the name
    assert industries.find("Manufacturing").code == "C"


def test_label_fallback() -> None:
    code = code_table("discipline").get("52020")
    assert code.label("zh") == "人工智能"
    assert code.label("en") == "Artificial Intelligence"  # every code has its English name now
    assert Code("x", "1", "", "One", "", 1).label("zh") == "One"
    assert Code("x", "1", "一", "", "", 1).label("en") == "一"  # a code without English falls back


def test_normalize() -> None:
    industries = code_table("industry")
    assert industries.normalize("C39") == "39"
    assert industries.normalize("c3911") == "3911"
    assert industries.normalize(" 39 ") == "39"
    with pytest.raises(ValueError, match="section C"):
        industries.normalize("A39")
    disciplines = code_table("discipline")
    assert disciplines.normalize("520.20") == "52020"
    assert disciplines.normalize("Computer Science and Technology") == "520"
    with pytest.raises(ValueError, match="unknown discipline code or name '量子玄学'"):
        disciplines.normalize("量子玄学")
    with pytest.raises(ValueError, match="ambiguous region name"):
        code_table("region").normalize("新华区")
    with pytest.raises(ValueError, match="empty"):
        code_table("country").normalize("")
    with pytest.raises(ValueError, match="unknown code scheme"):
        code_table("planet")


def test_ancestors_children_search() -> None:
    disciplines = code_table("discipline")
    assert [c.code for c in disciplines.ancestors("1101410")] == ["A", "110", "11014", "1101410"]
    assert [c.code for c in code_table("industry").ancestors("3911")] == ["C", "39", "391", "3911"]
    assert [c.code for c in code_table("region").ancestors("130684")] == ["130000", "130600", "130684"]
    assert [c.code for c in disciplines.children("")] == ["A", "B", "C", "D", "E"]
    assert "52020" in {c.code for c in disciplines.children("520")}
    hits = disciplines.search("计算机", limit=3)
    assert hits[0].code == "520" and len(hits) == 3
    assert code_table("industry").search("software")[0].level == 1
    assert disciplines.search("") == []


def test_csl_lookup_and_region_group() -> None:
    assert csl_discipline_code("计算机科学与技术") == "520"
    assert csl_discipline_code("Computer Science") == "520"
    assert csl_discipline_code("兵器科学与技术") == "53520"
    assert csl_discipline_code("口腔医学") == "32044"
    assert csl_discipline_code("no such field") is None
    rows = _rows("csl_disciplines.csv")
    assert len(rows) == 67 and all(r["gbt13745_code"] in code_table("discipline") for r in rows)
    assert [region_group(c) for c in ("110108", "120116", "130684", "310115", "US", "", "CN")] == [
        "beijing",
        "tianjin",
        "hebei",
        "other_cn",
        "abroad",
        "abroad",
        "other_cn",
    ]


@pytest.mark.shared_data
def test_every_csl_discipline_maps() -> None:
    path = shared_data() / "csl" / "csl_2000.jsonl"
    if not path.exists():
        pytest.skip(f"shared data not found at {path}")
    records = [json.loads(line) for line in path.open(encoding="utf-8")]
    disciplines = code_table("discipline")
    for rec in records:
        for name in (rec["discipline"], rec["discipline_en"]):
            code = csl_discipline_code(name)
            assert code is not None and code in disciplines, name
