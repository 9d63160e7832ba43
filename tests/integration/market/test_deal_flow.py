"""A deal from inquiry to closed contract, refused moves, NDA disclosure, idempotency, statistics, audit."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from kechuang.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from kechuang.domain.market import ContractStatus, DealStage
from kechuang.services import audit, market
from kechuang.services.market_stats import contract_statistics, export_statistics


def negotiate_to_contract(uow, cast):
    deal = market.open_deal(cast.enterprise_a, uow, "achievement", cast.listing_id, message="想了解授权条件")
    market.accept_nda(cast.tto, uow, deal.id)
    market.accept_nda(cast.enterprise_a, uow, deal.id)
    first = market.make_offer(cast.tto, uow, deal.id, price=2_000_000, contract_type="技术转让")
    counter = market.make_offer(cast.enterprise_a, uow, deal.id, price=1_500_000, contract_type="transfer",
                                payment_terms="分三期支付")
    contract = market.accept_offer(cast.tto, uow, deal.id, counter.id)
    return deal, first, counter, contract


def test_full_pipeline_to_registered_contract_and_statistics(uow, cast):
    deal, _first, _counter, contract = negotiate_to_contract(uow, cast)
    view = market.get_deal(cast.tto, uow, deal.id)
    assert [o.status.value for o in view.offers] == ["countered", "accepted"]
    assert contract.contract_amount == 1_500_000 and contract.contract_type.value == "transfer"
    assert view.deal.stage is DealStage.CONTRACT and view.next_actions == ["sign", "withdraw", "message"]

    market.sign(cast.tto, uow, deal.id)
    assert market.get_deal(cast.tto, uow, deal.id).deal.stage is DealStage.CONTRACT
    market.sign(cast.enterprise_a, uow, deal.id)
    assert market.get_deal(cast.tto, uow, deal.id).contract.status is ContractStatus.SUBMITTED

    registered = market.approve(cast.registrar, uow, deal.id)
    assert registered.status is ContractStatus.REGISTERED
    assert registered.registration_number.startswith(f"{date.today().year}11")
    market.record_performance(cast.enterprise_a, uow, deal.id, kind="payment", amount=500_000)
    market.record_performance(cast.tto, uow, deal.id, kind="milestone", title="工艺包交付")
    closed = market.close(cast.tto, uow, deal.id)
    assert closed.stage is DealStage.CLOSED

    stats = contract_statistics(cast.officer, uow, year=date.today().year)
    assert stats.total.count == 1 and stats.total.contract_amount == 1_500_000
    flows = {b.key: b.count for b in stats.groups["flow"]}
    assert flows == {"within_beijing": 1}  # Tsinghua OTT (Haidian) sells to an enterprise in Beijing
    assert stats.groups["type"][0].label_zh == "技术转让"
    assert export_statistics(stats, "xlsx")[:2] == b"PK"
    table = export_statistics(stats, "csv").decode("utf-8-sig").splitlines()
    assert table[0] == "统计维度,代码,名称,合同数,合同金额（万元）,技术交易额（万元）"
    assert table[1].startswith("合计,") and table[1].endswith(",1,150,150")
    assert "合同类型,transfer,技术转让,1,150," in "\n".join(table)  # 1,500,000 yuan = 150 万元, no ".0"
    assert not any(",type," in line or line.startswith("type,") for line in table)
    english = export_statistics(stats, "csv", "en").decode("utf-8-sig").splitlines()
    assert english[0].startswith("breakdown,code,name,contracts,contract amount (10k yuan)")

    check = audit.verify(cast.registrar, uow)
    assert check.ok and check.events >= 11


def test_moves_out_of_turn_are_refused_with_a_reason(uow, cast):
    deal = market.open_deal(cast.enterprise_a, uow, "achievement", cast.listing_id)
    with pytest.raises(Conflict, match="stage 'inquiry'"):
        market.make_offer(cast.tto, uow, deal.id, price=10)
    with pytest.raises(PermissionDenied, match="registrar"):
        market.approve(cast.tto, uow, deal.id)
    market.accept_nda(cast.tto, uow, deal.id)
    with pytest.raises(Conflict, match="already accepted"):
        market.accept_nda(cast.tto, uow, deal.id)
    market.accept_nda(cast.enterprise_a, uow, deal.id)
    offer = market.make_offer(cast.tto, uow, deal.id, price=100)
    with pytest.raises(PermissionDenied, match="other party"):
        market.accept_offer(cast.tto, uow, deal.id, offer.id)
    with pytest.raises(InvalidInput) as bad:
        market.make_offer(cast.tto, uow, deal.id, price=-1)
    assert bad.value.field == "price"
    with pytest.raises(InvalidInput):
        market.make_offer(cast.tto, uow, deal.id, price=5, contract_type="barter")
    market.end(cast.enterprise_a, uow, deal.id, "withdraw", reason="预算取消")
    with pytest.raises(Conflict):
        market.make_offer(cast.tto, uow, deal.id, price=5)


def test_a_deal_is_visible_to_parties_registrars_and_officers_only(uow, cast):
    deal = market.open_deal(cast.enterprise_a, uow, "achievement", cast.listing_id)
    for who in (cast.tto, cast.enterprise_a, cast.registrar, cast.officer):
        assert market.get_deal(who, uow, deal.id).deal.id == deal.id
    with pytest.raises(NotFound):
        market.get_deal(cast.enterprise_b, uow, deal.id)
    with pytest.raises(NotFound):
        market.post_message(cast.enterprise_b, uow, deal.id, "我也想买")
    assert market.list_deals(cast.enterprise_b, uow) == ([], 0)
    assert market.list_deals(cast.officer, uow)[1] == 1


def test_disclosure_opens_only_after_both_accept_the_nda(uow, cast):
    market.set_disclosure(cast.tto, uow, "achievement", cast.listing_id, "核心配方：LiPON 溅射参数 ...")
    with pytest.raises(PermissionDenied):
        market.set_disclosure(cast.enterprise_a, uow, "achievement", cast.listing_id, "hijack")
    deal = market.open_deal(cast.enterprise_a, uow, "achievement", cast.listing_id)
    assert market.get_deal(cast.tto, uow, deal.id).disclosure.startswith("核心配方")
    assert market.get_deal(cast.enterprise_a, uow, deal.id).disclosure is None
    market.accept_nda(cast.enterprise_a, uow, deal.id)
    assert market.get_deal(cast.enterprise_a, uow, deal.id).disclosure is None
    market.accept_nda(cast.tto, uow, deal.id)
    assert market.get_deal(cast.enterprise_a, uow, deal.id).disclosure.startswith("核心配方")
    assert market.get_deal(cast.registrar, uow, deal.id).disclosure is None


def test_registrar_returns_with_reason_and_parties_sign_again(uow, cast):
    deal, *_ = negotiate_to_contract(uow, cast)
    market.sign(cast.tto, uow, deal.id)
    market.sign(cast.enterprise_a, uow, deal.id)
    with pytest.raises(InvalidInput):
        market.return_contract(cast.registrar, uow, deal.id, reason=" ")
    market.return_contract(cast.registrar, uow, deal.id, reason="技术交易额未单列")
    view = market.get_deal(cast.tto, uow, deal.id)
    assert view.deal.stage is DealStage.CONTRACT and view.contract.status is ContractStatus.RETURNED
    assert view.contract.return_reason == "技术交易额未单列" and "sign" in view.next_actions
    market.sign(cast.tto, uow, deal.id)
    market.sign(cast.enterprise_a, uow, deal.id)
    contract = market.approve(cast.registrar, uow, deal.id, transaction_amount=1_200_000)
    assert contract.transaction_amount == 1_200_000


def test_retried_requests_with_one_idempotency_key_act_once(uow, cast):
    deal = market.open_deal(cast.enterprise_a, uow, "achievement", cast.listing_id, idempotency_key="k1")
    again = market.open_deal(cast.enterprise_a, uow, "achievement", cast.listing_id, idempotency_key="k1")
    assert again.id == deal.id
    market.accept_nda(cast.tto, uow, deal.id)
    market.accept_nda(cast.enterprise_a, uow, deal.id)
    one = market.make_offer(cast.tto, uow, deal.id, price=300, idempotency_key="offer-1")
    two = market.make_offer(cast.tto, uow, deal.id, price=300, idempotency_key="offer-1")
    assert one.id == two.id
    assert len(market.get_deal(cast.tto, uow, deal.id).offers) == 1
    with pytest.raises(Conflict):
        market.sign(cast.tto, uow, deal.id, idempotency_key="offer-1")  # a key belongs to one action


def test_audit_verify_detects_an_edited_or_deleted_event(uow, cast, engine):
    _deal, *_ = negotiate_to_contract(uow, cast)
    assert audit.verify(cast.officer, uow).ok
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_events SET actor = 'mallory' WHERE seq = 3"))
    broken = audit.verify(cast.officer, uow)
    assert not broken.ok and broken.broken_seq == 3 and "changed" in broken.reason
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_events SET actor = 'enterprise_a' WHERE seq = 3"))
        connection.execute(text("DELETE FROM audit_events WHERE seq = 2"))
    assert audit.verify(cast.officer, uow).broken_seq == 2
    with pytest.raises(PermissionDenied):
        audit.verify(cast.enterprise_a, uow)


def test_deleting_the_last_event_is_detected(uow, cast, engine):
    negotiate_to_contract(uow, cast)
    with engine.begin() as connection:
        last = connection.scalar(text("SELECT max(seq) FROM audit_events"))
        connection.execute(text("DELETE FROM audit_events WHERE seq = :s"), {"s": last})
    assert not audit.verify(cast.officer, uow).ok


def test_each_step_notifies_the_other_side_and_registrars_when_their_turn_comes(uow, cast):
    from kechuang.services.notifications import list_notifications as page

    def list_notifications(actor, uow):
        return page(actor, uow).items

    deal = market.open_deal(cast.enterprise_a, uow, "achievement", cast.listing_id)
    seen = list_notifications(cast.tto, uow)
    assert [(n.kind, n.subject_id, n.text) for n in seen] == [("deal", deal.id, "inquiry")]
    assert seen[0].subject_title == "固态锂电池电解质制备技术"
    assert list_notifications(cast.enterprise_a, uow) == []  # not told about one's own step
    assert list_notifications(cast.enterprise_b, uow) == []  # outsiders hear nothing
    market.accept_nda(cast.tto, uow, deal.id)
    assert [n.text for n in list_notifications(cast.enterprise_a, uow)] == ["nda"]
    market.accept_nda(cast.enterprise_a, uow, deal.id)
    offer = market.make_offer(cast.tto, uow, deal.id, price=10_000)
    market.accept_offer(cast.enterprise_a, uow, deal.id, offer.id)
    market.sign(cast.tto, uow, deal.id)
    assert list_notifications(cast.registrar, uow) == []
    market.sign(cast.enterprise_a, uow, deal.id)
    queue = list_notifications(cast.registrar, uow)
    assert [(n.subject_id, n.text) for n in queue] == [(deal.id, "registration")]
    assert list_notifications(cast.enterprise_b, uow) == []


def test_each_acceptance_records_the_sha256_of_the_nda_text_shown(uow, cast):
    from kechuang.domain.nda import PLATFORM_NDA, nda_digest

    deal = market.open_deal(cast.enterprise_a, uow, "achievement", cast.listing_id)
    view = market.get_deal(cast.enterprise_a, uow, deal.id)
    assert view.nda == PLATFORM_NDA and "保密协议" in view.nda and "Non-disclosure agreement" in view.nda
    market.accept_nda(cast.enterprise_a, uow, deal.id)
    own = "本成果专用保密协议：保密期十年。"
    market.set_disclosure(cast.tto, uow, "achievement", cast.listing_id, "工艺窗口参数", nda_text=own)
    assert market.get_deal(cast.tto, uow, deal.id).nda_sha256 == nda_digest(own)
    market.accept_nda(cast.tto, uow, deal.id)
    accepted = [e.payload for e in market.get_deal(cast.tto, uow, deal.id).events if e.action == "deal.accept_nda"]
    assert [(p["party"], p["nda_sha256"]) for p in accepted] == [
        ("buyer", nda_digest(PLATFORM_NDA)),  # what the buyer saw when it accepted
        ("seller", nda_digest(own)),
    ]
    assert audit.verify(cast.registrar, uow).ok
    market.set_disclosure(cast.tto, uow, "achievement", cast.listing_id, "工艺窗口参数", nda_text="")
    assert market.get_deal(cast.tto, uow, deal.id).nda == PLATFORM_NDA  # empty: back to the platform's
