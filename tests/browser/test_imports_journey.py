"""Import templates, the contract-import preview and the registrar's registration form in a real browser.

Screenshots go to docs/screenshots/imports-*.png for the documentation.
"""

from __future__ import annotations

import pytest
from steps import shooter

pytestmark = pytest.mark.browser
REGISTER = (
    "外部编号,登记编号,合同类型,合同子类,技术领域,标题,卖方名称,买方名称,卖方类型,买方类型,合同金额（元）,"
    "物资费用（元）,免征增值税资格,所得税减免资格,卖方地区代码,买方地区代码,登记日期\n"
    "b-1,2025110108009001,技术许可,专利实施许可,电子信息,芯片封装专利许可,某大学,某电子公司,高等院校,企业,"
    "800000,50000,是,是,110108,130100,2025-05-06\n"
)


shot = shooter("imports")


def sign_in(page, username: str) -> None:
    from playwright.sync_api import expect

    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "kechuang-demo")
    page.click("form.stack button[type=submit]")
    expect(page.locator("#sign-out")).to_be_visible()


def no_sideways_scroll(page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_templates_download_and_contract_import_previews_before_confirming(page, tmp_path):
    from playwright.sync_api import expect

    sign_in(page, "officer")
    page.goto("/contracts/import")
    with page.expect_download() as download:
        page.click("#template-contract-xlsx")
    assert download.value.suggested_filename == "contract-template-zh.xlsx"
    saved = tmp_path / "template.xlsx"
    download.value.save_as(saved)
    assert saved.read_bytes()[:2] == b"PK"
    register = tmp_path / "register.csv"
    register.write_text(REGISTER, encoding="utf-8")
    page.set_input_files("input[name=file]", str(register))
    page.click("#import-upload")
    expect(page.locator("#import-preview")).to_contain_text("将新增 1 份合同")
    shot(page, "contract-preview-zh")
    page.click("#import-confirm")
    expect(page.locator("#import-done")).to_contain_text("新增 1 份合同")
    page.locator("#imported-contracts a").first.click()
    expect(page.locator("#contract")).to_contain_text("专利实施许可")
    expect(page.locator("#contract")).to_contain_text("高等院校")
    expect(page.locator("#reg-shown-income_tax_relief")).to_have_text("符合")
    shot(page, "contract-zh")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert no_sideways_scroll(page)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/import")
    expect(page.locator("#template-demand-xlsx")).to_have_attribute("href", "/api/templates/demand.xlsx?lang=zh")
    with page.expect_download() as csv_download:
        page.click("#template-achievement-csv")
    csv_file = tmp_path / "achievement.csv"
    csv_download.value.save_as(csv_file)
    assert "# 可见范围：公开、会员可见、保密" in csv_file.read_text(encoding="utf-8-sig")
    shot(page, "templates-zh")


def test_registrar_records_the_registration_fields(page):
    from playwright.sync_api import expect

    sign_in(page, "registrar")
    page.goto("/deals?stage=registration")
    page.locator("#deals tbody a").first.click()
    form = page.locator("#form-approve")
    expect(form.locator("#registration-fields")).to_contain_text("合同子类")
    subtype = page.locator("#reg-contract_subtype option").nth(1).get_attribute("value")
    page.select_option("#reg-contract_subtype", subtype)
    page.select_option("#reg-tech_field", "new_energy")
    page.select_option("#reg-seller_kind", "university")
    page.select_option("#reg-buyer_kind", "enterprise")
    page.fill("#reg-materials_amount", "abc")
    page.select_option("#reg-vat_exempt", "yes")
    shot(page, "registrar-form-zh")
    page.click("#form-approve button.button")
    expect(page.locator("#form-approve .field-error").first).to_contain_text("不是数字")
    page.fill("#reg-materials_amount", "5万")
    page.click("#form-approve button.button")
    expect(page.locator("#registration-number")).not_to_be_empty()
    expect(page.locator("#contract")).to_contain_text("新能源与高效节能")
    expect(page.locator("#reg-shown-vat_exempt")).to_have_text("符合")
    shot(page, "registered-zh")
