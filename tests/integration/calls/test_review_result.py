"""The result (公示): aggregation by the call's rule, outliers flagged, publication, reading it, appeals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from review_cast import A_NAME, ReviewCase, case_fixture  # noqa: F401
from sqlalchemy import select

from kechuang.domain.access import ANONYMOUS
from kechuang.domain.calls import Call
from kechuang.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from kechuang.domain.market import AuditEvent
from kechuang.services import audit
from kechuang.services.calls import awards, review, review_results

PANEL = ("per-liuyang-thu", "per-duanpeng-tju", "per-huyang-ustb")


def scored(uow, case: ReviewCase, a_totals: tuple[float, ...], b_totals: tuple[float, ...]) -> None:
    """Three reviewers score both applications, every criterion alike (so a review's total is that value)."""
    for ref, a, b in zip(PANEL, a_totals, b_totals, strict=True):
        review.assign_reviewer(
            case.officer, uow, case.call_id, case.people[ref], user_id=case.reviewer_users[ref].user_id
        )
        me = case.reviewer_users[ref]
        for app, value in ((case.app_a, a), (case.app_b, b)):
            review.submit_review(
                me,
                uow,
                case.call_id,
                app,
                {str(c): value for c in case.criteria},
                comment=f"{A_NAME}方案评分{value}" if app == case.app_a else f"评分{value}",
            )


def test_the_preview_ranks_and_flags_an_outlier_review(uow, case: ReviewCase) -> None:
    scored(uow, case, (8, 8.5, 1), (6, 6, 6.5))
    ranked = review_results.preview(case.officer, uow, case.call_id)
    assert [r.application.id for r in ranked] == [case.app_b, case.app_a]  # mean: A 5.83, B 6.17
    a = ranked[1].aggregate
    assert a.score == pytest.approx((8 + 8.5 + 1) / 3, abs=1e-4)
    # 1 is far from 8 and 8.5 (the others agree within the 0.5-point floor): flagged
    assert len(a.outlier_review_ids) == 1 and a.totals[a.outlier_review_ids[0]] == 1
    with pytest.raises(NotFound):
        review_results.preview(case.cast.enterprise_a, uow, case.call_id)


def test_the_median_rule_resists_the_outlier(uow, case: ReviewCase) -> None:
    review.set_plan(case.officer, uow, case.call_id, rule="median")
    scored(uow, case, (8, 8.5, 1), (6, 6, 6.5))
    ranked = review_results.preview(case.officer, uow, case.call_id)
    assert [(r.rank, r.application.id, r.aggregate.score) for r in ranked] == [
        (1, case.app_a, 8.0),
        (2, case.app_b, 6.0),
    ]


def test_publishing_writes_the_ranking_and_opens_the_result_to_everyone(uow, case: ReviewCase) -> None:
    with pytest.raises(Conflict, match=r"none for P01, P02"):
        review_results.publish_result(case.officer, uow, case.call_id)
    scored(uow, case, (8, 9, 8.5), (6, 6, 6.5))
    with pytest.raises(NotFound):
        review_results.published_result(ANONYMOUS, uow, case.call_id)
    with pytest.raises(PermissionDenied):
        review_results.publish_result(case.cast.enterprise_a, uow, case.call_id)
    call = review_results.publish_result(case.officer, uow, case.call_id, idempotency_key="pub-1")
    assert call.status.value == "result" and call.result_at is not None
    again = review_results.publish_result(case.officer, uow, case.call_id, idempotency_key="pub-1")
    assert again.status.value == "result"
    rows = review_results.published_result(ANONYMOUS, uow, case.call_id)
    assert [(r.entry.rank, r.entry.application_id) for r in rows] == [(1, case.app_a), (2, case.app_b)]
    top = rows[0]
    assert top.entry.score == pytest.approx(8.5) and top.applicant == A_NAME
    assert [c["score"] for c in top.entry.criteria] == [pytest.approx(8.5)] * 3
    assert {c["name_en"] for c in top.entry.criteria} == {"Technical merit", "Team capability", "Budget"}
    # reasons are the comments, by reviewer number, with applicant names cut (blind call)
    assert top.entry.reasons and all(r.startswith("评审专家 ") for r in top.entry.reasons)
    assert not any(A_NAME in r for r in top.entry.reasons)
    with uow() as session:
        [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "call.publish_result")).all()
    assert event.payload["ranking"][0]["application_id"] == case.app_a
    with pytest.raises(Conflict, match="allowed in: review"):
        review_results.publish_result(case.officer, uow, case.call_id)
    assert audit.verify(case.officer, uow).ok


def test_a_reviewer_of_a_blind_call_reads_the_result_without_names(uow, case: ReviewCase) -> None:
    scored(uow, case, (8, 9, 8.5), (6, 6, 6.5))
    review_results.publish_result(case.officer, uow, case.call_id)
    rows = review_results.published_result(case.reviewer_users["per-liuyang-thu"], uow, case.call_id)
    assert all(r.applicant is None for r in rows)
    assert not any(A_NAME in r.title for r in rows)
    assert [r.code for r in rows] == ["P01", "P02"]


def test_appeals_within_the_window_are_answered_with_a_reason(uow, case: ReviewCase) -> None:
    scored(uow, case, (8, 9, 8.5), (6, 6, 6.5))
    b = case.cast.enterprise_b
    with pytest.raises(Conflict, match="allowed in: result"):
        review_results.file_appeal(b, uow, case.call_id, case.app_b, "评分过低")
    review_results.publish_result(case.officer, uow, case.call_id)
    with pytest.raises(NotFound):  # not its application
        review_results.file_appeal(b, uow, case.call_id, case.app_a, "对方评分过高")
    with pytest.raises(InvalidInput):
        review_results.file_appeal(b, uow, case.call_id, case.app_b, "   ")
    appeal = review_results.file_appeal(b, uow, case.call_id, case.app_b, "预算合理性评分与方案不符，请复核")
    assert appeal.status.value == "open"
    assert [a.id for a in review_results.appeals_of(b, uow, case.call_id)] == [appeal.id]
    assert [a.application_id for a in review_results.appeals_of(case.officer, uow, case.call_id)] == [
        case.app_b
    ]
    with pytest.raises(NotFound):
        review_results.appeals_of(case.cast.researcher, uow, case.call_id)
    with pytest.raises(PermissionDenied):
        review_results.answer_appeal(b, uow, case.call_id, appeal.id, "upheld", "自己同意")
    early = "重大专项时间节点要求，经主任办公会同意提前授榜"
    with pytest.raises(Conflict, match="not answered yet"):  # the award waits for the answer
        awards.award(case.officer, case.call_id, [case.app_a], uow, early_reason=early)
    with pytest.raises(InvalidInput):
        review_results.answer_appeal(case.officer, uow, case.call_id, appeal.id, "rejected", "")
    answered = review_results.answer_appeal(
        case.officer, uow, case.call_id, appeal.id, "rejected", "经复核，三位专家评分一致，维持原结果"
    )
    assert answered.status.value == "rejected" and answered.decision_reason.startswith("经复核")
    with pytest.raises(Conflict, match="already answered"):
        review_results.answer_appeal(case.officer, uow, case.call_id, appeal.id, "upheld", "改判")
    assert (
        awards.award(case.officer, case.call_id, [case.app_a], uow, early_reason=early).status.value
        == "awarded"
    )
    with pytest.raises(Conflict, match="allowed in: result"):  # appeals close with the 公示 stage
        review_results.file_appeal(b, uow, case.call_id, case.app_b, "再次申诉")
    assert audit.verify(case.officer, uow).ok


def test_no_appeal_after_the_window(uow, case: ReviewCase) -> None:
    scored(uow, case, (8, 9, 8.5), (6, 6, 6.5))
    review_results.publish_result(case.officer, uow, case.call_id)
    with uow() as session:  # the window closes `appeal_days` after publication
        call = session.get(Call, case.call_id)
        call.result_at = call.result_at - timedelta(days=call.appeal_days, minutes=1)
    with pytest.raises(Conflict, match="appeal window closed"):
        review_results.file_appeal(case.cast.enterprise_b, uow, case.call_id, case.app_b, "逾期申诉")


def test_a_reviewer_who_recuses_after_scoring_no_longer_counts(uow, case: ReviewCase) -> None:
    scored(uow, case, (8, 8.5, 1), (6, 6, 6.5))
    review.declare_conflict(case.reviewer_users["per-huyang-ustb"], uow, case.call_id, "发现与申报方有合作")
    ranked = review_results.preview(case.officer, uow, case.call_id)
    by_app = {r.application.id: r.aggregate for r in ranked}
    assert by_app[case.app_a].reviews == 2 and by_app[case.app_a].score == pytest.approx(8.25)
    assert by_app[case.app_a].outlier_review_ids == ()
