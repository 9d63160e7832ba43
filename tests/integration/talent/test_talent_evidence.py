"""Evidence gathered from the sample registry and market agrees with the records it cites."""

from __future__ import annotations

from sqlalchemy import select

from kechuang.domain.codes import region_group
from kechuang.domain.entities import Authorship, Organization, Person, Project
from kechuang.domain.market import Contract, Deal
from kechuang.services.market_sample import load_market_sample
from kechuang.services.sample import load_sample
from kechuang.services.talent.evidence import SECTORS, gather_profiles


def test_each_evidence_item_matches_the_record_behind_it(uow):
    load_sample(uow)
    load_market_sample(uow)
    with uow() as session:
        profiles = gather_profiles(session, this_year=2026)
        orgs = {o.id: o for o in session.scalars(select(Organization))}
        people = {p.id: p for p in session.scalars(select(Person))}
        projects = {p.id: p for p in session.scalars(select(Project))}
        contracts = {c.id: c for c in session.scalars(select(Contract))}
        sold = {(d.listing_id, d.contract_id) for d in session.scalars(select(Deal)) if d.contract_id}
        authors = {(a.achievement_id, a.person_id) for a in session.scalars(select(Authorship))}
    seen = set()
    for prof in profiles.values():
        for item in prof.evidence.get("transfer", []):
            contract = contracts[item["id"]]
            assert (item["achievement_id"], contract.id) in sold and (
                item["achievement_id"],
                prof.person_id,
            ) in authors
            assert abs(item["amount_wan"] - contract.contract_amount / 1e4 / item["inventors"]) <= 0.005
            seen.add("transfer")
        for item in prof.evidence.get("projects", []):
            assert projects[item["id"]].pi_person_id == prof.person_id
            seen.add("projects")
        own = orgs[people[prof.person_id].organization_id]
        for item in prof.evidence.get("collaboration", []):
            partner = orgs[item["id"]]
            assert ("cross_sector" in item["tags"]) == (
                SECTORS.get(str(partner.kind), "other") != SECTORS.get(str(own.kind), "other")
            )
            assert ("international" in item["tags"]) == (partner.country_code != own.country_code)
            groups = {
                region_group(own.region_code or own.country_code),
                region_group(partner.region_code or partner.country_code),
            }
            assert ("jing_jin_ji" in item["tags"]) == (
                "beijing" in groups and bool(groups & {"tianjin", "hebei"})
            )
            seen.update(item["tags"])
        for item in prof.evidence.get("mentoring", []):
            if item["entity"] == "person":
                assert people[item["id"]].birth_year - people[prof.person_id].birth_year >= 10
                seen.add("mentoring")
        for item in prof.evidence.get("patents", []):
            assert (item["id"], prof.person_id) in authors and item["note"] in ("granted", "licensed")
    assert {"transfer", "projects", "cross_sector", "jing_jin_ji", "international", "mentoring"} <= seen


def test_career_age_and_field_come_from_the_evidence(uow):
    load_sample(uow)
    with uow() as session:
        profiles = gather_profiles(session, this_year=2026)
    for prof in profiles.values():
        if prof.first_year is not None:
            assert prof.career_age == 2026 - prof.first_year and prof.first_year == min(prof.years)
        assert prof.field_code == "" or (prof.field_code.isdigit() and len(prof.field_code) == 3)


def test_open_calls_add_their_budget_to_the_demand_of_their_fields(uow):
    from kechuang.domain.access import Actor
    from kechuang.domain.calls import Call, CallStatus
    from kechuang.services.talent.discovery import demand_by_field

    load_sample(uow)
    before, _, calls_before = demand_by_field(uow)
    assert sum(calls_before.values()) == 0
    with uow() as session:
        owner = session.scalar(select(Organization.id).where(Organization.external_id == "org-officer"))
        session.add(
            Call(
                title_zh="揭榜",
                status=CallStatus.PUBLISHED,
                budget=700.0,
                discipline_codes=["35010"],
                poster_org_id=owner,
                created_by=Actor.system("test").name,
            )
        )
        session.add(
            Call(
                title_zh="草稿",
                status=CallStatus.DRAFT,
                budget=900.0,
                discipline_codes=["350"],
                poster_org_id=owner,
            )
        )
    after, _, calls_after = demand_by_field(uow)
    assert calls_after == {"350": 1}  # a draft is not demand yet
    assert after["350"] == before.get("350", 0.0) + 700.0
