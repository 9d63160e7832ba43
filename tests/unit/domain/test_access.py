"""The single visibility rule."""

import pytest

from kechuang.domain.access import ANONYMOUS, Actor, can_edit, can_see
from kechuang.domain.enums import Visibility

OWNER = 7
MEMBER = Actor(name="m", organization_id=OWNER, authenticated=True)
OTHER = Actor(name="o", organization_id=8, authenticated=True)
ADMIN = Actor(name="a", roles=frozenset({"admin"}), authenticated=True)


@pytest.mark.parametrize(
    ("actor", "visibility", "expected"),
    [
        (ANONYMOUS, Visibility.PUBLIC, True),
        (ANONYMOUS, Visibility.MEMBERS, False),
        (ANONYMOUS, Visibility.CONFIDENTIAL, False),
        (OTHER, Visibility.MEMBERS, True),
        (OTHER, Visibility.CONFIDENTIAL, False),
        (MEMBER, Visibility.CONFIDENTIAL, True),
        (ADMIN, Visibility.CONFIDENTIAL, True),
    ],
)
def test_can_see(actor, visibility, expected):
    assert can_see(actor, visibility, OWNER) is expected


def test_only_owner_members_and_admins_edit():
    assert can_edit(MEMBER, OWNER) and can_edit(ADMIN, OWNER)
    assert not can_edit(OTHER, OWNER) and not can_edit(ANONYMOUS, OWNER)
