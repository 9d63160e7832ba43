"""Notifications of a call's steps to the users they concern, written in the step's own transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.domain.access import Actor
from kechuang.domain.accounts import Notification, User
from kechuang.domain.clock import now
from kechuang.domain.entities import Person
from kechuang.domain.enums import NotificationKind, Role

Users: Any = User


def _send(
    session: Session,
    user_ids: Iterable[int],
    actor: Actor,
    text: str,
    call_id: int | None,
    data: dict[str, object] | None = None,
    entity: str = "call",
) -> int:
    stamp = now()
    sent = 0
    for user_id in sorted(set(user_ids)):
        if actor.user_id is not None and user_id == actor.user_id:
            continue  # nobody is told about their own step
        session.add(
            Notification(
                user_id=user_id,
                kind=NotificationKind.MESSAGE,
                subject_entity=entity,
                subject_id=call_id,
                text=text[:2000],
                sender_user_id=actor.user_id,
                created_at=stamp,
                data=dict(data or {}),
            )
        )
        sent += 1
    return sent


def users_of_orgs(session: Session, org_ids: Iterable[int]) -> list[int]:
    wanted = sorted({o for o in org_ids if o})
    if not wanted:
        return []
    return list(
        session.scalars(select(Users.id).where(Users.organization_id.in_(wanted), Users.active.is_(True)))
    )


def users_with_role(session: Session, role: Role) -> list[int]:
    return list(session.scalars(select(Users.id).where(Users.role == role, Users.active.is_(True))))


def users_for_person(session: Session, person: Person) -> list[int]:
    """A registry person is reached through an account with their email, else through their organization."""
    if person.email:
        found = list(
            session.scalars(select(Users.id).where(Users.email == person.email, Users.active.is_(True)))
        )
        if found:
            return found
    return users_of_orgs(session, [person.organization_id] if person.organization_id else [])


def notify_orgs(
    session: Session, actor: Actor, org_ids: Iterable[int], text: str, call_id: int | None, **data: object
) -> int:
    return _send(session, users_of_orgs(session, org_ids), actor, text, call_id, data)


def notify_officers(session: Session, actor: Actor, text: str, call_id: int | None, **data: object) -> int:
    return _send(session, users_with_role(session, Role.OFFICER), actor, text, call_id, data)


def notify_users(
    session: Session,
    actor: Actor,
    user_ids: Iterable[int],
    text: str,
    call_id: int | None,
    *,
    entity: str = "call",
    **data: object,
) -> int:
    return _send(session, user_ids, actor, text, call_id, data, entity)
