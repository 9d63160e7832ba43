"""Helpers of the page tests: read the CSRF token from a page, sign in through the form, look up ids."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from kechuang.services.sample import DEMO_PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def sign_in(client: TestClient, username: str, password: str = DEMO_PASSWORD):
    """Sign in through the form, as a browser does: fetch the page for its token, then post."""
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token,
                                       "next": "/"})


def token_of(client: TestClient, path: str = "/") -> str:
    return csrf_of(client.get(path).text)


def record_id(uow, model, external_id: str) -> int:
    with uow() as session:
        return session.scalars(select(model.id).where(model.external_id == external_id)).one()
