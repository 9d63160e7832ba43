"""Bad input through the API: each answers a 4xx in the one error format, never a 500 or a silent change."""

from __future__ import annotations

import json

import pytest
from hostile_files import broken_sheet_xlsx
from signing_in import bearer
from sqlalchemy import select, update

from kechuang.domain.entities import Demand

BIG = 2**63


@pytest.fixture
def client(make_client):
    client = make_client(max_body_bytes=200_000, max_upload_bytes=400_000)
    client.headers.update(bearer(client, "enterprise_a"))
    return client


def raw(client, method: str, path: str, text: str, **headers: str):
    """Send JSON text as is (Infinity, NaN and lone surrogates cannot be written by the json module)."""
    return client.request(method, path, content=text.encode("utf-8", "surrogatepass"),
                           headers={"Content-Type": "application/json", **headers})


def refused(response, status: int = 422, field: str | None = None) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] and error["message"]
    if field is not None:
        assert error["field"] == field, error
    return error


@pytest.mark.parametrize("number", ["Infinity", "-Infinity", "NaN", "1e400", "1e15"])
def test_non_finite_or_absurd_budgets_are_refused(client, number):
    refused(raw(client, "POST", "/api/demands", f'{{"title": "x", "budget_max": {number}}}'), field="budget_max")


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/deals/1/offers", '{"price": Infinity}', "price"),
        ("/api/deals/1/offers", '{"price": 1e400}', "price"),
        ("/api/deals/1/offers", '{"price": 1e14}', "price"),
        ("/api/deals/1/approve", '{"transaction_amount": NaN}', "transaction_amount"),
        ("/api/deals/1/performance", '{"kind": "payment", "amount": Infinity}', "amount"),
    ],
)
def test_market_amounts_must_be_finite_and_bounded(client, path, body, field):
    refused(raw(client, "POST", path, body), field=field)


@pytest.mark.parametrize("value", [123, ["a"], {"a": 1}, True])
def test_wrong_json_types_are_refused_not_converted(client, value):
    refused(client.post("/api/demands", json={"title": value}), field="title")


@pytest.mark.parametrize("value", [123, {"a": 1}, True, [1], [["a"]], "a; b"])
def test_lists_take_lists_of_text(client, value):
    refused(client.post("/api/achievements", json={"title": "ok", "keywords_zh": value}), field="keywords_zh")


def test_every_bad_field_of_a_record_is_reported_at_once(client):
    error = refused(client.post("/api/demands", json={"title": "x", "budget_max": "lots", "required_trl": 42}))
    assert {item["field"] for item in error["fields"]} == {"budget_max", "required_trl"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "t" * 501}, "title"),
        ({"title": "x", "external_id": "e" * 121}, "external_id"),
        ({"title": "x", "description": "d" * 20_001}, "description"),
        ({"title": "x", "keywords_zh": ["k" * 201]}, "keywords_zh"),
    ],
)
def test_fields_have_a_maximum_length(client, body, field):
    refused(client.post("/api/demands", json=body), field=field)


def test_field_limits_are_documented_in_openapi(client):
    spec = client.get("/openapi.json").json()
    body = spec["paths"]["/api/demands"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    schema = spec["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
    assert schema["additionalProperties"] is False
    title = schema["properties"]["title_zh"]
    assert any(part.get("maxLength") == 500 for part in title.get("anyOf", [title]))
    assert "budget_max" in schema["properties"] and "colour" not in schema["properties"]
    patch = spec["paths"]["/api/demands/{item_id}"]["patch"]["requestBody"]["content"]["application/json"]
    assert patch["schema"]["$ref"] != body["$ref"]


def test_a_large_body_is_413_in_the_error_format(client):
    error = refused(client.post("/api/demands", json={"title": "x", "description": "d" * 300_000}), 413)
    assert error["code"] == "too_large"


@pytest.mark.parametrize("text", ["标题\x00", "title\u0007", "two\nlines"])
def test_control_characters_in_single_line_text_are_refused(client, text):
    refused(client.post("/api/demands", json={"title": text}), field="title")


def test_descriptions_keep_newlines_and_tabs(client):
    created = client.post("/api/demands", json={"title": "多行", "description": "第一行\n\t第二行"})
    assert created.status_code == 201 and created.json()["description_zh"] == "第一行\n\t第二行"


def test_a_lone_surrogate_is_refused_not_a_500(client):
    refused(raw(client, "POST", "/api/demands", '{"title": "bad \\ud800 text"}'), field="title")


def test_export_survives_control_characters_and_writes_finite_json(client, engine):
    item = client.post("/api/demands", json={"title": "导出测试", "budget_max": 5}).json()
    with engine.begin() as connection:  # as rows stored before the input rule existed
        connection.execute(update(Demand.__table__).where(Demand.__table__.c.id == item["id"])
                           .values(title_zh="坏\x01标题\x1b", budget_max=float("inf")))  # PostgreSQL stores no NUL
    assert client.get("/api/export/demands.xlsx").status_code == 200
    lines = client.get("/api/export/demands.jsonl").text.splitlines()
    rows = [json.loads(line, parse_constant=lambda token: pytest.fail(token)) for line in lines]
    mine = next(row for row in rows if row["external_id"] == item["external_id"])
    assert mine["title_zh"] == "坏标题" and mine["budget_max"] is None


@pytest.mark.parametrize(
    "path",
    [
        f"/api/demands/{BIG}",
        f"/api/demands?offset={BIG}",
        f"/api/demands?limit={BIG}",
        f"/api/deals/{BIG}",
        f"/api/deals?offset={BIG}",
        f"/api/contracts/{BIG}",
        f"/api/notifications?offset={BIG}",
        f"/api/demands/{BIG}/matches",
        f"/api/demands/{2**31}",
    ],
)
def test_huge_ids_and_offsets_are_422(client, path):
    refused(client.get(path))


def test_huge_ids_in_bodies_are_422(client):
    refused(client.post("/api/notifications/read", json={"id": BIG}), field="id")
    refused(client.post("/api/deals", json={"listing_entity": "demand", "listing_id": BIG}), field="listing_id")
    refused(client.patch(f"/api/demands/{BIG}", json={"title": "x"}))


def test_unknown_export_entities_are_404(client):
    assert refused(client.get("/api/export/users.csv"), 404)["code"] == "not_found"
    assert client.get("/api/templates/users.csv").status_code == 404


def test_too_many_search_terms_are_refused_quickly(client):
    q = " ".join(f"t{i}" for i in range(2000))
    refused(client.get("/api/demands", params={"q": q}), field="q")
    refused(client.get("/api/demands", params={"q": " ".join(f"w{i}" for i in range(33))}), field="q")
    assert client.get("/api/demands", params={"q": " ".join(["焊缝"] * 40)}).status_code == 200


def test_contract_import_of_broken_xlsx_is_422(client):
    officer = bearer(client, "officer")
    response = client.post("/api/contracts/import", headers=officer,
                           files={"file": ("register.xlsx", broken_sheet_xlsx(), "application/octet-stream")})
    assert "XLSX" in json.dumps(refused(response))


def test_contract_import_size_and_error_report_are_bounded(client):
    officer = bearer(client, "officer")
    big = b"external_id\n" + b"x" * 500_000
    refused(client.post("/api/contracts/import", headers=officer, files={"file": ("big.csv", big, "text/csv")}),
            413)
    bad = "external_id,contract_amount\n" + "".join(f"c{i},{'9' * 900}\n" for i in range(400))
    response = client.post("/api/contracts/import", headers=officer,
                           files={"file": ("bad.csv", bad.encode(), "text/csv")})
    error = refused(response)
    assert len(error["rows"]) == 200 and error["rows_total"] > 200
    assert len(response.content) < 100_000


def test_another_organizations_confidential_external_id_is_not_revealed(client):
    owner = bearer(client, "enterprise_b")
    secret = client.post("/api/demands", headers=owner,
                         json={"title": "保密需求", "external_id": "secret-plan-7", "visibility": "confidential"})
    assert secret.status_code == 201
    mine = client.post("/api/demands", json={"title": "我的需求", "external_id": "secret-plan-7"})
    assert mine.status_code == 201, mine.text
    again = client.post("/api/demands", json={"title": "再一次", "external_id": "secret-plan-7"})
    refused(again, field="external_id")


@pytest.mark.parametrize("text", ["\x00", "焊缝\x00检测", "\x1b"])
def test_control_characters_in_a_search_or_a_message_are_refused_not_sent_to_the_database(client, uow, text):
    """PostgreSQL cannot take NUL even in a LIKE pattern: found by the API fuzzer on PostgreSQL."""
    refused(client.get("/api/achievements", params={"q": text}), field="q")
    with uow() as session:
        demand = session.scalars(select(Demand.id).where(Demand.visibility == "public")).first()
    refused(client.post(f"/api/demands/{demand}/messages", json={"text": f"你好{text}"}), field="text")
    refused(raw(client, "POST", f"/api/demands/{demand}/messages", '{"text": "\\ud800"}'), field="text")


def test_nul_anywhere_never_reaches_the_database_as_an_error(client):
    """Sign-in with a NUL in the name answers like any unknown account; other NULs are a 422, not a 500."""
    answer = client.post("/api/auth/token", json={"username": "enterprise_a\x00", "password": "x" * 12})
    assert answer.status_code == 401 and answer.json()["error"]["field"] is None
    invited = client.post("/api/invitations/accept", json={"code": "a\x00b", "username": "someone", "password": "x" * 12})
    assert 400 <= invited.status_code < 500, invited.text
