"""Look-ups the talent tests share (importable: pytest puts this folder on sys.path)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from kechuang.domain.entities import Person

People: Any = Person


def person_id(uow, external_id: str) -> int:
    with uow() as session:
        return int(session.scalar(select(People.id).where(People.external_id == external_id)))


def scheme_id(client: TestClient, category: str) -> int:
    schemes = client.get("/api/talent/schemes").json()["data"]
    return int(next(s["id"] for s in schemes if s["category"] == category))
