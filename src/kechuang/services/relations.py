"""Who owns what and who made it: the records around one record, each list cut by the visibility rule."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select

from kechuang.domain.access import Actor
from kechuang.domain.entities import (
    Achievement,
    Affiliation,
    Authorship,
    Demand,
    Organization,
    Ownership,
    Person,
    Project,
)
from kechuang.domain.market import Deal
from kechuang.store.db import UnitOfWork

from .registry import shield_personal, visible_to

SHOWN = 20  # a section lists this many and gives the total: an organization may own thousands

Orgs: Any = Organization
People: Any = Person
Achievements: Any = Achievement
Demands: Any = Demand
Projects: Any = Project
Deals: Any = Deal
Authorships: Any = Authorship
Ownerships: Any = Ownership
Affiliations: Any = Affiliation


@dataclass
class Section:
    """One list on a record's page: `key` names it in the catalogue, `plural` is the items' page path."""

    key: str
    plural: str
    items: list[Any]
    count: int


@dataclass
class Relations:
    owner: Any | None = None
    sections: list[Section] = field(default_factory=list)


def relations_of(actor: Actor, entity: str, item: Any, uow: UnitOfWork) -> Relations:
    """The owner and the related lists a page shows under a record (empty sections left out)."""
    build = {
        "achievement": _achievement,
        "demand": _demand,
        "organization": _organization,
        "person": _person,
        "project": _project,
    }.get(entity)
    with uow() as session:
        owner = _visible_one(session, actor, Orgs, getattr(item, "owner_org_id", None))
        found = build(session, actor, item) if build else []
    relations = Relations(owner=owner if entity != "organization" else None)
    relations.sections = [section for section in found if section.count]
    return relations


def _visible(
    session: Any, actor: Actor, cls: Any, *conditions: Any, order: Any = None
) -> tuple[list[Any], int]:
    where = (visible_to(actor, cls), cls.merged_into_id.is_(None), *conditions)
    count = session.scalar(select(func.count()).select_from(cls).where(*where)) or 0
    stmt = (
        select(cls).where(*where).order_by(*(order if order is not None else (cls.id.desc(),))).limit(SHOWN)
    )
    return [shield_personal(actor, found) for found in session.scalars(stmt)], count


def _visible_one(session: Any, actor: Actor, cls: Any, record_id: int | None) -> Any | None:
    if record_id is None:
        return None
    items, _ = _visible(session, actor, cls, cls.id == record_id)
    return items[0] if items else None


def _section(key: str, plural: str, found: tuple[list[Any], int]) -> Section:
    return Section(key, plural, *found)


def _achievement(session: Any, actor: Actor, item: Any) -> list[Section]:
    position = (
        select(func.min(Authorships.position))
        .where(Authorships.achievement_id == item.id, Authorships.person_id == People.id)
        .scalar_subquery()
    )
    authors = select(Authorships.person_id).where(Authorships.achievement_id == item.id)
    co_owners = select(Ownerships.organization_id).where(Ownerships.achievement_id == item.id)
    return [
        _section(
            "related.inventors",
            "people",
            _visible(session, actor, People, People.id.in_(authors), order=(position, People.id)),
        ),
        _section(
            "related.owners",
            "organizations",
            _visible(session, actor, Orgs, Orgs.id.in_(co_owners), Orgs.id != (item.owner_org_id or 0)),
        ),
    ]


def _demand(session: Any, actor: Actor, item: Any) -> list[Section]:
    return [
        _section(
            "related.owner_demands",
            "demands",
            _visible(
                session,
                actor,
                Demands,
                Demands.owner_org_id == (item.owner_org_id or 0),
                Demands.id != item.id,
            ),
        ),
    ]


def _organization(session: Any, actor: Actor, item: Any) -> list[Section]:
    owned = select(Ownerships.achievement_id).where(Ownerships.organization_id == item.id)
    members = select(Affiliations.person_id).where(Affiliations.organization_id == item.id)
    sections = [
        _section(
            "related.achievements",
            "achievements",
            _visible(
                session,
                actor,
                Achievements,
                or_(Achievements.owner_org_id == item.id, Achievements.id.in_(owned)),
            ),
        ),
        _section(
            "related.demands", "demands", _visible(session, actor, Demands, Demands.owner_org_id == item.id)
        ),
        _section(
            "related.people",
            "people",
            _visible(session, actor, People, or_(People.organization_id == item.id, People.id.in_(members))),
        ),
        _section(
            "related.projects",
            "projects",
            _visible(session, actor, Projects, Projects.host_org_id == item.id),
        ),
    ]
    if actor.is_overseer or actor.organization_id == item.id:  # deals are seen by their parties and overseers
        parties = or_(Deals.seller_org_id == item.id, Deals.buyer_org_id == item.id)
        count = session.scalar(select(func.count()).select_from(Deals).where(parties)) or 0
        deals = list(session.scalars(select(Deals).where(parties).order_by(Deals.id.desc()).limit(SHOWN)))
        sections.append(Section("related.deals", "deals", deals, count))
    return sections


def _person(session: Any, actor: Actor, item: Any) -> list[Section]:
    written = select(Authorships.achievement_id).where(Authorships.person_id == item.id)
    places = select(Affiliations.organization_id).where(Affiliations.person_id == item.id)
    return [
        _section(
            "related.organizations",
            "organizations",
            _visible(session, actor, Orgs, or_(Orgs.id == (item.organization_id or 0), Orgs.id.in_(places))),
        ),
        _section(
            "related.authored",
            "achievements",
            _visible(session, actor, Achievements, Achievements.id.in_(written)),
        ),
        _section(
            "related.led_projects",
            "projects",
            _visible(session, actor, Projects, Projects.pi_person_id == item.id),
        ),
    ]


def _project(session: Any, actor: Actor, item: Any) -> list[Section]:
    return [
        _section(
            "related.host",
            "organizations",
            _visible(session, actor, Orgs, Orgs.id == (item.host_org_id or 0)),
        ),
        _section(
            "related.pi", "people", _visible(session, actor, People, People.id == (item.pi_person_id or 0))
        ),
    ]
