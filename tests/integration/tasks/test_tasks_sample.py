"""The sample plan: about 30 tasks of Beijing departments and districts, every status, linked outcomes."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select
from tasks_helpers import actor

from kechuang.domain.entities import Organization
from kechuang.domain.tasks import IndicatorLink, Plan
from kechuang.services import audit
from kechuang.services.market_sample import load_market_sample
from kechuang.services.sample import load_demo_accounts, load_sample
from kechuang.services.tasks import plans
from kechuang.services.tasks.outcomes import done_but_not_moved, task_outcomes
from kechuang.services.tasks.sample import load_tasks_sample


def test_the_sample_plan_has_every_status_reasons_and_linked_indicators(uow, fast_passwords):
    load_sample(uow)
    load_market_sample(uow)
    load_demo_accounts(uow)
    made = load_tasks_sample(uow)
    assert made["plans"] == 1 and 25 <= made["tasks"] <= 40 and made["departments"] >= 10
    assert load_tasks_sample(uow) == {}  # idempotent: a second load does nothing
    officer = actor(uow, "officer")
    with uow() as session:
        plan_id = session.scalar(select(Plan.id))
        assert session.scalar(select(func.count()).select_from(IndicatorLink)) >= 4
        sample_orgs = session.scalars(select(Organization).where(Organization.external_id.like("org-m6-%"))).all()
    assert all(org.is_sample and "示例" in org.description_zh for org in sample_orgs)
    board = plans.dashboard(officer, uow, plan_id)
    assert set(board.by_status) == {"on_track", "at_risk", "overdue", "done"}
    assert all(count >= 3 for count in board.by_status.values()), board.by_status
    assert all(v.verdict.reason("zh") and v.verdict.reason("en") for v in board.views)
    aims = Counter(v.status for v in board.views)
    assert aims == Counter(board.by_status)
    assert len(board.by_district) >= 5  # Haidian, Changping, Huairou, Tongzhou, Chaoyang, ...
    outcomes = task_outcomes(uow, board.plan, [v.task.id for v in board.views])
    assert len(outcomes) >= 4 and all(o.current is not None for found in outcomes.values() for o in found)
    flagged = done_but_not_moved(board.views, outcomes)
    assert all(view.status == "done" and outcome.moved is False for view, outcome in flagged)
    assert actor(uow, "dept_haidian").organization_id is not None
    assert audit.verify(officer, uow).ok
