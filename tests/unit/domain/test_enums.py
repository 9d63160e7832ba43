"""Controlled vocabularies parse values and labels in both languages."""

import pytest

from kechuang.domain.enums import AchievementKind, LabelledEnum, TransferMode, Visibility


def test_every_member_has_both_labels():
    for enum in LabelledEnum.__subclasses__():
        for member in enum:
            assert member.zh and member.en


@pytest.mark.parametrize("raw", ["license", "许可", "License", " LICENSE "])
def test_parse_accepts_value_and_labels(raw):
    assert TransferMode.parse(raw) is TransferMode.LICENSE


def test_parse_lists_allowed_values_on_error():
    with pytest.raises(ValueError, match="public, members, confidential"):
        Visibility.parse("secret")
    assert AchievementKind.parse("Know-how") is AchievementKind.KNOW_HOW
