"""Notifications and messages through the API: they reach the right people and carry nothing hidden."""

from __future__ import annotations

from access_world import MARKER, World


def notices(world: World, user: str) -> list[dict]:
    response = world.get("/api/notifications", user, limit=200)
    assert response.status_code == 200
    assert MARKER not in response.text or user == "enterprise_a"
    return response.json()["data"]


def test_a_new_achievement_is_announced_only_to_those_who_may_see_it(world: World):
    public_id = world.secret_achievement(visibility="public", user="tto", marker="OpenOffer")
    secret_id = world.secret_achievement(visibility="confidential", user="enterprise_a")
    members_id = world.secret_achievement(visibility="members", user="researcher", marker="MemberOffer")
    received = notices(world, "enterprise_b")
    related = {n["related_id"] for n in received if n["kind"] == "new_match"}
    assert public_id in related and members_id in related  # the demand dem-0009 asked for exactly these
    assert secret_id not in related
    notice = next(n for n in received if n["related_id"] == public_id)
    assert "OpenOffer" in notice["related_title"]
    assert notice["subject_id"] == world.id_of("demand", "dem-0009") and notice["subject_title"]


def test_a_notice_loses_its_title_when_the_listing_becomes_confidential(world: World):
    offer = world.secret_achievement(visibility="public", user="tto", marker="SoonHidden")
    assert any(n["related_id"] == offer for n in notices(world, "enterprise_b"))
    hidden = world.client.patch(
        f"/api/achievements/{offer}",
        json={"visibility": "confidential", "title": f"改名 {MARKER}"},
        headers=world.auth("tto"),
    )
    assert hidden.status_code == 200
    after = [n for n in notices(world, "enterprise_b") if n["kind"] == "new_match"]
    assert after and all(n["related_id"] != offer for n in after)
    assert all("SoonHidden" not in n["related_title"] for n in after)
    assert any(n["related_id"] is None and n["related_title"] == "" for n in after)


def test_a_message_reaches_the_owner_organization_and_is_marked_read(world: World):
    listing = world.id_of("demand", "dem-0001")  # enterprise_a's public demand
    sent = world.client.post(
        f"/api/demands/{listing}/messages",
        json={"text": "我们有相关成果，可否洽谈？"},
        headers=world.auth("tto"),
    )
    assert sent.status_code == 201 and sent.json() == {"recipients": 1}
    inbox = [n for n in notices(world, "enterprise_a") if n["kind"] == "message"]
    assert len(inbox) == 1 and inbox[0]["text"] == "我们有相关成果，可否洽谈？"
    assert inbox[0]["subject_id"] == listing and inbox[0]["subject_title"] and inbox[0]["sender_name"]
    unread = world.get("/api/notifications/unread", "enterprise_a").json()["unread"]
    foreign = world.client.post(
        "/api/notifications/read", json={"id": inbox[0]["id"]}, headers=world.auth("enterprise_b")
    )
    assert foreign.status_code == 404
    own = world.client.post(
        "/api/notifications/read", json={"id": inbox[0]["id"]}, headers=world.auth("enterprise_a")
    )
    assert own.json() == {"marked": 1}
    assert world.get("/api/notifications/unread", "enterprise_a").json()["unread"] == unread - 1
    world.client.post("/api/notifications/read", headers=world.auth("enterprise_a"))
    assert world.get("/api/notifications", "enterprise_a", unread=True).json()["count"] == 0


def test_messages_need_a_signed_in_sender_and_some_text(world: World):
    listing = world.id_of("demand", "dem-0001")
    assert world.client.post(f"/api/demands/{listing}/messages", json={"text": "hi"}).status_code == 401
    empty = world.client.post(
        f"/api/demands/{listing}/messages", json={"text": ""}, headers=world.auth("tto")
    )
    assert empty.status_code == 422 and empty.json()["error"]["field"] == "text"
    assert world.client.get("/api/notifications").status_code == 401
