"""The contract as a document: the model-contract structure filled from the deal's record, HTML and PDF."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from test_web_market import act, listing, open_deal, person  # noqa: F401 (the listing fixture)

from kechuang.web.pdf import pdf_available


@pytest.fixture
def signed_deal(app, listing) -> int:  # noqa: F811
    buyer, deal_id = open_deal(app, listing)
    seller = person(app, "tto")
    act(seller, deal_id, "accept_nda")
    act(buyer, deal_id, "accept_nda")
    act(seller, deal_id, "offer", price="200万", contract_type="license", payment_terms="签约后30日内一次付清",
        ip_terms="许可方保留专利权；被许可方改进成果归被许可方")
    offer_id = buyer.get(f"/deals/{deal_id}").text.split('name="offer_id" value="', 1)[1].split('"', 1)[0]
    act(buyer, deal_id, "accept_offer", f"form-accept_offer-{offer_id}", offer_id=offer_id)
    act(seller, deal_id, "sign")
    act(buyer, deal_id, "sign")
    return deal_id


def test_the_contract_document_follows_the_model_text_with_the_deals_facts(app, signed_deal):
    page = person(app, "enterprise_a").get(f"/deals/{signed_deal}/contract")
    assert page.status_code == 200
    text = page.text
    assert "<h1>技术许可合同</h1>" in text and "固态锂电池电解质制备技术" in text
    assert "许可方" in text and "被许可方" in text and "清华大学技术转移研究院" in text
    assert "¥2,000,000" in text and "签约后30日内一次付清" in text and "被许可方改进成果归被许可方" in text
    for section in ("subject", "indicators", "price", "ip", "confidentiality", "acceptance", "liability"):
        assert f'id="{section}"' in text
    assert text.count("SHA-256 <code>") == 2  # both accepted NDAs, by digest
    assert "已由 tto 于" in text and "已由 enterprise_a 于" in text  # both signatures, from the audit
    assert f'href="/deals/{signed_deal}/contract"' in person(app, "tto").get(f"/deals/{signed_deal}").text


def test_the_contract_document_is_for_the_parties_and_overseers_only(app, signed_deal):
    assert person(app, "registrar").get(f"/deals/{signed_deal}/contract").status_code == 200
    assert person(app, "enterprise_b").get(f"/deals/{signed_deal}/contract").status_code == 404
    anonymous = TestClient(app, follow_redirects=False).get(f"/deals/{signed_deal}/contract")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")


def test_a_deal_without_a_contract_has_no_document(app, listing):  # noqa: F811
    buyer, deal_id = open_deal(app, listing)
    assert buyer.get(f"/deals/{deal_id}/contract").status_code == 404


@pytest.mark.skipif(not pdf_available(), reason="WeasyPrint is the optional `pdf` extra (make test-optional)")
def test_the_contract_document_as_pdf(app, signed_deal):
    pdf = person(app, "enterprise_a").get(f"/deals/{signed_deal}/contract.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and len(pdf.content) > 5_000
    assert person(app, "enterprise_b").get(f"/deals/{signed_deal}/contract.pdf").status_code == 404
