"""Editing records (update_record), plain-language fields, and text search in Chinese and English."""

from __future__ import annotations

import pytest

from kechuang.domain.access import ANONYMOUS, Actor
from kechuang.domain.entities import Demand
from kechuang.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from kechuang.services.registry import create_record, get_record, list_records, update_record


@pytest.fixture
def members(uow, admin):
    a = create_record(admin, "organization", {"name_zh": "甲公司", "kind": "enterprise"}, uow)
    b = create_record(admin, "organization", {"name_en": "B Ltd", "kind": "enterprise"}, uow)
    return (
        Actor(name="a", organization_id=a.id, authenticated=True),
        Actor(name="b", organization_id=b.id, authenticated=True),
    )


def demand(uow, actor, **fields):
    return create_record(actor, "demand", {"title_zh": "固态电池样品联合开发", **fields}, uow)


def test_update_changes_only_the_fields_sent_and_bumps_updated_at(uow, members):
    a, _ = members
    item = demand(uow, a, description_zh="需要样品", required_trl="5")
    changed = update_record(a, "demand", item.id, {"title_en": "Solid-state cells", "required_trl": 7}, uow)
    assert changed.title_en == "Solid-state cells" and changed.required_trl == 7
    again = get_record(a, "demand", item.id, uow)
    assert again.title_zh == "固态电池样品联合开发" and again.description_zh == "需要样品"
    assert again.updated_at > item.updated_at and again.created_at == item.created_at


def test_a_bad_field_is_named_and_nothing_is_written(uow, members):
    a, _ = members
    item = demand(uow, a)
    with pytest.raises(InvalidInput) as caught:
        update_record(a, "demand", item.id, {"title_zh": "新标题", "required_trl": 11}, uow)
    assert caught.value.field == "required_trl"
    with pytest.raises(InvalidInput) as caught:
        update_record(a, "demand", item.id, {"colour": "red"}, uow)
    assert caught.value.field == "colour"
    with pytest.raises(InvalidInput) as caught:
        update_record(a, "demand", item.id, {"title_zh": ""}, uow)  # no title left in either language
    assert caught.value.field == "title_zh"
    assert get_record(a, "demand", item.id, uow).title_zh == "固态电池样品联合开发"


def test_who_may_edit(uow, members, admin):
    a, b = members
    public = demand(uow, a)
    secret = demand(uow, a, visibility="confidential")
    with pytest.raises(PermissionDenied):
        update_record(b, "demand", public.id, {"title_en": "mine now"}, uow)
    with pytest.raises(NotFound):  # not PermissionDenied: b must not learn that it exists
        update_record(b, "demand", secret.id, {"title_en": "mine now"}, uow)
    with pytest.raises(NotFound):
        update_record(ANONYMOUS, "demand", secret.id, {"title_en": "x"}, uow)
    with pytest.raises(PermissionDenied):
        update_record(ANONYMOUS, "demand", public.id, {"title_en": "x"}, uow)
    with pytest.raises(NotFound):
        update_record(a, "demand", 987654, {"title_en": "x"}, uow)
    assert update_record(admin, "demand", secret.id, {"title_en": "checked"}, uow).title_en == "checked"


def test_only_admins_move_a_record_to_another_owner(uow, members, admin):
    a, b = members
    item = demand(uow, a)
    with pytest.raises(PermissionDenied) as caught:
        update_record(a, "demand", item.id, {"owner_org_id": b.organization_id}, uow)
    assert caught.value.field == "owner_org_id"
    same = update_record(a, "demand", item.id, {"owner_org_id": a.organization_id, "title_en": "ok"}, uow)
    assert same.owner_org_id == a.organization_id
    with pytest.raises(InvalidInput) as caught:
        update_record(admin, "demand", item.id, {"owner_org_id": 987654}, uow)
    assert caught.value.field == "owner_org_id"
    assert update_record(admin, "demand", item.id, {"owner_org_id": b.organization_id}, uow).owner_org_id == (
        b.organization_id
    )
    assert update_record(b, "demand", item.id, {"title_en": "b's now"}, uow).title_en == "b's now"


def test_external_ids_stay_unique_and_merged_records_are_frozen(uow, members):
    a, _ = members
    first = demand(uow, a, external_id="dem-x1")
    second = demand(uow, a, external_id="dem-x2")
    with pytest.raises(InvalidInput) as caught:
        update_record(a, "demand", second.id, {"external_id": "dem-x1"}, uow)
    assert caught.value.field == "external_id"
    assert update_record(a, "demand", second.id, {"external_id": "dem-x2"}, uow).external_id == "dem-x2"
    with uow() as session:
        session.get(Demand, second.id).merged_into_id = first.id
    with pytest.raises(Conflict):
        update_record(a, "demand", second.id, {"title_en": "x"}, uow)


def test_plain_title_and_description_go_to_the_field_of_their_language(uow, members):
    a, _ = members
    zh = create_record(a, "demand", {"title": "钠离子电池量产", "description": "需要正极材料"}, uow)
    assert (zh.title_zh, zh.title_en, zh.description_zh) == ("钠离子电池量产", "", "需要正极材料")
    en = create_record(a, "achievement", {"title": "Sodium-ion cathode", "description": "Layered oxide"}, uow)
    assert (en.title_en, en.title_zh, en.abstract_en) == ("Sodium-ion cathode", "", "Layered oxide")
    org = create_record(a, "organization", {"name": "Wessex Labs", "description": "电池测试"}, uow)
    assert (org.name_en, org.description_zh) == ("Wessex Labs", "电池测试")
    person = create_record(a, "person", {"name": "刘洋", "description": "Battery chemist"}, uow)
    assert (person.name_zh, person.bio_en) == ("刘洋", "Battery chemist")
    both = create_record(a, "demand", {"title": "Mixed 混合 title", "title_en": "Mixed title"}, uow)
    assert (both.title_zh, both.title_en) == ("Mixed 混合 title", "Mixed title")
    with pytest.raises(InvalidInput) as caught:
        create_record(a, "demand", {"title": "电池", "title_zh": "电池"}, uow)
    assert caught.value.field == "title"
    edited = update_record(a, "demand", zh.id, {"title": "Sodium-ion scale-up"}, uow)
    assert (edited.title_zh, edited.title_en) == ("钠离子电池量产", "Sodium-ion scale-up")


def test_search_finds_chinese_keywords_english_words_in_any_order_and_descriptions(uow, members, search_indexes):
    a, _ = members
    item = demand(
        uow,
        a,
        title_en="Solid-state battery samples",
        keywords_zh=["硫化物电解质", "界面改性"],
        keywords_en=["Sulfide electrolyte"],
        description_en="Pouch cells above 400 Wh/kg, 100% checked",
    )
    demand(uow, a, title_zh="污水处理", title_en="Waste water")
    for q in ("硫化物电解质", "界面", "sulfide ELECTROLYTE", "battery solid-state", "400 wh/kg", "100%"):
        page = list_records(a, "demand", uow, q=q, indexes=search_indexes)
        assert [found.id for found in page.items] == [item.id], q
    assert list_records(a, "demand", uow, q="battery water", indexes=search_indexes).count == 0  # every word
    for symbols in ("%", "_", "*", "?"):  # no wildcard syntax, and nothing to search for: no result, no error
        assert list_records(a, "demand", uow, q=symbols, indexes=search_indexes).count == 0


def test_a_minimum_above_its_maximum_is_refused_on_create(uow, admin):
    with pytest.raises(InvalidInput) as caught:
        create_record(admin, "achievement", {"title_zh": "x", "asking_price_min": 50, "asking_price_max": 10}, uow)
    assert caught.value.field == "asking_price_min"


def test_an_external_id_two_organizations_use_is_not_resolved_to_either(uow, members):
    """External ids are unique per owner: naming a record by one that two owners use is ambiguous."""
    from kechuang.services.registry import id_of_external

    a, b = members
    mine = demand(uow, a, external_id="dem-shared")
    assert id_of_external("demand", "dem-shared", uow) == mine.id
    demand(uow, b, external_id="dem-shared")  # allowed: another owner, and nothing revealed to b
    with pytest.raises(Conflict) as caught:
        id_of_external("demand", "dem-shared", uow)
    assert caught.value.field == "external_id"
