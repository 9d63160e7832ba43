"""Importers of the real shared data sets: counts, code coverage, bilingual fields, idempotence."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kechuang.domain.entities import Achievement, Affiliation, Organization, Person, Project
from kechuang.services.datasets import detect_dataset, import_dataset

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]


def test_csl_gives_2000_papers_with_gbt13745_codes(uow, admin, shared_data):
    path = shared_data / "csl" / "csl_2000.jsonl"
    assert detect_dataset(path) == "csl"
    result = import_dataset(admin, "csl", path, uow)
    assert result.counts["achievement"]["created"] == 2000
    with uow() as session:
        items = list(session.scalars(select(Achievement)))
    coded = sum(1 for item in items if item.discipline_codes)
    assert len(items) == 2000 and coded / len(items) >= 0.95
    assert all(item.title_zh and item.abstract_zh and item.source == "csl" for item in items)
    again = import_dataset(admin, "csl", path, uow)
    assert again.changed == 0


def test_chinaxiv_gives_bilingual_achievements(uow, admin, shared_data):
    en2zh, zh2en = shared_data / "chinaxiv-en2zh-dev", shared_data / "chinaxiv-zh2en-dev"
    assert detect_dataset(en2zh) == "chinaxiv"
    first = import_dataset(admin, "chinaxiv", en2zh, uow)
    assert first.counts["achievement"]["created"] == 4994
    second = import_dataset(admin, "chinaxiv", zh2en, uow)
    assert second.counts["achievement"]["created"] == 0  # same preprints, English titles added
    with uow() as session:
        items = list(session.scalars(select(Achievement)))
    assert len(items) == 4994
    assert all(item.title_zh and item.abstract_zh and item.abstract_en for item in items)
    assert sum(1 for item in items if item.title_en) > 2000
    assert import_dataset(admin, "chinaxiv", zh2en, uow).changed == 0


def test_nsfc_gives_organizations_people_grants_and_links(uow, admin, shared_data):
    path = shared_data / "nsfc_2017" / "nsfc_management_sciences_2017.csv"
    assert detect_dataset(path) == "nsfc"
    result = import_dataset(admin, "nsfc", path, uow)
    assert result.counts["project"]["created"] == 17926
    with uow() as session:
        counts = {
            model.__name__: session.scalar(select(func.count()).select_from(model))
            for model in (Organization, Person, Project, Affiliation)
        }
        young = session.scalar(
            select(func.count()).select_from(Project).where(Project.program == "青年科学基金项目")
        )
        unlinked = session.scalar(
            select(func.count()).select_from(Project).where(Project.pi_person_id.is_(None))
        )
        thu = session.scalars(select(Organization).where(Organization.name_zh == "清华大学")).one()
    assert counts["Organization"] > 800 and counts["Person"] > 12000
    assert counts["Affiliation"] == counts["Person"]
    assert young == 6146 and unlinked == 0
    assert thu.kind.value == "university"
    assert import_dataset(admin, "nsfc", path, uow).changed == 0
