"""Representative works, conflict-checked reviewers, contests resolved by officers: each step audited."""

from __future__ import annotations

from sqlalchemy import select
from talent_helpers import person_id, scheme_id

from kechuang.domain.entities import Achievement, Authorship
from kechuang.domain.market import AuditEvent


def achievement_of(uow, external_id: str) -> int:
    with uow() as session:
        return int(session.scalar(select(Achievement.id).where(Achievement.external_id == external_id)))


def authored_by(uow, person: int) -> list[int]:
    with uow() as session:
        return list(session.scalars(select(Authorship.achievement_id).where(Authorship.person_id == person)))


def actions(uow) -> list[str]:
    with uow() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def test_a_person_nominates_only_their_own_works_and_at_most_five(talent, heads, uow):
    me = person_id(uow, "per-linyue-casia")
    mine = talent.get(f"/api/talent/people/{me}/works", headers=heads("researcher")).json()["data"]
    assert len(mine) == 2 and all(w["mean_score"] is not None for w in mine)
    foreign = achievement_of(uow, "ach-0001")  # 张伟's
    refused = talent.post(
        f"/api/talent/people/{me}/works", json={"achievement_id": foreign}, headers=heads("researcher")
    )
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "achievement_id"
    again = talent.post(
        f"/api/talent/people/{me}/works",
        json={"achievement_id": mine[0]["achievement_id"]},
        headers=heads("researcher"),
    )
    assert again.status_code == 201 and again.json()["id"] == mine[0]["id"]  # a repeat returns the first
    other = person_id(uow, "per-zhangwei-thu")
    blocked = talent.post(
        f"/api/talent/people/{other}/works", json={"achievement_id": foreign}, headers=heads("researcher")
    )
    assert blocked.status_code == 404


def test_a_colleague_of_the_nominee_cannot_review_and_the_reason_is_given(talent, heads, uow):
    me = person_id(uow, "per-linyue-casia")
    work = talent.get(f"/api/talent/people/{me}/works", headers=heads("officer")).json()["data"][0]
    colleague = person_id(uow, "per-zhouhang-casia")  # same institute
    refused = talent.post(
        f"/api/talent/works/{work['id']}/reviewers", json={"person_id": colleague}, headers=heads("officer")
    )
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "conflict_of_interest"
    assert (
        talent.post(
            f"/api/talent/works/{work['id']}/reviewers",
            json={"person_id": colleague},
            headers=heads("enterprise_a"),
        ).status_code
        == 404
    )


def test_a_review_score_feeds_the_representative_works_dimension(talent, heads, uow):
    nominee = person_id(uow, "per-lixin-pku")
    achievement = authored_by(uow, nominee)[0]
    officer = heads("officer")
    work = talent.post(
        f"/api/talent/people/{nominee}/works", json={"achievement_id": achievement}, headers=officer
    ).json()
    reviewer = person_id(uow, "per-f-mueller")
    review = talent.post(
        f"/api/talent/works/{work['id']}/reviewers", json={"person_id": reviewer}, headers=officer
    )
    assert review.status_code == 201, review.text
    scored = talent.post(
        f"/api/talent/reviews/{review.json()['id']}", json={"score": 9, "comment": "novel"}, headers=officer
    )
    assert scored.status_code == 200 and scored.json()["status"] == "scored"
    assert (
        talent.post(
            f"/api/talent/reviews/{review.json()['id']}", json={"score": 3}, headers=officer
        ).status_code
        == 409
    )
    assert (
        talent.post(
            f"/api/talent/reviews/{review.json()['id']}", json={"score": 11}, headers=officer
        ).status_code
        == 422
    )
    sid = scheme_id(talent, "basic_research")
    talent.post(f"/api/talent/schemes/{sid}/runs", json={"draws": 20}, headers=officer)
    item = talent.get(f"/api/talent/people/{nominee}/evaluation?scheme={sid}", headers=officer).json()
    works = next(c for c in item["contributions"] if c["dimension"] == "representative_works")
    assert works["raw"] == 0.9 and works["evidence"][0]["mean_score"] == 9
    assert {"talent.work.nominate", "talent.review.assign", "talent.review.score"} <= set(actions(uow))


def test_an_upheld_contest_removes_the_item_from_the_next_run(talent, heads, uow):
    me = person_id(uow, "per-linyue-casia")
    sid = scheme_id(talent, "young_talent")
    item = talent.get(f"/api/talent/people/{me}/evaluation?scheme={sid}", headers=heads("researcher")).json()
    patents = next(c for c in item["contributions"] if c["dimension"] == "patents")
    evidence = patents["evidence"][0]
    raised = talent.post(
        f"/api/talent/people/{me}/contests",
        headers=heads("researcher"),
        json={
            "dimension": "patents",
            "evidence_entity": evidence["entity"],
            "evidence_id": evidence["id"],
            "reason": "这项专利的发明人不是我",
        },
    )
    assert raised.status_code == 201 and raised.json()["status"] == "open"
    assert (
        talent.post(
            f"/api/talent/people/{me}/contests",
            headers=heads("enterprise_a"),
            json={"dimension": "patents", "reason": "x"},
        ).status_code
        == 404
    )
    assert talent.get("/api/talent/contests", headers=heads("researcher")).status_code == 404
    mine = talent.get(f"/api/talent/contests?person_id={me}", headers=heads("researcher")).json()["data"]
    assert raised.json()["id"] in [c["id"] for c in mine]
    contest = raised.json()["id"]
    assert (
        talent.post(
            f"/api/talent/contests/{contest}/resolve",
            json={"decision": "upheld"},
            headers=heads("researcher"),
        ).status_code
        == 404
    )
    resolved = talent.post(
        f"/api/talent/contests/{contest}/resolve",
        json={"decision": "upheld", "note": "核实"},
        headers=heads("officer"),
    )
    assert resolved.status_code == 200 and resolved.json()["status"] == "upheld"
    assert (
        talent.post(
            f"/api/talent/contests/{contest}/resolve", json={"decision": "rejected"}, headers=heads("officer")
        ).status_code
        == 409
    )
    talent.post(f"/api/talent/schemes/{sid}/runs", json={"draws": 20}, headers=heads("officer"))
    after = talent.get(f"/api/talent/people/{me}/evaluation?scheme={sid}", headers=heads("researcher")).json()
    patents_after = next(c for c in after["contributions"] if c["dimension"] == "patents")
    assert (evidence["entity"], evidence["id"]) not in {
        (e["entity"], e["id"]) for e in patents_after["evidence"]
    }
    assert patents_after["raw"] < patents["raw"]
    assert {"talent.contest.raise", "talent.contest.resolve"} <= set(actions(uow))


def test_links_are_set_by_officers_only_and_once(talent, heads, uow):
    from kechuang.domain.accounts import User

    with uow() as session:
        tto = session.scalar(select(User.id).where(User.username == "tto"))
    person = person_id(uow, "per-gaoyan-tto")
    body = {"user_id": tto, "person_id": person}
    assert talent.post("/api/talent/links", json=body, headers=heads("tto")).status_code == 404
    assert talent.post("/api/talent/links", json=body, headers=heads("officer")).status_code == 201
    assert talent.get("/api/talent/me", headers=heads("tto")).json()["person_id"] == person
    taken = {"user_id": tto, "person_id": person_id(uow, "per-fangqing-tto")}
    assert talent.post("/api/talent/links", json=taken, headers=heads("officer")).status_code == 409


def test_a_confidential_achievement_counts_but_is_not_shown_to_those_who_may_not_see_it(talent, heads, uow):
    from kechuang.domain.access import Actor
    from kechuang.domain.entities import Organization
    from kechuang.services.registry import create_record

    with uow() as session:
        owner = session.scalar(select(Organization.id).where(Organization.external_id == "org-enterprise-a"))
    secret = create_record(
        Actor.system("test"),
        "achievement",
        {
            "title_zh": "保密的专利X",
            "kind": "patent",
            "ip_status": "granted",
            "visibility": "confidential",
            "owner_org_id": owner,
        },
        uow,
    )
    me = person_id(uow, "per-linyue-casia")
    sid = scheme_id(talent, "young_talent")
    before = talent.get(f"/api/talent/people/{me}/evaluation?scheme={sid}", headers=heads("officer")).json()
    counted = next(c for c in before["contributions"] if c["dimension"] == "patents")["evidence_count"]
    with uow() as session:
        session.add(Authorship(achievement_id=secret.id, person_id=me, position=1))
    talent.post(f"/api/talent/schemes/{sid}/runs", json={"draws": 10}, headers=heads("officer"))
    for viewer in ("officer", "researcher"):
        item = talent.get(f"/api/talent/people/{me}/evaluation?scheme={sid}", headers=heads(viewer))
        patents = next(c for c in item.json()["contributions"] if c["dimension"] == "patents")
        assert patents["evidence_count"] == counted + 1  # the secret patent counts
        assert "保密的专利X" not in item.text and secret.id not in [e["id"] for e in patents["evidence"]]
        assert any(e.get("redacted") for e in patents["evidence"])
