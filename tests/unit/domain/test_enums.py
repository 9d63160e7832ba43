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


def test_members_of_different_enums_with_one_value_keep_their_own_labels():
    from kechuang.domain.enums import OrgKind, Role

    assert OrgKind.ENTERPRISE == Role.ENTERPRISE  # equal as strings...
    assert OrgKind.ENTERPRISE.zh == "企业" and Role.ENTERPRISE.zh == "企业用户"  # ...labelled apart
    assert OrgKind.parse("企业") is OrgKind.ENTERPRISE
