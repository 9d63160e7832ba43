"""The calls API: list shape, steps with 409/403, applications and attachments hidden from outsiders (404)."""

from __future__ import annotations

from calls_cast import call_data
from signing_in import bearer
from sqlalchemy import select

from kechuang.domain.entities import Organization, Person

PDF = b"%PDF-1.4\n%%EOF"


def _post(client, path, headers, json=None):
    response = client.post(path, json=json, headers=headers)
    assert response.status_code in (200, 201), response.text
    return response.json()


def _application(client, call, headers, people):
    body = {
        "title": "方案",
        "proposal": "两年完成中试",
        "team_person_ids": people,
        "commitments": [{"indicator_id": i["id"], "value": i["target"]} for i in call["indicators"]],
        "requested_budget": 1500,
    }
    made = _post(client, f"/api/calls/{call['id']}/applications", headers, body)
    return _post(client, f"/api/calls/{call['id']}/applications/{made['id']}/submit", headers)


def test_the_calls_list_has_the_contract_shape_and_hides_drafts(make_client):
    client = make_client()
    officer = bearer(client, "officer")
    call = _post(client, "/api/calls", officer, call_data())
    assert (
        call["status"] == "draft"
        and "publish" in call["actions"]
        and call["indicators"][0]["unit"] == "mS/cm"
    )
    listing = client.get("/api/calls").json()
    assert set(listing) == {"data", "count"} and call["id"] not in [c["id"] for c in listing["data"]]
    assert client.get(f"/api/calls/{call['id']}").status_code == 404
    assert client.get(f"/api/calls/{call['id']}", headers=bearer(client, "enterprise_b")).status_code == 404
    _post(client, f"/api/calls/{call['id']}/publish", officer)
    listing = client.get("/api/calls").json()
    item = next(c for c in listing["data"] if c["id"] == call["id"])
    assert item["status"] == "published" and listing["count"] >= 1
    assert client.get("/api/calls?status=published").json()["count"] == listing["count"]
    assert client.get("/api/calls?status=bogus").status_code == 422


def test_wrong_stage_is_409_naming_the_allowed_stages_and_wrong_party_403(make_client):
    client = make_client()
    officer = bearer(client, "officer")
    call = _post(client, "/api/calls", officer, call_data())
    response = client.post(f"/api/calls/{call['id']}/close", headers=officer)
    assert response.status_code == 409
    assert "allowed in: published" in response.json()["error"]["message"]
    _post(client, f"/api/calls/{call['id']}/publish", officer)
    response = client.post(f"/api/calls/{call['id']}/start-review", headers=bearer(client, "enterprise_a"))
    assert response.status_code == 403
    assert client.post(f"/api/calls/{call['id']}/close").status_code == 401
    response = client.post(
        f"/api/calls/{call['id']}/transitions", json={"action": "withdraw"}, headers=officer
    )
    assert response.status_code == 422 and response.json()["error"]["field"] == "reason"


def test_two_organizations_apply_and_outsiders_get_404_on_applications_and_attachments(make_client, uow):
    client = make_client()
    officer = bearer(client, "officer")
    a, b, outsider = bearer(client, "enterprise_a"), bearer(client, "researcher"), bearer(client, "investor")
    call = _post(client, "/api/calls", officer, call_data())
    _post(client, f"/api/calls/{call['id']}/publish", officer)
    mine, theirs = people_of(uow, "org-enterprise-a")[:2], people_of(uow, "org-researcher-inst")[:2]
    first = _application(client, call, a, mine)
    second = _application(client, call, b, theirs)
    assert first["status"] == second["status"] == "submitted"
    base = f"/api/calls/{call['id']}/applications"
    upload = client.post(f"{base}/{first['id']}/attachments", files={"file": ("方案.pdf", PDF)}, headers=a)
    assert upload.status_code == 201 and upload.json()["kind"] == "pdf"
    fake = client.post(f"{base}/{first['id']}/attachments", files={"file": ("x.pdf", b"MZ\x90")}, headers=a)
    assert fake.status_code == 422 and fake.json()["error"]["field"] == "file"
    file_path = f"{base}/{first['id']}/attachments/{upload.json()['id']}"
    got = client.get(file_path, headers=a)
    assert got.status_code == 200 and got.content == PDF and got.headers["content-type"] == "application/pdf"
    assert client.get(file_path, headers=officer).status_code == 200
    for headers in ({}, b, outsider):
        assert client.get(f"{base}/{first['id']}", headers=headers).status_code == 404
        assert client.get(file_path, headers=headers).status_code == 404
        assert client.get(f"{base}/{first['id']}/attachments", headers=headers).status_code == 404
    assert [x["id"] for x in client.get(base, headers=a).json()["data"]] == [first["id"]]
    assert {x["id"] for x in client.get(base, headers=officer).json()["data"]} == {first["id"], second["id"]}


def test_an_ineligible_submit_names_the_rule(make_client, uow):
    client = make_client()
    officer = bearer(client, "officer")
    call = _post(client, "/api/calls", officer, call_data(max_team_size=1))
    _post(client, f"/api/calls/{call['id']}/publish", officer)
    team = people_of(uow, "org-enterprise-a")[:2]
    a = bearer(client, "enterprise_a")
    body = {
        "proposal": "x",
        "team_person_ids": team,
        "commitments": [{"indicator_id": i["id"], "value": 1} for i in call["indicators"]],
    }
    made = _post(client, f"/api/calls/{call['id']}/applications", a, body)
    refused = client.post(f"/api/calls/{call['id']}/applications/{made['id']}/submit", headers=a)
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "max_team_size"
    assert "max_team_size" in refused.json()["error"]["message"]


def test_candidates_come_with_reasons_and_invitations_notify(make_client):
    client = make_client(embedder="none")
    officer = bearer(client, "officer")
    call = _post(client, "/api/calls", officer, call_data())
    _post(client, f"/api/calls/{call['id']}/publish", officer)
    found = client.get(f"/api/calls/{call['id']}/candidates?kind=organization", headers=officer).json()[
        "data"
    ]
    assert found and all(c["reasons"] for c in found)
    experts = client.get(f"/api/calls/{call['id']}/candidates?kind=expert", headers=officer).json()["data"]
    assert experts and experts[0]["reasons"][0]["zh"]
    assert (
        client.get(f"/api/calls/{call['id']}/candidates", headers=bearer(client, "researcher")).status_code
        == 403
    )
    target = found[0]
    made = _post(
        client,
        f"/api/calls/{call['id']}/invitations",
        officer,
        {"entity": "organization", "entity_id": target["id"], "reasons": [target["reasons"][0]["zh"]]},
    )
    assert made["entity_id"] == target["id"]


def people_of(uow, external_id: str) -> list[int]:
    """Registry people of an organization of the sample, by its external id."""
    with uow() as session:
        org = session.scalars(select(Organization.id).where(Organization.external_id == external_id)).one()
        return list(
            session.scalars(select(Person.id).where(Person.organization_id == org).order_by(Person.id))
        )
