"""The talent pages: bilingual, the cap refused with its reason in the editor, outsiders get 404."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kechuang.app import create_app
from kechuang.config import Settings
from kechuang.services.market_sample import load_market_sample
from kechuang.services.talent.sample import load_talent_sample

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))
from web_client import sign_in, token_of


@pytest.fixture
def pages(make_client, uow, tmp_path) -> TestClient:
    make_client()  # the sample and the demo accounts
    load_market_sample(uow)
    load_talent_sample(uow)
    return TestClient(create_app(Settings(data_dir=tmp_path, embedder="none"), uow), follow_redirects=False)


def test_schemes_are_public_and_officer_pages_are_not(pages):
    home = pages.get("/talent")
    assert (
        home.status_code == 200 and "基础研究类人才评价" in home.text and "Basic research talent" in home.text
    )
    assert pages.get("/talent/young").status_code == 303  # to the sign-in page
    sign_in(pages, "enterprise_a")
    for path in (
        "/talent/young",
        "/talent/gaps",
        "/talent/evaluations?scheme=1",
        "/talent/people/1?scheme=1",
    ):
        assert pages.get(path).status_code == 404, path


def test_officer_pages_show_intervals_reasons_and_candidates(pages):
    sign_in(pages, "officer")
    ranked = pages.get("/talent/evaluations?scheme=1")
    assert ranked.status_code == 200 and 'class="interval">[1,' in ranked.text
    young = pages.get("/talent/young")
    assert young.status_code == 200 and "talent-reasons" in young.text
    gaps = pages.get("/talent/gaps")
    assert gaps.status_code == 200 and "candidates" in gaps.text


def test_a_person_sees_every_contribution_with_evidence_in_both_languages(pages, uow):
    from talent_helpers import person_id

    me = person_id(uow, "per-linyue-casia")
    sign_in(pages, "researcher")
    page = pages.get(f"/talent/people/{me}?scheme=4")
    assert page.status_code == 200
    assert "代表作同行评议" in page.text and "Representative works (peer-reviewed)" in page.text
    assert "跨被试迁移的运动想象脑电解码方法研究" in page.text  # the Young Scientists Fund project, zh
    assert "Cross-subject transfer for motor-imagery EEG decoding" in page.text  # and en
    assert page.text.count('id="dimension-') == 7


def test_the_editor_refuses_paper_counts_at_thirty_percent_with_the_reason(pages):
    sign_in(pages, "officer")
    token = token_of(pages, "/talent/schemes/1")
    form = {
        "csrf_token": token,
        "version": "1",
        "weight_paper_count": "30",
        "weight_projects": "40",
        "weight_representative_works": "30",
    }
    refused = pages.post("/talent/schemes/1", data=form)
    assert refused.status_code == 422
    assert 'id="scheme-error"' in refused.text and "30%" in refused.text and "10%" in refused.text
    form.update(weight_paper_count="10", weight_projects="60")
    saved = pages.post("/talent/schemes/1", data=form)
    assert saved.status_code == 303
    assert "第2版" in pages.get(saved.headers["location"]).text


def test_ids_beyond_the_database_are_not_found_not_a_crash(pages):
    sign_in(pages, "officer")
    huge = 2**64
    for path in (f"/talent/schemes/{huge}", f"/talent/evaluations?scheme={huge}", f"/talent/people/{huge}"):
        assert pages.get(path).status_code == 404, path
    token = token_of(pages, "/talent")
    refused = pages.post(
        "/talent/people/1/contest",
        data={"csrf_token": token, "dimension": "patents", "evidence": f"achievement:{huge}", "reason": "x"},
    )
    assert refused.status_code in (404, 422)


def test_an_officer_resolves_a_contest_on_the_persons_page(pages, uow):
    from talent_helpers import person_id

    me = person_id(uow, "per-linyue-casia")
    sign_in(pages, "officer")
    page = pages.get(f"/talent/people/{me}?scheme=4")
    assert "resolve-contest" in page.text
    contest = int(page.text.split('action="/talent/contests/')[1].split("/")[0])
    token = token_of(pages, f"/talent/people/{me}?scheme=4")
    done = pages.post(
        f"/talent/contests/{contest}/resolve",
        data={
            "csrf_token": token,
            "person": str(me),
            "scheme": "4",
            "decision": "rejected",
            "note": "已核实",
        },
    )
    assert done.status_code == 303
    after = pages.get(f"/talent/people/{me}?scheme=4").text
    assert "已核实" in after and "resolve-contest" not in after
    again = pages.post(
        f"/talent/contests/{contest}/resolve",
        data={"csrf_token": token, "person": str(me), "scheme": "4", "decision": "upheld"},
    )
    assert again.status_code == 409
