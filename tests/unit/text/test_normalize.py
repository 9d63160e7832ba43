"""Golden cases for text normalisation: width, script, case and spaces, so index and query text agree."""

from __future__ import annotations

import json
import random
import unicodedata

import pytest

from kechuang.text.normalize import T2S_TABLE, detect_script, normalize


def reference(text: str) -> str:
    """The slow definition normalize() must agree with: no invisible format characters, NFKC,
    single-character t2s, lower case, single spaces."""
    text = "".join(c for c in text if c not in "\u00ad\u200b\u200c\u200d\u2060\ufeff")
    text = unicodedata.normalize("NFKC", text).translate(T2S_TABLE).lower()
    return " ".join(text.split())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ""),
        ("Deep Learning", "deep learning"),
        ("ＡＢＣ１２３，（测试）；ＬｉＤＡＲ", "abc123,(测试);lidar"),
        ("鋰電池", "锂电池"),
        ("基於YOLOv8的鋰電池缺陷檢測", "基于yolov8的锂电池缺陷检测"),
        ("中華人民共和國國家發展和改革委員會", "中华人民共和国国家发展和改革委员会"),
        ("臺灣的軟體開發與資訊安全", "台湾的软体开发与资讯安全"),
        ("  多个\t空白\n\n和\u3000全角空格  ", "多个 空白 和 全角空格"),
        ("温度 25℃，①号样品；Ⅱ型；面积 5㎡", "温度 25°c,1号样品;ii型;面积 5m2"),
        ("pH＝7.0～7.5，浓度＜5％", "ph=7.0~7.5,浓度<5%"),
        ("cafe\u0301 and CAFÉ", "café and café"),
        ("锂\u200b电池\ufeff", "锂电池"),
        ("𠗣", "㓆"),  # a traditional character outside the BMP takes the slow path
        ("乾燥", "干燥"),  # single characters only: 乾 always becomes 干 (康乾盛世 too)
        ("瞭解", "瞭解"),  # 瞭 is a valid simplified character; only phrase-level OpenCC makes it 了
    ],
)
def test_normalize_golden(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Ａ\u0301 ﬁle ㍿ ½ x² ﹙注﹚ 〇 ⅻ ﬀ",
        "e\u0301\u0323 \u1e0b\u0323 한국어 ｶﾀｶﾅ",
        "發\u0301 𠗣𠀀 \U0002f800 豈",
        "İstanbul ΣΑΣ ß",
        "e\u200b\u0301 ｶ\u200bﾞ",
    ],
)
def test_normalize_agrees_with_reference_on_hard_cases(text: str) -> None:
    assert normalize(text) == reference(text)


def test_normalize_agrees_with_reference_on_random_mixtures() -> None:
    pool = "锂電池發乾豈𠗣\U0002f800ＡＢａｂ１２，；（）\u3000 \t\n℃①Ⅱ㎡ﬁ½²eEa\u0301\u0323\u0308\u200b\ufeff한ｶﾞİΣß-._"
    rng = random.Random(7)
    for _ in range(5000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 12)))
        assert normalize(text) == reference(text), ascii(text)


def test_normalize_is_idempotent() -> None:
    for text in ["基於YOLOv8的鋰電池", "ＡＢＣ，１２３", "℃ ① Ⅱ ㎡", "cafe\u0301", "𠗣"]:
        once = normalize(text)
        assert normalize(once) == once


def test_t2s_table_is_single_characters_without_chains() -> None:
    assert len(T2S_TABLE) > 3800
    for key, value in T2S_TABLE.items():
        assert len(chr(key)) == 1 and len(value) == 1 and value != chr(key)
        assert ord(value) not in T2S_TABLE, (chr(key), value)
        assert unicodedata.is_normalized("NFKC", value)


@pytest.mark.shared_data
def test_normalize_agrees_with_reference_on_csl(shared_data) -> None:
    path = shared_data / "csl" / "csl_2000.jsonl"
    with path.open(encoding="utf-8") as fh:
        docs = [json.loads(line) for line in fh]
    for doc in docs:
        for text in (doc["title"], doc["abstract"], " ".join(doc["keywords"])):
            assert normalize(text) == reference(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("锂电池热管理", "zh"),
        ("基于YOLOv8的锂电池缺陷检测", "zh"),
        ("基于BERT和BiLSTM-CRF的命名实体识别", "zh"),
        ("Thermal management of lithium-ion batteries", "en"),
        ("The Belt and Road (一带一路) initiative and its trade effects", "en"),
        ("锂电池 lithium battery", "mixed"),
        ("深度学习 deep learning", "mixed"),
        ("鋰電池", "zh"),
        ("ＬＩＤＡＲ", "en"),
        ("2024", "en"),
        ("", "en"),
    ],
)
def test_detect_script(text: str, expected: str) -> None:
    assert detect_script(text) == expected
