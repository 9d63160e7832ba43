"""Sign-in under attack: lockout under concurrency, one answer for every failure, password policy and change."""

from __future__ import annotations

import threading

import pytest
from hostile_files import race

from kechuang.domain.accounts import MAX_FAILED_LOGINS, User
from kechuang.domain.errors import InvalidInput, Unauthenticated
from kechuang.services import accounts
from kechuang.services.registry import create_record
from kechuang.services.sample import DEMO_PASSWORD

PASSWORD = "correct horse"
PARALLEL = 40


@pytest.fixture
def org(uow, admin):
    return create_record(admin, "organization", {"name_zh": "测试企业", "kind": "enterprise"}, uow)


@pytest.fixture
def alice(uow, admin, org, fast_passwords):
    return accounts.create_user(
        admin, uow, username="alice", password=PASSWORD, organization_id=org.id, role="enterprise"
    )


def counting_checks(monkeypatch) -> list[str]:
    """Record every real password check against a stored hash (the dummy hash of unknown users aside)."""
    checked: list[str] = []
    lock = threading.Lock()
    real = accounts._verify

    def verify(password_hash: str, password: str) -> bool:
        if password_hash != accounts._dummy_hash():
            with lock:
                checked.append(password)
        return real(password_hash, password)

    monkeypatch.setattr(accounts, "_verify", verify)
    return checked


def test_parallel_wrong_passwords_are_checked_at_most_the_lockout_number_of_times(uow, alice, monkeypatch):
    checked = counting_checks(monkeypatch)
    results = race(*[lambda i=i: accounts.authenticate(uow, "alice", f"guess number {i}") for i in range(PARALLEL)])
    assert all(isinstance(r, Unauthenticated) for r in results), results
    assert len(checked) <= MAX_FAILED_LOGINS, f"{len(checked)} guesses were checked"
    with pytest.raises(Unauthenticated, match="too many failed"):
        accounts.authenticate(uow, "alice", PASSWORD)


def test_parallel_failures_all_count(uow, alice):
    race(*[lambda: accounts.authenticate(uow, "alice", "guess again") for _ in range(MAX_FAILED_LOGINS - 1)])
    with uow() as session:
        assert session.get(User, alice.id).failed_logins == MAX_FAILED_LOGINS - 1
    with pytest.raises(Unauthenticated):
        accounts.authenticate(uow, "alice", "one more guess")
    with pytest.raises(Unauthenticated, match="too many failed"):
        accounts.authenticate(uow, "alice", PASSWORD)


def answer(uow, username: str, password: str) -> tuple[str, str, str | None]:
    with pytest.raises(Unauthenticated) as refused:
        accounts.authenticate(uow, username, password)
    return refused.value.code, refused.value.message, refused.value.field


def test_unknown_user_wrong_password_and_deactivated_get_one_answer(uow, admin, alice, org):
    bob = accounts.create_user(admin, uow, username="bob", password="bob's passphrase", organization_id=org.id,
                               role="enterprise")
    accounts.deactivate_user(admin, uow, bob.id)
    unknown = answer(uow, "nobody", PASSWORD)
    assert answer(uow, "alice", "not the password") == unknown
    assert answer(uow, "bob", "bob's passphrase") == unknown
    assert answer(uow, "bob", "not the password") == unknown


@pytest.mark.parametrize(
    "password",
    ["aaaaaaaa", "aaaaaaaaaaaa", " " * 12, "\t" * 12, "short-pw", "password123", "Qwertyuiop", "1234567890",
     "iloveyou2024", "alice", "alice-alice", "x" * 129],
)
def test_weak_passwords_are_refused_everywhere(uow, admin, org, fast_passwords, password):
    with pytest.raises(InvalidInput) as created:
        accounts.create_user(admin, uow, username="alice", password=password, organization_id=org.id,
                             role="enterprise")
    assert created.value.field == "password"
    code = accounts.invite(admin, uow, organization_id=org.id, role="researcher")
    with pytest.raises(InvalidInput) as accepted:
        accounts.accept_invitation(uow, code, username="alice", password=password)
    assert accepted.value.field == "password"


def test_acceptable_passwords_and_the_demo_password_for_demo_accounts_only(uow, admin, org, fast_passwords):
    for i, password in enumerate([PASSWORD, "abcdefghij" * 12 + "klmnopqr", "科创平台的一个好口令", "getto-the-choppa"]):
        accounts.create_user(admin, uow, username=f"tto{i}", password=password, organization_id=org.id,
                             role="enterprise")
        assert accounts.authenticate(uow, f"tto{i}", password).username == f"tto{i}"
    accounts.create_user(admin, uow, username="demo", password=DEMO_PASSWORD, organization_id=org.id,
                         role="enterprise", is_sample=True)
    with pytest.raises(InvalidInput, match="demo password"):
        accounts.create_user(admin, uow, username="real", password=DEMO_PASSWORD, organization_id=org.id,
                             role="enterprise")


def test_new_password_follows_the_policy_and_differs_from_the_old_one(uow, alice):
    actor = accounts.actor_for(alice)
    for weak in (PASSWORD, "alice", "password123", " " * 12, "y" * 129):
        with pytest.raises(InvalidInput) as refused:
            accounts.change_password(actor, uow, PASSWORD, weak)
        assert refused.value.field == "new_password"
    accounts.change_password(actor, uow, PASSWORD, "a brand new passphrase")
    assert accounts.authenticate(uow, "alice", "a brand new passphrase").id == alice.id


def test_wrong_current_password_counts_toward_the_lockout(uow, alice):
    actor = accounts.actor_for(alice)
    for _ in range(MAX_FAILED_LOGINS):
        with pytest.raises(InvalidInput) as wrong:
            accounts.change_password(actor, uow, "a wrong guess", "a brand new passphrase")
        assert wrong.value.field == "old_password"
    with pytest.raises(Unauthenticated, match="too many failed"):
        accounts.change_password(actor, uow, PASSWORD, "a brand new passphrase")
    with pytest.raises(Unauthenticated, match="too many failed"):
        accounts.authenticate(uow, "alice", PASSWORD)


def test_changing_the_password_ends_every_other_session_and_token(uow, alice):
    current = accounts.issue_token(uow, alice)
    other_token = accounts.issue_token(uow, alice)
    other_session, _csrf = accounts.start_session(uow, alice)
    accounts.change_password(accounts.actor_for(alice), uow, PASSWORD, "a brand new passphrase", keep=current)
    assert accounts.actor_from_token(uow, current) is not None
    assert accounts.actor_from_token(uow, other_token) is None
    assert accounts.session_info(uow, other_session) is None
    session, _csrf = accounts.start_session(uow, alice)
    accounts.change_password(accounts.actor_for(alice), uow, "a brand new passphrase", "another passphrase",
                             keep=session)
    assert accounts.session_info(uow, session) is not None
    assert accounts.actor_from_token(uow, current) is None
