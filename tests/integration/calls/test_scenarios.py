"""Application scenarios: the owner opens one, companies apply, the owner decides with reasons and COI checks,
the pilot is recorded; outsiders get 404. Through the API, on the sample registry."""

from __future__ import annotations

from signing_in import bearer
from sqlalchemy import select

from kechuang.domain.entities import Organization, Person, Scenario
from kechuang.services import audit


def ids_of(uow):
    with uow() as session:
        scenario = session.scalars(select(Scenario.id).where(Scenario.external_id == "scn-0002")).one()
        org_a = session.scalars(select(Organization.id).where(Organization.external_id == "org-enterprise-a")).one()
        team = list(session.scalars(select(Person.id).where(Person.organization_id == org_a).order_by(Person.id)))
        casia = session.scalars(select(Person.id).where(Person.external_id == "per-zhouhang-casia")).one()
        stranger = session.scalars(select(Person.id).where(Person.external_id == "per-weiran-hebut")).one()
    return scenario, team, casia, stranger


def test_a_scenario_from_opening_to_pilot(make_client, uow):
    client = make_client()
    scenario, team, conflicted, free = ids_of(uow)
    owner, a, b = bearer(client, "officer"), bearer(client, "enterprise_a"), bearer(client, "enterprise_b")
    base = f"/api/scenarios/{scenario}"
    closed = client.post(f"{base}/applications", json={"solution": "x"}, headers=a)
    assert closed.status_code == 409
    assert client.post(f"{base}/open", json={}, headers=a).status_code == 403
    assert client.post(f"{base}/open", json={"closes_on": "2099-01-01"}, headers=owner).json()["open"] is True
    mine = client.post(f"{base}/applications", json={"solution": "行李X光图像小样本识别", "team_person_ids": team},
                       headers=a)
    assert mine.status_code == 201, mine.text
    theirs = client.post(f"{base}/applications", json={"solution": "分拣线视觉升级"}, headers=b).json()
    assert client.post(f"{base}/applications", json={"solution": "x"}, headers=bearer(client, "tto")).status_code == 403
    first = mine.json()["id"]
    assert [x["id"] for x in client.get(f"{base}/applications", headers=a).json()["data"]] == [first]
    assert len(client.get(f"{base}/applications", headers=owner).json()["data"]) == 2
    for outsider in ({}, b, bearer(client, "researcher")):
        assert client.get(f"{base}/applications/{first}", headers=outsider).status_code == 404
    decision = f"{base}/applications/{first}/decision"
    refused = client.post(decision, json={"decision": "shortlist", "reason": "方案成熟",
                                          "reviewer_person_ids": [conflicted]}, headers=owner)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "conflict_of_interest" and "co-authored" in refused.json()["error"]["message"]
    ok = client.post(decision, json={"decision": "shortlist", "reason": "方案成熟", "reviewer_person_ids": [free]},
                     headers=owner)
    assert ok.status_code == 200 and ok.json()["status"] == "shortlisted"
    assert client.post(decision, json={"decision": "select", "reason": "x"}, headers=a).status_code == 403
    selected = client.post(decision, json={"decision": "select", "reason": "实测识别率最高",
                                           "reviewer_person_ids": [free]}, headers=owner).json()
    assert selected["status"] == "selected"
    declined = client.post(f"{base}/applications/{theirs['id']}/decision",
                           json={"decision": "decline", "reason": "未覆盖异形行李"}, headers=owner).json()
    assert declined["status"] == "declined"
    refused_pilot = client.post(f"{base}/applications/{theirs['id']}/pilot", json={"starts_on": "2027-01-01"},
                                headers=owner)
    assert refused_pilot.status_code == 409
    pilot = client.post(f"{base}/applications/{first}/pilot",
                        json={"starts_on": "2027-01-01", "ends_on": "2027-06-30", "outcome": "succeeded",
                              "note": "T3航站楼试点半年"}, headers=owner).json()
    assert pilot["pilot_outcome"] == "succeeded" and pilot["pilot_ends_on"] == "2027-06-30"
    with uow() as session:
        actions = [e.action for e in audit.events_of(session, "scenario_application", first)]
    assert actions == ["scenario_application.create", "scenario_application.shortlist",
                       "scenario_application.select", "scenario_application.pilot"]


def test_an_override_needs_a_written_justification_and_is_kept(make_client, uow):
    client = make_client()
    scenario, team, conflicted, _free = ids_of(uow)
    owner, a = bearer(client, "officer"), bearer(client, "enterprise_a")
    base = f"/api/scenarios/{scenario}"
    client.post(f"{base}/open", headers=owner)
    made = client.post(f"{base}/applications", json={"solution": "方案", "team_person_ids": team}, headers=a).json()
    done = client.post(f"{base}/applications/{made['id']}/decision",
                       json={"decision": "select", "reason": "唯一满足条件的方案", "reviewer_person_ids": [conflicted],
                             "override_justification": "本领域仅此一位专家，已由纪检备案"}, headers=owner).json()
    assert done["status"] == "selected" and done["conflicts"][0]["kind"] == "coauthorship"
    assert done["override_justification"].startswith("本领域")
