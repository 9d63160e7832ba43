"""Golden cases for identity resolution: true matches must pass 0.75, true non-matches must not."""

from __future__ import annotations

import itertools
import random

import pytest

from kechuang.engine.identity import (
    IdentityMatch,
    NameRecord,
    compare,
    find_duplicates,
    organization_key,
)

THRESHOLD = 0.75


def org(id_: int, *names: str, context: tuple[str, ...] = ()) -> NameRecord:
    """Build an organization record tersely."""
    return NameRecord(id=id_, names=tuple(names), context=frozenset(context))


def person(id_: int, *names: str, context: tuple[str, ...] = ()) -> NameRecord:
    """Build a person record tersely."""
    return NameRecord(id=id_, names=tuple(names), context=frozenset(context))


def confidence(a: NameRecord, b: NameRecord, kind: str) -> float:
    """Confidence of a pair, 0 when compare says clearly different."""
    match = compare(a, b, kind)
    return 0.0 if match is None else match.confidence


def assert_all_pairs_match(names: list[str], kind: str, context: tuple[str, ...] = ()) -> None:
    """Every pair of spellings in a group must match with reasons."""
    records = [NameRecord(id=i + 1, names=(n,), context=frozenset(context)) for i, n in enumerate(names)]
    for a, b in itertools.combinations(records, 2):
        match = compare(a, b, kind)
        assert match is not None, (a.names, b.names)
        assert match.confidence >= THRESHOLD, (a.names, b.names, match)
        assert match.reasons, (a.names, b.names)


# ---------------------------------------------------------------- organizations: true matches

ORG_GROUPS = [
    [
        "清华大学",
        "Tsinghua University",
        "Tsinghua Univ.",
        "TSINGHUA UNIV",
        "Tsinghua University, Beijing",
        "ＴＳＩＮＧＨＵＡ　ＵＮＩＶＥＲＳＩＴＹ",
        "The Tsinghua University",
        "Tsinghua University, Beijing 100084, China",
        "Tsinghau Univeristy",
    ],
    ["北京大学", "Peking University", "Peking Univ", "PEKING UNIVERSITY"],
    [
        "中国科学院自动化研究所",
        "Institute of Automation, Chinese Academy of Sciences",
        "CAS Institute of Automation",
        "Inst. of Automation, Chinese Acad. Sci.",
        "中科院自动化所",
    ],
    ["北京理工大学", "Beijing Institute of Technology", "Beijing Inst. Tech."],
    ["南开大学", "Nankai University", "Nankai Univ., Tianjin"],
    ["中山大学", "Sun Yat-sen University", "Sun Yat-Sen Univ."],
    ["苏州大学", "Soochow University"],
    [
        "北京小米科技有限责任公司",
        "Beijing Xiaomi Technology Co., Ltd.",
        "Xiaomi Technology Co Ltd",
        "北京小米科技有限公司",
        "小米科技（北京）有限公司",
    ],
    ["國立臺灣大學", "国立台湾大学", "National Taiwan University", "Natl. Taiwan Univ."],
    [
        "中国科学技术大学",
        "University of Science and Technology of China",
        "University of Science & Technology of China",
    ],
    ["清华大学（深圳）", "Tsinghua University (Shenzhen)", "清華大學(深圳)"],
    ["中国人民大学", "Renmin University of China"],
    ["西安交通大学", "Xi'an Jiaotong University", "Xian Jiao Tong University"],
    ["Johnson & Johnson", "Johnson and Johnson", "JOHNSON & JOHNSON INC."],
    ["陕西师范大学", "Shaanxi Normal University"],
    ["华南理工大学", "South China University of Technology"],
    [
        "北京同仁堂制药有限公司",
        "Beijing Tongrentang Pharmaceutical Co., Ltd.",
        "Beijing Tongrentang Pharmaceuticals",
    ],
    [
        "中国矿业大学（北京校区）",
        "中国矿业大学（北京）",
        "China University of Mining and Technology (Beijing)",
    ],
    ["北京市科学技术委员会", "北京市科委", "Beijing Municipal Science and Technology Commission"],
    ["中国农业科学院农业资源与农业区划研究所", "中国农业科学院农业资源与农业区划所"],
]


@pytest.mark.parametrize("group", ORG_GROUPS, ids=lambda g: g[0])
def test_organization_spellings_match(group: list[str]) -> None:
    assert_all_pairs_match(group, "organization")


# ---------------------------------------------------------------- organizations: true non-matches

ORG_NON_MATCHES = [
    ("北京大学", "北京理工大学"),
    ("Peking University", "Beijing Institute of Technology"),
    ("Peking University", "北京理工大学"),
    ("中国科学院自动化研究所", "中国科学院计算技术研究所"),
    ("Institute of Automation, CAS", "Institute of Computing Technology, CAS"),
    ("中国科学院自动化研究所", "Institute of Computing Technology, Chinese Academy of Sciences"),
    ("中国科学院", "中国科学院自动化研究所"),
    ("清华大学", "清华大学（深圳）"),
    ("Tsinghua University", "清华大学（深圳）"),
    ("Tsinghua University", "Tsinghua University (Shenzhen Campus)"),
    ("北京大学", "天津大学"),
    ("北京理工大学", "北京工业大学"),
    ("北京理工大学", "Beijing University of Technology"),
    ("Beijing Institute of Technology", "Beijing University of Technology"),
    ("南开大学", "南京大学"),
    ("Nankai University", "Nanjing University"),
    ("清华大学", "青岛大学"),
    ("北京大学", "北京大学出版社"),
    ("Peking University", "Peking University Press"),
    ("陕西师范大学", "山西师范大学"),
    ("北京小米科技有限责任公司", "北京百度网讯科技有限公司"),
    ("中国科学技术大学", "北京科技大学"),
    ("University of Science and Technology of China", "University of Science and Technology Beijing"),
    ("北京师范大学", "北京大学"),
    ("内蒙古大学", "内蒙古工业大学"),
    ("西安交通大学", "西安交通科技大学"),
    ("中国科学院文献情报中心", "中国科学院武汉文献情报中心"),
    ("国家行政学院", "浙江行政学院"),
    ("中南民族大学", "中央民族大学"),
    ("海军工程大学", "空军工程大学"),
    ("中国地质大学（北京）", "中国地质大学（武汉）"),
    ("Beijing Technology Co., Ltd.", "北京创新科技有限公司"),
]


@pytest.mark.parametrize(("left", "right"), ORG_NON_MATCHES, ids=lambda s: s)
def test_organization_non_matches(left: str, right: str) -> None:
    assert confidence(org(1, left), org(2, right), "organization") < THRESHOLD


def test_campus_qualifier_scores_clearly_lower() -> None:
    plain = confidence(org(1, "清华大学"), org(2, "Tsinghua University"), "organization")
    branch = confidence(org(1, "清华大学（深圳）"), org(2, "Tsinghua University"), "organization")
    assert branch < THRESHOLD <= plain
    assert plain - branch >= 0.2


def test_records_with_several_names_match_on_any() -> None:
    a = org(1, "清华大学", "", "Tsinghua University")
    b = org(2, "", "THU", "Tsinghua Univ.")
    assert confidence(a, b, "organization") >= THRESHOLD


def test_shared_acronym_alone_is_likely_but_not_certain() -> None:
    match = compare(org(1, "Rhine-Main Institute", "RIPT"), org(2, "RIPT"), "organization")
    assert match is not None and THRESHOLD <= match.confidence < 0.9
    assert any("acronym" in r for r in match.reasons)


def test_same_credit_code_is_near_certain_even_when_renamed() -> None:
    code = "credit:91110108551385082Q"
    a = org(1, "北京小米科技有限责任公司", context=(code,))
    b = org(2, "小米通讯技术有限公司", context=(code,))
    match = compare(a, b, "organization")
    assert match is not None and match.confidence >= 0.95
    assert any("credit" in r for r in match.reasons)


def test_different_credit_codes_are_a_non_match() -> None:
    a = org(1, "北京小米科技有限责任公司", context=("credit:91110108551385082Q",))
    b = org(2, "Beijing Xiaomi Technology Co., Ltd.", context=("credit:911101085513850000",))
    assert confidence(a, b, "organization") < 0.3


def test_different_country_lowers_organization_score() -> None:
    same = confidence(
        org(1, "Soochow University", context=("country:CN",)),
        org(2, "苏州大学", context=("country:CN",)),
        "organization",
    )
    other = confidence(
        org(1, "Soochow University", context=("country:TW",)),
        org(2, "苏州大学", context=("country:CN",)),
        "organization",
    )
    assert other < same
    assert other < THRESHOLD


# ---------------------------------------------------------------- organization_key


@pytest.mark.parametrize(
    "name", ["Tsinghua University", "TSINGHUA UNIV.", "ＴＳＩＮＧＨＵＡ　ＵＮＩＶ", "The Tsinghua Univ"]
)
def test_organization_key_equal_across_spellings(name: str) -> None:
    assert organization_key(name) == organization_key("清华大学")


def test_organization_key_keeps_qualifier_and_distinguishes() -> None:
    assert organization_key("清华大学（深圳）") != organization_key("清华大学")
    assert organization_key("國立臺灣大學") == organization_key("国立台湾大学")
    assert organization_key("北京大学") != organization_key("北京理工大学")
    assert organization_key("") == ""


# ---------------------------------------------------------------- persons

ZHANG_WEI = ["张伟", "Zhang Wei", "Wei Zhang", "ZHANG Wei", "Zhang, W.", "W. Zhang", "張偉"]


def test_person_spellings_match_with_shared_organization() -> None:
    assert_all_pairs_match(ZHANG_WEI, "person", context=("org:12",))


@pytest.mark.parametrize(
    "group",
    [
        ["欧阳娜娜", "Ouyang Nana", "Nana Ouyang", "OUYANG Nana", "Ou-Yang Na-Na"],
        ["司马光", "Sima Guang", "Guang Sima"],
        [
            "李晓明",
            "Xiao-Ming Li",
            "Li Xiaoming",
            "Xiaoming Li",
            "LI Xiao-Ming",
            "Li, Xiaoming",
            "X. M. Li",
            "Li, X.-M.",
            "Dr. Li Xiaoming",
        ],
        ["张乐", "Zhang Yue"],
        ["张乐", "Zhang Le"],
        ["张伟", "Chang Wei"],
        ["曾伟", "Zeng Wei"],
        ["单雄", "Shan Xiong"],
        ["解放", "Xie Fang"],
        ["仇明", "Qiu Ming"],
        ["区伟", "Ou Wei"],
        ["朴智", "Piao Zhi"],
        ["查良镛", "Zha Liangyong", "Liang-Yong Zha"],
        ["吕静", "Lü Jing", "Lyu Jing", "Lv Jing"],
    ],
    ids=lambda g: g[0],
)
def test_person_variants_match_with_shared_context(group: list[str]) -> None:
    assert_all_pairs_match(group, "person", context=("org:7",))


def test_same_name_without_context_is_weak() -> None:
    match = compare(person(1, "张伟"), person(2, "Zhang Wei"), "person")
    assert match is not None
    assert 0.5 <= match.confidence < THRESHOLD
    assert any("weak" in r for r in match.reasons)


def test_same_name_with_different_organization_is_lower_still() -> None:
    none = confidence(person(1, "张伟"), person(2, "Zhang Wei"), "person")
    other = confidence(
        person(1, "张伟", context=("org:1",)), person(2, "Zhang Wei", context=("org:2",)), "person"
    )
    assert other < none


def test_initials_need_shared_context() -> None:
    assert confidence(person(1, "Zhang, W."), person(2, "Zhang Wei"), "person") < 0.5
    assert (
        confidence(
            person(1, "Zhang, W.", context=("org:3",)), person(2, "Zhang Wei", context=("org:3",)), "person"
        )
        >= THRESHOLD
    )


def test_shared_email_is_strong() -> None:
    email = "email:wzhang@example.edu.cn"
    match = compare(person(1, "Zhang Wei", context=(email,)), person(2, "张伟", context=(email,)), "person")
    assert match is not None and match.confidence >= 0.9
    assert any("email" in r for r in match.reasons)


def test_shared_email_does_not_match_different_names() -> None:
    email = ("email:lab@example.edu.cn",)
    assert compare(person(1, "张伟", context=email), person(2, "王芳", context=email), "person") is None


def test_shared_orcid_outweighs_names() -> None:
    orcid = ("orcid:0000-0002-1825-0097",)
    match = compare(person(1, "Wong Ka Ming", context=orcid), person(2, "黄家明", context=orcid), "person")
    assert match is not None and match.confidence >= 0.95


def test_shared_region_alone_is_not_enough_for_common_name() -> None:
    region = ("region:110108",)
    pair = person(1, "张伟", context=region), person(2, "Zhang Wei", context=region)
    assert confidence(*pair, "person") < THRESHOLD


PERSON_NON_MATCHES = [
    ("张伟", "张玮"),
    ("张伟", "王伟"),
    ("Zhang Wei", "Zhang Wen"),
    ("Zhang, W.", "Zhang, X."),
    ("Li Xiaoming", "Li Xiaohong"),
    ("李晓明", "Li Xiaohong"),
    ("欧阳娜娜", "Ouyang Li"),
    ("曾伟", "Ceng Wei"),
    ("张伟", "Zhang Weiming"),
]


@pytest.mark.parametrize(("left", "right"), PERSON_NON_MATCHES, ids=lambda s: s)
def test_person_non_matches_even_with_shared_organization(left: str, right: str) -> None:
    ctx = ("org:5",)
    assert confidence(person(1, left, context=ctx), person(2, right, context=ctx), "person") < THRESHOLD


def test_different_orcid_vetoes() -> None:
    a = person(1, "Zhang Wei", context=("orcid:0000-0001-0000-0001", "org:5"))
    b = person(2, "张伟", context=("orcid:0000-0001-0000-0002", "org:5"))
    assert confidence(a, b, "person") < 0.3


# ---------------------------------------------------------------- result shape and find_duplicates


def test_match_ids_are_ordered_and_reasons_present() -> None:
    match = compare(org(9, "清华大学"), org(3, "Tsinghua University"), "organization")
    assert isinstance(match, IdentityMatch)
    assert (match.left_id, match.right_id) == (3, 9)
    assert 0.0 <= match.confidence <= 1.0
    assert any("清华大学" in r for r in match.reasons)


def test_unknown_kind_is_rejected() -> None:
    with pytest.raises(ValueError):
        compare(org(1, "a"), org(2, "a"), "thing")


def test_find_duplicates_orgs_sorted_and_thresholded() -> None:
    records = [
        org(1, "清华大学"),
        org(2, "Tsinghua Univ."),
        org(3, "北京大学"),
        org(4, "Peking University"),
        org(5, "北京理工大学"),
        org(6, "清华大学（深圳）"),
        org(7, "Beijing Institute of Technology"),
        org(8, "", ""),
    ]
    matches = find_duplicates(records, "organization")
    pairs = {(m.left_id, m.right_id) for m in matches}
    assert pairs == {(1, 2), (3, 4), (5, 7)}
    assert [m.confidence for m in matches] == sorted((m.confidence for m in matches), reverse=True)
    assert all(m.reasons for m in matches)


def test_find_duplicates_persons_threshold_controls_weak_matches() -> None:
    records = [
        person(1, "张伟", context=("org:1",)),
        person(2, "Zhang Wei", context=("org:1",)),
        person(3, "W. Zhang", context=("org:1",)),
        person(4, "Zhang Wei"),
        person(5, "李晓明"),
    ]
    strong = {(m.left_id, m.right_id) for m in find_duplicates(records, "person")}
    assert strong == {(1, 2), (1, 3), (2, 3)}
    weak = {(m.left_id, m.right_id) for m in find_duplicates(records, "person", threshold=0.5)}
    assert {(1, 4), (2, 4)} <= weak
    assert not any(5 in pair for pair in weak)


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉兰萍鹏辉宇浩凯健俊帆帅旭宁龙林欣瑶雪梅琳晨阳"


def synthetic_people(count: int, seed: int = 7) -> tuple[list[NameRecord], set[tuple[int, int]]]:
    """Distinct people, each as a Chinese record and an English record sharing one org."""
    rng = random.Random(seed)
    names = sorted({rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN) for _ in range(count * 3)})
    rng.shuffle(names)
    records: list[NameRecord] = []
    expected: set[tuple[int, int]] = set()
    from pypinyin import lazy_pinyin  # local: the test only needs it to spell the English variant

    for i, name in enumerate(names[:count]):
        sur, *given = [s.replace("v", "u") for s in lazy_pinyin(name)]
        sur = {"曾": "zeng"}.get(name[0], sur)  # plain pypinyin reads the surname 曾 as ceng
        first = "".join(given).title()
        spelled = [f"{first} {sur.title()}", f"{sur.upper()} {first}"][i % 2]
        ctx = frozenset({f"org:{i}"})
        records += [NameRecord(2 * i, (name,), ctx), NameRecord(2 * i + 1, (spelled,), ctx)]
        expected.add((2 * i, 2 * i + 1))
    return records, expected


def test_find_duplicates_scales_with_blocking() -> None:
    records, expected = synthetic_people(2500)
    found = {(m.left_id, m.right_id) for m in find_duplicates(records, "person")}
    assert found == expected


def test_find_duplicates_synthetic_organizations() -> None:
    records: list[NameRecord] = []
    expected: set[tuple[int, int]] = set()
    seen: set[str] = set()
    words = "华中天海恒瑞安信达通博远新和泰宏盛嘉科云智联创"
    for i, (x, y) in enumerate(itertools.product(words, repeat=2)):
        if x == y:
            continue
        zh = f"北京{x}{y}科技有限公司"
        key = organization_key(zh)
        en = key.split("|")[0].replace("beijing", "").strip().title()
        if key in seen or not en:  # pinyin collisions, or x+y is a vocabulary word like 通信
            continue
        seen.add(key)
        records += [NameRecord(2 * i, (zh,)), NameRecord(2 * i + 1, (f"Beijing {en} Technology Co., Ltd.",))]
        expected.add((2 * i, 2 * i + 1))
    found = {(m.left_id, m.right_id) for m in find_duplicates(records, "organization")}
    assert found == expected
