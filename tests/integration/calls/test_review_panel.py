"""The review panel: conflicts refuse an assignment unless overridden (audited), recusal, blind scoring."""

from __future__ import annotations

import json

import pytest
from review_cast import A_NAME, ReviewCase, case_fixture  # noqa: F401
from sqlalchemy import select

from kechuang.domain.access import ANONYMOUS
from kechuang.domain.accounts import Notification
from kechuang.domain.calls import Call
from kechuang.domain.conflicts import ConflictOfInterestError
from kechuang.domain.errors import Conflict, InvalidFields, InvalidInput, NotFound, PermissionDenied
from kechuang.domain.market import AuditEvent
from kechuang.services import audit
from kechuang.services.calls import blind, review


def assign(uow, case: ReviewCase, ref: str, **kwargs):
    user = case.reviewer_users[ref]
    return review.assign_reviewer(
        case.officer, uow, case.call_id, case.people[ref], user_id=user.user_id, **kwargs
    )


def events(uow, action: str) -> list[AuditEvent]:
    with uow() as session:
        return list(
            session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq))
        )


def full_scores(case: ReviewCase, *values: float) -> dict[str, float]:
    return {str(c): v for c, v in zip(case.criteria, values, strict=True)}


def test_a_conflicted_reviewer_is_refused_with_the_reason(uow, case: ReviewCase) -> None:
    with pytest.raises(ConflictOfInterestError) as refused:
        assign(uow, case, "per-zhangwei-thu")
    assert refused.value.code == "conflict_of_interest"
    assert A_NAME in refused.value.message and "advisor" in refused.value.message
    assert [c.kind for c in refused.value.conflicts] == ["affiliation"]
    with pytest.raises(ConflictOfInterestError, match="co-authored"):
        assign(uow, case, "per-zhouhang-casia")
    assert events(uow, "call_review.assign") == []  # a refusal writes nothing


def test_an_override_needs_a_written_justification_which_is_audited(uow, case: ReviewCase) -> None:
    with pytest.raises(ConflictOfInterestError):
        assign(uow, case, "per-zhangwei-thu", override_justification="ok")
    why = "国内该方向评审专家不足三人，经处务会研究同意其参加评审，并在评审中回避企业A相关讨论"
    row = assign(uow, case, "per-zhangwei-thu", override_justification=why)
    assert row.override_justification == why and row.conflicts[0]["kind"] == "affiliation"
    [event] = events(uow, "call_review.assign")
    assert event.payload["override_justification"] == why
    assert event.payload["conflicts"][0]["kind"] == "affiliation"


def test_an_unconflicted_reviewer_is_assigned_and_told(uow, case: ReviewCase) -> None:
    row = assign(uow, case, "per-liuyang-thu")
    assert row.conflicts == [] and row.override_justification == ""
    assert row.user_id == case.reviewer_users["per-liuyang-thu"].user_id
    with uow() as session:
        told = session.scalars(select(Notification).where(Notification.user_id == row.user_id)).all()
    assert any("review" in n.text for n in told)
    with pytest.raises(Conflict, match="already on this call's panel"):
        assign(uow, case, "per-liuyang-thu")


def test_assignment_is_idempotent_with_a_key(uow, case: ReviewCase) -> None:
    first = assign(uow, case, "per-duanpeng-tju", idempotency_key="assign-duan")
    again = assign(uow, case, "per-duanpeng-tju", idempotency_key="assign-duan")
    assert first.id == again.id and len(events(uow, "call_review.assign")) == 1


def test_only_officers_assign_and_outsiders_see_no_panel(uow, case: ReviewCase) -> None:
    with pytest.raises(PermissionDenied):
        review.assign_reviewer(case.cast.enterprise_b, uow, case.call_id, case.people["per-liuyang-thu"])
    with pytest.raises(NotFound):
        review.panel(case.cast.enterprise_a, uow, case.call_id)
    with pytest.raises(NotFound):
        blind.reviewer_packet(ANONYMOUS, uow, case.call_id)
    with pytest.raises(NotFound):
        blind.reviewer_packet(case.cast.enterprise_a, uow, case.call_id)


def test_a_blind_reviewer_never_sees_an_applicant_name(uow, case: ReviewCase) -> None:
    assign(uow, case, "per-liuyang-thu")
    packet = blind.reviewer_packet(case.reviewer_users["per-liuyang-thu"], uow, case.call_id)
    assert packet.blind and [a["code"] for a in packet.applications] == ["P01", "P02"]
    text = json.dumps(packet.applications, ensure_ascii=False, default=str)
    for name in (A_NAME, "黄涛", "Huang Tao", "huang tao", "北京亦驰动力科技有限公司", "芯衡"):
        assert name.lower() not in text.lower()
    assert "lead_organization" not in text and "team_person_ids" not in text
    assert "16k线扫相机" in text  # the substance stays


def test_an_open_call_shows_the_applicants(uow, cast, fast_passwords) -> None:
    from review_cast import make_case

    open_case = make_case(uow, cast, blind_review=False)
    assign(uow, open_case, "per-liuyang-thu")
    packet = blind.reviewer_packet(open_case.reviewer_users["per-liuyang-thu"], uow, open_case.call_id)
    assert not packet.blind and packet.applications[0]["lead_organization"] == A_NAME
    assert A_NAME in packet.applications[0]["proposal"]


def test_scores_are_checked_and_a_second_submission_replaces_the_first(uow, case: ReviewCase) -> None:
    assign(uow, case, "per-liuyang-thu")
    liu = case.reviewer_users["per-liuyang-thu"]
    with pytest.raises(InvalidFields) as bad:
        review.submit_review(liu, uow, case.call_id, case.app_a, {str(case.criteria[0]): 11, "999": 5})
    assert set(bad.value.problems) == {
        f"scores.{case.criteria[0]}",
        "scores.999",
        f"scores.{case.criteria[1]}",
        f"scores.{case.criteria[2]}",
    }
    first = review.submit_review(
        liu,
        uow,
        case.call_id,
        case.app_a,
        full_scores(case, 8, 6, 10),
        comments={str(case.criteria[0]): "方案成熟"},
        comment="总体可行",
    )
    assert first.total == pytest.approx(7.8)
    again = review.submit_review(liu, uow, case.call_id, case.app_a, full_scores(case, 9, 9, 9))
    assert again.id == first.id and again.total == pytest.approx(9.0)
    with pytest.raises(NotFound):
        review.submit_review(liu, uow, case.call_id, 999_999, full_scores(case, 1, 1, 1))
    with pytest.raises(NotFound):  # not on the panel
        review.submit_review(
            case.reviewer_users["per-huyang-ustb"], uow, case.call_id, case.app_a, full_scores(case, 1, 1, 1)
        )
    assert len(events(uow, "call_review.score")) == 2


def test_an_officer_may_enter_a_paper_form_for_a_reviewer(uow, case: ReviewCase) -> None:
    row = assign(uow, case, "per-huyang-ustb")
    review.submit_review(
        case.officer, uow, case.call_id, case.app_b, full_scores(case, 5, 5, 5), assignment_id=row.id
    )
    [event] = events(uow, "call_review.score")
    assert event.payload["on_behalf"] is True and event.actor == "officer"
    with pytest.raises(NotFound):  # an applicant cannot name someone else's assignment
        review.submit_review(
            case.cast.enterprise_a,
            uow,
            case.call_id,
            case.app_a,
            full_scores(case, 9, 9, 9),
            assignment_id=row.id,
        )


def test_a_reviewer_declares_a_conflict_and_stops_scoring(uow, case: ReviewCase) -> None:
    assign(uow, case, "per-duanpeng-tju")
    duan = case.reviewer_users["per-duanpeng-tju"]
    with pytest.raises(InvalidInput):
        review.declare_conflict(duan, uow, case.call_id, "  ")
    row = review.declare_conflict(duan, uow, case.call_id, "我曾为申报企业B提供过有偿咨询")
    assert row.status.value == "recused" and row.conflicts[-1]["kind"] == "declared"
    with pytest.raises(Conflict, match="declared a conflict"):
        review.submit_review(duan, uow, case.call_id, case.app_b, full_scores(case, 5, 5, 5))
    with pytest.raises(Conflict, match="already declared"):
        review.declare_conflict(duan, uow, case.call_id, "again")
    [event] = events(uow, "call_review.declare_conflict")
    assert event.payload["reason"] == "我曾为申报企业B提供过有偿咨询"


def test_scoring_is_refused_outside_the_review_stage(uow, cast, fast_passwords) -> None:
    from review_cast import make_case

    from kechuang.services.calls.calls import transition

    other = make_case(uow, cast)
    assign(uow, other, "per-liuyang-thu")
    transition(other.officer, other.call_id, "withdraw", uow, reason="预算调整")
    with pytest.raises(Conflict, match=r"allowed in: review"):
        review.submit_review(
            other.reviewer_users["per-liuyang-thu"],
            uow,
            other.call_id,
            other.app_a,
            full_scores(other, 5, 5, 5),
        )
    with pytest.raises(Conflict, match=r"allowed in: closed, review"):
        assign(uow, other, "per-huyang-ustb")


def test_the_review_plan_sets_the_rule_and_the_conflict_window(uow, case: ReviewCase) -> None:
    assert review.plan_of_call(uow, case.call_id).rule.value == "mean"
    plan = review.set_plan(case.officer, uow, case.call_id, rule="median", conflict_years=0)
    assert plan.rule.value == "median" and plan.conflict_years == 0
    with pytest.raises(InvalidFields):
        review.set_plan(case.officer, uow, case.call_id, rule="mode", conflict_years=-1)
    # with a zero-year window Zhou Hang's 2024 co-authorship with Huang Tao no longer counts
    assert assign(uow, case, "per-zhouhang-casia").conflicts == []
    review.set_plan(case.officer, uow, case.call_id, conflict_years=3)
    with uow() as session:
        call = session.get(Call, case.call_id)
        found = review.conflicts_on_call(session, call, case.people["per-zhouhang-casia"])
    assert [c.kind for c in found] == ["coauthorship"]


def test_the_audit_chain_still_verifies(uow, case: ReviewCase) -> None:
    assign(uow, case, "per-liuyang-thu")
    review.submit_review(
        case.reviewer_users["per-liuyang-thu"], uow, case.call_id, case.app_a, full_scores(case, 7, 7, 7)
    )
    assert audit.verify(case.officer, uow).ok
