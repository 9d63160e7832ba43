"""The talent part of the built-in sample, played through the real services.

The four category schemes; the demo `researcher` account linked to the young researcher 林悦
(per-linyue-casia), so the person's own page can be shown; representative works nominated and scored by
reviewers who pass the conflict check; one open contest; and one stored evaluation run per scheme.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from kechuang.domain.access import Actor
from kechuang.domain.accounts import User
from kechuang.domain.conflicts import ConflictOfInterestError
from kechuang.domain.entities import Achievement, Person
from kechuang.domain.talent import EvaluationRun
from kechuang.store.db import UnitOfWork

from .access import link_person
from .evaluate import run_evaluation
from .schemes import install_default_schemes, list_schemes
from .works import assign_reviewer, nominate_work, raise_contest, score_review

Runs: Any = EvaluationRun
People: Any = Person
Achievements: Any = Achievement
Users: Any = User
DEMO_LINK = ("researcher", "per-linyue-casia")
# (nominee, achievement, statement, [(reviewer candidates in order), score])
WORKS = (
    (
        "per-linyue-casia",
        "ach-0068",
        "跨被试运动想象脑电解码的核心专利，已用于康复训练样机。",
        ("per-f-mueller", "per-lixin-pku", "per-wangfang-buaa"),
        (8.5, 7.5),
    ),
    (
        "per-linyue-casia",
        "ach-0069",
        "便携式脑机接口康复样机，完成两家医院的临床前测试。",
        ("per-sunpeng-bit", "per-lixin-pku", "per-zhengyi-bupt"),
        (7.0, 8.0),
    ),
    (
        "per-zhangwei-thu",
        "ach-0001",
        "锂电池极片在线视觉检测系统，在两条量产线连续运行。",
        ("per-lixin-pku", "per-sunpeng-bit", "per-wangfang-buaa"),
        (9.0, 8.5),
    ),
    (
        "per-hukai-casia",
        "ach-0026",
        "青年骨干的第一项授权专利。",
        ("per-zhengyi-bupt", "per-liujun-buaa", "per-mali-cau"),
        (7.5, 6.5),
    ),
)
REVIEWERS_PER_WORK = 2


def load_talent_sample(uow: UnitOfWork) -> dict[str, int]:
    """Load this module's sample on an installation that has none yet; returns counts of what it made."""
    with uow() as session:
        if session.scalar(select(func.count()).select_from(Runs)):
            return {}
        people = {
            ref: id_
            for ref, id_ in session.execute(
                select(People.external_id, People.id).where(People.merged_into_id.is_(None))
            )
        }
        achievements = {
            ref: id_ for ref, id_ in session.execute(select(Achievements.external_id, Achievements.id))
        }
        users = {name: id_ for name, id_ in session.execute(select(Users.username, Users.id))}
    if not people:
        return {}
    system = Actor.system("sample")
    install_default_schemes(uow)
    counts = {"links": 0, "works": 0, "reviews": 0, "contests": 0, "runs": 0}
    username, person_ref = DEMO_LINK
    if username in users and person_ref in people:
        link_person(system, uow, users[username], people[person_ref])
        counts["links"] += 1
    for nominee, achievement, statement, candidates, scores in WORKS:
        if nominee not in people or achievement not in achievements:
            continue
        work = nominate_work(system, uow, people[nominee], achievements[achievement], statement)
        counts["works"] += 1
        placed = 0
        for reviewer in candidates:
            if reviewer not in people or placed >= REVIEWERS_PER_WORK:
                continue
            try:
                review = assign_reviewer(system, uow, work.id or 0, people[reviewer])
            except ConflictOfInterestError:
                continue
            score_review(system, uow, review.id or 0, scores[placed], "评审意见：创新性与应用价值明确。")
            placed += 1
            counts["reviews"] += 1
    if person_ref in people:
        raise_contest(
            system,
            uow,
            people[person_ref],
            dimension="mentoring",
            evidence_entity="",
            evidence_id=None,
            reason="指导的两名研究生未列入合作者记录，请补充。",
        )
        counts["contests"] += 1
    for scheme in list_schemes(uow):
        run_evaluation(system, uow, scheme.id or 0)
        counts["runs"] += 1
    return counts
