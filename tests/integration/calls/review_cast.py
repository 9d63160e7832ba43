"""A call in review for the review tests: two enterprises applied, reviewer accounts exist, nobody assigned.

Enterprise A's team is Huang Tao and Zhou Min; its proposal names the company and Huang Tao, so blind
redaction has something to cut. Zhang Wei (Tsinghua) advises A and Zhou Hang (CASIA) co-wrote with Huang
Tao in 2024: both are conflicted. Liu Yang (Tsinghua), Duan Peng (Tianjin U.) and Hu Yang (USTB) are not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from calls_cast import CallCast, actor_of, published_call, submitted_application
from sqlalchemy import select

from kechuang.domain.access import Actor
from kechuang.domain.entities import Person
from kechuang.services import accounts
from kechuang.services.calls.calls import criteria_of, transition

REVIEWERS = (
    "per-zhangwei-thu",
    "per-zhouhang-casia",
    "per-liuyang-thu",
    "per-duanpeng-tju",
    "per-huyang-ustb",
)
A_NAME = "北京芯衡智能科技有限公司"
VISION_CALL = {
    "title_zh": "锂电池极片缺陷在线视觉检测揭榜",
    "title_en": "Inline vision inspection of lithium-battery electrode defects",
    "problem_zh": "面向涂布与辊压工序，研发在线机器视觉缺陷检测系统，最小可检缺陷0.1 mm，检出率不低于99.5%。",
    "problem_en": "An inline machine-vision defect detection system for electrode coating and calendering lines.",
    "keywords_zh": ["机器视觉", "缺陷检测", "锂电池"],
    "keywords_en": ["machine vision", "defect detection", "lithium battery"],
    "discipline_codes": ["520"],
}


@dataclass
class ReviewCase:
    cast: CallCast
    call_id: int
    app_a: int
    app_b: int
    people: dict[str, int]
    reviewer_users: dict[str, Actor]  # external id -> the reviewer's own account
    criteria: list[int]

    @property
    def officer(self) -> Actor:
        return self.cast.officer


def make_case(uow, cast: CallCast, **changes: Any) -> ReviewCase:
    with uow() as session:
        people = {
            p.external_id: p.id
            for p in session.scalars(select(Person))
            if p.external_id in {*REVIEWERS, "per-huangtao-enta", "per-zhoumin-enta", "per-shenyue-entb"}
        }
        orgs_of = {p.external_id: p.organization_id for p in session.scalars(select(Person))}
    call = published_call(uow, cast, **{**VISION_CALL, **changes})
    a = submitted_application(
        uow,
        cast,
        cast.enterprise_a,
        call.id,
        "org-enterprise-a",
        title=f"{A_NAME}极片视觉检测方案",
        proposal=f"{A_NAME}由黄涛（Huang Tao）牵头，采用16k线扫相机与小样本模型。",
        team_person_ids=[people["per-huangtao-enta"], people["per-zhoumin-enta"]],
    )
    b = submitted_application(
        uow,
        cast,
        cast.enterprise_b,
        call.id,
        "org-enterprise-b",
        title="极片缺陷检测与电池安全联合方案",
        proposal="结合电池包产线经验，部署在线检测与追溯。",
        team_person_ids=[people["per-shenyue-entb"]],
    )
    transition(cast.officer, call.id, "close", uow)
    transition(cast.officer, call.id, "start_review", uow)
    users = {}
    for ref in REVIEWERS:
        accounts.create_user(
            cast.admin,
            uow,
            username=f"rev-{ref[4:]}",
            password="review-pass-123",
            organization_id=orgs_of[ref],
            role="researcher",
            display_name=ref,
        )
        users[ref] = actor_of(uow, f"rev-{ref[4:]}")
    with uow() as session:
        criteria = [c.id for c in criteria_of(session, call.id)]
    return ReviewCase(cast, call.id, a.id, b.id, people, users, criteria)


@pytest.fixture(name="case")
def case_fixture(uow, cast, fast_passwords) -> ReviewCase:
    return make_case(uow, cast)
