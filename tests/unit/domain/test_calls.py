"""The call's state machine as data, criteria weights and eligibility rules, without a database."""

from __future__ import annotations

from datetime import date

import pytest

from kechuang.domain.calls import (
    BEFORE_AWARD,
    TRANSITIONS,
    Call,
    CallParty,
    CallStatus,
    EligibilityFacts,
    allowed_actions,
    check_transition,
    check_weights,
    eligibility_refusal,
    expand_regions,
)
from kechuang.domain.enums import OrgKind
from kechuang.domain.errors import Conflict, InvalidInput, PermissionDenied

OFFICER = frozenset({CallParty.OFFICER})
POSTER = frozenset({CallParty.POSTER})


def test_the_api_status_strings_are_exactly_the_contract():
    assert [s.value for s in CallStatus] == [
        "draft",
        "published",
        "closed",
        "review",
        "result",
        "awarded",
        "in_progress",
        "accepted",
        "failed",
        "withdrawn",
    ]
    assert all(s.zh and s.en for s in CallStatus)


def test_the_main_path_leads_from_draft_to_accepted_one_step_at_a_time():
    status = CallStatus.DRAFT
    for action in ("publish", "close", "start_review", "publish_result", "award", "start", "accept"):
        step = check_transition(action, status, OFFICER)
        assert step.to is not None
        status = step.to
    assert status == CallStatus.ACCEPTED


def test_withdrawal_is_possible_before_the_award_only_and_needs_a_reason():
    assert TRANSITIONS["withdraw"].needs_reason and TRANSITIONS["withdraw"].stages == BEFORE_AWARD
    for status in (CallStatus.AWARDED, CallStatus.IN_PROGRESS, CallStatus.ACCEPTED):
        with pytest.raises(Conflict, match="allowed in: draft, published, closed, review, result"):
            check_transition("withdraw", status, OFFICER)


def test_wrong_party_is_refused_before_the_stage_is_judged():
    with pytest.raises(PermissionDenied, match="only the officer"):
        check_transition("start_review", CallStatus.DRAFT, POSTER)
    with pytest.raises(PermissionDenied):
        check_transition("close", CallStatus.PUBLISHED, frozenset())
    with pytest.raises(InvalidInput, match="unknown action"):
        check_transition("explode", CallStatus.DRAFT, OFFICER)


def test_allowed_actions_are_what_a_page_offers():
    assert allowed_actions(CallStatus.DRAFT, POSTER) == ["edit", "submit", "withdraw"]
    assert "publish" in allowed_actions(CallStatus.DRAFT, OFFICER)
    assert allowed_actions(CallStatus.ACCEPTED, OFFICER) == ["link_key_task"]  # the only step left
    assert allowed_actions(CallStatus.AWARDED, frozenset({CallParty.AWARDEE})) == ["start"]


@pytest.mark.parametrize(
    ("weights", "ok"),
    [
        ([0.5, 0.3, 0.2], True),
        ([0.1] * 10, True),
        ([0.5, 0.4], False),
        ([1.2, -0.2], False),
        ([], False),
        ([float("nan"), 1.0], False),
    ],
)
def test_criteria_weights_must_sum_to_one(weights, ok):
    if ok:
        check_weights(weights)
    else:
        with pytest.raises(InvalidInput):
            check_weights(weights)


def facts(**changes) -> EligibilityFacts:
    values = {
        "org_kinds": [OrgKind.ENTERPRISE],
        "org_regions": ["110108"],
        "org_countries": ["CN"],
        "team_size": 3,
        "partner_count": 0,
    }
    values.update(changes)
    return EligibilityFacts(**values)


def test_eligibility_names_the_first_rule_broken():
    call = Call(
        eligible_org_kinds=["enterprise"],
        eligible_regions=expand_regions(["jingjinji"]),
        joint_allowed=False,
        max_team_size=5,
        deadline=date(2026, 12, 31),
    )
    on = date(2026, 12, 1)
    assert eligibility_refusal(call, facts(), on) is None
    assert eligibility_refusal(call, facts(), date(2027, 1, 1)).startswith("deadline")
    assert eligibility_refusal(call, facts(partner_count=1), on).startswith("joint_allowed")
    assert eligibility_refusal(call, facts(team_size=6), on).startswith("max_team_size")
    assert eligibility_refusal(call, facts(team_size=0), on).startswith("team")
    assert eligibility_refusal(call, facts(org_kinds=[OrgKind.UNIVERSITY]), on).startswith(
        "eligible_org_kinds"
    )
    assert eligibility_refusal(call, facts(org_regions=["310101"]), on).startswith("eligible_regions")
    assert eligibility_refusal(call, facts(org_regions=["130102"]), on) is None
    assert eligibility_refusal(call, facts(org_regions=[""], org_countries=["GB"]), on).startswith(
        "eligible_regions"
    )


def test_region_groups_expand_to_province_prefixes():
    assert expand_regions(["jingjinji", "31"]) == ["11", "12", "13", "31"]


def test_an_enterprise_call_needs_approval_and_the_appeal_window_follows_the_result():
    from datetime import datetime

    call = Call(poster_org_id=7)
    assert call.needs_approval
    call.approved_at = datetime(2026, 1, 1)
    assert not call.needs_approval and Call().needs_approval is False
    call.result_at, call.appeal_days = datetime(2026, 3, 1), 7
    assert call.appeal_window_ends() == datetime(2026, 3, 8)
