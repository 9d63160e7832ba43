"""The calls tests' cast (demo accounts of a sample installation) and a valid call to post."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from kechuang.domain.access import Actor
from kechuang.domain.accounts import User
from kechuang.domain.entities import Organization, Person
from kechuang.services import accounts
from kechuang.services.sample import load_demo_accounts, load_sample


@dataclass
class CallCast:
    officer: Actor
    enterprise_a: Actor
    enterprise_b: Actor
    tto: Actor
    researcher: Actor
    partner: Actor
    admin: Actor
    orgs: dict[str, int]
    people: dict[str, list[int]]


def actor_of(uow, username: str) -> Actor:
    with uow() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
    return accounts.actor_for(user)


def call_data(**changes: Any) -> dict[str, Any]:
    """A complete, valid call an officer may post and publish at once."""
    data: dict[str, Any] = {
        "title_zh": "车规级固态电池电解质揭榜攻关",
        "title_en": "Automotive solid-state battery electrolyte challenge",
        "problem_zh": "研发室温离子电导率不低于10 mS/cm的固态电解质，并完成中试。",
        "problem_en": "Develop a solid electrolyte with room-temperature ionic conductivity of 10 mS/cm or more.",
        "budget": 2000,
        "award_zh": "最高支持2000万元",
        "award_en": "Up to 20 million yuan",
        "deadline": (date.today() + timedelta(days=30)).isoformat(),
        "eligible_org_kinds": ["enterprise", "university", "institute", "tech_transfer"],
        "eligible_regions": ["jingjinji"],
        "joint_allowed": True,
        "max_team_size": 10,
        "discipline_codes": ["480"],
        "industry_codes": ["38"],
        "keywords_zh": ["固态电池", "电解质"],
        "keywords_en": ["solid-state battery", "electrolyte"],
        "blind_review": True,
        "appeal_days": 7,
        "indicators": [
            {
                "name_zh": "离子电导率",
                "name_en": "Ionic conductivity",
                "target": 10,
                "unit": "mS/cm",
                "verification_zh": "第三方检测报告",
                "verification_en": "Third-party test report",
                "due_months": 12,
            },
            {
                "name_zh": "循环寿命",
                "name_en": "Cycle life",
                "target": 1000,
                "unit": "cycles",
                "verification_zh": "中试线测试",
                "verification_en": "Pilot-line test",
                "due_months": 24,
            },
        ],
        "criteria": [
            {"name_zh": "技术先进性", "name_en": "Technical merit", "weight": 0.5},
            {"name_zh": "团队能力", "name_en": "Team capability", "weight": 0.3},
            {"name_zh": "预算合理性", "name_en": "Budget", "weight": 0.2},
        ],
    }
    data.update(changes)
    return data


@pytest.fixture
def cast(uow) -> CallCast:
    load_sample(uow)
    load_demo_accounts(uow)
    names = [
        "org-enterprise-a",
        "org-enterprise-b",
        "org-tto",
        "org-researcher-inst",
        "org-f-wessex",
        "org-officer",
    ]
    with uow() as session:
        orgs = {
            o.external_id: o.id
            for o in session.scalars(select(Organization).where(Organization.external_id.in_(names)))
        }
        people = {
            key: list(
                session.scalars(select(Person.id).where(Person.organization_id == ident).order_by(Person.id))
            )
            for key, ident in orgs.items()
        }
    return CallCast(
        officer=actor_of(uow, "officer"),
        enterprise_a=actor_of(uow, "enterprise_a"),
        enterprise_b=actor_of(uow, "enterprise_b"),
        tto=actor_of(uow, "tto"),
        researcher=actor_of(uow, "researcher"),
        partner=actor_of(uow, "partner"),
        admin=actor_of(uow, "admin"),
        orgs=orgs,
        people=people,
    )


def published_call(uow, cast: CallCast, **changes: Any) -> Any:
    """A call an officer posted and published, open for applications."""
    from kechuang.services.calls.calls import create_call, transition

    call = create_call(cast.officer, call_data(**changes), uow)
    return transition(cast.officer, call.id, "publish", uow)


def application_data(uow, cast: CallCast, call_id: int, org: str, **changes: Any) -> dict[str, Any]:
    """A complete application of `org`'s people committing to every indicator of the call."""
    from kechuang.services.calls.calls import indicators_of

    with uow() as session:
        indicators = indicators_of(session, call_id)
    data: dict[str, Any] = {
        "title": "硫化物固态电解质中试方案",
        "proposal": "采用硫化物体系，两年内完成中试线建设。",
        "team_person_ids": cast.people[org][:2],
        "commitments": [{"indicator_id": i.id, "value": i.target * 1.2, "note": ""} for i in indicators],
        "requested_budget": 1800,
    }
    data.update(changes)
    return data


def submitted_application(uow, cast: CallCast, actor: Actor, call_id: int, org: str, **changes: Any) -> Any:
    from kechuang.services.calls.applications import create_application, submit_application

    application = create_application(
        actor, call_id, application_data(uow, cast, call_id, org, **changes), uow
    )
    return submit_application(actor, application.id, uow)
