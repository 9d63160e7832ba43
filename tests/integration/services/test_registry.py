"""Registry reads: visibility is part of the query, so pages stay full and counts never leak."""

from __future__ import annotations

import pytest

from kechuang.domain.access import ANONYMOUS, Actor
from kechuang.domain.errors import InvalidInput, NotFound, PermissionDenied
from kechuang.services import registry
from kechuang.services.registry import create_record, get_record, list_records


@pytest.fixture
def two_enterprises(uow, admin):
    a = create_record(admin, "organization", {"name_zh": "甲公司", "kind": "enterprise"}, uow)
    b = create_record(admin, "organization", {"name_zh": "乙公司", "kind": "enterprise"}, uow)
    member_a = Actor(name="a", organization_id=a.id, authenticated=True)
    member_b = Actor(name="b", organization_id=b.id, authenticated=True)
    for i in range(12):
        create_record(member_a, "demand", {"title_zh": f"机密需求{i}", "visibility": "confidential"}, uow)
    for i in range(12):
        create_record(member_b, "demand", {"title_zh": f"公开需求{i}", "visibility": "public"}, uow)
    create_record(member_b, "demand", {"title_en": "members demand", "visibility": "members"}, uow)
    return member_a, member_b


def test_a_page_of_ten_holds_ten_visible_results(uow, two_enterprises):
    page = list_records(ANONYMOUS, "demand", uow, limit=10)
    assert len(page.items) == 10 and page.count == 12
    assert all(item.visibility.value == "public" for item in page.items)


def test_a_count_past_its_cap_says_more_and_counts_only_visible_rows(uow, two_enterprises, monkeypatch):
    member_a, _ = two_enterprises
    monkeypatch.setattr(registry, "COUNT_CAP", 12)
    exact = list_records(ANONYMOUS, "demand", uow, limit=5)  # 12 public: the cap, not past it
    assert (exact.count, exact.capped) == (12, False)
    capped = list_records(member_a, "demand", uow, limit=5, offset=20)  # 25 visible to its owner
    assert (capped.count, capped.capped) == (12, True)
    # newest first, paging goes on past the cap: the oldest five are the first confidential ones
    assert [item.title_zh for item in capped.items] == [f"机密需求{i}" for i in range(4, -1, -1)]
    monkeypatch.setattr(registry, "COUNT_CAP", 24)
    assert list_records(member_a, "demand", uow, limit=5).capped
    monkeypatch.setattr(registry, "COUNT_CAP", 25)
    assert not list_records(member_a, "demand", uow, limit=5).capped


def test_counts_and_search_never_reveal_another_organizations_confidential_items(uow, two_enterprises, search_indexes):
    member_a, member_b = two_enterprises
    assert list_records(member_b, "demand", uow, limit=50).count == 13
    assert list_records(member_b, "demand", uow, q="机密", indexes=search_indexes).count == 0
    assert list_records(member_a, "demand", uow, q="机密", indexes=search_indexes).count == 12
    assert list_records(member_a, "demand", uow, limit=50).count == 25
    assert list_records(Actor.system(), "demand", uow, limit=50).count == 25


def test_hidden_item_is_not_found_not_forbidden(uow, two_enterprises, search_indexes):
    member_a, member_b = two_enterprises
    secret = list_records(member_a, "demand", uow, q="机密", indexes=search_indexes, limit=1).items[0]
    with pytest.raises(NotFound):
        get_record(member_b, "demand", secret.id, uow)
    with pytest.raises(NotFound):
        get_record(ANONYMOUS, "demand", secret.id, uow)
    assert get_record(member_a, "demand", secret.id, uow).title_zh.startswith("机密")


def test_create_validates_each_field_and_names_it(uow, two_enterprises):
    member_a, _ = two_enterprises
    with pytest.raises(InvalidInput) as caught:
        create_record(member_a, "demand", {"title_zh": "x", "required_trl": 11}, uow)
    assert caught.value.field == "required_trl"
    with pytest.raises(InvalidInput) as caught:
        create_record(member_a, "demand", {"description_zh": "no title"}, uow)
    assert caught.value.field == "title_zh"
    with pytest.raises(InvalidInput) as caught:
        create_record(member_a, "demand", {"title_zh": "x", "colour": "red"}, uow)
    assert caught.value.field == "colour"
    with pytest.raises(PermissionDenied):
        create_record(ANONYMOUS, "demand", {"title_zh": "x"}, uow)


def test_create_sets_owner_and_external_id(uow, two_enterprises):
    member_a, _ = two_enterprises
    item = create_record(
        member_a,
        "achievement",
        {"title_en": "Solid-state electrolyte", "trl": "5", "transfer_modes": "许可; assignment"},
        uow,
    )
    assert item.owner_org_id == member_a.organization_id
    assert item.external_id.startswith("achievement-")
    assert item.transfer_modes == ["license", "assignment"]


def test_bad_paging_is_refused(uow):
    with pytest.raises(InvalidInput):
        list_records(ANONYMOUS, "demand", uow, limit=0)
    with pytest.raises(InvalidInput):
        list_records(ANONYMOUS, "demand", uow, filters={"colour": "red"})
