"""The built-in sample written by the team, loaded through the normal importer and marked as sample."""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

from sqlalchemy import func, select, update

from kechuang.domain.access import Actor
from kechuang.domain.accounts import User
from kechuang.domain.clock import now
from kechuang.domain.entities import Organization
from kechuang.domain.passwords import DEMO_PASSWORD
from kechuang.store.db import UnitOfWork

from .accounts import create_user, password_matches
from .calls.sample import load_calls_sample
from .entity_fields import spec_for
from .freshness import LISTINGS
from .importing import ImportResult, Stage, import_stages
from .indicators.sample import load_indicators_sample
from .insights.sample import load_insights_sample
from .market_sample import load_market_sample
from .tabular.readers import read_sheet
from .talent.sample import load_talent_sample
from .tasks.sample import load_tasks_sample

SAMPLE_FILES = (
    ("organization", "organizations.jsonl"),
    ("person", "people.jsonl"),
    ("affiliation", "affiliations.jsonl"),
    ("achievement", "achievements.jsonl"),
    ("ownership", "ownerships.jsonl"),
    ("authorship", "authorships.jsonl"),
    ("demand", "demands.jsonl"),
    ("scenario", "scenarios.jsonl"),
    ("investor", "investor_profiles.jsonl"),
    ("project", "projects.jsonl"),
)


def sample_stages() -> list[Stage]:
    """Read the shipped sample files, in dependency order."""
    folder = files("kechuang.sample")
    stages = []
    for entity, filename in SAMPLE_FILES:
        resource = folder / filename
        if resource.is_file():
            spec = spec_for(entity)
            stages.append(Stage(spec, read_sheet(spec, f"sample/{filename}", resource.read_bytes())))
    return stages


def load_sample(uow: UnitOfWork, *, progress: bool = False) -> ImportResult:
    """Load (or refresh) the sample; idempotent, like any import.

    Its listings count as confirmed when first loaded: the sample's deadlines are fixed dates, and a demo
    installed today should not start with half its demands expired (`services.freshness`).
    """
    result = import_stages(
        Actor.system("sample"), sample_stages(), uow, source="sample", is_sample=True, progress=progress
    )
    with uow() as session:
        for cls in LISTINGS.values():
            unconfirmed = (cls.is_sample.is_(True), cls.confirmed_at.is_(None))
            session.execute(update(cls).where(*unconfirmed).values(confirmed_at=now()))
    return result


Users: Any = User
Orgs: Any = Organization


def demo_accounts() -> list[dict[str, str]]:
    """The demo users shipped with the sample (one per role), as listed in the README."""
    text = (files("kechuang.sample") / "accounts.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def load_demo_accounts(uow: UnitOfWork) -> list[str]:
    """Create the missing demo users with the password `kechuang-demo`; demo installations only."""
    created = []
    system = Actor.system("sample")
    with uow() as session:
        existing = set(session.scalars(select(Users.username)))
        orgs: dict[str, int] = {ref: id_ for ref, id_ in session.execute(select(Orgs.external_id, Orgs.id))}
    for account in demo_accounts():
        if account["username"] in existing:
            continue
        org_ref = account["organization"]
        if org_ref and org_ref not in orgs:
            raise ValueError(f"demo account {account['username']}: organization {org_ref} is not loaded")
        create_user(
            system,
            uow,
            username=account["username"],
            password=DEMO_PASSWORD,
            organization_id=orgs[org_ref] if org_ref else None,
            role=account["role"],
            display_name=account["display_name"],
            language=account["language"],
            is_sample=True,
        )
        created.append(account["username"])
    return created


def exposed_demo_accounts(uow: UnitOfWork) -> list[str]:
    """Active demo accounts that still sign in with the published password."""
    live_demo = select(Users).where(Users.is_sample.is_(True), Users.active.is_(True))
    with uow() as session:
        demo = list(session.scalars(live_demo.order_by(Users.username)))
    return [user.username for user in demo if password_matches(user, DEMO_PASSWORD)]


def load_sample_if_empty(uow: UnitOfWork, *, demo: bool = True) -> ImportResult | None:
    """Load the sample on first run only: an installation with organizations keeps its own data."""
    with uow() as session:
        if session.scalar(select(func.count()).select_from(Organization)):
            return None
    result = load_sample(uow)
    load_market_sample(uow)
    if demo:
        load_demo_accounts(uow)
    load_module_samples(uow)
    return result


def load_module_samples(uow: UnitOfWork) -> dict[str, dict[str, int]]:
    """Each module's own sample, in dependency order (indicators feed tasks; calls feed talent)."""
    return {
        "indicators": load_indicators_sample(uow),
        "tasks": load_tasks_sample(uow),
        "calls": load_calls_sample(uow),
        "talent": load_talent_sample(uow),
        "insights": load_insights_sample(uow),
    }
