"""Golden tokens (pyserini style) for Chinese, English and mixed text: what the lexical index sees."""

from __future__ import annotations

import pickle

import pytest

from kechuang.text import Analyzer, bigrams, query_tokenize, tokenize
from kechuang.text.stopwords import EN_STOPWORDS, ZH_STOPWORDS

PRECISE = Analyzer(search_mode=False)
UNSTEMMED = Analyzer(stem=False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Chinese: search mode adds the dictionary words inside longer words (锂电 电池 inside 锂电池)
        ("锂电池", ["锂电", "电池", "锂电池"]),
        ("基于YOLOv8的锂电池缺陷检测", ["yolov8", "锂电", "电池", "锂电池", "缺陷", "检测"]),
        (
            "一种基于平方和优化的飞行器大角度机动镇定控制器设计方法",
            ["平方", "平方和", "优化", "飞行", "飞行器", "大", "角度", "机动", "镇定", "控制", "控制器", "设计"],
        ),
        (
            "新能源汽车动力电池热管理系统研究",
            ["能源", "新能源", "汽车", "动力", "电池", "动力电池", "热", "管理", "系统", "管理系", "管理系统"],
        ),
        ("大语言模型在知识图谱中的应用", ["大", "语言", "模型", "知识", "图谱", "应用"]),
        ("钙钛矿太阳能电池的稳定性", ["钙钛矿", "太阳", "太阳能", "电池", "稳定", "定性", "稳定性"]),
        ("研究方法", []),
        ("你好。世界，“引号”《书名》", ["你好", "世界", "引号", "书名"]),
        ("，。！？……——、", []),
        ("", []),
        # traditional and full-width input give the simplified, half-width tokens
        ("基於YOLOv8的鋰電池缺陷檢測", ["yolov8", "锂电", "电池", "锂电池", "缺陷", "检测"]),
        ("ＬｉＤＡＲ點雲配準", ["lidar", "点云", "配准"]),
        # English: Snowball stemming, stopwords out, hyphenated words split (li-ion matches "Li ion")
        (
            "Thermal management of lithium-ion batteries for electric vehicles",
            ["thermal", "manag", "lithium", "ion", "batteri", "electr", "vehicl"],
        ),
        (
            "5G, CO2 and INT8 quantization at 800 V / 2.5 GHz",
            ["5g", "co2", "int8", "quantiz", "800", "v", "2.5", "ghz"],
        ),
        ("C++ and C# code, Python 3.11 (v2.0)", ["c++", "c#", "code", "python", "3.11", "v2.0"]),
        ("It is the state-of-the-art method.", ["state", "art", "method"]),
        ("COVID-19 in 2020. Fig.3 shows R&D", ["covid", "19", "2020", "fig", "3", "show", "r", "d"]),
        ("snake_case and e-mail", ["snake", "case", "e", "mail"]),
        # mixed
        (
            "基于BERT和BiLSTM-CRF的命名实体识别",
            ["bert", "bilstm", "crf", "命名", "实体", "识别"],
        ),
        ("采用Transformer模型进行时间序列预测", ["transform", "模型", "时间", "序列", "预测"]),
        ("锂离子电池 lithium-ion battery", ["离子", "锂离子", "电池", "lithium", "ion", "batteri"]),
        ("温度25℃，误差±0.5%", ["温度", "25", "c", "误差", "0.5"]),
    ],
)
def test_tokenize_golden(text: str, expected: list[str]) -> None:
    assert tokenize(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("基于YOLOv8的锂电池缺陷检测", ["yolov8", "锂电池", "缺陷", "检测"]),
        ("新能源汽车动力电池热管理系统研究", ["新能源", "汽车", "动力电池", "热", "管理系统"]),
        ("中华人民共和国", ["中华人民共和国"]),
    ],
)
def test_precise_mode_golden(text: str, expected: list[str]) -> None:
    assert PRECISE.tokens(text) == expected


def test_queries_are_cut_in_precise_mode_with_the_same_words_and_stems() -> None:
    assert query_tokenize("基于YOLOv8的锂电池缺陷检测 lithium-ion batteries") == [
        "yolov8", "锂电池", "缺陷", "检测", "lithium", "ion", "batteri",
    ]
    analyzer = Analyzer(user_words=["科创平台"])
    assert analyzer.tokens("科创平台需求对接") == ["平台", "科创平台", "需求", "对接"]
    assert analyzer.query_tokens("科创平台需求对接") == ["科创平台", "需求", "对接"]


@pytest.mark.parametrize(
    "text",
    [
        "新能源汽车动力电池热管理系统研究",
        "研制满足公司需求的高精度激光雷达点云配准算法，预期目标：1、配准误差小于0.5%",
        "一种基于平方和优化的飞行器大角度机动镇定控制器设计方法",
        "鋰離子電池正極材料的製備 and lithium-ion cathodes",
    ],
)
def test_every_query_token_is_an_index_token_of_the_same_text(text: str) -> None:
    # a document holding the query's words verbatim holds every token the query asks for
    analyzer = Analyzer(user_words=["热管理系统", "点云配准"])
    assert set(analyzer.query_tokens(text)) <= set(analyzer.tokens(text))
    assert set(query_tokenize(text)) <= set(tokenize(text))


def test_unstemmed_tokens_keep_the_word() -> None:
    assert UNSTEMMED.tokens("Thermal management of lithium-ion batteries") == [
        "thermal", "management", "lithium", "ion", "batteries",
    ]


def test_traditional_and_simplified_give_the_same_tokens() -> None:
    pairs = [
        ("鋰電池熱管理系統", "锂电池热管理系统"),
        ("臺灣積體電路製造的晶圓檢測", "台湾积体电路制造的晶圆检测"),
        ("機器學習與資料探勘", "机器学习与资料探勘"),
    ]
    for traditional, simplified in pairs:
        assert tokenize(traditional) == tokenize(simplified)


def test_user_words_join_domain_terms() -> None:
    text = "科创平台需求对接"
    assert tokenize(text) == ["科创", "平台", "需求", "对接"]
    # search mode adds only sub-words that are in the dictionary: 平台 is, 科创 is not
    analyzer = Analyzer(user_words=["科创平台"])
    assert analyzer.tokens(text) == ["平台", "科创平台", "需求", "对接"]
    assert Analyzer(search_mode=False, user_words=["科创平台"]).tokens(text) == ["科创平台", "需求", "对接"]
    # the module-level tokenizer is not changed by another analyzer's words
    assert tokenize(text) == ["科创", "平台", "需求", "对接"]


def test_add_words_normalises_and_keeps_the_chinese_parts() -> None:
    analyzer = Analyzer(search_mode=False)
    assert analyzer.tokens("天河新一代超算系统") == ["天河", "新一代", "超算", "系统"]
    # traditional spelling, full width and a Latin part: 超算系統 is added as 超算系统
    analyzer.add_words(["  超算系統ＸＹ  ", "", "5G"])
    assert analyzer.tokens("天河新一代超算系统") == ["天河", "新一代", "超算系统"]
    assert analyzer.user_words == ("超算系统",)
    assert tokenize("天河新一代超算系统") == ["天河", "一代", "新一代", "超算", "系统"]


def test_analyzer_pickles_with_its_words() -> None:
    analyzer = Analyzer(stem=False, search_mode=False, user_words=["科创平台"])
    clone = pickle.loads(pickle.dumps(analyzer))
    assert clone.tokens("科创平台 batteries") == ["科创平台", "batteries"]


def test_stopword_lists_are_normalised_and_modest() -> None:
    assert {"的", "了", "和", "与", "及", "等", "在", "是", "对", "为", "以", "基于", "研究", "方法", "一种"} <= ZH_STOPWORDS
    assert {"the", "of", "and", "a", "is", "s", "t"} <= EN_STOPWORDS
    assert len(ZH_STOPWORDS) < 150 and len(EN_STOPWORDS) < 200
    for word in ZH_STOPWORDS | EN_STOPWORDS:
        assert word == word.strip().lower() and word


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("锂电池", ["锂电", "电池"]),
        ("鋰電池 and 缺陷檢測", ["锂电", "电池", "缺陷", "陷检", "检测"]),
        ("热", ["热"]),
        ("热-管理", ["热", "管理"]),
        ("YOLOv8 only", []),
        ("", []),
    ],
)
def test_bigrams_golden(text: str, expected: list[str]) -> None:
    assert bigrams(text) == expected
