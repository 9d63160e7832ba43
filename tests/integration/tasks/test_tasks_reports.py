"""Reports at the service level: own reports only, evidence kept inside government, subtasks' progress."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from tasks_helpers import actor, add_department_user, org_id

from kechuang.domain.errors import InvalidInput, NotFound, PermissionDenied
from kechuang.domain.market import AuditEvent
from kechuang.services.tasks import plans, reports
from kechuang.services.tasks.base import today  # the platform's date, read when used: a run may pass midnight


@pytest.fixture
def task(registry):
    officer = actor(registry, "officer")
    plan = plans.create_plan(officer, registry, {"year": today().year, "title": "要点"})
    view = plans.add_task(officer, registry, plan.id, {
        "title": "建设概念验证平台", "lead_department": org_id(registry, "org-haidian-kw"),
        "co_departments": [org_id(registry, "org-yizhuang")], "starts_on": today() - timedelta(days=30),
        "deadline": today() + timedelta(days=30)})
    return registry, plan, view.task.id


def test_departments_edit_only_their_own_reports_and_a_revision_resubmits(task):
    uow, _, task_id = task
    haidian, officer = actor(uow, "haidian_kw"), actor(uow, "officer")
    yizhuang = add_department_user(uow, "yizhuang_user", "org-yizhuang")
    report, _ = reports.file_report(haidian, uow, task_id, {"progress": 30})
    with pytest.raises(PermissionDenied, match="own reports"):
        reports.revise_report(yizhuang, uow, report.id, {"progress": 90})
    reports.review_report(officer, uow, report.id, "return", "请补充数据")
    revised = reports.revise_report(haidian, uow, report.id, {"progress": 45, "note": "已补充"})
    assert revised.state.value == "submitted" and revised.progress == 45 and revised.return_reason == ""
    reports.review_report(officer, uow, report.id, "accept")
    with pytest.raises(InvalidInput, match="accepted report stands"):
        reports.revise_report(haidian, uow, report.id, {"progress": 50})
    with pytest.raises(PermissionDenied):
        reports.review_report(haidian, uow, report.id, "accept")  # departments do not review
    with uow() as session:
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.entity == "key_task")).all()
    assert actions == ["tasks.task.create", "tasks.report.file", "tasks.report.return", "tasks.report.revise",
                       "tasks.report.accept"]


def test_evidence_is_for_the_department_and_government_only(task):
    uow, _, task_id = task
    haidian = actor(uow, "haidian_kw")
    report, _ = reports.file_report(haidian, uow, task_id, {"progress": 30})
    item = reports.attach_evidence(haidian, uow, report.id, "C:\\docs\\纪要.pdf", "application/pdf", b"%PDF-1.4")
    assert item.filename == "纪要.pdf"
    assert reports.get_evidence(actor(uow, "officer"), uow, item.id).content == b"%PDF-1.4"
    with pytest.raises(NotFound):
        reports.get_evidence(actor(uow, "enterprise_a"), uow, item.id)
    with pytest.raises(InvalidInput, match="empty"):
        reports.attach_evidence(haidian, uow, report.id, "x.txt", "text/plain", b"")


def test_a_parent_without_its_own_report_follows_its_subtasks(task):
    uow, plan, task_id = task
    officer = actor(uow, "officer")
    kids = [plans.add_task(officer, uow, plan.id, {
        "title": f"子任务{i}", "parent_id": task_id, "lead_department": org_id(uow, "org-haidian-kw"),
        "starts_on": today() - timedelta(days=30), "deadline": today() + timedelta(days=30)}).task.id for i in (1, 2)]
    reports.file_report(officer, uow, kids[0], {"progress": 100})
    reports.file_report(officer, uow, kids[1], {"progress": 40})
    detail = plans.get_task(officer, uow, task_id)
    assert detail.view.progress == 70 and [v.task.id for v in detail.subtasks] == kids
    assert detail.view.status == "on_track"
    with pytest.raises(InvalidInput, match="same plan"):
        other = plans.create_plan(officer, uow, {"year": today().year, "title": "另一个"})
        plans.add_task(officer, uow, other.id, {"title": "x", "parent_id": task_id, "deadline": today(),
                                                "lead_department": org_id(uow, "org-haidian-kw")})
