"""Every API path that could reveal enterprise_a's confidential listings to enterprise_b or to the public."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest
from access_world import MARKER, World

OUTSIDERS = ("enterprise_b", None)  # another organization's member, and the anonymous public


def test_a_confidential_demand_created_through_the_api_is_the_owners(world: World):
    demand_id = world.secret_demand()
    item = world.get(f"/api/demands/{demand_id}", "enterprise_a").json()
    assert item["visibility"] == "confidential" and MARKER in item["title_zh"]
    assert item["owner_org_id"] == world.id_of("organization", "org-enterprise-a")


@pytest.mark.parametrize("user", OUTSIDERS)
@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "", None),
        ("PATCH", "", {"title": "taken over"}),
        ("GET", "/matches?kind=achievement", None),
        ("GET", "/matches?kind=organization", None),
        ("POST", "/messages", {"text": "hello"}),
    ],
    ids=["show", "edit", "matches", "matched-organizations", "message"],
)
def test_outsiders_cannot_reach_a_confidential_demand(world: World, user, method, suffix, body):
    demand_id = world.secret_demand()
    response = world.client.request(
        method, f"/api/demands/{demand_id}{suffix}", json=body, headers=world.auth(user)
    )
    expected = 401 if user is None and method != "GET" else 404  # never 403: existence is not confirmed
    assert response.status_code == expected
    assert MARKER not in response.text
    assert world.get(f"/api/demands/{demand_id}", "enterprise_a").json()["title_zh"] != "taken over"


@pytest.mark.parametrize("user", OUTSIDERS)
def test_lists_never_show_it(world: World, user):
    world.secret_demand()
    response = world.get("/api/demands", user, limit=200)
    assert response.status_code == 200 and response.json()["data"]
    assert MARKER not in response.text


@pytest.mark.parametrize("user", OUTSIDERS)
def test_search_never_finds_it(world: World, user):
    secret = world.secret_demand()
    for q in (MARKER, MARKER.lower()):
        body = world.get("/api/demands", user, q=q, limit=20).json()
        assert body == {"data": [], "count": 0}
    # a mixed query matches its Chinese or its English words: public 小样本 demands, never the secret one
    mixed = world.get("/api/demands", user, q=f"{MARKER} 小样本", limit=200)
    assert secret not in [item["id"] for item in mixed.json()["data"]] and MARKER not in mixed.text
    assert world.get("/api/demands", "enterprise_a", q=MARKER.lower()).json()["count"] == 1


@pytest.mark.parametrize("user", OUTSIDERS)
def test_counts_do_not_move_when_it_is_created(world: World, user):
    before = world.get("/api/demands", user, limit=1).json()["count"]
    owner_before = world.get("/api/demands", "enterprise_a", limit=1).json()["count"]
    world.secret_demand()
    assert world.get("/api/demands", user, limit=1).json()["count"] == before
    assert world.get("/api/demands", "enterprise_a", limit=1).json()["count"] == owner_before + 1


@pytest.mark.parametrize("user", OUTSIDERS)
def test_adopters_of_an_achievement_do_not_reveal_a_confidential_demand(world: World, user):
    demand_id = world.secret_demand()  # written to ask for ach-0002, so it is a top adopter for its owner
    path = f"/api/achievements/{world.id_of('achievement', 'ach-0002')}/matches"
    own = world.get(path, "enterprise_a", limit=100)
    assert MARKER in own.text  # the check below would prove nothing if the demand did not match at all
    response = world.get(path, user, limit=100)
    assert response.status_code == 200 and MARKER not in response.text
    for match in response.json()["data"]:
        assert demand_id not in match["evidence"]
        assert all(r["detail"].get("demand_id") != demand_id for r in match["reasons"])


@pytest.mark.parametrize("user", OUTSIDERS)
@pytest.mark.parametrize("kind", ["achievement", "expert", "organization"])
def test_matches_of_another_demand_do_not_reveal_a_confidential_achievement(world: World, user, kind):
    achievement_id = world.secret_achievement()  # written to answer dem-0009
    path = f"/api/demands/{world.id_of('demand', 'dem-0009')}/matches"
    assert achievement_id in {m["id"] for m in world.get(path, "admin", limit=100).json()["data"]}
    response = world.get(path, user, kind=kind, limit=100)
    assert response.status_code == 200 and MARKER not in response.text
    data = response.json()["data"]
    assert all(achievement_id not in m["evidence"] for m in data)
    if kind == "achievement":
        assert achievement_id not in {m["id"] for m in data}


def _export_text(content: bytes, fmt: str) -> str:
    if fmt != "xlsx":
        return content.decode("utf-8")
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(
        "\t".join(str(cell) for cell in row if cell is not None)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
    )


@pytest.mark.parametrize("user", OUTSIDERS)
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "jsonl"])
def test_exports_leave_it_out(world: World, user, fmt):
    world.secret_demand()
    world.secret_achievement()
    assert MARKER in _export_text(world.get(f"/api/export/demands.{fmt}", "enterprise_a").content, fmt)
    for entity in ("demands", "achievements"):
        response = world.get(f"/api/export/{entity}.{fmt}", user)
        assert response.status_code == 200
        text = _export_text(response.content, fmt)
        assert "dem-0001" in text or "ach-0001" in text  # the export is not simply empty
        assert MARKER not in text


def test_members_only_listings_are_hidden_from_the_public_but_not_from_members(world: World):
    demand_id = world.secret_demand(visibility="members")
    assert world.get(f"/api/demands/{demand_id}", None).status_code == 404
    assert world.get("/api/demands", None, q=MARKER).json()["count"] == 0
    public = world.get("/api/demands", None, limit=200).json()["data"]
    assert public and {item["visibility"] for item in public} == {"public"}
    exported = world.get("/api/export/demands.jsonl", None).text
    assert MARKER not in exported
    assert {json.loads(line)["visibility"] for line in exported.splitlines()} == {"public"}
    member = world.get(f"/api/demands/{demand_id}", "enterprise_b")
    assert member.status_code == 200 and MARKER in member.json()["title_zh"]
    assert world.get("/api/demands", "enterprise_b", q=MARKER).json()["count"] == 1


def test_the_owner_sees_its_confidential_demand_everywhere(world: World):
    demand_id = world.secret_demand()
    owner = "enterprise_a"
    assert world.get(f"/api/demands/{demand_id}", owner).status_code == 200
    assert demand_id in {d["id"] for d in world.get("/api/demands", owner, limit=200).json()["data"]}
    assert world.get("/api/demands", owner, q=MARKER).json()["count"] == 1
    matches = world.get(f"/api/demands/{demand_id}/matches", owner, kind="achievement").json()
    assert matches["data"][0]["id"] == world.id_of("achievement", "ach-0002")
    adopters = world.get(f"/api/achievements/{world.id_of('achievement', 'ach-0002')}/matches", owner)
    assert MARKER in adopters.text
    rows = list(csv.reader(io.StringIO(world.get("/api/export/demands.csv", owner).text)))
    assert any(MARKER in cell for row in rows for cell in row)
    notices = world.get("/api/notifications", owner).json()["data"]
    assert any(n["subject_id"] == demand_id and MARKER in n["subject_title"] for n in notices)
    edited = world.client.patch(
        f"/api/demands/{demand_id}", json={"required_trl": 5}, headers=world.auth(owner)
    )
    assert edited.status_code == 200 and edited.json()["required_trl"] == 5


def test_other_members_read_a_public_listing_but_cannot_edit_it(world: World):
    public_id = world.id_of("demand", "dem-0001")  # enterprise_a's, public
    response = world.client.patch(
        f"/api/demands/{public_id}", json={"title": "x"}, headers=world.auth("enterprise_b")
    )
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
    assert world.client.patch(f"/api/demands/{public_id}", json={"title": "x"}).status_code == 401
    assert world.client.post("/api/demands", json={"title": "x"}).status_code == 401


def test_a_deactivated_users_token_stops_working(world: World):
    member = world.auth("enterprise_b")
    me = world.client.get("/api/me", headers=member).json()
    deactivated = world.client.post(f"/api/users/{me['id']}/deactivate", headers=world.auth("admin"))
    assert deactivated.status_code == 200
    for method, path, body in (
        ("GET", "/api/demands", None),
        ("GET", "/api/notifications", None),
        ("POST", "/api/demands", {"title": "still here?"}),
        ("POST", f"/api/demands/{world.id_of('demand', 'dem-0001')}/messages", {"text": "hi"}),
    ):
        assert world.client.request(method, path, json=body, headers=member).status_code == 401
