"""The access tests' world: the real API over the sample with demo accounts, and secret listings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient

from kechuang.domain.access import Actor
from kechuang.services.registry import get_record, id_of_external
from kechuang.services.sample import DEMO_PASSWORD
from kechuang.store.db import UnitOfWork

MARKER = "Zq7Secret"  # occurs only in the listings the tests create; searched for in every response


@dataclass
class World:
    """The API client, the database, and a bearer header per demo account (fetched on first use)."""

    client: TestClient
    uow: UnitOfWork
    _headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def auth(self, username: str | None) -> dict[str, str]:
        if username is None:
            return {}
        if username not in self._headers:
            response = self.client.post(
                "/api/auth/token", json={"username": username, "password": DEMO_PASSWORD}
            )
            assert response.status_code == 200, response.text
            self._headers[username] = {"Authorization": f"Bearer {response.json()['access_token']}"}
        return self._headers[username]

    def get(self, path: str, user: str | None, **params: Any) -> Any:
        return self.client.get(path, params=params, headers=self.auth(user))

    def id_of(self, entity: str, external_id: str) -> int:
        return id_of_external(entity, external_id, self.uow)

    def record(self, entity: str, external_id: str) -> Any:
        return get_record(Actor.system(), entity, self.id_of(entity, external_id), self.uow)

    def create(self, plural: str, user: str, body: dict[str, Any]) -> int:
        response = self.client.post(f"/api/{plural}", json=body, headers=self.auth(user))
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    def secret_demand(self, visibility: str = "confidential") -> int:
        """enterprise_a's demand asking for exactly the public achievement ach-0002 (so it would match)."""
        wanted = self.record("achievement", "ach-0002")
        return self.create(
            "demands",
            "enterprise_a",
            {
                "title": f"{wanted.title_zh} {MARKER}",
                "description": wanted.abstract_zh,
                "keywords_zh": wanted.keywords_zh,
                # a perfect structured fit too, so that it outranks enterprise_a's public demands
                "discipline_codes": wanted.discipline_codes,
                "industry_codes": wanted.industry_codes,
                "required_trl": wanted.trl,
                "cooperation_modes": wanted.transfer_modes,
                "preferred_regions": [wanted.region_code] if wanted.region_code else [],
                "budget_max": 10_000,
                "visibility": visibility,
            },
        )

    def secret_achievement(
        self, visibility: str = "confidential", user: str = "enterprise_a", marker: str = MARKER
    ) -> int:
        """An achievement offering exactly what enterprise_b's public demand dem-0009 asks for."""
        demand = self.record("demand", "dem-0009")
        return self.create(
            "achievements",
            user,
            {
                "title": f"{demand.title_zh} {marker}",
                "description": demand.description_zh,
                "keywords_zh": demand.keywords_zh,
                "visibility": visibility,
            },
        )
