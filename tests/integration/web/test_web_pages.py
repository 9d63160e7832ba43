"""Registry pages, forms with field errors, matches with explanations, and what enterprise_b may not see."""

from __future__ import annotations

import re

import pytest
from web_client import csrf_of, record_id, sign_in, token_of

from kechuang.domain.entities import Achievement, Demand, Organization

SECRET_TITLE = "存算一体IP授权与联合流片（保密）"


def test_lists_filter_search_and_page(client):
    page = client.get("/achievements", params={"kind": "patent"})
    assert page.status_code == 200 and 'value="patent" selected' in page.text
    searched = client.get("/demands", params={"q": "缺陷检测"})
    assert "小样本工业缺陷检测算法授权与联合优化" in searched.text
    second = client.get("/achievements", params={"p": 2})
    assert "第 2 /" in second.text
    rows = client.get("/demands", params={"q": "缺陷"}, headers={"HX-Request": "true", "HX-Target": "rows"})
    assert rows.text.lstrip().startswith('<div id="rows">') and "<html" not in rows.text


def test_a_capped_count_says_more_and_the_pager_goes_on(client, monkeypatch):
    from kechuang.services import registry

    monkeypatch.setattr(registry, "COUNT_CAP", 20)  # the sample lists more achievements than one page
    first = client.get("/achievements")
    assert "超过 20 条" in first.text and "第 1 页，共 1 页以上" in first.text and 'rel="next"' in first.text
    second = client.get("/achievements", params={"p": 2})
    assert 'rel="prev"' in second.text and "共 20 条" not in second.text


def test_detail_shows_labels_and_codes_in_the_visitors_language(client, uow):
    demand = record_id(uow, Demand, "dem-0001")
    page = client.get(f"/demands/{demand}")
    assert page.status_code == 200 and "小样本工业缺陷检测算法授权与联合优化" in page.text
    assert "公开" in page.text and "可见范围" in page.text
    client.post("/language", data={"lang": "en", "next": "/", "csrf_token": token_of(client)})
    english = client.get(f"/demands/{demand}")
    assert "Public" in english.text and "Visibility" in english.text
    assert re.search(r"<h1>[^<]*[A-Za-z]{4}", english.text), "the English title comes first"


def test_demand_form_shows_each_bad_field_next_to_it(client):
    sign_in(client, "enterprise_a")
    response = client.post("/demands/new", data={
        "csrf_token": token_of(client, "/demands/new"), "title_zh": "", "title_en": "", "visibility": "public",
        "budget_min": "abc", "required_trl": "12", "deadline": "next week", "preferred_regions": "亚特兰蒂斯",
    })
    assert response.status_code == 422
    errors = dict(re.findall(r'<p class="field-error" id="error-([a-z_]+)">([^<]+)</p>', response.text))
    assert set(errors) == {"title_zh", "budget_min", "required_trl", "deadline", "preferred_regions"}
    assert errors["budget_min"] == "“abc”不是数字。"
    assert errors["required_trl"].startswith("应在 1 到 9 之间")
    assert "请填写" in errors["title_zh"]
    assert 'value="abc"' in response.text  # what was typed stays in the form


def test_create_and_edit_a_demand_then_see_its_matches(client):
    sign_in(client, "enterprise_a")
    created = client.post("/demands/new", data={
        "csrf_token": token_of(client, "/demands/new"), "title_zh": "工业视觉缺陷检测模型边缘部署",
        "description_zh": "在产线边缘设备上部署小样本缺陷检测模型，要求实时推理。", "visibility": "members",
        "budget_max": "200", "required_trl": "6", "cooperation_modes": ["license", "joint_development"],
        "keywords_zh": "缺陷检测；边缘计算",
    })
    assert created.status_code == 303, created.text
    location = created.headers["location"]
    demand_id = int(location.split("/")[2].split("?")[0])
    detail = client.get(location)
    assert "已保存" in detail.text and "许可; 合作开发" in detail.text and "会员可见" in detail.text
    edit = client.get(f"/demands/{demand_id}/edit")
    assert edit.status_code == 200 and 'value="200"' in edit.text
    saved = client.post(f"/demands/{demand_id}/edit", data={
        "csrf_token": token_of(client), "title_zh": "工业视觉缺陷检测模型边缘部署（二期）", "visibility": "members",
        "budget_max": "300",
    })
    assert saved.status_code == 303
    assert "（二期）" in client.get(f"/demands/{demand_id}").text
    matches = client.get(f"/demands/{demand_id}/matches")
    assert matches.status_code == 200
    assert matches.text.count('class="match"') >= 3
    assert 'class="meter"' in matches.text and "匹配度" in matches.text
    experts = client.get(f"/demands/{demand_id}/matches", params={"kind": "expert"},
                         headers={"HX-Request": "true"})
    assert experts.text.lstrip().startswith('<section id="results">') and "相关成果" in experts.text


def test_achievement_adopters_page(client, uow):
    page = client.get(f"/achievements/{record_id(uow, Achievement, 'ach-0002')}/matches")
    assert page.status_code == 200 and "需求：" in page.text


def test_enterprise_b_cannot_open_see_or_find_enterprise_as_confidential_demand(client, uow):
    secret = record_id(uow, Demand, "dem-7961da78")
    sign_in(client, "enterprise_a")
    assert SECRET_TITLE in client.get(f"/demands/{secret}").text
    client.post("/logout", data={"csrf_token": token_of(client)})
    sign_in(client, "enterprise_b")
    detail = client.get(f"/demands/{secret}")
    assert detail.status_code == 404 and "页面不存在" in detail.text and SECRET_TITLE not in detail.text
    assert client.get(f"/demands/{secret}/matches").status_code == 404
    assert client.get(f"/demands/{secret}/edit").status_code == 404
    for path, params in (("/demands", {"q": "存算一体"}), ("/demands", {"visibility": "confidential"}),
                         ("/search", {"q": "存算一体"}), ("/", {})):
        assert SECRET_TITLE not in client.get(path, params=params).text, path
    public = record_id(uow, Demand, "dem-0001")
    assert client.get(f"/demands/{public}/edit").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in_for_member_pages(client, uow):
    public = record_id(uow, Demand, "dem-0001")
    for path in ("/demands/new", "/import", "/notifications", f"/demands/{public}/edit", "/projects/new"):
        response = client.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")


def test_notifications_page_and_badge(client):
    sign_in(client, "enterprise_a")
    page = client.get("/notifications")
    assert page.status_code == 200 and 'id="notifications"' in page.text
    assert client.get("/notifications/badge").text.lstrip().startswith('<span id="badge"')


def test_pages_work_without_the_vendored_htmx(client, monkeypatch, tmp_path):
    from kechuang.web import render

    assert client.get("/static/style.css").status_code == 200
    monkeypatch.setattr(render, "HTMX_FILE", tmp_path / "absent.js")
    page = client.get("/demands")
    assert page.status_code == 200 and "htmx.min.js" not in page.text and "hx-get" not in page.text
    assert 'action="/demands" method="get"' in page.text  # the filters are a plain form


def test_the_sign_in_hint_names_every_demo_role(client):
    from kechuang.services.sample import demo_accounts

    hint = client.get("/login").text
    assert all(account["username"] in hint for account in demo_accounts())


def test_the_site_has_an_icon(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert '<link rel="icon" href="/static/favicon.svg"' in client.get("/").text


@pytest.mark.parametrize(
    ("plural", "fields", "shown"),
    [
        ("investors", {"title_zh": "硬科技早期基金", "thesis_zh": "投资电池与芯片", "stages": "seed",
                       "ticket_min": "500000", "ticket_max": "3000000"}, "硬科技早期基金"),
        ("projects", {"title_zh": "固态电池界面机理研究", "funder": "NSFC", "program": "面上项目",
                      "amount": "580000", "start_date": "2026-01-01"}, "固态电池界面机理研究"),
    ],
)
def test_investor_profiles_and_projects_have_working_new_forms(client, plural, fields, shown):
    sign_in(client, "investor")
    form = client.get(f"/{plural}/new")
    assert form.status_code == 200
    listed = client.get(f"/{plural}").text
    assert f'href="/{plural}/new"' in listed
    created = client.post(f"/{plural}/new", data={**fields, "visibility": "public", "csrf_token": csrf_of(form.text)})
    assert created.status_code == 303, created.text
    assert shown in client.get(created.headers["location"]).text


def test_record_pages_say_who_owns_and_made_what(client, uow):
    achievement = record_id(uow, Achievement, "ach-0001")
    page = client.get(f"/achievements/{achievement}").text
    assert 'id="owner"' in page and "清华大学" in page and 'href="https://www.tsinghua.edu.cn"' in page
    assert 'id="related-inventors"' in page and "张伟" in page
    tsinghua = record_id(uow, Organization, "org-tsinghua")
    org_page = client.get(f"/organizations/{tsinghua}").text
    assert f'href="/achievements/{achievement}"' in org_page and 'id="related-people"' in org_page
    assert '<a href="https://www.tsinghua.edu.cn" rel="noopener nofollow" target="_blank">' in org_page
    assert 'id="related-deals"' not in org_page


def test_a_website_that_is_not_http_is_not_a_link(client, uow):
    from kechuang.domain.access import Actor
    from kechuang.services.registry import create_record

    org = create_record(Actor.system(), "organization",
                        {"name_zh": "可疑机构", "kind": "enterprise", "website": "javascript:alert(1)"}, uow)
    page = client.get(f"/organizations/{org.id}").text
    assert "可疑机构" in page and 'href="javascript:' not in page


def test_text_typed_in_the_other_languages_box_is_filed_under_its_language(client, uow):
    sign_in(client, "enterprise_a")
    form = client.get("/demands/new").text
    assert form.count('<span class="req">*</span>') == 2  # 标题（中文） and 标题（英文）: one of them
    created = client.post("/demands/new", data={
        "csrf_token": token_of(client, "/demands/new"), "title_zh": "Weld seam inspection for pressure vessels",
        "title_en": "", "description_en": "需要焊缝缺陷检测", "description_zh": "", "visibility": "public",
    })
    assert created.status_code == 303, created.text
    demand_id = int(created.headers["location"].split("/")[2].split("?")[0])
    with uow() as session:
        stored = session.get(Demand, demand_id)
        assert (stored.title_zh, stored.title_en) == ("", "Weld seam inspection for pressure vessels")
        assert (stored.description_zh, stored.description_en) == ("需要焊缝缺陷检测", "")
