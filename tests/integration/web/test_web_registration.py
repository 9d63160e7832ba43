"""Pages in Chinese and English: the registrar's registration fields, import templates, results that link."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from test_web_market import act, form_key, listing, open_deal, person  # noqa: F401  (listing: a fixture)
from web_client import token_of

ORGS_CSV = "外部编号,名称（中文）,名称（英文）,类型\norg-w1,网页导入大学,Web Import University,高校\n"


def english(client: TestClient) -> TestClient:
    client.post("/language", data={"lang": "en", "next": "/", "csrf_token": token_of(client)})
    return client


def to_registration(app, listing: int) -> int:  # noqa: F811
    seller = person(app, "tto")
    buyer, deal_id = open_deal(app, listing)
    act(seller, deal_id, "accept_nda")
    act(buyer, deal_id, "accept_nda")
    act(seller, deal_id, "offer", price="1,000,000", contract_type="license")
    page = buyer.get(f"/deals/{deal_id}").text
    offer_id = re.search(r'name="offer_id" value="(\d+)"', page).group(1)
    act(buyer, deal_id, "accept_offer", f"form-accept_offer-{offer_id}", offer_id=offer_id)
    act(seller, deal_id, "sign")
    act(buyer, deal_id, "sign")
    return deal_id


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_registrar_form_records_and_shows_the_registration_fields(app, listing, lang):  # noqa: F811
    deal_id = to_registration(app, listing)
    registrar = person(app, "registrar")
    if lang == "en":
        english(registrar)
    page = registrar.get(f"/deals/{deal_id}").text
    form = page[page.index('id="form-approve"'):]
    labels = (["登记信息", "合同子类", "技术领域", "卖方类型", "买方类型", "免征增值税资格", "专利实施许可", "高等院校"]
              if lang == "zh" else ["Registration details", "Contract sub-type", "Technical field", "Seller kind",
                                    "VAT exemption eligible", "Patent licence", "University"])
    assert all(label in form for label in labels)
    assert "委托开发" not in form and "Commissioned development" not in form  # only this type's sub-types
    buyer_kind = form[form.index('name="buyer_kind"'):]
    assert buyer_kind.index('<option value="enterprise" selected>') < buyer_kind.index("</select>")  # suggested
    bad = act(registrar, deal_id, "approve", contract_subtype="patent_right", seller_kind="alien",
              materials_amount="很多", income_tax_relief="yes")
    assert bad.status_code == 422
    errors = re.findall(r'class="field-error" role="alert">([^<]+)<', bad.text)
    assert len(errors) == 2  # every unreadable field at once, each beside its field, in the page's language
    assert ("不是可选值之一" if lang == "zh" else "is not one of") in bad.text
    wrong = act(registrar, deal_id, "approve", contract_subtype="patent_right", seller_kind="university")
    assert wrong.status_code == 422  # then the rules against the contract: a transfer sub-type on a licence
    assert ("不属于该合同类型" if lang == "zh" else "does not belong to this contract type") in wrong.text
    done = act(registrar, deal_id, "approve", contract_subtype="patent_license", tech_field="new_materials",
               seller_kind="university", buyer_kind="enterprise", materials_amount="10万",
               vat_exempt="yes", income_tax_relief="yes")
    assert done.status_code == 303
    shown = registrar.get(f"/deals/{deal_id}").text
    expected = (["专利实施许可", "新材料及其应用", "高等院校", "¥100,000", "符合", "¥900,000"] if lang == "zh"
                else ["Patent licence", "New materials and their applications", "University", "¥100,000",
                      "Eligible", "¥900,000"])
    assert all(text in shown for text in expected), [t for t in expected if t not in shown]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_import_pages_offer_templates_and_the_result_links_to_the_records(app, lang):
    admin = person(app, "admin")
    officer = person(app, "officer")
    if lang == "en":
        english(admin)
        english(officer)
    page = admin.get("/import").text
    assert f'href="/api/templates/demand.xlsx?lang={lang}"' in page
    assert ("一行示例" if lang == "zh" else "example row") in page
    template = admin.get(f"/api/templates/demand.xlsx?lang={lang}")
    assert template.status_code == 200 and template.content[:2] == b"PK"
    contract_page = officer.get("/contracts/import").text
    assert f'href="/api/templates/contract.csv?lang={lang}"' in contract_page
    csv_template = officer.get(f"/api/templates/contract.csv?lang={lang}").content.decode("utf-8-sig")
    assert ("合同子类" if lang == "zh" else "Contract sub-type") in csv_template

    token = token_of(admin, "/import")
    preview = admin.post("/import", data={"csrf_token": token, "entity": "organization"},
                         files={"file": ("orgs.csv", ORGS_CSV.encode(), "text/csv")})
    assert preview.status_code == 200, preview.text
    kept = re.search(r'name="token" value="([^"]+)"', preview.text).group(1)
    done = admin.post("/import/confirm", data={"csrf_token": token, "token": kept})
    assert done.status_code == 200 and 'id="imported-organization"' in done.text
    name = "网页导入大学" if lang == "zh" else "Web Import University"
    link = re.search(r'<a href="(/organizations/\d+)">' + name + "</a>", done.text)
    assert link and name in admin.get(link.group(1)).text
