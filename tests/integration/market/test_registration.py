"""The registrar's registration fields: recorded, checked all at once, shown in statistics, import/export."""

from __future__ import annotations

from datetime import date

import pytest
from signing_in import bearer
from test_deal_flow import negotiate_to_contract

from kechuang.domain.errors import ImportRejected, InvalidFields, PermissionDenied
from kechuang.services import contracts, market
from kechuang.services.contract_registration import Registration, read_registration
from kechuang.services.market_stats import contract_statistics, export_statistics


def submitted(uow, cast):
    deal, *_ = negotiate_to_contract(uow, cast)  # a 技术转让 contract of 1,500,000 yuan
    market.sign(cast.tto, uow, deal.id)
    market.sign(cast.enterprise_a, uow, deal.id)
    return deal


def test_registrar_records_sub_type_field_kinds_breakdown_and_tax_relief(uow, cast):
    deal = submitted(uow, cast)
    fields = read_registration({"contract_subtype": "专利实施许可", "tech_field": "new_energy",
                                "seller_kind": "高等院校", "buyer_kind": "Enterprise",
                                "materials_amount": "200000", "other_non_technical_amount": 100_000,
                                "vat_exempt": "是", "income_tax_relief": "no"})
    with pytest.raises(InvalidFields) as refused:  # a licence sub-type on a transfer contract
        market.approve(cast.registrar, uow, deal.id, registration=fields)
    assert set(refused.value.problems) == {"contract_subtype"}
    fields = read_registration({"contract_subtype": "patent_right", "tech_field": "new_energy",
                                "seller_kind": "university", "buyer_kind": "enterprise",
                                "materials_amount": 200_000, "other_non_technical_amount": 100_000,
                                "vat_exempt": True, "income_tax_relief": True})
    contract = market.approve(cast.registrar, uow, deal.id, registration=fields)
    assert contract.transaction_amount == 1_200_000  # 1,500,000 less the non-technical parts
    assert (contract.contract_subtype, contract.tech_field, contract.seller_kind, contract.buyer_kind) == (
        "patent_right", "new_energy", "university", "enterprise")
    assert contract.vat_exempt is True and contract.income_tax_relief is True
    stored = contracts.get_contract(cast.officer, uow, contract.id)
    assert stored.materials_amount == 200_000 and stored.other_non_technical_amount == 100_000
    event = market.get_deal(cast.registrar, uow, deal.id).events[-1]
    assert event.payload["seller_kind"] == "university"  # the audit event records what was registered

    stats = contract_statistics(cast.officer, uow, year=date.today().year)
    assert [(b.key, b.label_zh, b.count) for b in stats.groups["seller_kind"]] == [("university", "高等院校", 1)]
    assert stats.groups["tech_field"][0].label_en == "New energy and energy efficiency"
    assert "卖方类型,university,高等院校,1," in export_statistics(stats, "csv").decode("utf-8-sig")


def test_every_bad_registration_field_is_reported_at_once(uow, cast):
    with pytest.raises(InvalidFields) as bad:
        read_registration({"contract_subtype": "barter", "seller_kind": "alien", "materials_amount": "lots",
                           "vat_exempt": "maybe"})
    assert set(bad.value.problems) == {"contract_subtype", "seller_kind", "materials_amount", "vat_exempt"}
    deal = submitted(uow, cast)
    parts = Registration(materials_amount=1_000_000, other_non_technical_amount=600_000)
    with pytest.raises(InvalidFields) as over:
        market.approve(cast.registrar, uow, deal.id, transaction_amount=1_000_000, registration=parts)
    assert "transaction_amount" in over.value.problems
    development_subtype = Registration(contract_subtype="commissioned", income_tax_relief=True)
    with pytest.raises(InvalidFields) as wrong:  # relief is right for a transfer, the sub-type is not
        market.approve(cast.registrar, uow, deal.id, registration=development_subtype)
    assert set(wrong.value.problems) == {"contract_subtype"}
    assert market.get_deal(cast.registrar, uow, deal.id).contract.status.value == "submitted"  # nothing written
    plain = market.approve(cast.registrar, uow, deal.id)  # every field stays optional
    assert plain.seller_kind is None and plain.transaction_amount == plain.contract_amount


REGISTER = (
    "外部编号,登记编号,合同类型,合同子类,技术领域,卖方名称,买方名称,卖方类型,买方类型,合同金额（元）,"
    "物资费用（元）,免征增值税资格,所得税减免资格,登记日期\n"
    "r-1,2025110108000101,技术许可,专利实施许可,电子信息,甲大学,乙公司,高等院校,企业,1000000,100000,是,是,2025-04-01\n"
)


def test_contract_import_takes_the_registration_fields_and_reports_every_error_of_a_row(uow, cast):
    bad = REGISTER + (
        "r-2,2025110108000102,技术开发,专利实施许可,火星,甲,乙,外星人,企业,很多,10,也许,是,2025-13-01\n"
        "r-3,2025110108000103,技术服务,,,甲,乙,,,500,400,,是,2025-05-01\n"
    )
    with pytest.raises(ImportRejected) as rejected:
        contracts.import_contracts(cast.registrar, uow, "register.csv", bad.encode())
    row2 = {e.column for e in rejected.value.errors if e.row == 3}
    assert {"tech_field", "seller_kind", "contract_amount", "vat_exempt", "registered_on"} <= row2
    row3 = {e.column for e in rejected.value.errors if e.row == 4}
    assert row3 == {"income_tax_relief"}  # a service contract earns no technology-transfer income relief
    preview = contracts.preview_contracts(cast.registrar, uow, "register.csv", REGISTER.encode())
    assert preview.created == 1 and contracts.list_contracts(cast.registrar, uow)[1] == 0
    done = contracts.import_contracts(cast.registrar, uow, "register.csv", REGISTER.encode())
    assert done.created == 1 and [number for _id, number in done.records] == ["2025110108000101"]
    stored = contracts.get_contract(cast.registrar, uow, done.records[0][0])
    assert (stored.contract_subtype, stored.tech_field, stored.seller_kind) == (
        "patent_license", "electronic_information", "university")
    assert stored.transaction_amount == 900_000 and stored.vat_exempt is True

    for fmt in ("csv", "xlsx", "jsonl"):  # the export re-imports unchanged, registration fields included
        exported = contracts.export_contracts(cast.registrar, uow, fmt, lang="en")
        again = contracts.import_contracts(cast.registrar, uow, f"export.{fmt}", exported)
        assert (again.created, again.unchanged) == (0, 1)
    assert "Contract sub-type" in contracts.export_contracts(cast.officer, uow, "csv", lang="en").decode("utf-8-sig")
    with pytest.raises(PermissionDenied):
        contracts.export_contracts(cast.enterprise_a, uow, "csv")


def test_api_approve_takes_the_optional_registration_fields(uow, cast, make_client):
    deal = submitted(uow, cast)
    client = make_client()
    registrar = bearer(client, "registrar")
    path = f"/api/deals/{deal.id}/approve"
    bad = client.post(path, headers=registrar, json={"seller_kind": "alien", "income_tax_relief": True,
                                                     "contract_subtype": "training"})
    assert bad.status_code == 422, bad.text
    done = client.post(path, headers=registrar, json={"transaction_amount": 1_400_000, "seller_kind": "高等院校",
                                                      "tech_field": "new_materials", "vat_exempt": True})
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["seller_kind"] == "university" and body["tech_field"] == "new_materials"
    assert body["vat_exempt"] is True and body["income_tax_relief"] is None and body["buyer_kind"] is None
    officer = bearer(client, "officer")
    export = client.get("/api/contracts/export.csv?lang=zh", headers=officer)
    assert export.status_code == 200 and "卖方类型" in export.content.decode("utf-8-sig")
    assert client.get("/api/contracts/export.csv", headers=bearer(client, "enterprise_a")).status_code == 403
