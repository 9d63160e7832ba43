"""Who may see an evaluation: the person (through the account linked to them), officers and admins.

Accounts and registry people are not otherwise tied, so the module keeps the narrowest link it needs
(`talent_person_links`: one account, one person), set by an officer or admin. Anyone else gets 404.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from kechuang.domain.access import Actor
from kechuang.domain.accounts import User
from kechuang.domain.entities import Person
from kechuang.domain.errors import Conflict, NotFound
from kechuang.domain.talent import PersonLink
from kechuang.store.db import UnitOfWork

from .. import audit

Links: Any = PersonLink
People: Any = Person
Users: Any = User


def is_talent_officer(actor: Actor) -> bool:
    """Officers and admins run and read evaluations; registrars oversee contracts, not people."""
    return actor.is_admin or "officer" in actor.roles


def require_officer(actor: Actor, what: str = "talent evaluations") -> None:
    """Outsiders are not told the evaluations exist: 404, not 403."""
    if not is_talent_officer(actor):
        raise NotFound(f"{what} not found")


def linked_person_id(uow: UnitOfWork, actor: Actor) -> int | None:
    """The registry person the signed-in account is, if an officer linked them."""
    if actor.user_id is None:
        return None
    with uow() as session:
        found: int | None = session.scalar(select(Links.person_id).where(Links.user_id == actor.user_id))
    return found


def may_see_person(uow: UnitOfWork, actor: Actor, person_id: int) -> bool:
    return is_talent_officer(actor) or (actor.authenticated and linked_person_id(uow, actor) == person_id)


def require_person_view(uow: UnitOfWork, actor: Actor, person_id: int) -> None:
    if not may_see_person(uow, actor, person_id):
        raise NotFound(f"evaluation of person {person_id} not found")


def link_person(actor: Actor, uow: UnitOfWork, user_id: int, person_id: int) -> PersonLink:
    """Tie an account to the person it is (officers, admins); idempotent for the same pair."""
    require_officer(actor, "person links")
    with uow() as session:
        head = audit.lock_chain(session)
        if session.get(Users, user_id) is None:
            raise NotFound(f"user {user_id} not found")
        person = session.get(People, person_id)
        if person is None or person.merged_into_id is not None:
            raise NotFound(f"person {person_id} not found")
        existing: PersonLink | None = session.scalar(select(Links).where(Links.user_id == user_id))
        if existing is not None:
            if existing.person_id == person_id:
                return existing
            raise Conflict(
                f"user {user_id} is already linked to person {existing.person_id}", field="user_id"
            )
        taken = session.scalar(select(Links.user_id).where(Links.person_id == person_id))
        if taken is not None:
            raise Conflict(f"person {person_id} is already linked to user {taken}", field="person_id")
        link = PersonLink(user_id=user_id, person_id=person_id, linked_by=actor.name, created_at=audit.now())
        session.add(link)
        session.flush()
        audit.append(
            session,
            head,
            actor,
            "talent.link",
            "talent_link",
            link.id,
            {"user_id": user_id, "person_id": person_id},
        )
    return link
