"""The built-in sample loads through the normal importer, is idempotent and covers every entity."""

from __future__ import annotations

from sqlalchemy import func, select

from kechuang.domain.entities import REGISTRY_ENTITIES, Organization
from kechuang.domain.enums import Visibility
from kechuang.services import identity
from kechuang.services.sample import load_sample, load_sample_if_empty

DEMO_ORGS = (
    "org-enterprise-a",
    "org-enterprise-b",
    "org-tto",
    "org-investor",
    "org-officer",
    "org-researcher-inst",
)


def test_sample_loads_once_and_marks_its_records(uow):
    first = load_sample_if_empty(uow)
    assert first is not None
    assert sum(c["created"] for c in first.counts.values()) >= 300
    assert load_sample_if_empty(uow) is None
    assert load_sample(uow).changed == 0
    with uow() as session:
        for cls in REGISTRY_ENTITIES.values():
            total = session.scalar(select(func.count()).select_from(cls))
            marked = session.scalar(select(func.count()).select_from(cls).where(cls.is_sample.is_(True)))
            assert total >= 10 and marked == total, cls.kind_name
        ids = set(session.scalars(select(Organization.external_id)))
        regions = set(session.scalars(select(Organization.region_code)))
        confidential = session.scalar(
            select(func.count())
            .select_from(REGISTRY_ENTITIES["demand"])
            .where(REGISTRY_ENTITIES["demand"].visibility == Visibility.CONFIDENTIAL)
        )
    assert set(DEMO_ORGS) <= ids
    assert any(r.startswith("12") for r in regions) and any(r.startswith("13") for r in regions)
    assert confidential >= 2


def test_planted_duplicate_organizations_are_found(uow, admin):
    load_sample(uow)
    identity.scan_duplicates(admin, "organization", uow)
    with uow() as session:
        by_id = {o.id: o.external_id for o in session.scalars(select(Organization))}
    pairs = {
        frozenset((by_id[c.left_id], by_id[c.right_id]))
        for c in identity.list_candidates(admin, uow, entity="organization")
    }
    for duplicate, original in (
        ("org-dup-tsinghua-en", "org-tsinghua"),
        ("org-dup-pku-en", "org-pku"),
        ("org-dup-enterprise-a", "org-enterprise-a"),
    ):
        assert frozenset((duplicate, original)) in pairs
