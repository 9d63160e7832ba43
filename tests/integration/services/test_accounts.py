"""Accounts service: passwords, lockout, tokens, sessions, invitations, deactivation, demo accounts."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from kechuang.domain.accounts import MAX_FAILED_LOGINS, User
from kechuang.domain.errors import Conflict, InvalidInput, PermissionDenied, Unauthenticated
from kechuang.services import accounts
from kechuang.services.registry import create_record
from kechuang.services.sample import DEMO_PASSWORD, demo_accounts, load_demo_accounts, load_sample


@pytest.fixture
def org(uow, admin):
    return create_record(admin, "organization", {"name_zh": "测试企业", "kind": "enterprise"}, uow)


@pytest.fixture
def alice(uow, admin, org):
    return accounts.create_user(
        admin, uow, username="alice", password="correct horse", organization_id=org.id, role="enterprise"
    )


def test_password_is_hashed_with_argon2_and_checked(uow, alice):
    assert alice.password_hash.startswith("$argon2")
    assert "correct horse" not in alice.password_hash
    user = accounts.authenticate(uow, "Alice", "correct horse")
    assert user.id == alice.id and user.last_login_at is not None
    with pytest.raises(Unauthenticated):
        accounts.authenticate(uow, "alice", "wrong password")
    with pytest.raises(Unauthenticated):
        accounts.authenticate(uow, "nobody", "correct horse")


def test_lockout_after_repeated_failures_refuses_even_the_right_password(uow, alice):
    for _ in range(MAX_FAILED_LOGINS):
        with pytest.raises(Unauthenticated):
            accounts.authenticate(uow, "alice", "guess")
    with pytest.raises(Unauthenticated, match="too many failed"):
        accounts.authenticate(uow, "alice", "correct horse")
    with uow() as session:  # the lock expires
        session.execute(update(User).where(User.id == alice.id).values(locked_until=accounts.now()))
    assert accounts.authenticate(uow, "alice", "correct horse").id == alice.id


def test_short_password_and_bad_username_are_refused_with_their_field(uow, admin, org):
    with pytest.raises(InvalidInput) as short:
        accounts.create_user(admin, uow, username="bob", password="short", organization_id=org.id, role="enterprise")
    assert short.value.field == "password"
    with pytest.raises(InvalidInput) as bad:
        accounts.create_user(admin, uow, username="b ob", password="long enough", organization_id=org.id, role="enterprise")
    assert bad.value.field == "username"
    with pytest.raises(InvalidInput) as role:
        accounts.create_user(admin, uow, username="bob", password="long enough", organization_id=org.id, role="pilot")
    assert role.value.field == "role"


def test_only_admins_create_users_and_usernames_are_unique(uow, admin, alice, org):
    member = accounts.actor_for(alice)
    with pytest.raises(PermissionDenied):
        accounts.create_user(member, uow, username="eve", password="long enough", organization_id=org.id, role="admin")
    with pytest.raises(Conflict):
        accounts.create_user(admin, uow, username="alice", password="long enough", organization_id=org.id, role="enterprise")


def test_token_maps_to_actor_until_revoked(uow, alice, org):
    token = accounts.issue_token(uow, alice)
    actor = accounts.actor_from_token(uow, token)
    assert actor is not None and actor.organization_id == org.id and actor.user_id == alice.id
    assert "enterprise" in actor.roles and actor.authenticated
    assert accounts.actor_from_token(uow, token + "x") is None
    accounts.revoke_token(uow, token)
    assert accounts.actor_from_token(uow, token) is None


def test_deactivation_kills_tokens_and_sessions_and_sign_in(uow, admin, alice):
    token = accounts.issue_token(uow, alice)
    key, _csrf = accounts.start_session(uow, alice)
    accounts.deactivate_user(admin, uow, alice.id)
    assert accounts.actor_from_token(uow, token) is None
    assert accounts.session_info(uow, key) is None
    with pytest.raises(Unauthenticated, match="wrong username or password"):
        accounts.authenticate(uow, "alice", "correct horse")
    accounts.reactivate_user(admin, uow, alice.id)
    assert accounts.authenticate(uow, "alice", "correct horse").id == alice.id
    assert accounts.actor_from_token(uow, token) is None  # revoked tokens stay revoked


def test_session_carries_csrf_token_and_ends(uow, alice):
    key, csrf = accounts.start_session(uow, alice)
    info = accounts.session_info(uow, key)
    assert info is not None and info.csrf_token == csrf and info.actor.name == "alice"
    accounts.end_session(uow, key)
    assert accounts.session_info(uow, key) is None


def test_invitation_is_used_once(uow, admin, org):
    code = accounts.invite(admin, uow, organization_id=org.id, role="researcher", email="r@example.org")
    user = accounts.accept_invitation(uow, code, username="rita", password="long enough")
    assert user.organization_id == org.id and user.role.value == "researcher" and user.email == "r@example.org"
    with pytest.raises(InvalidInput) as again:
        accounts.accept_invitation(uow, code, username="rita2", password="long enough")
    assert again.value.field == "code"


def test_language_is_remembered(uow, alice):
    actor = accounts.actor_for(alice)
    accounts.set_language(actor, uow, "en")
    assert accounts.get_user(uow, alice.id).language == "en"
    with pytest.raises(InvalidInput):
        accounts.set_language(actor, uow, "fr")


def test_demo_accounts_sign_in_with_the_demo_password(uow):
    load_sample(uow)
    created = load_demo_accounts(uow)
    expected = {a["username"] for a in demo_accounts()}
    assert {"admin", "officer", "enterprise_a", "enterprise_b", "tto", "researcher", "investor"} <= expected
    assert set(created) == expected
    assert load_demo_accounts(uow) == []  # idempotent
    a = accounts.authenticate(uow, "enterprise_a", DEMO_PASSWORD)
    b = accounts.authenticate(uow, "enterprise_b", DEMO_PASSWORD)
    assert a.organization_id and b.organization_id and a.organization_id != b.organization_id
    assert accounts.actor_for(accounts.authenticate(uow, "admin", DEMO_PASSWORD)).is_admin
