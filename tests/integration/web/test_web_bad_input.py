"""Bad input through the pages: the same rules as the API, answered with a form error or an error page."""

from __future__ import annotations

import pytest
from hostile_files import broken_sheet_xlsx
from web_client import sign_in, token_of

from kechuang.domain.errors import InvalidInput
from kechuang.web.deal_forms import amount

BIG = 2**63


@pytest.mark.parametrize(
    "path",
    [f"/demands/{BIG}", f"/demands/{BIG}/edit", f"/demands/{BIG}/matches", f"/demands?p={BIG}",
     f"/deals/{BIG}", f"/deals?p={BIG}", f"/contracts?p={BIG}", f"/achievements/{2**31}"],
)
def test_huge_ids_and_pages_are_not_a_server_error(client, path):
    sign_in(client, "officer")
    assert client.get(path).status_code in (404, 422)


def test_marking_a_huge_notification_id_read_is_not_a_server_error(client):
    sign_in(client, "enterprise_a")
    response = client.post("/notifications/read", data={"id": str(BIG), "csrf_token": token_of(client)})
    assert response.status_code in (303, 404, 422)


@pytest.mark.parametrize(
    ("field", "value"),
    [("title_zh", "坏\x00标题"), ("title_en", "x" * 501), ("budget_max", "Infinity"), ("budget_max", "1e400"),
     ("budget_min", "NaN")],
)
def test_the_demand_form_refuses_control_characters_and_non_finite_numbers(client, field, value):
    sign_in(client, "enterprise_a")
    data = {"csrf_token": token_of(client, "/demands/new"), "title_zh": "表单测试", "visibility": "public",
            field: value}
    response = client.post("/demands/new", data=data)
    assert response.status_code == 422
    assert 'class="field-error"' in response.text or "error" in response.text


@pytest.mark.parametrize("typed", ["Infinity", "nan", "1e400", "-5", "1e14"])
def test_deal_form_amounts_must_be_finite_and_bounded(typed):
    with pytest.raises(InvalidInput):
        amount({"price": typed}, "price")


def test_import_page_answers_a_broken_xlsx_with_a_clear_error(client):
    sign_in(client, "enterprise_a")
    response = client.post("/import", data={"entity": "demand", "csrf_token": token_of(client, "/import")},
                           files={"file": ("broken.xlsx", broken_sheet_xlsx(), "application/octet-stream")})
    assert response.status_code == 422 and "XLSX" in response.text
