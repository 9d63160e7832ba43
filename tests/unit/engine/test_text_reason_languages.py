"""The text reason in Chinese names shared concepts in Chinese: a cross-language pair by its Chinese side,
acronyms as they are, plain English terms only counted; the English reason keeps every concept."""

from __future__ import annotations

from kechuang.engine.features import text_reason


def test_chinese_reason_shows_the_chinese_side_and_counts_english_terms():
    reason = text_reason(0.8, [("热失控", "thermal runaway"), ("battery pack", "battery pack"), ("SOH", "SOH估计"),
                               ("mRNA", "mRNA"), ("int8", "int8"), ("LLM quantization", "LLM quantization"),
                               ("电池包安全", "电池安全")])
    assert reason.zh == "内容相关，共同概念：热失控、SOH估计、mRNA、int8、电池包安全 ↔ 电池安全；另有 2 个共同英文术语"
    assert "thermal runaway" in reason.en and "battery pack" in reason.en and "LLM quantization" in reason.en


def test_only_english_terms_are_counted_and_no_terms_say_nothing_more():
    assert text_reason(0.5, [("edge", "edge")]).zh == "内容相关，有 1 个共同英文术语"
    assert text_reason(0.5, []).zh == "内容相关"
