"""Candidate solvers: the call read as a demand by the matching engine, explained, eligible; invitations notify."""

from __future__ import annotations

import pytest
from calls_cast import published_call

from kechuang.domain.accounts import Notification
from kechuang.domain.entities import Organization
from kechuang.domain.errors import Conflict, PermissionDenied
from kechuang.services.calls.candidates import invitations_of, invite, propose_candidates
from kechuang.services.match_index import MatchIndexes


@pytest.fixture
def indexes(tmp_path):
    return MatchIndexes(tmp_path / "index", "none")


def test_organizations_and_experts_are_proposed_with_reasons(uow, cast, indexes):
    call = published_call(uow, cast)
    orgs = propose_candidates(cast.officer, call.id, uow, indexes, kind="organization")
    experts = propose_candidates(cast.officer, call.id, uow, indexes, kind="expert")
    assert orgs and experts
    for candidate in orgs + experts:
        assert candidate.reasons and all(r.zh and r.en for r in candidate.reasons)
        assert candidate.score > 0
    assert [c.score for c in orgs] == sorted((c.score for c in orgs), reverse=True)


def test_ineligible_organizations_are_left_out(uow, cast, indexes):
    call = published_call(uow, cast, eligible_org_kinds=["university"], eligible_regions=["11"])
    found = propose_candidates(cast.officer, call.id, uow, indexes, kind="organization", limit=50)
    with uow() as session:
        for candidate in found:
            org = session.get(Organization, candidate.id)
            assert org.kind.value == "university" and org.region_code.startswith("11")


def test_the_officer_invites_a_candidate_who_is_notified_once(uow, cast, indexes):
    call = published_call(uow, cast)
    target = cast.orgs["org-enterprise-b"]
    with pytest.raises(PermissionDenied):
        invite(cast.enterprise_a, call.id, "organization", target, uow)
    invite(cast.officer, call.id, "organization", target, uow, note="欢迎揭榜", reasons=["固态电池相关成果"])
    with pytest.raises(Conflict, match="already invited"):
        invite(cast.officer, call.id, "organization", target, uow)
    assert [(i.entity, i.entity_id) for i in invitations_of(cast.officer, call.id, uow)] == [
        ("organization", target)
    ]
    with uow() as session:
        told = session.query(Notification).filter(Notification.user_id == cast.enterprise_b.user_id).all()
    assert any("诚邀揭榜" in n.text and n.subject_id == call.id for n in told)
    listed = propose_candidates(cast.officer, call.id, uow, indexes, kind="organization", limit=50)
    assert all(c.invited == (c.id == target) for c in listed)
