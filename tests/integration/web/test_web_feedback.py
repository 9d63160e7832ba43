"""Match feedback and listing freshness on the pages, in both languages: verdict buttons that work without
JS, the supplier's notice and page line, the officer's funnel, expired listings and "still current"."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import update
from web_client import record_id, sign_in, token_of

from kechuang.domain.clock import now
from kechuang.domain.entities import Achievement, Demand


def english(client):
    client.post("/language", data={"lang": "en", "next": "/", "csrf_token": token_of(client)})


def first_foreign_match(client, uow, demand: int) -> int:
    """An achievement on the demand's match page that another organization owns (researcher's, if shown)."""
    page = client.get(f"/demands/{demand}/matches").text
    ids = [int(i) for i in re.findall(r'name="matched_id" value="(\d+)"', page)]
    assert ids, "the owner sees verdict buttons"
    shown = [int(i) for i in re.findall(r'class="card-title" href="/achievements/(\d+)"', page)]
    with uow() as session:
        owners = {i: session.get(Achievement, i).owner_org_id for i in shown}
        own_org = session.get(Demand, demand).owner_org_id
    assert {i for i in shown if owners[i] != own_org} == set(ids)  # never asked about its own records
    return ids[0]


def give(client, demand: int, matched: int, verdict: str, **extra):
    token = token_of(client, f"/demands/{demand}/matches")
    return client.post("/matches/feedback", data={
        "listing_entity": "demand", "listing_id": demand, "matched_id": matched, "verdict": verdict,
        "back": f"/demands/{demand}/matches", "csrf_token": token, **extra,
    })


def test_the_owner_marks_a_match_and_the_supplier_and_officer_see_it(client, app, uow):
    demand = record_id(uow, Demand, "dem-0001")
    assert 'name="verdict"' not in client.get(f"/demands/{demand}/matches").text  # anonymous: no buttons
    sign_in(client, "enterprise_a")
    matched = first_foreign_match(client, uow, demand)
    done = give(client, demand, matched, "useful")
    assert done.status_code == 303 and done.headers["location"] == f"/demands/{demand}/matches"
    page = client.get(f"/demands/{demand}/matches").text
    assert f'id="feedback-demand-{demand}-{matched}"' in page and 'aria-pressed="true"' in page
    assert "有用" in page and "不相关" in page
    htmx = client.post("/matches/feedback", headers={"HX-Request": "true"}, data={
        "listing_entity": "demand", "listing_id": demand, "matched_id": matched, "verdict": "useful",
        "csrf_token": token_of(client, f"/demands/{demand}/matches"),
    })
    assert htmx.status_code == 200 and "已记录您的评价" in htmx.text and "<html" not in htmx.text
    bad = give(client, demand, matched, "great")
    assert bad.status_code == 422
    english(client)
    assert "Not relevant" in client.get(f"/demands/{demand}/matches").text
    client.post("/logout", data={"csrf_token": token_of(client)})

    with uow() as session:
        owner = session.get(Achievement, matched).owner_org_id
        from kechuang.domain.accounts import User

        supplier = session.query(User).filter(User.organization_id == owner).first()
    if supplier is not None:  # the supplier has a demo account: its notice and its record's page
        sign_in(client, supplier.username)
        notes = client.get("/notifications").text
        assert "useful match" in notes or "有用的匹配" in notes
        assert 'id="found-useful"' in client.get(f"/achievements/{matched}").text
        client.post("/logout", data={"csrf_token": token_of(client)})
    sign_in(client, "enterprise_b")
    assert 'id="found-useful"' not in client.get(f"/achievements/{matched}").text  # not theirs
    assert client.get("/funnel").status_code == 403
    client.post("/logout", data={"csrf_token": token_of(client)})

    sign_in(client, "officer")
    funnel = client.get("/funnel").text
    assert "匹配转化漏斗" in funnel and 'data-stage="useful">1' in funnel and 'id="funnel-csv"' in funnel
    assert 'href="/funnel"' in client.get("/market/statistics").text  # linked from the officer's pages
    english(client)
    yearly = client.get("/funnel?period=year").text
    assert "Match funnel" in yearly and "Registered contracts" in yearly and f">{now().year}<" in yearly
    assert client.get("/funnel?date_from=yesterday").status_code == 422


def test_the_supplier_line_and_notice_name_no_confidential_listing(client, uow):
    secret = record_id(uow, Demand, "dem-7961da78")
    mine = record_id(uow, Achievement, _researcher_achievement(uow))
    sign_in(client, "enterprise_a")
    assert give(client, secret, mine, "useful").status_code == 303
    client.post("/logout", data={"csrf_token": token_of(client)})
    sign_in(client, "researcher")
    notes = client.get("/notifications").text
    assert "一个您无权查看的条目" in notes
    page = client.get(f"/achievements/{mine}").text
    assert "您无权查看的条目" in page and f"/demands/{secret}" not in page


def _researcher_achievement(uow) -> str:
    from sqlalchemy import select

    from kechuang.domain.entities import Organization

    with uow() as session:
        org = session.scalars(
            select(Organization.id).where(Organization.external_id == "org-researcher-inst")
        ).one()
        return session.scalars(select(Achievement.external_id).where(Achievement.owner_org_id == org)).first()


def test_an_expired_demand_shows_why_and_comes_back_when_confirmed(client, uow):
    demand = record_id(uow, Demand, "dem-0001")
    with uow() as session:
        session.execute(update(Demand).where(Demand.id == demand).values(
            deadline=now().date() - timedelta(days=1), confirmed_at=None))
    assert f'href="/demands/{demand}"' not in client.get("/demands?sort=newest").text
    assert f'/demands/{demand}"' in client.get("/demands?expired=only").text
    assert 'id="listing-expired"' in client.get(f"/demands/{demand}").text
    assert 'id="matches-expired"' in client.get(f"/demands/{demand}/matches").text
    assert 'id="confirm-current"' not in client.get(f"/demands/{demand}").text  # not the owner
    sign_in(client, "enterprise_a")
    page = client.get(f"/demands/{demand}").text
    assert 'id="confirm-current"' in page and "仍然有效" in page
    done = client.post(f"/demands/{demand}/confirm", data={"csrf_token": token_of(client, f"/demands/{demand}")})
    assert done.status_code == 303 and done.headers["location"] == f"/demands/{demand}?confirmed=1"
    assert 'id="listing-confirmed"' in client.get(f"/demands/{demand}?confirmed=1").text
    assert 'id="matches-expired"' not in client.get(f"/demands/{demand}/matches").text
    english(client)
    with uow() as session:
        session.execute(update(Demand).where(Demand.id == demand).values(
            deadline=now().date() + timedelta(days=5), confirmed_at=None))
    assert "Still current" in client.get(f"/demands/{demand}").text
    sign_in(client, "enterprise_b")
    refused = client.post(f"/demands/{demand}/confirm", data={"csrf_token": token_of(client)})
    assert refused.status_code == 403
