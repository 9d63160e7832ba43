"""Schemathesis over the OpenAPI schema, in process: no 5xx and every documented response matches its schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from budget import fuzz_settings
from fastapi.testclient import TestClient
from hypothesis import HealthCheck
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from sqlalchemy import create_engine

from kechuang.app import create_app
from kechuang.config import Settings
from kechuang.services.sample import DEMO_PASSWORD
from kechuang.store.db import UnitOfWork

pytestmark = pytest.mark.fuzz

CHECKS = [not_a_server_error, response_schema_conformance]
FUZZ = fuzz_settings(25, 5, list(HealthCheck))  # 5 s per request: a pathologically slow one is a finding
MEMBER = "enterprise_a"
ADMIN_ONLY = r"^/api/(users|invitations)"  # a member is refused these before any input is looked at


def openapi_document() -> dict[str, Any]:
    """The app's schema, built without a database so that pytest knows the operations when it collects."""
    return create_app(Settings(embedder="none"), UnitOfWork(create_engine("sqlite://"))).openapi()


schema = schemathesis.openapi.from_dict(openapi_document())


def bearer(app: Any, username: str) -> dict[str, str]:
    response = TestClient(app).post("/api/auth/token", json={"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture(scope="module")
def tokens(fuzzed_app) -> dict[str, dict[str, str]]:
    """Both callers sign in before the first case: fuzzed sign-ins from the same test client soon meet the
    per-address attempt limit (a 429 is a correct answer to them, not to this fixture)."""
    return {"member": bearer(fuzzed_app, MEMBER), "admin": bearer(fuzzed_app, "admin")}


@pytest.fixture(scope="module")
def member_headers(tokens) -> dict[str, str]:
    return tokens["member"]


@pytest.fixture(scope="module")
def admin_headers(tokens) -> dict[str, str]:
    return tokens["admin"]


@schema.parametrize()
@pytest.mark.parametrize("caller", ["member", "anonymous"])
@FUZZ
def test_api(case, caller, fuzzed_app, member_headers):
    if caller == "member" and case.operation.path == "/api/auth/logout":
        pytest.skip("signing the fuzzing member out would leave every later case anonymous")
    headers = member_headers if caller == "member" else {}
    case.call_and_validate(app=fuzzed_app, headers=headers, checks=CHECKS)


@schema.include(path_regex=ADMIN_ONLY).exclude(path_regex="/deactivate$").parametrize()
@pytest.mark.parametrize("caller", ["admin"])  # also gives each item its operation in its id (pytest 9)
@FUZZ
def test_admin_api(case, caller, fuzzed_app, admin_headers):
    """Runs after test_api: what the admin creates or changes here cannot disturb the cases above."""
    case.call_and_validate(app=fuzzed_app, headers=admin_headers, checks=CHECKS)


HUGE = (2**63, -(2**63) - 1, 2**64)  # past SQLite's and PostgreSQL's BIGINT: random draws seldom reach them
SIMPLE = {"string": "x", "integer": 1, "number": 1, "boolean": False, "array": [], "object": {}}


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema.raw_schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _kind(node: dict[str, Any]) -> str | None:
    node = _resolve(node)
    kinds = [node.get("type")] + [_resolve(option).get("type") for option in node.get("anyOf", [])]
    return next((kind for kind in kinds if kind not in (None, "null")), None)


def huge_integer_cases() -> Iterator[Any]:
    """Each integer parameter or top-level JSON body field of each operation, set to each HUGE value."""
    for result in schema.get_all_operations():
        operation = result.ok()
        raw = operation.definition.raw
        params = raw.get("parameters", [])
        path = {p["name"]: SIMPLE.get(_kind(p["schema"]) or "string") for p in params if p["in"] == "path"}
        body_schema = raw.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        fields = _resolve(body_schema).get("properties", {}) if body_schema else {}
        required = _resolve(body_schema).get("required", ()) if body_schema else ()
        body = {name: SIMPLE.get(_kind(fields[name]) or "string") for name in required}
        targets = [(p["in"], p["name"]) for p in params if p["in"] in ("path", "query") and _kind(p["schema"]) == "integer"]
        targets += [("body", name) for name, field in fields.items() if _kind(field) == "integer"]
        for where, name in targets:
            for value in HUGE:
                parts: dict[str, dict[str, Any]] = {"path": dict(path), "query": {}, "body": dict(body)}
                parts[where][name] = value
                kwargs: dict[str, Any] = {"path_parameters": parts["path"], "query": parts["query"]}
                if body_schema:
                    kwargs |= {"body": parts["body"], "media_type": "application/json"}
                yield pytest.param(operation, kwargs, id=f"{operation.label} {where}.{name}={value}")


@pytest.mark.parametrize(("operation", "kwargs"), list(huge_integer_cases()))
@pytest.mark.parametrize("caller", ["member", "admin"])
def test_huge_integers_are_refused_not_crashed(operation, kwargs, caller, fuzzed_app, member_headers, admin_headers):
    headers = member_headers if caller == "member" else admin_headers
    operation.Case(**kwargs).call_and_validate(app=fuzzed_app, headers=headers, checks=CHECKS)
