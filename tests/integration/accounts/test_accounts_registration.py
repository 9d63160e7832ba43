"""Self-registration: pending accounts cannot sign in, admins approve (creating a proposed organization)
or reject with a reason, every decision is audited, and confidential organizations cannot be claimed."""

from __future__ import annotations

import pytest
from accounts_cast import PASSWORD
from sqlalchemy import select

from kechuang.domain.access import Actor
from kechuang.domain.entities import Organization
from kechuang.domain.errors import Conflict, InvalidInput, PermissionDenied, Unauthenticated
from kechuang.domain.market import AuditEvent
from kechuang.services import accounts, audit, profiles, registrations


def _register(uow, world, username="newcomer", **extra):
    fields = {"organization_id": world.public_org, **extra}
    return registrations.register(uow, username=username, password=PASSWORD, display_name="新人 Newcomer",
                                  language="en", **fields)


def _actions(uow) -> list[str]:
    with uow() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))  # type: ignore[attr-defined]


def test_a_pending_account_cannot_sign_in_and_is_told_why(uow, world):
    user = _register(uow, world)
    assert not user.active and user.organization_id == world.public_org and user.language == "en"
    with pytest.raises(Unauthenticated, match="waiting for an administrator's approval"):
        accounts.authenticate(uow, "newcomer", PASSWORD)
    with pytest.raises(Unauthenticated, match="wrong username or password"):  # the reason only for the owner
        accounts.authenticate(uow, "newcomer", "not the password at all")
    assert [row.user.username for row in profiles.list_accounts(world.admin_actor, uow, "pending")] == ["newcomer"]
    assert _actions(uow) == ["account.register"]


def test_approval_switches_the_account_on_with_the_role_an_admin_chooses(uow, world):
    _register(uow, world, role="researcher")
    [pending] = registrations.list_registrations(world.admin_actor, uow)
    assert pending.organization_name == "海河电池研究院"
    with pytest.raises(PermissionDenied):
        registrations.approve(world.member_actor, uow, pending.registration.id)
    user = registrations.approve(world.admin_actor, uow, pending.registration.id, role="institution")
    assert user.active and user.role.value == "institution"
    assert accounts.authenticate(uow, "newcomer", PASSWORD).id == user.id
    with pytest.raises(Conflict):
        registrations.approve(world.admin_actor, uow, pending.registration.id)
    assert _actions(uow) == ["account.register", "account.approve"]
    assert audit.verify(Actor.system(), uow).ok


def test_a_proposed_organization_is_created_on_approval(uow, world):
    _register(uow, world, organization_id=None, proposed_organization="Example Robotics Ltd")
    [pending] = registrations.list_registrations(world.admin_actor, uow)
    user = registrations.approve(world.admin_actor, uow, pending.registration.id)
    with uow() as session:
        org = session.get(Organization, user.organization_id)
    assert org is not None and org.name_en == "Example Robotics Ltd" and org.name_zh == ""


def test_rejection_needs_a_reason_and_keeps_the_account_off(uow, world):
    _register(uow, world)
    [pending] = registrations.list_registrations(world.admin_actor, uow)
    with pytest.raises(InvalidInput, match="reason"):
        registrations.reject(world.admin_actor, uow, pending.registration.id, "  ")
    registrations.reject(world.admin_actor, uow, pending.registration.id, "not a member of this institute")
    with pytest.raises(Unauthenticated, match="was not approved"):
        accounts.authenticate(uow, "newcomer", PASSWORD)
    assert [r.user.username for r in profiles.list_accounts(world.admin_actor, uow, "disabled")] == ["newcomer"]
    assert registrations.registration_status(uow, pending.user.id) == "rejected"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"organization_id": None}, "organization_id"),  # neither
        ({"proposed_organization": "Another"}, "organization_id"),  # both
        ({"role": "admin"}, "role"),  # no self-service admin
        ({"role": "registrar"}, "role"),
        ({"display_name": " "}, "display_name"),
        ({"proposed_organization": "bad\x00name", "organization_id": None}, "proposed_organization"),
    ],
)
def test_bad_registrations_are_refused_with_the_field(uow, world, fields, field):
    body = {"username": "x_user", "password": PASSWORD, "display_name": "X", "organization_id": world.public_org}
    body.update(fields)
    with pytest.raises(InvalidInput) as refused:
        registrations.register(uow, **body)
    assert refused.value.field == field
    assert profiles.list_accounts(world.admin_actor, uow, "pending") == []  # nothing half-written


def test_a_confidential_organization_cannot_be_claimed_nor_probed(uow, world):
    with pytest.raises(InvalidInput, match="does not exist"):
        _register(uow, world, organization_id=world.hidden_org)
    with pytest.raises(InvalidInput, match="does not exist"):
        _register(uow, world, organization_id=999_999)


def test_the_password_policy_and_unique_usernames_apply(uow, world):
    with pytest.raises(InvalidInput, match="at least 10"):
        registrations.register(uow, username="shorty", password="short", display_name="S",
                               organization_id=world.public_org)
    with pytest.raises(Conflict):
        _register(uow, world, username="member")


def test_admins_administer_roles_and_states(uow, world):
    admin = world.admin_actor
    assert {row.state for row in profiles.list_accounts(admin, uow)} == {"active"}
    with pytest.raises(PermissionDenied):
        profiles.list_accounts(world.member_actor, uow)
    profiles.set_role(admin, uow, world.member.id, "investor")
    profiles.set_active(admin, uow, world.member.id, False)
    assert [r.user.username for r in profiles.list_accounts(admin, uow, "disabled")] == ["member"]
    with pytest.raises(Unauthenticated):
        accounts.authenticate(uow, "member", PASSWORD)
    profiles.set_active(admin, uow, world.member.id, True)
    assert accounts.authenticate(uow, "member", PASSWORD).role.value == "investor"
    with pytest.raises(InvalidInput):
        profiles.set_role(admin, uow, world.admin.id, "officer")  # not your own
    with pytest.raises(InvalidInput):
        profiles.list_accounts(admin, uow, "sleeping")
    user = _register(uow, world)
    with pytest.raises(Conflict, match="awaits approval"):
        profiles.set_active(admin, uow, user.id, True)  # approval is the way in
    assert _actions(uow)[:4] == ["account.role", "account.disable", "account.enable", "account.register"]
