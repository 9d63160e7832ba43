"""Every shipped code has an English name, so English pages and match reasons never show Chinese names.

Issue #12 ("Bilingual data, not just a bilingual interface"): the tables used to carry English only for
the top levels. The top-level names below are the official English of GB/T 4754-2017 (sections A-T) and
GB/T 13745-2009 (categories A-E and some first-level disciplines); they must not drift.
"""

from __future__ import annotations

import re

import pytest

from kechuang.domain.codes import Code, code_table

# CJK ideographs (incl. extension A and compatibility), CJK punctuation and full-width forms.
_CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")

INDUSTRY_SECTIONS = {
    "A": "Agriculture, Forestry, Animal Husbandry and Fishery",
    "B": "Mining",
    "C": "Manufacturing",
    "D": "Production and Supply of Electricity, Heat, Gas and Water",
    "E": "Construction",
    "F": "Wholesale and Retail Trade",
    "G": "Transport, Storage and Postal Services",
    "H": "Accommodation and Catering",
    "I": "Information Transmission, Software and Information Technology Services",
    "J": "Finance",
    "K": "Real Estate",
    "L": "Leasing and Business Services",
    "M": "Scientific Research and Technical Services",
    "N": "Management of Water Conservancy, Environment and Public Facilities",
    "O": "Resident Services, Repair and Other Services",
    "P": "Education",
    "Q": "Health and Social Work",
    "R": "Culture, Sports and Entertainment",
    "S": "Public Administration, Social Security and Social Organizations",
    "T": "International Organizations",
}

DISCIPLINE_TOP = {
    "A": "Natural Sciences",
    "B": "Agricultural Sciences",
    "C": "Medical and Pharmaceutical Sciences",
    "D": "Engineering and Technological Sciences",
    "E": "Humanities and Social Sciences",
    "110": "Mathematics",
    "140": "Physics",
    "150": "Chemistry",
    "180": "Biology",
    "520": "Computer Science and Technology",
    "790": "Economics",
    "820": "Law",
}

SCHEMES = ["discipline", "industry", "region", "country"]


@pytest.mark.parametrize("scheme", SCHEMES)
def test_every_code_has_an_english_name(scheme: str) -> None:
    missing = [f"{c.code} {c.name_zh}" for c in code_table(scheme) if not c.name_en.strip()]
    assert not missing, f"{len(missing)} {scheme} codes lack name_en, e.g. {missing[:5]}"


@pytest.mark.parametrize("scheme", SCHEMES)
def test_english_names_are_english(scheme: str) -> None:
    bad = [f"{c.code} {c.name_en!r}" for c in code_table(scheme) if _CHINESE.search(c.name_en)]
    assert not bad, f"{scheme} English names with Chinese characters: {bad[:5]}"
    untidy = [c.code for c in code_table(scheme) if c.name_en != c.name_en.strip() or "  " in c.name_en]
    assert not untidy, f"{scheme} English names with stray spaces: {untidy[:5]}"


def test_industry_sections_keep_official_names() -> None:
    table = code_table("industry")
    assert {c.code: c.name_en for c in table if c.level == 1} == INDUSTRY_SECTIONS


def test_discipline_top_levels_keep_official_names() -> None:
    table = code_table("discipline")
    assert {code: table.get(code).name_en for code in DISCIPLINE_TOP} == DISCIPLINE_TOP
    assert len([c for c in table if c.level == 0]) == 5


def test_other_codes_say_other() -> None:
    """GB/T 4754 其他/未列明 classes read 'Other ...' or '... n.e.c.'; GB/T 13745 其他学科 'Other Disciplines of ...'."""
    odd = [f"{c.code} {c.name_en}" for c in code_table("industry")
           if ("其他" in c.name_zh or "未列明" in c.name_zh)
           and not ("other" in c.name_en.lower() or "n.e.c." in c.name_en)]
    assert not odd, odd[:5]
    table = code_table("discipline")
    odd = [f"{c.code} {c.name_en}" for c in table
           if re.search("其[他它]学科$", c.name_zh) and not c.name_en.startswith("Other ")]
    assert not odd, odd[:5]


def test_known_names_and_english_lookup() -> None:
    industries = code_table("industry")
    assert industries.get("3841").name_en == "Manufacture of lithium-ion batteries"
    assert industries.get("0111").name_en == "Growing of rice"
    assert industries.find("Manufacture of lithium-ion batteries").code == "3841"
    disciplines = code_table("discipline")
    assert disciplines.get("11011").name_en == "History of Mathematics"
    assert disciplines.get("1101410").name_en == "Deductive Logic"
    assert disciplines.get("52020").label("en") == "Artificial Intelligence"
    assert disciplines.find("deductive logic").code == "1101410"


def test_label_still_falls_back_when_english_is_missing() -> None:
    assert Code("x", "1", "人工智能", "", "", 1).label("en") == "人工智能"
    assert Code("x", "1", "", "One", "", 1).label("zh") == "One"
