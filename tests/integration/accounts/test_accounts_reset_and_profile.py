"""Password reset by one-time link (hashed, expiring, single use; e-mail built, sent only with SMTP set),
and the account page's services: display name, language, notification kinds."""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from kechuang.domain.accounts import Notification, ResetLink
from kechuang.domain.clock import now
from kechuang.domain.enums import NotificationKind
from kechuang.domain.errors import InvalidInput, NotFound, PermissionDenied, Unauthenticated
from kechuang.services import accounts, mail, notifications, password_reset, profiles

NEW = "another good passphrase"


def test_a_reset_link_works_once_and_ends_every_session(uow, world):
    key, _ = accounts.start_session(uow, world.member)
    raw = password_reset.issue_reset_link(world.admin_actor, uow, world.member.id)
    with uow() as session:
        stored = session.scalars(select(ResetLink.token_hash)).all()  # type: ignore[attr-defined]
    assert stored == [accounts.digest(raw)] and raw not in stored  # only the hash is kept
    assert password_reset.reset_link_user(uow, raw).username == "member"
    password_reset.reset_password(uow, raw, NEW)
    assert accounts.authenticate(uow, "member", NEW).id == world.member.id
    assert accounts.session_info(uow, key) is None
    with pytest.raises(InvalidInput, match="unknown, used or expired"):
        password_reset.reset_password(uow, raw, "yet another passphrase")


def test_links_expire_are_replaced_and_only_admins_issue_them(uow, world):
    with pytest.raises(PermissionDenied):
        password_reset.issue_reset_link(world.member_actor, uow, world.member.id)
    with pytest.raises(NotFound):
        password_reset.issue_reset_link(world.admin_actor, uow, 424242)
    first = password_reset.issue_reset_link(world.admin_actor, uow, world.member.id)
    second = password_reset.issue_reset_link(world.admin_actor, uow, world.member.id)
    with pytest.raises(InvalidInput):
        password_reset.reset_link_user(uow, first)  # the newer link replaces it
    with uow() as session:
        session.execute(update(ResetLink).values(expires_at=now() - timedelta(minutes=1)))  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        password_reset.reset_password(uow, second, NEW)
    for junk in ("", "x" * 500, "\x00"):
        with pytest.raises(InvalidInput):
            password_reset.reset_link_user(uow, junk)


def test_the_new_password_follows_the_policy_and_a_reset_lifts_a_lockout(uow, world):
    for _ in range(accounts.MAX_FAILED_LOGINS):
        with pytest.raises(Unauthenticated):
            accounts.authenticate(uow, "member", "wrong guess number")
    raw = password_reset.issue_reset_link(world.admin_actor, uow, world.member.id)
    with pytest.raises(InvalidInput, match="at least 10"):
        password_reset.reset_password(uow, raw, "short")
    password_reset.reset_password(uow, raw, NEW)  # the failed attempt left the link usable
    assert accounts.authenticate(uow, "member", NEW).locked_until is None


def test_the_reset_mail_is_built_in_the_accounts_language():
    message = mail.reset_message("noreply@example.org", "li@example.org", name="李伟", username="li_wei",
                                 link="https://k.example.org/reset/abc", hours=48, lang="zh")
    assert message["To"] == "li@example.org" and message["Subject"] == "科创平台：重设密码"
    body = message.get_content()
    assert "https://k.example.org/reset/abc" in body and "48" in body and "李伟" in body
    english = mail.reset_message("a@b.c", "d@e.f", name="", username="emma", link="L", hours=48, lang="en")
    assert "Dear emma" in english.get_content()


def test_no_smtp_connection_is_attempted_when_smtp_is_unset(uow, world, monkeypatch):
    opened: list[object] = []
    monkeypatch.setattr(smtplib, "SMTP", lambda *args, **kwargs: opened.append(args))
    with uow() as session:
        session.get(type(world.member), world.member.id).email = "member@example.org"
    issued = password_reset.send_reset_link(world.admin_actor, uow, world.member.id,
                                            base_url="https://k.example.org/", smtp=mail.SmtpSettings())
    assert issued.path.startswith("/reset/") and issued.emailed_to == "" and opened == []
    assert mail.send(mail.SmtpSettings(), mail.reset_message("a", "b", name="", username="u", link="l",
                                                             hours=1)) is False
    assert opened == []


def test_the_profile_changes_name_and_language(uow, world):
    user = profiles.update_profile(world.member_actor, uow, display_name="  李伟  ", language="en")
    assert (user.display_name, user.language) == ("李伟", "en")
    with pytest.raises(InvalidInput):
        profiles.update_profile(world.member_actor, uow, display_name="", language="en")
    with pytest.raises(InvalidInput):
        profiles.update_profile(world.member_actor, uow, display_name="x", language="fr")
    with pytest.raises(PermissionDenied):
        profiles.update_profile(accounts.Actor(), uow, display_name="x", language="zh")


def test_turned_off_notification_kinds_are_neither_listed_nor_counted(uow, world):
    actor = world.member_actor
    with uow() as session:
        for kind in (NotificationKind.MESSAGE, NotificationKind.DEAL):
            session.add(Notification(user_id=world.member.id, kind=kind, text="hello", created_at=now()))
    assert notifications.unread_count(actor, uow) == 2
    assert profiles.set_received_kinds(actor, uow, ["deal", "new_match"]) == ["new_match", "deal"]
    assert profiles.received_kinds(uow, world.member.id) == ["new_match", "deal"]
    assert notifications.unread_count(actor, uow) == 1
    assert [n.kind for n in notifications.list_notifications(actor, uow).items] == ["deal"]
    with pytest.raises(InvalidInput):
        profiles.set_received_kinds(actor, uow, ["spam"])
    profiles.set_received_kinds(actor, uow, list(profiles.NOTIFICATION_KINDS))
    assert notifications.unread_count(actor, uow) == 2
