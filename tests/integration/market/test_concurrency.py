"""Two parties acting at once end in exactly one outcome; a process killed mid-step leaves no trace.

The threads use separate pooled connections of one engine: real concurrent transactions, on SQLite by
default and on PostgreSQL when the suite runs there (KECHUANG_TEST_DATABASE_URL).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading

import pytest
from hostile_files import race

from kechuang.domain.errors import KechuangError
from kechuang.domain.market import DealStage
from kechuang.services import audit, market

ROUNDS = 4


def in_negotiation(uow, cast):
    deal = market.open_deal(cast.enterprise_a, uow, "achievement", cast.listing_id)
    market.accept_nda(cast.tto, uow, deal.id)
    market.accept_nda(cast.enterprise_a, uow, deal.id)
    return deal


def failures(results):
    return [r for r in results if isinstance(r, KechuangError)]


def test_two_acceptances_of_one_offer_make_one_contract(uow, cast):
    for _ in range(ROUNDS):
        deal = in_negotiation(uow, cast)
        offer = market.make_offer(cast.tto, uow, deal.id, price=1000)
        results = race(
            lambda d=deal, o=offer: market.accept_offer(cast.enterprise_a, uow, d.id, o.id),
            lambda d=deal, o=offer: market.accept_offer(cast.enterprise_a, uow, d.id, o.id),
        )
        assert len(failures(results)) == 1, results
        view = market.get_deal(cast.tto, uow, deal.id)
        assert view.deal.stage is DealStage.CONTRACT and view.contract is not None
        market.end(cast.tto, uow, deal.id, "withdraw")
    assert audit.verify(cast.officer, uow).ok


def test_accept_and_counter_at_once_one_wins(uow, cast):
    for _ in range(ROUNDS):
        deal = in_negotiation(uow, cast)
        offer = market.make_offer(cast.tto, uow, deal.id, price=1000)
        results = race(
            lambda d=deal, o=offer: market.accept_offer(cast.enterprise_a, uow, d.id, o.id),
            lambda d=deal: market.make_offer(cast.tto, uow, d.id, price=1200),
        )
        assert len(failures(results)) == 1, results
        stage = market.get_deal(cast.tto, uow, deal.id).deal.stage
        assert stage is (DealStage.NEGOTIATION if isinstance(results[0], KechuangError) else DealStage.CONTRACT)
        market.end(cast.tto, uow, deal.id, "withdraw")
    assert audit.verify(cast.officer, uow).ok


def test_sign_and_withdraw_at_once_end_in_one_outcome(uow, cast):
    for _ in range(ROUNDS):
        deal = in_negotiation(uow, cast)
        offer = market.make_offer(cast.tto, uow, deal.id, price=1000)
        market.accept_offer(cast.enterprise_a, uow, deal.id, offer.id)
        market.sign(cast.tto, uow, deal.id)
        results = race(
            lambda d=deal: market.sign(cast.enterprise_a, uow, d.id),
            lambda d=deal: market.end(cast.tto, uow, d.id, "withdraw"),
        )
        assert len(failures(results)) == 1, results
        stage = market.get_deal(cast.tto, uow, deal.id).deal.stage
        signed_first = not isinstance(results[0], KechuangError)
        assert stage is (DealStage.REGISTRATION if signed_first else DealStage.WITHDRAWN)
        if signed_first:  # finish it so the next round can open a new deal on the listing
            market.approve(cast.registrar, uow, deal.id)
            market.close(cast.tto, uow, deal.id)
    check = audit.verify(cast.officer, uow)
    assert check.ok, check


def test_concurrent_steps_on_different_deals_keep_one_unforked_chain(uow, cast):
    deals = [market.open_deal(cast.enterprise_a, uow, "achievement", cast.listing_id)]
    deals.append(market.open_deal(cast.enterprise_b, uow, "achievement", cast.listing_id))
    results = race(*(lambda d=d: market.accept_nda(cast.tto, uow, d.id) for d in deals for _ in range(2)))
    assert len(failures(results)) == 2  # each deal: one acceptance, one "already accepted"
    assert audit.verify(cast.officer, uow).ok


CRASH = textwrap.dedent(
    """
    import os, signal, sys
    from kechuang.services import audit, market
    from kechuang.store.db import UnitOfWork, make_engine
    from kechuang.domain.access import Actor

    url, deal_id, org = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    real_append = audit.append

    def append_then_die(session, *args, **kwargs):
        real_append(session, *args, **kwargs)
        session.flush()  # the deal change and the event are in the database's transaction now
        os.kill(os.getpid(), signal.SIGKILL)

    audit.append = append_then_die
    seller = Actor(name="tto", organization_id=org, roles=frozenset({"institution"}), authenticated=True)
    market.make_offer(seller, UnitOfWork(make_engine(url)), deal_id, price=999)
    """
)


def test_a_process_killed_in_the_middle_of_a_step_leaves_no_partial_state(uow, cast, engine):
    deal = in_negotiation(uow, cast)
    before = audit.verify(cast.officer, uow)
    url = engine.url.render_as_string(hide_password=False)
    done = subprocess.run(
        [sys.executable, "-c", CRASH, url, str(deal.id), str(cast.tto.organization_id)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == -9, done.stderr
    view = market.get_deal(cast.tto, uow, deal.id)
    assert view.offers == [] and view.deal.version == deal.version + 2  # the two NDA steps only
    after = audit.verify(cast.officer, uow)
    assert after.ok and after.events == before.events
    assert market.make_offer(cast.tto, uow, deal.id, price=999).price == 999  # nothing left locked
    assert audit.verify(cast.officer, uow).events == before.events + 1


@pytest.fixture(autouse=True)
def _no_leaked_threads():
    yield
    assert threading.active_count() < 10
