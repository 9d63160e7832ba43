"""Hostile files posted to every import endpoint (pages and API): a 4xx or a clean import, never a 5xx."""

from __future__ import annotations

import re
from typing import Any

import pytest
from budget import fuzz_settings
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import strategies as st
from nasty_files import bombs, files

from kechuang.services.sample import DEMO_PASSWORD

pytestmark = pytest.mark.fuzz

FUZZ = fuzz_settings(40, 10, [HealthCheck.too_slow, HealthCheck.data_too_large])
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PAGE_ENTITIES = ("demand", "achievement", "organization", "person", "scenario")
OVERSIZED = 21 * 1024 * 1024  # over the default upload limit (20 MiB)
GOOD_REGISTER = (
    b"external_id,registration_number,contract_type,seller_name,buyer_name,contract_amount,registered_on\n"
    b"fuzz-c-1,2025110108000901,transfer,A,B,100000,2025-03-01\n"
)


class Uploader:
    """Posts one file to one import endpoint as the user allowed to use it."""

    def __init__(self, app: Any, endpoint: str, username: str) -> None:
        self.endpoint = endpoint
        self.client = TestClient(app, follow_redirects=False)
        if endpoint.startswith("/api/"):
            token = self.client.post("/api/auth/token", json={"username": username, "password": DEMO_PASSWORD})
            self.client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
            return
        form = {"username": username, "password": DEMO_PASSWORD, "next": "/", "csrf_token": self._csrf("/login")}
        assert self.client.post("/login", data=form).status_code in (200, 303)
        self.client.headers["X-CSRF-Token"] = self._csrf(endpoint)

    def _csrf(self, path: str) -> str:
        found = CSRF.search(self.client.get(path).text)
        assert found, f"no CSRF field on {path}"
        return found.group(1)

    def post(self, entity: str, name: str, content: bytes) -> Any:
        data = {"entity": entity} if self.endpoint == "/import" else {}
        response = self.client.post(self.endpoint, data=data, files={"file": (name, content, "text/plain")})
        assert response.status_code < 500, f"{self.endpoint} {name}: {response.status_code} {response.text[:500]}"
        if self.endpoint == "/import" and response.status_code == 200:  # a clean preview: confirm it too
            token = re.search(r'name="token" value="([^"]+)"', response.text)
            assert token, "a preview without a confirm token"
            done = self.client.post("/import/confirm", data={"token": token.group(1)})
            assert done.status_code < 500, f"/import/confirm {name}: {done.status_code} {done.text[:500]}"
        return response


@pytest.fixture(scope="module")
def page_import(fuzzed_app) -> Uploader:
    return Uploader(fuzzed_app, "/import", "enterprise_a")


@pytest.fixture(scope="module")
def page_contract_import(fuzzed_app) -> Uploader:
    return Uploader(fuzzed_app, "/contracts/import", "registrar")


@pytest.fixture(scope="module")
def api_contract_import(fuzzed_app) -> Uploader:
    return Uploader(fuzzed_app, "/api/contracts/import", "officer")


ENDPOINTS = ("page_import", "page_contract_import", "api_contract_import")


@FUZZ
@given(data=st.data(), entity=st.sampled_from(PAGE_ENTITIES))
def test_import_page_never_fails_with_a_5xx(page_import, data, entity):
    name, content = data.draw(files(entity))
    page_import.post(entity, name, content)


@FUZZ
@given(file=files("contract"))
def test_contract_import_page_never_fails_with_a_5xx(page_contract_import, file):
    page_contract_import.post("contract", *file)


@FUZZ
@given(file=files("contract"))
def test_contract_import_api_never_fails_with_a_5xx(api_contract_import, file):
    api_contract_import.post("contract", *file)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("bomb", sorted(bombs()))
def test_bombs_never_fail_with_a_5xx(request, endpoint, bomb):
    request.getfixturevalue(endpoint).post("demand", *bombs()[bomb])


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_an_oversized_upload_is_refused(request, endpoint):
    """A valid file padded past the upload limit is refused whole, not imported."""
    content = GOOD_REGISTER + b"\n" * (OVERSIZED - len(GOOD_REGISTER))
    response = request.getfixturevalue(endpoint).post("demand", "register.csv", content)
    assert response.status_code in (413, 422), response.text[:500]
