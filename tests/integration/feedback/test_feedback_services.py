"""The match feedback loop without HTTP: verdicts, the supplier's notice and page line, the funnel."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kechuang.domain.access import ANONYMOUS
from kechuang.domain.errors import InvalidInput, NotFound, PermissionDenied
from kechuang.domain.market import AuditEvent
from kechuang.services import feedback as fb
from kechuang.services import market
from kechuang.services.audit import verify
from kechuang.services.matching import match_achievement, match_demand
from kechuang.services.notifications import list_notifications
from kechuang.services.registry import get_record, id_of_external

PUBLIC_DEMAND = "dem-0001"  # enterprise_a's public demand
SECRET_DEMAND = "dem-7961da78"  # enterprise_a's confidential demand


def other_match(uow, platform, actor, demand_id):
    """The best achievement match of a demand that belongs to another organization, with an owner."""
    for match in match_demand(actor, demand_id, uow, platform, limit=20):
        item = get_record(actor, "achievement", match.id, uow)
        if item.owner_org_id and item.owner_org_id != actor.organization_id:
            return item, match
    raise AssertionError("the sample demand has no foreign match")


def test_a_verdict_is_stored_changeable_audited_and_owner_only(uow, platform, who):
    owner = who("enterprise_a")
    demand = id_of_external("demand", PUBLIC_DEMAND, uow)
    item, match = other_match(uow, platform, owner, demand)
    row = fb.set_feedback(owner, "demand", demand, item.id, "useful", uow, score=match.score,
                          idempotency_key="k1")
    assert row.verdict == "useful" and row.organization_id == owner.organization_id
    assert row.supplier_org_id == item.owner_org_id
    again = fb.set_feedback(owner, "demand", demand, item.id, "useful", uow, idempotency_key="k1")
    assert again.id == row.id  # a retry
    changed = fb.set_feedback(owner, "demand", demand, item.id, "not_relevant", uow)
    assert changed.id == row.id and changed.verdict == "not_relevant"
    assert fb.verdicts_for(owner, "demand", demand, uow) == {item.id: "not_relevant"}
    assert fb.verdicts_for(who("enterprise_b"), "demand", demand, uow) is None
    with uow() as session:
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "match.feedback")))
    assert [e.payload["verdict"] for e in events] == ["useful", "not_relevant"]
    assert events[1].payload["previous"] == "useful"
    assert verify(who("officer"), uow).ok
    with pytest.raises(PermissionDenied):
        fb.set_feedback(who("enterprise_b"), "demand", demand, item.id, "useful", uow)
    with pytest.raises(PermissionDenied):
        fb.set_feedback(ANONYMOUS, "demand", demand, item.id, "useful", uow)
    with pytest.raises(InvalidInput):
        fb.set_feedback(owner, "demand", demand, item.id, "great", uow)
    with pytest.raises(InvalidInput):
        fb.set_feedback(owner, "scenario", demand, item.id, "useful", uow)
    with pytest.raises(NotFound):
        fb.set_feedback(owner, "demand", demand, 10**12, "useful", uow)


def test_own_records_are_no_matches_and_hidden_ones_are_not_found(uow, platform, who):
    owner = who("enterprise_a")
    demand = id_of_external("demand", PUBLIC_DEMAND, uow)
    own = [a for a in _achievements_of(uow, owner.organization_id)]
    if own:
        with pytest.raises(InvalidInput):
            fb.set_feedback(owner, "demand", demand, own[0], "useful", uow)
    secret = id_of_external("demand", SECRET_DEMAND, uow)
    tto = who("researcher")
    tto_achievement = _achievements_of(uow, tto.organization_id)[0]
    with pytest.raises(NotFound):  # the tto may not see enterprise_a's confidential demand
        fb.set_feedback(tto, "achievement", tto_achievement, secret, "useful", uow)


def _achievements_of(uow, org_id):
    from kechuang.domain.entities import Achievement

    with uow() as session:
        return list(session.scalars(select(Achievement.id).where(Achievement.owner_org_id == org_id)))


def test_the_supplier_hears_of_useful_without_seeing_a_confidential_listing(uow, platform, who):
    owner = who("enterprise_a")
    secret = id_of_external("demand", SECRET_DEMAND, uow)
    item = get_record(owner, "achievement", _achievements_of(uow, who("researcher").organization_id)[0], uow)
    public = id_of_external("demand", PUBLIC_DEMAND, uow)
    fb.set_feedback(owner, "demand", secret, item.id, "useful", uow)
    fb.set_feedback(owner, "demand", secret, item.id, "not_relevant", uow)
    fb.set_feedback(owner, "demand", secret, item.id, "useful", uow)  # no second notice
    from kechuang.services.accounts import actor_for, users_of_organization

    readers = [actor_for(u) for u in users_of_organization(uow, item.owner_org_id)]
    assert readers, "the supplier organization has a demo account"
    for reader in readers:
        notes = [n for n in list_notifications(reader, uow).items if n.kind == "feedback"]
        assert len(notes) == 1
        assert notes[0].subject_id == item.id and notes[0].related_id is None and notes[0].related_title == ""
        line = fb.found_useful(reader, "achievement", item.id, uow)
        assert line is not None and line.listings == [] and line.hidden == 1
    fb.set_feedback(owner, "demand", public, item.id, "useful", uow)
    line = fb.found_useful(readers[0], "achievement", item.id, uow)
    assert line is not None and [i for _, i, _ in line.listings] == [public] and line.count == 2
    assert fb.found_useful(who("enterprise_b"), "achievement", item.id, uow) is None  # not theirs
    assert fb.found_useful(ANONYMOUS, "achievement", item.id, uow) is None


def test_an_achievement_owner_rates_its_adopters(uow, platform, who):
    tto = who("researcher")
    achievements = _achievements_of(uow, tto.organization_id)
    for achievement in achievements:
        adopters = match_achievement(tto, achievement, uow, platform)
        if adopters:
            demand = adopters[0].evidence[0]
            row = fb.set_feedback(tto, "achievement", achievement, demand, "useful", uow)
            assert row.matched_entity == "demand" and row.supplier_org_id == adopters[0].id
            return
    pytest.fail("no sample achievement of the tto has an adopter")


def test_the_funnel_counts_each_stage_for_officers_only(uow, platform, who):
    owner = who("enterprise_a")
    demand = id_of_external("demand", PUBLIC_DEMAND, uow)
    foreign = [get_record(owner, "achievement", i, uow)
               for i in _achievements_of(uow, who("researcher").organization_id)[:2]]
    fb.set_feedback(owner, "demand", demand, foreign[0].id, "useful", uow)
    fb.set_feedback(owner, "demand", demand, foreign[1].id, "not_relevant", uow)
    market.open_deal(owner, uow, "achievement", foreign[0].id, message="想了解授权条件")
    for actor in (who("enterprise_a"), ANONYMOUS, who("registrar")):
        with pytest.raises(PermissionDenied):
            fb.funnel(actor, uow)
    result = fb.funnel(who("officer"), uow, period="year")
    assert result.total.counts == {"rated": 2, "useful": 1, "inquiry": 1, "deal": 0, "registered": 0}
    assert result.total.ratios == {"useful": 0.5, "inquiry": 1.0, "deal": 0.0, "registered": None}
    assert len(result.rows) == 1 and result.rows[0].counts == result.total.counts
    zh, en = fb.funnel_csv(result, "zh"), fb.funnel_csv(result, "en")
    assert zh.splitlines()[0].startswith("期间,已评价匹配,有用,询价") and "合计,2,1,1,0,0,50.0%" in zh
    assert en.splitlines()[0].startswith("Period,Matches rated,Useful,Inquiries") and "Total,2,1,1" in en
    with pytest.raises(InvalidInput):
        fb.funnel(who("officer"), uow, period="week")
    from datetime import date

    with pytest.raises(InvalidInput):
        fb.funnel(who("officer"), uow, date_from=date(2026, 2, 1), date_to=date(2026, 1, 1))
    assert fb.funnel(who("admin"), uow, date_to=date(2000, 1, 1)).total.counts["rated"] == 0
