"""Saved searches notify their owner of new matching listings they may see, once each; list exports follow
the page's search and filters, the visibility rule and personal-data shielding, and are bounded."""

from __future__ import annotations

import csv
import io

import pytest

from kechuang.domain.access import ANONYMOUS, Actor
from kechuang.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from kechuang.services import exporting, notifications
from kechuang.services import saved_searches as saved
from kechuang.services.registry import create_record

SYSTEM = Actor.system("test")


def _demand(uow, title, owner, visibility="public", status="open"):
    body = {"title": title, "visibility": visibility, "status": status, "owner_org_id": owner}
    return create_record(SYSTEM, "demand", body, uow)


def test_new_matching_visible_listings_are_announced_once(uow, world, search_indexes):
    member = world.member_actor
    _demand(uow, "固态电池隔膜 (old)", world.hidden_org)  # existed before: no news
    search = saved.save_search(member, uow, entity="demand", q="电池", filters={"status": "open"},
                               indexes=search_indexes)
    assert search.name == "电池" and search.positions["demand"] > 0
    fresh = _demand(uow, "电池热失控预警", world.hidden_org)
    _demand(uow, "电池回收 (secret)", world.hidden_org, visibility="confidential")  # not theirs to see
    _demand(uow, "电池 (closed)", world.hidden_org, status="closed")  # the filter says open
    _demand(uow, "电池 (own organization)", world.public_org)  # their own: no news
    _demand(uow, "光伏逆变器", world.hidden_org)  # another subject
    assert saved.notify_saved_searches(uow, search_indexes) == 1
    assert saved.notify_saved_searches(uow, search_indexes) == 0  # idempotent
    [note] = notifications.list_notifications(member, uow).items
    assert (note.kind, note.subject_entity, note.subject_id) == ("saved_search", "demand", fresh.id)
    assert note.subject_title == "电池热失控预警" and note.text == "电池"
    later = _demand(uow, "电池管理系统", world.hidden_org, visibility="members")
    assert saved.notify_saved_searches(uow, search_indexes) == 1
    assert notifications.list_notifications(member, uow).items[0].subject_id == later.id


def test_a_site_search_covers_every_list_and_inactive_owners_hear_nothing(uow, world, search_indexes):
    member = world.member_actor
    search = saved.save_search(member, uow, q="Robotics", indexes=search_indexes)
    assert search.entity == "" and set(search.positions) >= {"demand", "achievement", "organization"}
    create_record(SYSTEM, "organization", {"name": "Delta Robotics", "kind": "enterprise"}, uow)
    create_record(SYSTEM, "achievement", {"title": "Robotics gripper", "owner_org_id": world.hidden_org}, uow)
    assert saved.notify_saved_searches(uow, search_indexes) == 2
    from kechuang.services import profiles

    profiles.set_active(world.admin_actor, uow, world.member.id, False)
    create_record(SYSTEM, "organization", {"name": "Gamma Robotics", "kind": "enterprise"}, uow)
    assert saved.notify_saved_searches(uow, search_indexes) == 0


def test_a_long_query_without_a_name_is_named_by_its_start(uow, world, search_indexes):
    """Found by schemathesis on PostgreSQL: a 500-character query became a 500-character name (column 200)."""
    search = saved.save_search(world.member_actor, uow, q="电池" * 250, indexes=search_indexes)
    assert search.q == "电池" * 250 and search.name == ("电池" * 250)[:200]
    assert [s.name for s in saved.list_saved_searches(world.member_actor, uow)] == [search.name]


def test_saved_searches_are_validated_personal_and_deletable(uow, world, search_indexes):
    member = world.member_actor
    with pytest.raises(PermissionDenied):
        saved.save_search(ANONYMOUS, uow, entity="demand", q="x", indexes=search_indexes)
    for bad in ({"entity": "users", "q": "x"}, {"entity": "demand"}, {"entity": "demand", "filters": {"nope": 1}},
                {"q": "x", "filters": {"status": "open"}}, {"entity": "demand", "q": "\x00"},
                {"entity": "demand", "filters": {"status": True}}):
        with pytest.raises(InvalidInput):
            saved.save_search(member, uow, indexes=search_indexes, **bad)
    kept = saved.save_search(member, uow, entity="demand", filters={"status": "open"}, name="开放需求")
    assert [s.name for s in saved.list_saved_searches(member, uow)] == ["开放需求"]
    assert saved.list_saved_searches(world.admin_actor, uow) == []
    with pytest.raises(NotFound):
        saved.delete_saved_search(world.admin_actor, uow, kept.id)  # another user's is not found
    saved.delete_saved_search(member, uow, kept.id)
    assert saved.list_saved_searches(member, uow) == []


def test_the_number_of_saved_searches_is_bounded(uow, world, monkeypatch):
    monkeypatch.setattr(saved, "MAX_SAVED_SEARCHES", 2)
    for n in range(2):
        saved.save_search(world.member_actor, uow, entity="demand", filters={"required_trl": n + 1})
    with pytest.raises(Conflict):
        saved.save_search(world.member_actor, uow, entity="demand", filters={"required_trl": 5})


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_a_list_export_follows_filters_visibility_and_is_bounded(uow, world, search_indexes, monkeypatch):
    _demand(uow, "公开电池需求", world.hidden_org)
    _demand(uow, "保密电池需求", world.hidden_org, visibility="confidential")
    _demand(uow, "已关闭电池需求", world.hidden_org, status="closed")
    anonymous = _rows(exporting.export_list(ANONYMOUS, "demand", "csv", uow, q="电池", indexes=search_indexes,
                                            filters={"status": "open"}))
    text = "\n".join(",".join(row) for row in anonymous)
    assert "公开电池需求" in text and "保密电池需求" not in text and "已关闭电池需求" not in text
    assert len(anonymous) == 2  # header and one row
    admin = _rows(exporting.export_list(world.admin_actor, "demand", "csv", uow))
    assert len(admin) == 4
    monkeypatch.setattr(exporting, "MAX_LIST_EXPORT_ROWS", 1)
    assert len(_rows(exporting.export_list(world.admin_actor, "demand", "csv", uow))) == 2
    assert exporting.export_list(world.admin_actor, "demand", "xlsx", uow)[:2] == b"PK"
    with pytest.raises(InvalidInput):
        exporting.export_list(world.admin_actor, "demand", "pdf", uow)


def test_a_list_export_shields_personal_data_from_anonymous_visitors(uow, world):
    create_record(SYSTEM, "person", {"name": "张伟", "email": "zhang@example.org", "birth_year": 1980}, uow)
    assert "zhang@example.org" not in exporting.export_list(ANONYMOUS, "person", "csv", uow).decode("utf-8-sig")
    assert "zhang@example.org" in exporting.export_list(world.member_actor, "person", "csv", uow).decode("utf-8-sig")
