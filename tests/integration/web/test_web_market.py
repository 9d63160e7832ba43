"""Market pages: a whole deal through the forms, refusals shown translated, who sees what, statistics, import."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from web_client import sign_in, token_of

from kechuang.domain.accounts import User
from kechuang.domain.market import Contract
from kechuang.services import accounts
from kechuang.services.market_sample import load_market_sample
from kechuang.services.registry import create_record
from kechuang.web.render import ECHARTS_FILE
from kechuang.web.routes import market_stats as market_stats_page

NEEDS_ECHARTS = pytest.mark.skipif(
    not ECHARTS_FILE.is_file(), reason="ECharts is not vendored: `make assets` installs it (the page shows tables only)"
)
SECRET = "电解质配方：硫化物体系，掺杂比例见附件三"


def person(app, username: str) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    sign_in(client, username)
    return client


@pytest.fixture
def listing(uow, app) -> int:
    with uow() as session:
        user = session.scalars(select(User).where(User.username == "tto")).one()
    item = create_record(accounts.actor_for(user), "achievement",
                         {"title_zh": "固态锂电池电解质制备技术", "title_en": "Solid-state electrolyte process",
                          "trl": 6, "discipline_codes": ["480"], "industry_codes": ["38"]}, uow)
    return int(item.id)


def form_key(html: str, form_id: str) -> str:
    """The one-time idempotency key the page rendered into one form."""
    start = html.index(f'id="{form_id}"')
    return re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', html[start:]).group(1)


def act(client: TestClient, deal_id: int, action: str, form_id: str = "", **fields):
    page = client.get(f"/deals/{deal_id}").text
    data = {"csrf_token": token_of(client, f"/deals/{deal_id}"),
            "idempotency_key": form_key(page, form_id or f"form-{action}"), **fields}
    return client.post(f"/deals/{deal_id}/{action}", data=data)


def open_deal(app, listing: int) -> tuple[TestClient, int]:
    buyer = person(app, "enterprise_a")
    page = buyer.get(f"/achievements/{listing}")
    assert 'id="inquire-button"' in page.text
    answer = buyer.post(f"/achievements/{listing}/inquire",
                        data={"csrf_token": token_of(buyer, f"/achievements/{listing}"), "message": "想了解授权条件",
                              "idempotency_key": form_key(page.text, "inquire")})
    assert answer.status_code == 303
    return buyer, int(answer.headers["location"].rsplit("/", 1)[1])


def test_a_whole_deal_through_the_pages(app, uow, listing):
    seller = person(app, "tto")
    owner_page = seller.get(f"/achievements/{listing}").text
    assert 'id="inquire-button"' not in owner_page and 'action="/achievements/' in owner_page
    saved = seller.post(f"/achievements/{listing}/disclosure",
                        data={"csrf_token": token_of(seller, f"/achievements/{listing}"), "text": SECRET})
    assert saved.status_code == 303 and SECRET in seller.get(f"/achievements/{listing}").text

    buyer, deal_id = open_deal(app, listing)
    page = buyer.get(f"/deals/{deal_id}").text
    assert "想了解授权条件" in page and 'aria-current="step"' in page and SECRET not in page
    assert "芯衡智能 李经理" in page and "· enterprise_a" not in page  # people by display name, not login
    assert 'id="nda-text"' in page and "保密协议（平台通用文本" in page  # the text accepted is shown
    assert act(seller, deal_id, "accept_nda").status_code == 303
    assert act(buyer, deal_id, "accept_nda").status_code == 303
    page = buyer.get(f"/deals/{deal_id}").text
    assert SECRET in page  # the disclosure opens after both NDAs
    assert page.count("NDA kechuang-nda-2026-1 sha256 ") == 2  # each acceptance names the text's digest

    offered = act(seller, deal_id, "offer", price="2,000,000", contract_type="transfer",
                  ip_terms="专利权转让，卖方保留科研使用权")
    assert offered.status_code == 303 and offered.headers["location"].startswith(f"/deals/{deal_id}?done=offer")
    page = buyer.get(f"/deals/{deal_id}").text
    assert "¥2,000,000" in page and "技术转让" in page and "还价" in page
    told = buyer.get("/notifications").text  # who did what, not only the stage
    assert "清华大学技术转移研究院：报价 ¥2,000,000（交易" in told
    offer_id = re.search(r'name="offer_id" value="(\d+)"', page).group(1)
    assert act(buyer, deal_id, "accept_offer", f"form-accept_offer-{offer_id}", offer_id=offer_id).status_code == 303
    assert act(seller, deal_id, "sign").status_code == 303
    assert act(buyer, deal_id, "sign").status_code == 303

    registrar = person(app, "registrar")
    overseen = registrar.get(f"/deals/{deal_id}").text  # the steps and the contract, not the conversation
    assert 'id="messages-private"' in overseen and "想了解授权条件" not in overseen
    assert "想了解授权条件" not in person(app, "officer").get(f"/deals/{deal_id}").text
    queue = registrar.get("/contracts").text
    assert f'href="/deals/{deal_id}"' in queue and "待登记" in queue
    assert act(registrar, deal_id, "approve", transaction_amount="1800000").status_code == 303
    page = registrar.get(f"/deals/{deal_id}").text
    assert 'id="registration-number"' in page and "¥1,800,000" in page and 'id="form-approve"' not in page

    page = buyer.get(f"/deals/{deal_id}").text
    key = form_key(page, "form-payment")
    twice = {"csrf_token": token_of(buyer), "idempotency_key": key, "amount": "500000"}
    assert buyer.post(f"/deals/{deal_id}/payment", data=twice).status_code == 303
    assert buyer.post(f"/deals/{deal_id}/payment", data=twice).status_code == 303  # a double submit acts once
    assert buyer.get(f"/deals/{deal_id}").text.count("¥500,000") == 2  # the payment row and its timeline note
    assert act(seller, deal_id, "milestone", title="工艺包交付").status_code == 303
    assert act(seller, deal_id, "close").status_code == 303

    page = seller.get(f"/deals/{deal_id}").text
    assert "stage stage-closed" in page and "已完成" in page and "交易关闭" in page and "工艺包交付" in page
    assert 'id="deal-actions"' in page and 'id="form-close"' not in page
    deals = buyer.get("/deals?stage=closed").text
    assert f'href="/deals/{deal_id}"' in deals


def test_out_of_turn_and_invalid_steps_show_the_reason_beside_the_form(app, listing):
    buyer, deal_id = open_deal(app, listing)
    seller = person(app, "tto")
    early = seller.post(f"/deals/{deal_id}/offer", data={"csrf_token": token_of(seller), "price": "100"})
    assert early.status_code == 409
    assert "交易当前处于“询价”阶段，现在不能办理这一步。" in early.text
    act(seller, deal_id, "accept_nda")
    act(buyer, deal_id, "accept_nda")
    bad = act(seller, deal_id, "offer", price="很多")
    assert bad.status_code == 422 and 'id="error-offer"' in bad.text and "“很多”不是数字。" in bad.text
    assert 'value="很多"' in bad.text  # the form keeps what was typed
    refused = seller.post(f"/deals/{deal_id}/approve", data={"csrf_token": token_of(seller)})
    assert refused.status_code == 403 and "只有登记机构可以办理这一步。" in refused.text
    seller.post("/language", data={"csrf_token": token_of(seller), "lang": "en", "next": "/"})
    again = seller.post(f"/deals/{deal_id}/accept_nda", data={"csrf_token": token_of(seller)})
    assert "The deal is in the “Negotiation” stage" in again.text


def test_a_deal_is_hidden_from_other_organizations(app, listing):
    _buyer, deal_id = open_deal(app, listing)
    outsider = person(app, "enterprise_b")
    assert outsider.get(f"/deals/{deal_id}").status_code == 404
    refused = outsider.post(f"/deals/{deal_id}/withdraw", data={"csrf_token": token_of(outsider)})
    assert refused.status_code == 404
    assert f'href="/deals/{deal_id}"' not in outsider.get("/deals").text
    assert person(app, "officer").get(f"/deals/{deal_id}").status_code == 200
    anonymous = TestClient(app, follow_redirects=False)
    assert anonymous.get(f"/deals/{deal_id}").status_code == 303
    assert "/deals" not in anonymous.get("/").text
    assert 'id="nav-market"' in outsider.get("/").text


def test_statistics_page_is_for_officers_with_flows_and_downloads(app, uow):
    load_market_sample(uow)
    refused = person(app, "enterprise_a").get("/market/statistics?year=2025")
    assert refused.status_code == 403 and "合同统计仅供主管部门、登记机构和管理员查看。" in refused.text
    officer = person(app, "officer")
    page = officer.get("/market/statistics?year=2025")
    assert page.status_code == 200
    for label in ("北京市内", "流向津冀", "流向外省市", "流向境外", "外省市流入", "技术转让"):
        assert label in page.text, label
    assert '<option value="2025" selected>' in page.text
    assert "/api/market/statistics.csv?year=2025" in page.text
    csv = officer.get("/api/market/statistics.csv?year=2025&lang=zh")
    assert csv.status_code == 200 and "北京市内" in csv.content.decode("utf-8-sig")
    english = person(app, "officer")
    english.post("/language", data={"csrf_token": token_of(english), "lang": "en", "next": "/"})
    assert "Within Beijing" in english.get("/market/statistics?year=2025").text


@NEEDS_ECHARTS
def test_statistics_charts_carry_the_flows_and_the_months(app, uow):
    load_market_sample(uow)
    page = person(app, "officer").get("/market/statistics?year=2025")
    assert '<script src="/static/vendor/echarts.min.js" defer></script>' in page.text
    block = page.text.split('<script type="application/json" id="market-data">')[1].split("</script>")[0]
    charts = json.loads(block)
    assert {"北京（卖方）", "津冀（买方）"} <= {node["name"] for node in charts["flow"]["nodes"]}
    assert {link["flow"] for link in charts["flow"]["links"]} >= {"北京市内", "流向境外"}
    assert len(charts["months"]["names"]) == 12 and sum(charts["months"]["count"]) >= 480


def test_statistics_without_echarts_show_tables_and_say_why(app, uow, monkeypatch, tmp_path):
    monkeypatch.setattr(market_stats_page, "ECHARTS_FILE", tmp_path / "absent.js")
    load_market_sample(uow)
    page = person(app, "officer").get("/market/statistics?year=2025")
    assert page.status_code == 200 and "echarts.min.js" not in page.text and 'id="market-data"' not in page.text
    assert "图表组件未安装（运行 make assets）" in page.text and 'id="table-flow"' in page.text


BAD_REGISTER = (
    "external_id,registration_number,contract_type,seller_name,buyer_name,contract_amount,registered_on\n"
    "web-c-1,2025110108000901,transfer,甲研究所,乙公司,100000,2025-03-01\n"
    "web-c-2,2025110108000902,barter,甲研究所,乙公司,很多,2025-03-02\n"
)
GOOD_REGISTER = (
    "external_id,registration_number,contract_type,seller_name,buyer_name,contract_amount,registered_on\n"
    "web-c-1,2025110108000901,transfer,甲研究所,乙公司,100000,2025-03-01\n"
)


def contract_count(uow) -> int:
    with uow() as session:
        return session.scalar(select(func.count()).select_from(Contract))


def test_contract_import_shows_row_errors_and_writes_nothing(app, uow):
    assert person(app, "enterprise_a").get("/contracts/import").status_code == 403
    officer = person(app, "officer")
    before = contract_count(uow)

    def upload(text: str):
        return officer.post("/contracts/import", data={"csrf_token": token_of(officer, "/contracts/import")},
                            files={"file": ("register.csv", text.encode(), "text/csv")})

    bad = upload(BAD_REGISTER)
    assert bad.status_code == 422 and 'id="import-errors"' in bad.text and "没有写入任何数据" in bad.text
    assert "<td>3</td><td>合同金额（元）</td><td>“很多”不是数字。</td>" in bad.text
    assert "<td>3</td><td>合同类型</td>" in bad.text
    assert contract_count(uow) == before
    preview = upload(GOOD_REGISTER)
    assert preview.status_code == 200 and 'id="import-preview"' in preview.text and "将新增 1 份合同" in preview.text
    assert contract_count(uow) == before  # the preview writes nothing
    token = re.search(r'name="token" value="([^"]+)"', preview.text).group(1)
    done = officer.post("/contracts/import/confirm",
                        data={"csrf_token": token_of(officer, "/contracts/import"), "token": token})
    assert done.status_code == 200 and 'id="imported-contracts"' in done.text
    assert contract_count(uow) == before + 1
    link = re.search(r'href="(/contracts/\d+)"', done.text.split('id="imported-contracts"')[1]).group(1)
    assert "2025110108000901" in officer.get(link).text
    assert "2025110108000901" in officer.get("/contracts?status=registered").text


def test_inquiring_twice_acts_once_and_a_second_deal_is_refused(app, listing):
    buyer = person(app, "enterprise_a")
    page = buyer.get(f"/achievements/{listing}").text
    data = {"csrf_token": token_of(buyer), "idempotency_key": form_key(page, "inquire")}
    first = buyer.post(f"/achievements/{listing}/inquire", data=data)
    assert buyer.post(f"/achievements/{listing}/inquire", data=data).headers["location"] == first.headers["location"]
    deal_id = first.headers["location"].rsplit("/", 1)[1]
    again = buyer.post(f"/achievements/{listing}/inquire",
                       data={"csrf_token": token_of(buyer), "idempotency_key": "another-try"})
    assert again.status_code == 409 and 'id="inquire-error"' in again.text
    assert f"你们之间就此项目已有进行中的交易（#{deal_id}）。" in again.text
    assert "disclosure" not in buyer.get(f"/achievements/{listing}").text  # only the owner edits it
    own = person(app, "tto").get(f"/achievements/{listing}").text
    assert 'id="inquire-button"' not in own and 'id="disclosure-save"' in own


def test_statistics_open_on_the_latest_year_and_compare_ranges_year_on_year(app, uow):
    from kechuang.domain.access import Actor
    from kechuang.services.market_stats import latest_year

    load_market_sample(uow)
    officer = person(app, "officer")
    latest = latest_year(Actor.system(), uow)
    opened = officer.get("/market/statistics").text
    assert f'<option value="{latest}" selected>' in opened
    ranged = officer.get("/market/statistics?year_from=2024&year_to=2025").text
    assert "2024–2025 年技术合同登记统计" in ranged and "2022–2023" in ranged  # compared with 2022-2023
    assert "year_from=2024&amp;year_to=2025" in ranged  # the downloads cover the same range
    assert "一份合同涉及多个领域时在每个领域各计一次" in ranged and "主要卖方（前十）" in ranged
    assert officer.get("/market/statistics?year=2025").text.count('class="yoy') == 0  # nothing in 2024
    later = officer.get("/market/statistics?year=2026").text
    assert "同比" in later and 'class="yoy' in later


def test_offers_take_amounts_as_people_write_them_and_start_from_what_is_on_the_table(app, uow, listing):
    from kechuang.domain.access import Actor
    from kechuang.services.registry import update_record

    update_record(Actor.system(), "achievement", listing,
                  {"asking_price_min": 150, "asking_price_max": 300, "transfer_modes": ["license"]}, uow)
    buyer, deal_id = open_deal(app, listing)
    seller = person(app, "tto")
    act(seller, deal_id, "accept_nda")
    act(buyer, deal_id, "accept_nda")
    first = seller.get(f"/deals/{deal_id}").text
    assert 'name="price" inputmode="decimal" required\n        value="1500000"' in first  # the asking price
    assert '<option value="license" selected>' in first and "挂牌报价 150.0–300.0 万元" in first
    assert act(seller, deal_id, "offer", price="300万", contract_type="license").status_code == 303
    counter = buyer.get(f"/deals/{deal_id}").text
    assert "¥3,000,000" in counter and 'value="3000000"' in counter  # the counter-offer starts from it
    assert act(buyer, deal_id, "offer", price="2.6M", contract_type="license").status_code == 303
    assert "¥2,600,000" in seller.get(f"/deals/{deal_id}").text
