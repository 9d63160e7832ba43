"""The records around a record: owner, inventors, an organization's listings, people, projects and deals."""

from __future__ import annotations

from sqlalchemy import select

from kechuang.domain.access import ANONYMOUS, Actor
from kechuang.domain.entities import Demand, Organization
from kechuang.services.registry import create_record, get_record, id_of_external
from kechuang.services.relations import relations_of
from kechuang.services.sample import load_sample


def sections(relations) -> dict[str, list[str]]:
    return {s.key: [getattr(i, "external_id", str(i.id)) for i in s.items] for s in relations.sections}


def test_an_achievement_names_its_owner_and_its_inventors_in_author_order(uow):
    load_sample(uow)
    item = get_record(ANONYMOUS, "achievement", id_of_external("achievement", "ach-0001", uow), uow)
    found = relations_of(ANONYMOUS, "achievement", item, uow)
    assert found.owner.external_id == "org-tsinghua"
    assert sections(found)["related.inventors"][:2] == ["per-zhangwei-thu", "per-huangtao-enta"]
    assert all(person.email == "" for person in found.sections[0].items)  # anonymous: no contact data


def test_an_organization_lists_what_it_owns_and_who_works_there(uow):
    load_sample(uow)
    tsinghua = get_record(ANONYMOUS, "organization", id_of_external("organization", "org-tsinghua", uow), uow)
    found = sections(relations_of(ANONYMOUS, "organization", tsinghua, uow))
    assert "ach-0001" in found["related.achievements"]
    assert "per-zhangwei-thu" in found["related.people"]
    assert found.get("related.projects")
    assert "related.deals" not in found  # deals are for their parties and overseers only


def test_a_confidential_listing_stays_off_its_owners_page_for_outsiders(uow):
    load_sample(uow)
    with uow() as session:
        org_id = session.scalar(select(Organization.id).where(Organization.external_id == "org-enterprise-a"))
        other_id = session.scalar(select(Organization.id).where(Organization.external_id == "org-enterprise-b"))
    owner = Actor("enterprise_a", org_id, frozenset({"enterprise"}), True)
    outsider = Actor("enterprise_b", other_id, frozenset({"enterprise"}), True)
    secret = create_record(owner, "demand", {"title_zh": "保密需求甲", "visibility": "confidential"}, uow)
    org = get_record(outsider, "organization", org_id, uow)
    assert secret.id not in [d.id for d in _demands(relations_of(outsider, "organization", org, uow))]
    assert secret.id in [d.id for d in _demands(relations_of(owner, "organization", org, uow))]


def _demands(relations) -> list[Demand]:
    return next((s.items for s in relations.sections if s.key == "related.demands"), [])


def test_a_person_lists_their_organizations_and_achievements(uow):
    load_sample(uow)
    zhang = get_record(ANONYMOUS, "person", id_of_external("person", "per-zhangwei-thu", uow), uow)
    found = sections(relations_of(ANONYMOUS, "person", zhang, uow))
    assert "org-tsinghua" in found["related.organizations"]
    assert "ach-0001" in found["related.authored"]
