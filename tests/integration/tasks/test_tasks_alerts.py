"""The daily alert job: reminders before due dates, overdue notices, escalation, each sent exactly once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from tasks_helpers import actor, org_id

from kechuang.domain.accounts import Notification
from kechuang.domain.market import AuditEvent
from kechuang.domain.tasks import StatusChange
from kechuang.services import audit, notifications
from kechuang.services.tasks import alerts, plans, reports

DAY = date(2026, 5, 10)


@pytest.fixture
def setup(registry):
    officer = actor(registry, "officer")
    plan = plans.create_plan(officer, registry, {"year": 2026, "title": "要点", "alert_days": 5})
    haidian = org_id(registry, "org-haidian-kw")
    soon = plans.add_task(officer, registry, plan.id, {
        "title": "建设概念验证中心", "lead_department": haidian, "starts_on": date(2026, 1, 1),
        "deadline": date(2026, 12, 31), "milestones": [{"title": "选定运营机构", "due": DAY + timedelta(days=3)}]})
    late = plans.add_task(officer, registry, plan.id, {
        "title": "出台支持政策", "lead_department": haidian, "starts_on": date(2026, 1, 1),
        "deadline": DAY - timedelta(days=2)})
    done = plans.add_task(officer, registry, plan.id, {
        "title": "已完成的任务", "lead_department": haidian, "starts_on": date(2026, 1, 1),
        "deadline": DAY - timedelta(days=2)})
    reports.file_report(officer, registry, done.task.id, {"progress": 100})
    return registry, plan, soon.task.id, late.task.id


def notes(uow, username: str) -> list[Notification]:
    return list(notifications.list_notifications(actor(uow, username), uow, limit=200).items)


def test_the_job_run_twice_sends_each_alert_once(setup):
    uow, _, _, late = setup
    first = alerts.run_alerts(uow, on=DAY)
    assert first.alerts == {"due_soon": 1, "overdue": 1, "escalation": 1}
    district, officer = notes(uow, "haidian_kw"), notes(uow, "officer")
    assert len(district) == 2 and len(officer) == 1
    texts = " ".join(n.text for n in district)
    assert "选定运营机构" in texts and "还有 3 天" in texts and "逾期 2 天" in texts
    assert "督办" in officer[0].text and officer[0].subject_entity == "task"
    with uow() as session:  # the reader's view hides subjects it cannot title; the row keeps the task
        stored = session.scalars(select(Notification).where(Notification.id == officer[0].id)).one()
    assert stored.subject_id == late and stored.data["alert"] == "escalation"
    with uow() as session:
        events = session.scalar(select(func.count()).select_from(AuditEvent))
    second = alerts.run_alerts(uow, on=DAY)
    assert second.sent == 0 and second.notifications == 0 and second.status_changes == 0
    assert len(notes(uow, "haidian_kw")) == 2 and len(notes(uow, "officer")) == 1
    with uow() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == events  # a quiet run leaves no trace
    assert audit.verify(actor(uow, "officer"), uow).ok


def test_a_reminded_milestone_that_passes_its_date_is_told_again_as_overdue(setup):
    uow, _, soon, _ = setup
    alerts.run_alerts(uow, on=DAY)
    later = alerts.run_alerts(uow, on=DAY + timedelta(days=4))
    assert later.alerts == {"due_soon": 0, "overdue": 1, "escalation": 1}
    assert later.status_changes == 1  # the milestone made the task overdue; the history records it
    with uow() as session:
        history = list(session.scalars(select(StatusChange).where(StatusChange.task_id == soon)))
    assert [h.status.value for h in history][-2:] == ["at_risk", "overdue"]  # 35% of the time gone at 0%
    assert "选定运营机构" in history[-1].reason_zh


def test_escalation_waits_for_the_plans_escalate_days(setup):
    uow, plan, _, _ = setup
    plans.update_plan(actor(uow, "officer"), uow, plan.id, {"escalate_days": 5})
    run = alerts.run_alerts(uow, on=DAY)
    assert run.alerts["escalation"] == 0 and run.alerts["overdue"] == 1
    assert alerts.run_alerts(uow, on=DAY + timedelta(days=3)).alerts["escalation"] == 1
