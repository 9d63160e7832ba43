"""The status rule of key tasks: each clause, its order, its thresholds and its reasons in both languages."""

from __future__ import annotations

from datetime import date

import pytest

from kechuang.domain.errors import Conflict
from kechuang.domain.tasks import (
    MilestoneFact,
    ReportState,
    StatusFacts,
    StatusRule,
    TaskStatus,
    compute_status,
    elapsed_share,
    review_target,
)

START, END = date(2026, 1, 1), date(2026, 12, 31)
MIDYEAR = date(2026, 7, 2)  # 182 of 364 days: 50% of the time


def facts(**changes) -> StatusFacts:
    return StatusFacts(**{"starts_on": START, "deadline": END, **changes})


def test_past_its_deadline_at_half_progress_a_task_is_overdue_and_says_so():
    verdict = compute_status(facts(progress=50), date(2027, 1, 10))
    assert verdict.status is TaskStatus.OVERDUE and verdict.code == "deadline_passed"
    assert verdict.en == "deadline 2026-12-31 passed 10 day(s) ago at 50% progress"
    assert verdict.zh == "完成时限 2026-12-31 已过 10 天，进度 50%，尚未完成"


def test_at_full_progress_a_task_is_done_even_after_its_deadline():
    verdict = compute_status(facts(progress=100, reported_on=date(2027, 1, 5)), date(2027, 2, 1))
    assert verdict.status is TaskStatus.DONE
    assert verdict.en == "reported 100% complete on 2027-01-05"
    pending = compute_status(facts(progress=100, pending_review=True), MIDYEAR)
    assert pending.status is TaskStatus.DONE and "awaiting the supervisor" in pending.en and "待督办" in pending.zh


def test_halfway_through_its_time_at_ten_percent_a_task_is_at_risk():
    verdict = compute_status(facts(progress=10), MIDYEAR)
    assert verdict.status is TaskStatus.AT_RISK and verdict.code == "behind_schedule"
    assert verdict.en == ("50% of the time elapsed but progress is 10%: 40 points behind (threshold 20 points)")
    assert "落后 40 个百分点" in verdict.zh


@pytest.mark.parametrize(("progress", "status"), [(30, TaskStatus.ON_TRACK), (29, TaskStatus.AT_RISK)])
def test_the_threshold_is_strict_and_default_twenty_points(progress, status):
    assert compute_status(facts(progress=progress), MIDYEAR).status is status  # gap 20 is fine, 21 is not


def test_the_threshold_is_configurable():
    assert compute_status(facts(progress=10), MIDYEAR, StatusRule(risk_points=45)).status is TaskStatus.ON_TRACK
    assert compute_status(facts(progress=40), MIDYEAR, StatusRule(risk_points=5)).status is TaskStatus.AT_RISK


def test_a_late_milestone_is_overdue_and_names_the_first_one():
    milestones = (MilestoneFact("中期评估", date(2026, 6, 30)), MilestoneFact("方案印发", date(2026, 3, 31)),
                  MilestoneFact("已完成的", date(2026, 2, 1), completed_on=date(2026, 2, 1)))
    verdict = compute_status(facts(progress=90, milestones=milestones), MIDYEAR)
    assert verdict.status is TaskStatus.OVERDUE and verdict.code == "milestone_late"
    assert "'方案印发' was due 2026-03-31" in verdict.en and "(1 more milestone(s) late)" in verdict.en
    assert "里程碑「方案印发」应于 2026-03-31 完成" in verdict.zh


def test_a_milestone_due_today_is_not_late():
    verdict = compute_status(facts(progress=60, milestones=(MilestoneFact("m", MIDYEAR),)), MIDYEAR)
    assert verdict.status is TaskStatus.ON_TRACK


def test_a_blocker_puts_a_task_at_risk_whatever_its_progress():
    verdict = compute_status(facts(progress=80, blocker="资金未到位"), date(2026, 3, 1))
    assert verdict.status is TaskStatus.AT_RISK and verdict.code == "blocker" and "资金未到位" in verdict.zh


def test_done_outranks_overdue_which_outranks_at_risk():
    late_and_blocked = facts(progress=100, blocker="x", milestones=(MilestoneFact("m", date(2026, 2, 1)),))
    assert compute_status(late_and_blocked, date(2027, 3, 1)).status is TaskStatus.DONE
    assert compute_status(facts(progress=10, blocker="x"), date(2027, 3, 1)).status is TaskStatus.OVERDUE


def test_every_verdict_has_a_reason_in_both_languages():
    cases = [facts(progress=p, blocker=b) for p in (0, 10, 50, 100) for b in ("", "x")]
    for day in (date(2025, 12, 1), MIDYEAR, END, date(2027, 1, 1)):
        for case in cases:
            verdict = compute_status(case, day)
            assert verdict.zh.strip() and verdict.en.strip() and verdict.reason("en") == verdict.en


def test_elapsed_share_is_bounded_and_handles_a_zero_length_task():
    assert elapsed_share(START, END, date(2025, 6, 1)) == 0
    assert elapsed_share(START, END, date(2028, 1, 1)) == 100
    assert elapsed_share(END, END, END) == 100 and elapsed_share(END, END, START) == 0


def test_progress_out_of_range_is_clamped_not_trusted():
    assert compute_status(facts(progress=250), MIDYEAR).status is TaskStatus.DONE
    assert "-5" not in compute_status(facts(progress=-5), MIDYEAR).en


def test_reports_are_accepted_or_returned_only_while_submitted():
    assert review_target("accept", ReportState.SUBMITTED) is ReportState.ACCEPTED
    assert review_target("return", ReportState.SUBMITTED) is ReportState.RETURNED
    with pytest.raises(Conflict, match="allowed: submitted"):
        review_target("accept", ReportState.RETURNED)
