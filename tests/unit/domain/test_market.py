"""Market rules as data: flow directions, who may do what in which stage, the audit hash."""

from __future__ import annotations

from datetime import datetime

import pytest

from kechuang.domain.errors import Conflict, PermissionDenied
from kechuang.domain.market import (
    GENESIS,
    Deal,
    DealStage,
    FlowDirection,
    Party,
    check_transition,
    event_hash,
    flow_direction,
)


@pytest.mark.parametrize(
    ("seller", "buyer", "expected"),
    [
        (("110108", "CN"), ("110105", "CN"), FlowDirection.WITHIN_BEIJING),
        (("110108", "CN"), ("120116", "CN"), FlowDirection.TO_TIANJIN_HEBEI),
        (("110108", "CN"), ("130600", "CN"), FlowDirection.TO_TIANJIN_HEBEI),
        (("110108", "CN"), ("440000", "CN"), FlowDirection.TO_OTHER_PROVINCES),
        (("110108", "CN"), ("", "DE"), FlowDirection.TO_ABROAD),
        (("310000", "CN"), ("110108", "CN"), FlowDirection.INFLOW_DOMESTIC),
        (("", "GB"), ("110108", "CN"), FlowDirection.INFLOW_ABROAD),
        (("310000", "CN"), ("440000", "CN"), FlowDirection.OUTSIDE_BEIJING),
        (("", "US"), ("", "DE"), FlowDirection.OUTSIDE_BEIJING),
    ],
)
def test_flow_direction(seller, buyer, expected):
    assert flow_direction(seller[0], seller[1], buyer[0], buyer[1]) is expected


def test_flow_labels_are_bilingual():
    assert FlowDirection.TO_TIANJIN_HEBEI.zh == "流向津冀"
    assert FlowDirection.TO_TIANJIN_HEBEI.en == "Beijing → Tianjin/Hebei"


def test_transitions_refuse_wrong_stage_and_wrong_party():
    check_transition("offer", DealStage.NEGOTIATION, Party.BUYER)
    with pytest.raises(Conflict, match="stage 'inquiry'"):
        check_transition("offer", DealStage.INQUIRY, Party.BUYER)
    with pytest.raises(PermissionDenied, match="registrar"):
        check_transition("approve", DealStage.REGISTRATION, Party.SELLER)
    with pytest.raises(PermissionDenied):
        check_transition("sign", DealStage.CONTRACT, None)
    for stage in (DealStage.REGISTRATION, DealStage.PERFORMANCE, DealStage.CLOSED, DealStage.WITHDRAWN):
        with pytest.raises(Conflict):
            check_transition("withdraw", stage, Party.BUYER)


def test_party_of_a_deal():
    deal = Deal(seller_org_id=1, buyer_org_id=2)
    assert deal.party_of(1) is Party.SELLER and deal.party_of(2) is Party.BUYER
    assert deal.party_of(3) is None and deal.party_of(None) is None


def test_event_hash_covers_every_field_and_the_previous_hash():
    at = datetime(2026, 1, 2, 3, 4, 5, 6)
    base = event_hash(GENESIS, 1, at, "tto", "deal.offer", "deal", 7, {"price": 1.0})
    assert len(base) == 64
    assert base == event_hash(GENESIS, 1, at, "tto", "deal.offer", "deal", 7, {"price": 1.0})
    changed = [
        event_hash("1" * 64, 1, at, "tto", "deal.offer", "deal", 7, {"price": 1.0}),
        event_hash(GENESIS, 2, at, "tto", "deal.offer", "deal", 7, {"price": 1.0}),
        event_hash(GENESIS, 1, at.replace(microsecond=7), "tto", "deal.offer", "deal", 7, {"price": 1.0}),
        event_hash(GENESIS, 1, at, "eve", "deal.offer", "deal", 7, {"price": 1.0}),
        event_hash(GENESIS, 1, at, "tto", "deal.sign", "deal", 7, {"price": 1.0}),
        event_hash(GENESIS, 1, at, "tto", "deal.offer", "deal", 8, {"price": 1.0}),
        event_hash(GENESIS, 1, at, "tto", "deal.offer", "deal", 7, {"price": 2.0}),
    ]
    assert base not in changed and len(set(changed)) == len(changed)
