"""Stale listings leave lists, search and matching in the services; confirming brings them back; reminders."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from kechuang.domain.access import ANONYMOUS
from kechuang.domain.clock import now
from kechuang.domain.entities import Achievement, Demand
from kechuang.domain.errors import InvalidInput, NotFound, PermissionDenied
from kechuang.domain.feedback import Freshness, add_months
from kechuang.domain.market import AuditEvent
from kechuang.services import listings
from kechuang.services.freshness import current_condition
from kechuang.services.matching import match_achievement, match_demand
from kechuang.services.notifications import list_notifications
from kechuang.services.registry import get_record, id_of_external, list_records

PUBLIC_DEMAND = "dem-0001"


def test_add_months_clamps_to_the_month_end():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 12, 6), -12) == date(2025, 12, 6)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)


def test_the_sql_rule_equals_the_domain_rule_row_by_row(uow, platform, age):
    today = now().date()
    rule = Freshness(stale_months=12)
    cases = [  # (deadline, confirmed_at) for demands
        (None, None), (today, None), (today - timedelta(days=1), None),
        (today - timedelta(days=1), datetime.combine(today, datetime.min.time())),
        (today - timedelta(days=400), datetime.now() - timedelta(days=360)),
        (today - timedelta(days=400), datetime.now() - timedelta(days=400)),
    ]
    with uow() as session:
        demand_ids = list(session.scalars(select(Demand.id).order_by(Demand.id)))[: len(cases)]
        achievement_ids = list(session.scalars(select(Achievement.id).order_by(Achievement.id)))[:4]
    for ident, (deadline, confirmed) in zip(demand_ids, cases, strict=True):
        age("demand", ident, deadline=deadline, confirmed_at=confirmed)
    stamps = [(None, datetime.now()), (None, datetime.now() - timedelta(days=400)),
              (datetime.now() - timedelta(days=10), datetime.now() - timedelta(days=900)),
              (datetime.now() - timedelta(days=370), datetime.now())]
    for ident, (confirmed, created) in zip(achievement_ids, stamps, strict=True):
        age("achievement", ident, confirmed_at=confirmed, created_at=created)
    for entity, cls, ids in (("demand", Demand, demand_ids), ("achievement", Achievement, achievement_ids)):
        with uow() as session:
            current = set(session.scalars(select(cls.id).where(cls.id.in_(ids), current_condition(entity, rule))))
            rows = list(session.scalars(select(cls).where(cls.id.in_(ids))))
        expected = {
            r.id for r in rows
            if (e := rule.expires_on(entity, deadline=getattr(r, "deadline", None), confirmed_at=r.confirmed_at,
                                     created_at=r.created_at)) is None or e >= today
        }
        assert current == expected
    assert len(expected) == 2  # two achievements of four are current


def test_an_expired_demand_leaves_lists_search_and_matching_until_confirmed(uow, platform, who, age):
    owner = who("enterprise_a")
    demand = id_of_external("demand", PUBLIC_DEMAND, uow)
    title = get_record(owner, "demand", demand, uow).title_zh
    assert match_demand(owner, demand, uow, platform)  # current: it has matches
    age("demand", demand, deadline=now().date() - timedelta(days=1), confirmed_at=None)

    ids = [d.id for d in list_records(owner, "demand", uow, limit=200).items]
    assert demand not in ids
    assert demand not in [d.id for d in list_records(owner, "demand", uow, q=title[:6], indexes=platform).items]
    assert demand in [d.id for d in list_records(owner, "demand", uow, limit=200, expired="only").items]
    assert demand in [d.id for d in list_records(owner, "demand", uow, limit=200, expired="show").items]
    with pytest.raises(InvalidInput):
        list_records(owner, "demand", uow, expired="maybe")
    assert get_record(ANONYMOUS, "demand", demand, uow).id == demand  # its page stays
    found = match_demand(owner, demand, uow, platform)
    assert found == [] and found.expired
    adopters = [
        m for a in _some_achievements(uow) for m in match_achievement(who("admin"), a, uow, platform)
    ]
    assert all(demand not in m.evidence for m in adopters)  # no longer a target

    with pytest.raises(PermissionDenied):
        listings.confirm_listing(who("enterprise_b"), "demand", demand, uow)
    with pytest.raises(PermissionDenied):
        listings.confirm_listing(ANONYMOUS, "demand", demand, uow)
    with pytest.raises(InvalidInput):
        listings.confirm_listing(owner, "person", demand, uow)
    with pytest.raises(NotFound):
        listings.confirm_listing(owner, "demand", 10**12, uow)
    row = listings.confirm_listing(owner, "demand", demand, uow, idempotency_key="c1")
    assert row.confirmed_at is not None
    assert listings.confirm_listing(owner, "demand", demand, uow, idempotency_key="c1").id == demand
    with uow() as session:
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "demand.confirm")))
    assert len(events) == 1 and events[0].entity_id == demand
    assert demand in [d.id for d in list_records(owner, "demand", uow, limit=200).items]
    assert match_demand(owner, demand, uow, platform)


def _some_achievements(uow):
    with uow() as session:
        return list(session.scalars(select(Achievement.id).order_by(Achievement.id).limit(25)))


def test_an_unconfirmed_achievement_is_no_candidate_until_confirmed(uow, platform, who, age):
    owner = who("enterprise_a")
    demand = id_of_external("demand", PUBLIC_DEMAND, uow)
    best = match_demand(owner, demand, uow, platform)[0]
    item = get_record(who("admin"), "achievement", best.id, uow)
    age("achievement", best.id, confirmed_at=None, created_at=datetime.now() - timedelta(days=400))
    assert best.id not in [m.id for m in match_demand(owner, demand, uow, platform)]
    assert best.id not in [a.id for a in list_records(owner, "achievement", uow, limit=200).items]
    assert match_achievement(who("admin"), best.id, uow, platform).expired
    # with a longer setting it is current again
    assert best.id in [m.id for m in match_demand(owner, demand, uow, platform, freshness=Freshness(24))]
    listings.confirm_listing(who("admin"), "achievement", best.id, uow)
    assert best.id in [m.id for m in match_demand(owner, demand, uow, platform)]
    assert item.owner_org_id  # the sample achievement has an owner to remind


def test_reminders_go_once_per_expiry_date_to_the_owners(uow, platform, who, age):
    demand = id_of_external("demand", PUBLIC_DEMAND, uow)
    today = now().date()
    age("demand", demand, deadline=today + timedelta(days=10), confirmed_at=None)
    with pytest.raises(PermissionDenied):
        listings.remind(who("officer"), uow)
    admin = who("admin")
    first = listings.remind(admin, uow)
    assert first.listings >= 1 and first.notifications >= 1
    notes = [n for n in list_notifications(who("enterprise_a"), uow).items if n.kind == "reminder"]
    assert [n.subject_id for n in notes] == [demand]
    assert listings.remind(admin, uow) == listings.RemindResult(0, 0)  # idempotent
    far = listings.remind(admin, uow, Freshness(12, 5))
    assert far == listings.RemindResult(0, 0)  # not yet due with a shorter notice
    listings.confirm_listing(who("enterprise_a"), "demand", demand, uow)
    assert listings.remind(admin, uow).listings == 0  # confirmed: next due in a year
    later = listings.remind(admin, uow, today=add_months(today, 12) - timedelta(days=3))
    assert later.listings >= 1  # the new expiry date is a new period
