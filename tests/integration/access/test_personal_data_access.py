"""PIPL: a person's e-mail and birth year reach signed-in members only, never anonymous visitors."""

from __future__ import annotations

import pytest
from access_world import World

PRIVATE_EMAIL = "zhang.private@example.cn"


@pytest.fixture
def person_id(world: World) -> int:
    created = world.client.post(
        "/api/people",
        json={"name_zh": "张隐私", "name_en": "Zhang Yinsi", "email": PRIVATE_EMAIL, "birth_year": 1980,
              "visibility": "public"},
        headers=world.auth("enterprise_a"),
    )
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def test_members_see_contact_data_the_public_does_not(world: World, person_id: int):
    member = world.get(f"/api/people/{person_id}", "enterprise_b").json()
    assert member["email"] == PRIVATE_EMAIL and member["birth_year"] == 1980
    public = world.get(f"/api/people/{person_id}", None).json()
    assert public["name_zh"] == "张隐私"
    assert public["email"] == "" and public["birth_year"] is None


def test_no_anonymous_path_shows_contact_data(world: World, person_id: int):
    listed = world.get("/api/people", None, q="张隐私").json()["data"]
    assert [p["id"] for p in listed] == [person_id] and listed[0]["email"] == ""
    for fmt in ("csv", "jsonl"):
        exported = world.client.get(f"/api/export/people.{fmt}")
        assert exported.status_code == 200 and PRIVATE_EMAIL not in exported.text

