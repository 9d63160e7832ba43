"""A call through its stages by the services: who may take each step, in which stage, audited and idempotent."""

from __future__ import annotations

import pytest
from calls_cast import call_data

from kechuang.domain.access import ANONYMOUS
from kechuang.domain.calls import CallStatus
from kechuang.domain.errors import Conflict, InvalidFields, InvalidInput, NotFound, PermissionDenied
from kechuang.services import audit
from kechuang.services.calls.calls import create_call, edit_call, get_call, list_calls, transition


def test_an_officers_call_runs_from_draft_to_review_with_every_step_on_the_audit_chain(uow, cast):
    call = create_call(cast.officer, call_data(), uow)
    assert call.status == CallStatus.DRAFT and call.poster_org_id is None and call.approved_at is not None
    for action, status in (("publish", "published"), ("close", "closed"), ("start_review", "review")):
        call = transition(cast.officer, call.id, action, uow)
        assert call.status.value == status
    with uow() as session:
        actions = [e.action for e in audit.events_of(session, "call", call.id)]
    assert actions == ["call.create", "call.publish", "call.close", "call.start_review"]
    assert audit.verify(cast.officer, uow._factory).ok


def test_a_step_in_the_wrong_stage_is_409_naming_the_allowed_stages(uow, cast):
    call = create_call(cast.officer, call_data(), uow)
    with pytest.raises(Conflict, match=r"stage 'draft' \(allowed in: closed\)"):
        transition(cast.officer, call.id, "start_review", uow)
    with pytest.raises(Conflict, match="allowed in: in_progress"):
        transition(cast.officer, call.id, "accept", uow)


def test_a_step_by_the_wrong_party_is_403(uow, cast):
    call = create_call(cast.officer, call_data(), uow)
    transition(cast.officer, call.id, "publish", uow)
    with pytest.raises(PermissionDenied, match="only the officer"):
        transition(cast.enterprise_a, call.id, "start_review", uow)
    with pytest.raises(PermissionDenied):
        transition(ANONYMOUS, call.id, "close", uow)


def test_an_enterprise_call_waits_for_approval_and_outsiders_never_see_the_draft(uow, cast):
    call = create_call(cast.enterprise_a, call_data(), uow)
    assert call.poster_org_id == cast.enterprise_a.organization_id and call.approved_at is None
    for outsider in (ANONYMOUS, cast.enterprise_b, cast.researcher):
        with pytest.raises(NotFound):
            get_call(outsider, call.id, uow)
        assert call.id not in [c.id for c in list_calls(outsider, uow)[0]]
    with pytest.raises(PermissionDenied):
        transition(cast.enterprise_a, call.id, "publish", uow)
    with pytest.raises(Conflict, match="approve"):
        transition(cast.officer, call.id, "publish", uow)
    transition(cast.enterprise_a, call.id, "submit", uow)
    transition(cast.officer, call.id, "approve", uow)
    transition(cast.officer, call.id, "publish", uow)
    assert get_call(ANONYMOUS, call.id, uow).status == CallStatus.PUBLISHED
    assert call.id in [c.id for c in list_calls(ANONYMOUS, uow)[0]]


def test_an_enterprise_edit_after_approval_needs_approval_again(uow, cast):
    call = create_call(cast.enterprise_a, call_data(), uow)
    transition(cast.officer, call.id, "approve", uow)
    edited = edit_call(cast.enterprise_a, call.id, {"budget": 1500}, uow)
    assert edited.budget == 1500 and edited.approved_at is None


def test_withdrawing_needs_a_reason_and_is_refused_after_the_award_stage(uow, cast):
    call = create_call(cast.officer, call_data(), uow)
    transition(cast.officer, call.id, "publish", uow)
    with pytest.raises(InvalidInput, match="reason"):
        transition(cast.officer, call.id, "withdraw", uow)
    done = transition(cast.officer, call.id, "withdraw", uow, reason="需求方战略调整")
    assert done.status == CallStatus.WITHDRAWN and done.end_reason == "需求方战略调整"


def test_a_repeated_step_with_its_idempotency_key_is_applied_once(uow, cast):
    call = create_call(cast.officer, call_data(), uow, idempotency_key="c-1")
    again = create_call(cast.officer, call_data(), uow, idempotency_key="c-1")
    assert again.id == call.id
    transition(cast.officer, call.id, "publish", uow, idempotency_key="p-1")
    assert (
        transition(cast.officer, call.id, "publish", uow, idempotency_key="p-1").status
        == CallStatus.PUBLISHED
    )
    with uow() as session:
        assert [e.action for e in audit.events_of(session, "call", call.id)] == [
            "call.create",
            "call.publish",
        ]


def test_weights_must_sum_to_one_and_every_bad_field_is_named(uow, cast):
    bad = call_data(budget=-1, criteria=[{"name_zh": "a", "weight": 0.5}, {"name_zh": "b", "weight": 0.4}])
    with pytest.raises(InvalidFields) as caught:
        create_call(cast.officer, bad, uow)
    assert "sum to 1" in caught.value.problems["criteria"]
    assert "budget" in caught.value.problems


def test_researchers_cannot_post_calls(uow, cast):
    with pytest.raises(PermissionDenied):
        create_call(cast.researcher, call_data(), uow)


def test_steps_that_carry_data_are_refused_by_the_bare_transition(uow, cast):
    call = create_call(cast.officer, call_data(), uow)
    for action in ("award", "publish_result", "edit"):
        with pytest.raises(InvalidInput) as caught:
            transition(cast.officer, call.id, action, uow)
        assert caught.value.field == "action"
