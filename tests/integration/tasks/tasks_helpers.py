"""Helpers of the key-task tests: ids by external id, actors by username, a district department user."""

from __future__ import annotations

from sqlalchemy import select

from kechuang.domain.access import Actor
from kechuang.domain.accounts import User
from kechuang.domain.entities import Organization
from kechuang.services import accounts
from kechuang.services.sample import DEMO_PASSWORD

DISTRICT_USER = "haidian_kw"


def org_id(uow, external_id: str) -> int:
    with uow() as session:
        return session.scalars(select(Organization.id).where(Organization.external_id == external_id)).one()


def actor(uow, username: str) -> Actor:
    with uow() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
    return accounts.actor_for(user)


def add_department_user(uow, username: str = DISTRICT_USER, external_id: str = "org-haidian-kw") -> Actor:
    """A member of a district bureau: the kind of user who reports progress on the tasks it leads."""
    accounts.create_user(Actor.system("test"), uow, username=username, password=DEMO_PASSWORD,
                         organization_id=org_id(uow, external_id), role="officer", language="zh", is_sample=True)
    return actor(uow, username)
