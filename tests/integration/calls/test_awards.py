"""After the result: the award makes milestones from the indicators; evidence, payments and overdue flags."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from calls_cast import published_call, submitted_application
from sqlalchemy import select

from kechuang.domain.access import ANONYMOUS
from kechuang.domain.accounts import Notification
from kechuang.domain.calls import ApplicationStatus, CallStatus, MilestoneStatus
from kechuang.domain.entities import Person
from kechuang.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from kechuang.services import audit
from kechuang.services.calls.applications import get_application
from kechuang.services.calls.awards import (
    award,
    check_overdue,
    decide_milestone,
    milestones_of,
    record_payment,
    report_evidence,
)
from kechuang.services.calls.calls import criteria_of, transition
from kechuang.services.calls.review import assign_reviewer, submit_review
from kechuang.services.calls.review_results import publish_result


@pytest.fixture
def result_call(uow, cast):
    """A call with two applications, scored by one unconflicted reviewer, its result published."""
    call = published_call(uow, cast)
    a = submitted_application(uow, cast, cast.enterprise_a, call.id, "org-enterprise-a")
    b = submitted_application(uow, cast, cast.researcher, call.id, "org-researcher-inst")
    for action in ("close", "start_review"):
        transition(cast.officer, call.id, action, uow)
    reviewer = assign_reviewer(cast.officer, uow, call.id, person_id(uow, "per-weiran-hebut"))
    with uow() as session:
        criteria = [c.id for c in criteria_of(session, call.id)]
    for application, score in ((a, 9), (b, 6)):
        submit_review(
            cast.officer,
            uow,
            call.id,
            application.id,
            dict.fromkeys(map(str, criteria), score),
            assignment_id=reviewer.id,
        )
    publish_result(cast.officer, uow, call.id)
    return call, a, b


def person_id(uow, external_id: str) -> int:
    with uow() as session:
        return session.scalars(select(Person.id).where(Person.external_id == external_id)).one()


def test_the_award_waits_for_the_appeal_window_unless_the_officer_says_why(uow, cast, result_call):
    call, a, _b = result_call
    with pytest.raises(Conflict, match="appeal window"):
        award(cast.officer, call.id, [a.id], uow)
    with pytest.raises(PermissionDenied):
        award(cast.enterprise_a, call.id, [a.id], uow, early_reason="x")
    done = award(cast.officer, call.id, [a.id], uow, early_reason="公示期内无异议，专项启动时间紧")
    assert done.status == CallStatus.AWARDED


def test_the_award_creates_one_milestone_per_indicator_for_the_winner(uow, cast, result_call):
    call, a, b = result_call
    award(cast.officer, call.id, [a.id], uow, early_reason="test")
    assert get_application(cast.enterprise_a, a.id, uow).status == ApplicationStatus.AWARDED
    assert get_application(cast.researcher, b.id, uow).status == ApplicationStatus.NOT_AWARDED
    views = milestones_of(cast.officer, call.id, uow)
    assert [(v.milestone.title_en, v.milestone.target, v.milestone.unit) for v in views] == [
        ("Ionic conductivity", 10, "mS/cm"),
        ("Cycle life", 1000, "cycles"),
    ]
    assert views[0].milestone.evidence_required == "第三方检测报告"
    assert views[0].milestone.due_on > date.today() + timedelta(days=330)
    assert milestones_of(cast.researcher, call.id, uow) == []
    assert milestones_of(ANONYMOUS, call.id, uow) == []


def test_evidence_is_accepted_or_returned_with_a_reason_and_payments_are_recorded(uow, cast, result_call):
    call, a, _b = result_call
    award(cast.officer, call.id, [a.id], uow, early_reason="test")
    transition(cast.enterprise_a, call.id, "start", uow)
    first, second = (v.milestone for v in milestones_of(cast.enterprise_a, call.id, uow))
    with pytest.raises(PermissionDenied):
        decide_milestone(cast.enterprise_a, first.id, True, uow)
    report_evidence(cast.enterprise_a, first.id, "检测报告编号 2027-001", uow, achieved_value=11.5)
    with pytest.raises(InvalidInput, match="reason"):
        decide_milestone(cast.officer, first.id, False, uow)
    returned = decide_milestone(cast.officer, first.id, False, uow, reason="报告缺少第三方盖章")
    assert returned.status == MilestoneStatus.RETURNED
    report_evidence(cast.enterprise_a, first.id, "补充盖章报告", uow, achieved_value=11.5)
    decide_milestone(cast.officer, first.id, True, uow)
    record_payment(cast.officer, first.id, 600, uow, note="首期拨款")
    views = {v.milestone.id: v for v in milestones_of(cast.officer, call.id, uow)}
    assert views[first.id].paid == 600 and views[first.id].milestone.status == MilestoneStatus.ACCEPTED
    with pytest.raises(Conflict, match="not accepted"):
        transition(cast.officer, call.id, "accept", uow)
    report_evidence(cast.enterprise_a, second.id, "中试线1000次循环", uow, achieved_value=1200)
    decide_milestone(cast.officer, second.id, True, uow)
    assert transition(cast.officer, call.id, "accept", uow).status == CallStatus.ACCEPTED
    with uow() as session:
        actions = [e.action for e in audit.events_of(session, "call_milestone", first.id)]
    assert actions == [
        "call_milestone.report",
        "call_milestone.decide",
        "call_milestone.report",
        "call_milestone.decide",
    ]


def test_an_overdue_milestone_raises_a_flag_and_notifications_once(uow, cast, result_call):
    call, a, _b = result_call
    award(cast.officer, call.id, [a.id], uow, early_reason="test")
    first = milestones_of(cast.officer, call.id, uow)[0].milestone
    later = first.due_on + timedelta(days=1)
    report = check_overdue(uow, today=later)
    assert report.flagged == [first.id] and report.already_flagged == 0
    again = check_overdue(uow, today=later)
    assert again.flagged == [] and again.already_flagged == 1
    view = milestones_of(cast.enterprise_a, call.id, uow, today=later)[0]
    assert view.overdue and view.milestone.overdue_at is not None
    with uow() as session:
        texts = [n.text for n in session.query(Notification).filter(Notification.subject_id == call.id)]
        assert sum("逾期" in t for t in texts) >= 2  # the awardee's account and the officer
        assert [e.action for e in audit.events_of(session, "call_milestone", first.id)] == [
            "call_milestone.overdue"
        ]
    assert audit.verify(cast.officer, uow._factory).ok


def test_outsiders_cannot_reach_milestones(uow, cast, result_call):
    call, a, _b = result_call
    award(cast.officer, call.id, [a.id], uow, early_reason="test")
    first = milestones_of(cast.officer, call.id, uow)[0].milestone
    with pytest.raises(NotFound):
        report_evidence(cast.enterprise_b, first.id, "伪造", uow)


def test_an_awarded_call_is_tied_to_the_key_task_it_serves(uow, cast, result_call):
    from kechuang.services.calls.awards import link_key_task
    from kechuang.services.calls.calls import get_call
    from kechuang.services.tasks.plans import add_task, create_plan

    call, a, _b = result_call
    plan = create_plan(cast.officer, uow, {"year": date.today().year, "title": "年度重点任务"})
    task = add_task(cast.officer, uow, plan.id, {
        "title": "突破固态电池关键材料", "lead_department": cast.officer.organization_id,
        "deadline": date.today() + timedelta(days=200),
    }).task
    with pytest.raises(Conflict):  # not before the award
        link_key_task(cast.officer, call.id, task.id, uow)
    award(cast.officer, call.id, [a.id], uow, early_reason="test")
    with pytest.raises(PermissionDenied):
        link_key_task(cast.enterprise_a, call.id, task.id, uow)
    with pytest.raises(InvalidInput):
        link_key_task(cast.officer, call.id, 999_999, uow)
    assert link_key_task(cast.officer, call.id, task.id, uow).key_task_id == task.id
    assert get_call(cast.officer, call.id, uow).key_task_id == task.id
    with uow() as session:
        linked = [e.payload for e in audit.events_of(session, "call", call.id) if e.action == "call.link_key_task"]
    assert linked == [{"from": "awarded", "to": "awarded", "key_task_id": task.id}]
