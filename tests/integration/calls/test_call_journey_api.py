"""The issue's "Done when", through the JSON API alone: post and publish a call, candidate teams with reasons,
two organizations apply, a conflicted reviewer refused and an unconflicted one assigned, blind scoring,
the result published with reasons, an appeal answered, the award's milestones, one overdue and flagged,
outsiders refused with 404, and every step on an audit chain that verifies.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from calls_cast import call_data
from review_cast import A_NAME, VISION_CALL
from signing_in import bearer
from sqlalchemy import select

from kechuang.domain.clock import now
from kechuang.domain.market import AuditEvent
from kechuang.services import audit

B_NAME = "北京亦驰动力科技有限公司"


def ok(response, status: int = 200):
    assert response.status_code == status, response.text
    return response.json()


def person_id(client, name: str) -> int:
    found = ok(client.get("/api/people", params={"q": name}))["data"]
    return next(p["id"] for p in found if name in (p["name_zh"], p["name_en"]))


def test_the_whole_call_journey_through_the_api(make_client, uow, monkeypatch) -> None:
    client = make_client()
    officer, admin = bearer(client, "officer"), bearer(client, "admin")
    firm_a, firm_b, outsider = (
        bearer(client, "enterprise_a"),
        bearer(client, "enterprise_b"),
        bearer(client, "tto"),
    )

    # an officer posts a call; a draft is invisible to outsiders and the anonymous
    call = ok(client.post("/api/calls", json=call_data(**VISION_CALL), headers=officer), 201)
    call_id = call["id"]
    assert call["status"] == "draft"
    for headers in ({}, outsider):
        assert client.get(f"/api/calls/{call_id}", headers=headers).status_code == 404
        assert client.get(f"/api/calls/{call_id}/result", headers=headers).status_code == 404
    assert ok(client.post(f"/api/calls/{call_id}/publish", headers=officer))["status"] == "published"
    listed = ok(client.get("/api/calls"))
    assert {"id": call_id, "status": "published"}.items() <= next(
        c for c in listed["data"] if c["id"] == call_id
    ).items()

    # the candidate teams come with reasons
    teams = ok(client.get(f"/api/calls/{call_id}/candidates", headers=officer))["data"]
    assert teams and all(t["reasons"] for t in teams)

    # two organizations apply (A names itself and its engineer in the proposal: blind review cuts them)
    indicators = ok(client.get(f"/api/calls/{call_id}", headers=firm_a))["indicators"]
    commitments = [{"indicator_id": i["id"], "value": i["target"] * 1.1, "note": ""} for i in indicators]
    applications = {}
    for headers, team, proposal in (
        (firm_a, ["黄涛", "周敏"], f"{A_NAME}由黄涛牵头，采用16k线扫相机与小样本模型。"),
        (firm_b, ["沈悦"], f"{B_NAME}结合电池包产线经验部署在线检测。"),
    ):
        body = {
            "title": "极片缺陷在线检测方案",
            "proposal": proposal,
            "commitments": commitments,
            "team_person_ids": [person_id(client, n) for n in team],
            "requested_budget": 1500,
        }
        draft = ok(client.post(f"/api/calls/{call_id}/applications", json=body, headers=headers), 201)
        ok(client.post(f"/api/calls/{call_id}/applications/{draft['id']}/submit", headers=headers))
        applications[headers["Authorization"]] = draft["id"]
    app_a, app_b = applications[firm_a["Authorization"]], applications[firm_b["Authorization"]]
    # an applicant sees only its own application; an outsider none of them
    assert client.get(f"/api/calls/{call_id}/applications/{app_a}", headers=firm_b).status_code == 404
    assert client.get(f"/api/calls/{call_id}/applications/{app_a}", headers=outsider).status_code == 404
    ok(client.post(f"/api/calls/{call_id}/close", headers=officer))
    ok(client.post(f"/api/calls/{call_id}/start-review", headers=officer))

    # reviewer suggestions: ranked experts, each with reasons and conflicts; some conflicted, some not
    suggestions = ok(client.get(f"/api/calls/{call_id}/reviewer-suggestions?limit=20", headers=officer))[
        "data"
    ]
    assert all({"person_id", "score", "reasons", "conflicts"} <= s.keys() for s in suggestions)
    assert [s["score"] for s in suggestions] == sorted((s["score"] for s in suggestions), reverse=True)
    conflicted = next(s for s in suggestions if s["conflicts"])
    clear = next(s for s in suggestions if not s["conflicts"])
    assert all({"kind", "reason"} <= c.keys() for c in conflicted["conflicts"])
    assert client.get(f"/api/calls/{call_id}/reviewer-suggestions", headers=firm_a).status_code == 404

    # the conflicted expert is refused with the reason; the unconflicted one is assigned
    refused = client.post(
        f"/api/calls/{call_id}/reviewers", json={"person_id": conflicted["person_id"]}, headers=officer
    )
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert (
        error["code"] == "conflict_of_interest" and conflicted["conflicts"][0]["reason"] in error["message"]
    )
    person = ok(client.get(f"/api/people/{clear['person_id']}"))
    account = ok(
        client.post(
            "/api/users",
            headers=admin,
            json={
                "username": "reviewer1",
                "password": "reviewer-pass-1",
                "organization_id": person["organization_id"],
                "role": "researcher",
                "display_name": "评审专家",
            },
        ),
        201,
    )
    assigned = ok(
        client.post(
            f"/api/calls/{call_id}/reviewers",
            headers=officer,
            json={"person_id": clear["person_id"], "user_id": account["id"]},
        ),
        201,
    )
    assert assigned["data"]["conflicts"] == [] and assigned["data"]["status"] == "assigned"
    reviewer = bearer(client, "reviewer1", "reviewer-pass-1")

    # blind scoring: the reviewer never sees an applicant's name, in any response
    packet = ok(client.get(f"/api/calls/{call_id}/review", headers=reviewer))["data"]
    assert packet["blind"] and [a["code"] for a in packet["applications"]] == ["P01", "P02"]
    criteria = [c["id"] for c in packet["criteria"]]
    for app, values, note in (
        (app_a, (9, 8, 8), "方案成熟，指标可达"),
        (app_b, (7, 6, 8), "经验丰富，但方案较粗"),
    ):
        scores = {str(c): v for c, v in zip(criteria, values, strict=True)}
        ok(
            client.post(
                f"/api/calls/{call_id}/reviews",
                headers={**reviewer, "Idempotency-Key": f"s-{app}"},
                json={"application_id": app, "scores": scores, "comment": note},
            ),
            201,
        )
    assert client.get(f"/api/calls/{call_id}/review", headers=firm_a).status_code == 404
    assert client.get(f"/api/calls/{call_id}/reviews").status_code == 404
    assert client.get(f"/api/calls/{call_id}/reviews", headers=outsider).status_code == 404

    # the result is published with reasons, and readable without an account
    assert client.get(f"/api/calls/{call_id}/result").status_code == 404
    published = ok(client.post(f"/api/calls/{call_id}/result", headers=officer))["data"]
    assert published["status"] == "result" and published["appeals_until"]
    result = ok(client.get(f"/api/calls/{call_id}/result"))["data"]
    assert [(r["rank"], r["application_id"]) for r in result] == [(1, app_a), (2, app_b)]
    assert all({"rank", "score", "criteria", "reasons"} <= r.keys() for r in result)
    assert result[0]["score"] == pytest.approx(0.5 * 9 + 0.3 * 8 + 0.2 * 8)
    assert result[0]["reasons"] == ["评审专家 1 / Reviewer 1: 方案成熟，指标可达"]
    assert result[0]["applicant"] == A_NAME  # public 公示 names the applicant...
    seen_by_reviewer = [
        client.get(f"/api/calls/{call_id}/result", headers=reviewer).text,  # ...but not to its reviewers
        client.get(f"/api/calls/{call_id}/review", headers=reviewer).text,
        client.get(f"/api/calls/{call_id}", headers=reviewer).text,
        client.get(f"/api/calls/{call_id}/applications", headers=reviewer).text,
        client.get("/api/notifications", headers=reviewer).text,
    ]
    assert A_NAME in client.get(f"/api/calls/{call_id}/result").text  # the check below can see a name
    for name in (A_NAME, B_NAME, "黄涛", "沈悦", "Huang Tao"):
        assert not any(name in text for text in seen_by_reviewer), name

    # an appeal within the window is answered with a decision and a reason
    appeal = ok(
        client.post(
            f"/api/calls/{call_id}/appeals",
            headers=firm_b,
            json={"application_id": app_b, "text": "团队能力评分偏低，请复核"},
        ),
        201,
    )
    assert (
        client.post(
            f"/api/calls/{call_id}/appeals", headers=outsider, json={"application_id": app_b, "text": "x"}
        ).status_code
        == 404
    )
    answer = ok(
        client.post(
            f"/api/calls/{call_id}/appeals/{appeal['id']}/answer",
            headers=officer,
            json={"decision": "rejected", "reason": "经复核评分依据充分，维持原结果"},
        )
    )
    assert answer["status"] == "rejected" and answer["decision_reason"]
    assert ok(client.get(f"/api/calls/{call_id}/appeals", headers=firm_b))["data"][0]["status"] == "rejected"

    # the award creates milestones from the indicators
    awarded = ok(
        client.post(
            f"/api/calls/{call_id}/award",
            headers=officer,
            json={"application_ids": [app_a], "early_reason": "异议已答复，项目须按年度计划启动"},
        )
    )
    assert awarded["status"] == "awarded"
    milestones = ok(client.get(f"/api/calls/{call_id}/milestones", headers=officer))["data"]
    assert len(milestones) == len(indicators) and not any(m["overdue"] for m in milestones)

    # time passes: the first milestone's due date goes by, and the check flags it
    first_due = min(m["due_on"] for m in milestones)
    later = now() + timedelta(days=400)
    assert later.date().isoformat() > first_due
    monkeypatch.setattr(audit, "now", lambda: later)
    flagged = ok(client.post("/api/calls/milestones/check-overdue", headers=officer))
    assert flagged["flagged"]
    milestones = ok(client.get(f"/api/calls/{call_id}/milestones", headers=officer))["data"]
    assert any(m["overdue"] and m["overdue_at"] for m in milestones)

    # every step is on the audit chain, and the chain verifies
    assert ok(client.get("/api/audit/verify", headers=officer))["ok"] is True
    with uow() as session:
        actions = {e.action for e in session.scalars(select(AuditEvent))}
    assert {
        "call.create",
        "call.publish",
        "call_application.create",
        "call_application.submit",
        "call.close",
        "call.start_review",
        "call_review.assign",
        "call_review.score",
        "call.publish_result",
        "call_review.appeal",
        "call_review.answer_appeal",
        "call.award",
    } <= actions, actions
    assert audit.verify(audit.Actor.system(), uow).ok
