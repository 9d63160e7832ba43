"""Identity resolution through the service: propose, review, merge without losing links, undo."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kechuang.domain.access import Actor
from kechuang.domain.entities import Achievement, Affiliation, MergeRecord, Organization, Person, Project
from kechuang.domain.enums import MergeStatus
from kechuang.domain.errors import Conflict, PermissionDenied
from kechuang.services import identity
from kechuang.services.importing import import_file

ORGS = """external_id,name_zh,name_en,kind,region_code
thu,清华大学,Tsinghua University,university,110108
thu-en,,Tsinghua Univ.,university,
pku,北京大学,Peking University,university,110108
bit,北京理工大学,Beijing Institute of Technology,university,110108
"""
PEOPLE = """external_id,name_zh,name_en,organization
p-zh,张伟,,thu
p-en,,Zhang Wei,thu-en
p-other,张伟,,pku
"""
AFFILIATIONS = """person,organization,role
p-zh,thu,employee
p-en,thu-en,employee
p-en,thu,employee
"""
ACHIEVEMENTS = """external_id,owner_org,title_en
a1,thu-en,Solid-state battery separator
"""
PROJECTS = """external_id,title_zh,host_org,pi_person
g1,固态电池界面研究,thu-en,p-en
"""


@pytest.fixture
def registry(uow, admin):
    for entity, content in (
        ("organization", ORGS),
        ("person", PEOPLE),
        ("affiliation", AFFILIATIONS),
        ("achievement", ACHIEVEMENTS),
        ("project", PROJECTS),
    ):
        import_file(admin, entity, f"{entity}.csv", content.encode(), uow)
    with uow() as session:
        return {o.external_id: o.id for o in session.scalars(select(Organization))} | {
            p.external_id: p.id for p in session.scalars(select(Person))
        }


def test_scan_proposes_cross_language_duplicates_only(uow, admin, registry):
    created = identity.scan_duplicates(admin, "organization", uow)
    pairs = {(c.left_id, c.right_id) for c in created}
    assert (registry["thu"], registry["thu-en"]) in pairs
    assert all(registry["bit"] not in pair for pair in pairs)
    assert all(c.reasons and 0 < c.confidence <= 1 for c in created)
    assert identity.scan_duplicates(admin, "organization", uow) == []  # pairs are not proposed twice


def test_accepting_a_merge_moves_every_link_and_keeps_history(uow, admin, registry):
    identity.scan_duplicates(admin, "organization", uow)
    candidate = next(
        c
        for c in identity.list_candidates(admin, uow, entity="organization")
        if {c.left_id, c.right_id} == {registry["thu"], registry["thu-en"]}
    )
    record = identity.accept_candidate(admin, candidate.id, uow, survivor_id=registry["thu"])
    with uow() as session:
        absorbed = session.get(Organization, registry["thu-en"])
        survivor = session.get(Organization, registry["thu"])
        achievement = session.scalars(select(Achievement)).one()
        project = session.scalars(select(Project)).one()
        person = session.get(Person, registry["p-en"])
        affiliations = list(
            session.scalars(select(Affiliation).where(Affiliation.person_id == registry["p-en"]))
        )
    assert absorbed.merged_into_id == survivor.id
    assert "Tsinghua Univ." in survivor.aliases
    assert achievement.owner_org_id == survivor.id and project.host_org_id == survivor.id
    assert person.organization_id == survivor.id
    assert [a.organization_id for a in affiliations] == [survivor.id]  # the duplicate link was folded
    assert record.snapshot["absorbed"]["name_en"] == "Tsinghua Univ."
    assert len(record.snapshot["dropped"]) == 1
    assert identity.list_candidates(admin, uow, status=MergeStatus.ACCEPTED)[0].reviewed_by == admin.name
    with pytest.raises(Conflict):
        identity.accept_candidate(admin, candidate.id, uow)


def test_imports_naming_a_merged_record_reach_the_survivor(uow, admin, registry):
    identity.merge_records(admin, "organization", registry["thu"], registry["thu-en"], uow)
    import_file(
        admin, "achievement", "more.csv", b"external_id,owner_org,title_en\na2,thu-en,Sodium cell\n", uow
    )
    with uow() as session:
        owner = session.scalars(select(Achievement.owner_org_id).where(Achievement.external_id == "a2")).one()
    assert owner == registry["thu"]


def test_undo_restores_links_and_the_survivor(uow, admin, registry):
    record = identity.merge_records(admin, "organization", registry["thu"], registry["thu-en"], uow)
    identity.undo_merge(admin, record.id, uow)
    with uow() as session:
        absorbed = session.get(Organization, registry["thu-en"])
        survivor = session.get(Organization, registry["thu"])
        achievement = session.scalars(select(Achievement)).one()
        links = sorted(
            session.scalars(
                select(Affiliation.organization_id).where(Affiliation.person_id == registry["p-en"])
            )
        )
        history = session.get(MergeRecord, record.id)
    assert absorbed.merged_into_id is None and survivor.aliases == []
    assert achievement.owner_org_id == absorbed.id
    assert links == sorted([registry["thu"], registry["thu-en"]])
    assert history.undone_by == admin.name  # the history stays
    with pytest.raises(Conflict):
        identity.undo_merge(admin, record.id, uow)


def test_people_with_a_common_name_at_different_organizations_are_not_merged(uow, admin, registry):
    identity.scan_duplicates(admin, "person", uow)
    pairs = {
        frozenset((c.left_id, c.right_id)) for c in identity.list_candidates(admin, uow, entity="person")
    }
    assert frozenset((registry["p-zh"], registry["p-other"])) not in pairs
    assert frozenset((registry["p-zh"], registry["p-en"])) in pairs  # same name, shared organization


def test_only_administrators_resolve_identities(uow, registry):
    member = Actor(name="m", organization_id=registry["thu"], authenticated=True)
    with pytest.raises(PermissionDenied):
        identity.scan_duplicates(member, "organization", uow)
