"""The API contract of key-task supervision, and the 'Done when' cases of the status rule through it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from signing_in import bearer
from tasks_helpers import DISTRICT_USER, add_department_user, org_id

from kechuang.services.tasks.base import today  # the platform's date, read when used: a run may pass midnight


@pytest.fixture
def client(make_client, uow):
    add_department_user(uow)
    return make_client()


def ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


def days(n: int) -> str:
    return (today() + timedelta(days=n)).isoformat()


def new_plan(client, officer, **extra):
    return ok(client.post("/api/plans", headers=officer, json={"year": today().year, "title": "2026年工作要点",
                                                               **extra}), 201)


def new_task(client, officer, plan_id, lead, **fields):
    body = {"title": "推进中关村科学城建设", "lead_department": lead, "deadline": days(30),
            "milestones": [{"title": "印发实施方案", "due": days(10)}], **fields}
    return ok(client.post(f"/api/plans/{plan_id}/tasks", headers=officer, json=body), 201)


def test_contract_plan_task_report_status_and_list(client, uow):
    officer, district = bearer(client, "officer"), bearer(client, DISTRICT_USER)
    haidian = org_id(uow, "org-haidian-kw")
    plan = new_plan(client, officer)
    assert isinstance(plan["id"], int)
    task = new_task(client, officer, plan["id"], haidian)
    assert isinstance(task["id"], int)
    ok(client.post(f"/api/tasks/{task['id']}/reports", headers=district,
                   json={"progress": 40, "note": "方案已起草"}), 201)
    found = ok(client.get(f"/api/tasks/{task['id']}", headers=officer))
    assert found["status"] in {"on_track", "at_risk", "overdue", "done"}
    assert found["status_reason"].strip() and found["status_reason_en"].strip()
    assert found["progress"] == 40
    listed = ok(client.get(f"/api/plans/{plan['id']}/tasks", headers=officer))
    assert set(listed) == {"data", "count"} and listed["count"] == 1 == len(listed["data"])
    assert listed["data"][0]["id"] == task["id"] and listed["data"][0]["status_reason"]


def test_done_when_overdue_done_and_at_risk_each_with_its_reason(client, uow):
    officer = bearer(client, "officer")
    haidian = org_id(uow, "org-haidian-kw")
    plan = new_plan(client, officer)["id"]
    late = new_task(client, officer, plan, haidian, starts_on=days(-100), deadline=days(-10), milestones=[])
    finished = new_task(client, officer, plan, haidian, starts_on=days(-100), deadline=days(-10), milestones=[])
    behind = new_task(client, officer, plan, haidian, starts_on=days(-50), deadline=days(50), milestones=[])
    steady = new_task(client, officer, plan, haidian, starts_on=days(-50), deadline=days(50), milestones=[])
    for task, progress in ((late, 50), (finished, 100), (behind, 10), (steady, 45)):
        ok(client.post(f"/api/tasks/{task['id']}/reports", headers=officer, json={"progress": progress}), 201)

    def get(task):
        return ok(client.get(f"/api/tasks/{task['id']}?lang=en", headers=officer))

    overdue, done, at_risk, on_track = get(late), get(finished), get(behind), get(steady)
    assert overdue["status"] == "overdue" and "deadline" in overdue["status_reason"]
    assert "50%" in overdue["status_reason"] and "已过" in overdue["status_reason_zh"]
    assert done["status"] == "done" and "100%" in done["status_reason"]
    assert at_risk["status"] == "at_risk" and "50% of the time elapsed" in at_risk["status_reason"]
    assert "40 points behind" in at_risk["status_reason"] and "threshold 20" in at_risk["status_reason"]
    assert on_track["status"] == "on_track" and "within" in on_track["status_reason"]
    listed = ok(client.get(f"/api/plans/{plan}/tasks?status=at_risk", headers=officer))
    assert [t["id"] for t in listed["data"]] == [behind["id"]]


def test_a_late_milestone_makes_a_task_overdue_until_a_report_marks_it_done(client, uow):
    officer, district = bearer(client, "officer"), bearer(client, DISTRICT_USER)
    plan = new_plan(client, officer)["id"]
    task = new_task(client, officer, plan, org_id(uow, "org-haidian-kw"), starts_on=days(-20), deadline=days(20),
                    milestones=[{"title": "签订合作协议", "due": days(-2)}])
    assert task["status"] == "overdue" and "签订合作协议" in task["status_reason_zh"]
    milestone = task["milestones"][0]["id"]
    report = ok(client.post(f"/api/tasks/{task['id']}/reports", headers=district,
                            json={"progress": 60, "milestones_done": [milestone]}), 201)
    assert report["state"] == "submitted" and report["task"]["status"] == "on_track"
    returned = ok(client.post(f"/api/reports/{report['id']}/return", headers=officer,
                              json={"reason": "协议尚未盖章"}), 200)
    assert returned["state"] == "returned" and returned["task"]["status"] == "overdue"
    assert client.post(f"/api/reports/{report['id']}/accept", headers=officer).status_code == 409
    history = ok(client.get(f"/api/tasks/{task['id']}", headers=officer))["history"]
    assert [h["status"] for h in history] == ["overdue", "on_track", "overdue"]


def test_a_blocker_puts_a_task_at_risk(client, uow):
    officer = bearer(client, "officer")
    plan = new_plan(client, officer)["id"]
    task = new_task(client, officer, plan, org_id(uow, "org-haidian-kw"), starts_on=days(-10), deadline=days(90))
    result = ok(client.post(f"/api/tasks/{task['id']}/reports", headers=officer,
                            json={"progress": 30, "blockers": "用地指标未落实"}), 201)
    assert result["state"] == "accepted"  # the supervisor's own report stands
    assert result["task"]["status"] == "at_risk" and "用地指标未落实" in result["task"]["status_reason_zh"]


def test_thresholds_are_the_plans_own(client, uow):
    officer = bearer(client, "officer")
    plan = new_plan(client, officer, risk_points=50)["id"]
    task = new_task(client, officer, plan, org_id(uow, "org-haidian-kw"), starts_on=days(-50), deadline=days(50),
                    milestones=[])
    ok(client.post(f"/api/tasks/{task['id']}/reports", headers=officer, json={"progress": 10}), 201)
    assert ok(client.get(f"/api/tasks/{task['id']}", headers=officer))["status"] == "on_track"
    ok(client.patch(f"/api/plans/{plan}", headers=officer, json={"risk_points": 30}))
    assert ok(client.get(f"/api/tasks/{task['id']}", headers=officer))["status"] == "at_risk"


def test_who_may_do_what(client, uow):
    officer, district = bearer(client, "officer"), bearer(client, DISTRICT_USER)
    enterprise = bearer(client, "enterprise_a")
    haidian, yizhuang = org_id(uow, "org-haidian-kw"), org_id(uow, "org-yizhuang")
    assert client.post("/api/plans", headers=enterprise, json={"year": 2026, "title": "x"}).status_code == 403
    plan = new_plan(client, officer)["id"]
    task = new_task(client, officer, plan, yizhuang)
    # internal plan: outsiders and anonymous visitors do not learn it exists
    for headers in (enterprise, {}):
        assert client.get(f"/api/plans/{plan}/tasks", headers=headers).status_code == 404
        assert client.get(f"/api/tasks/{task['id']}", headers=headers).status_code == 404
    # a department reports only on tasks it is responsible for, and does not add tasks
    assert client.post(f"/api/tasks/{task['id']}/reports", headers=district, json={"progress": 5}).status_code == 403
    assert client.post(f"/api/plans/{plan}/tasks", headers=district, json={
        "title": "t", "lead_department": haidian, "deadline": days(9)}).status_code == 403
    # the lead must be a government body
    tsinghua = org_id(uow, "org-tsinghua")
    refused = client.post(f"/api/plans/{plan}/tasks", headers=officer,
                          json={"title": "t", "lead_department": tsinghua, "deadline": days(9)})
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "lead_department"
    ok(client.patch(f"/api/plans/{plan}", headers=officer, json={"visibility": "published"}))
    assert ok(client.get(f"/api/plans/{plan}/tasks"))["count"] == 1


def test_bad_input_is_a_4xx_naming_the_field(client, uow):
    officer = bearer(client, "officer")
    plan = new_plan(client, officer)["id"]
    haidian = org_id(uow, "org-haidian-kw")
    for body, field in (
        ({"title": "t", "lead_department": haidian, "deadline": "2026-02-30"}, "deadline"),
        ({"title": "", "lead_department": haidian, "deadline": days(3)}, "title"),
        ({"title": "t", "lead_department": haidian, "deadline": days(3),
          "milestones": [{"title": "m", "due": days(30)}]}, "milestones[0].due"),
        ({"title": "t\x00", "lead_department": haidian, "deadline": days(3)}, "title"),
        ({"title": "t", "lead_department": haidian, "deadline": days(3),
          "indicators": [{"code": "no.such.measure"}]}, "indicators[0].code"),
    ):
        response = client.post(f"/api/plans/{plan}/tasks", headers=officer, json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["error"]["field"] == field
    task = new_task(client, officer, plan, haidian)
    for progress in (-1, 101, "half"):
        response = client.post(f"/api/tasks/{task['id']}/reports", headers=officer, json={"progress": progress})
        assert response.status_code == 422 and response.json()["error"]["field"] == "progress"
    assert client.get("/api/tasks/99999999999", headers=officer).status_code in (404, 422)


def test_idempotency_keys_act_once(client, uow):
    officer = bearer(client, "officer")
    first = ok(client.post("/api/plans", headers={**officer, "Idempotency-Key": "p1"},
                           json={"year": 2026, "title": "要点"}), 201)
    again = ok(client.post("/api/plans", headers={**officer, "Idempotency-Key": "p1"},
                           json={"year": 2026, "title": "要点"}), 201)
    assert first["id"] == again["id"]
    task = new_task(client, officer, first["id"], org_id(uow, "org-haidian-kw"))
    for _ in range(2):
        ok(client.post(f"/api/tasks/{task['id']}/reports", headers={**officer, "Idempotency-Key": "r1"},
                       json={"progress": 20}), 201)
    assert ok(client.get(f"/api/tasks/{task['id']}/reports", headers=officer))["count"] == 1


def test_a_linked_indicator_shows_its_trend_against_baseline_and_target(client, uow):
    from kechuang.services.market_sample import load_market_sample

    load_market_sample(uow)  # a year of registered contracts: the measure's data
    officer = bearer(client, "officer")
    plan = ok(client.post("/api/plans", headers=officer, json={"year": 2025, "title": "2025年要点"}), 201)["id"]
    link = {"kind": "measure", "code": "platform.contract_count", "target": 500, "baseline": 100}
    task = new_task(client, officer, plan, org_id(uow, "org-haidian-kw"), deadline="2025-12-31",
                    starts_on="2025-01-01", milestones=[], indicators=[link])
    found = ok(client.get(f"/api/tasks/{task['id']}?lang=en", headers=officer))
    [indicator] = found["indicators"]
    assert indicator["name"] == "Registered contracts" and indicator["baseline"] == 100
    assert [p["year"] for p in indicator["trend"]] == [2021, 2022, 2023, 2024, 2025]
    assert indicator["current_year"] == 2025 and indicator["current"] > 100 and indicator["moved"] is True
