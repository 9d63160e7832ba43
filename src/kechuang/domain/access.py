"""Who is acting, and the single visibility rule every read path applies."""

from __future__ import annotations

from dataclasses import dataclass, field

from .enums import Visibility

OVERSEER_ROLES = frozenset({"officer", "registrar"})


@dataclass(frozen=True)
class Actor:
    """The user (or system job) on whose behalf a service runs."""

    name: str = "anonymous"
    organization_id: int | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    authenticated: bool = False
    user_id: int | None = None
    language: str = "zh"

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles or "system" in self.roles

    @property
    def is_overseer(self) -> bool:
        """Officers, contract registrars and admins oversee the market: all deals, contracts, statistics."""
        return self.is_admin or bool(OVERSEER_ROLES & self.roles)

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        """The actor for CLI jobs and loaders run by the operator of the installation."""
        return cls(name=name, roles=frozenset({"system"}), authenticated=True)


ANONYMOUS = Actor()


def can_see(actor: Actor, visibility: Visibility, owner_org_id: int | None) -> bool:
    """Public to all; members to signed-in users; confidential to the owner organization and admins."""
    if visibility == Visibility.PUBLIC or actor.is_admin:
        return True
    if visibility == Visibility.MEMBERS:
        return actor.authenticated
    return actor.organization_id is not None and actor.organization_id == owner_org_id


# Personal data (PIPL): a person's contact details and birth year, shown only to signed-in members.
PERSONAL_FIELDS: dict[str, tuple[str, ...]] = {"person": ("email", "birth_year")}


def sees_personal_data(actor: Actor) -> bool:
    """Anonymous visitors never see personal contact data; members of the platform do."""
    return actor.authenticated


def can_edit(actor: Actor, owner_org_id: int | None) -> bool:
    """Only the owner organization's members and admins change a listing."""
    return actor.is_admin or (actor.organization_id is not None and actor.organization_id == owner_org_id)
