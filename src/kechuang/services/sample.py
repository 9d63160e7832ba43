"""The built-in sample written by the team, loaded through the normal importer and marked as sample."""

from __future__ import annotations

from importlib.resources import files

from sqlalchemy import func, select

from kechuang.domain.access import Actor
from kechuang.domain.entities import Organization
from kechuang.store.db import UnitOfWork

from .importing import ImportResult, Stage, import_stages
from .tabular.columns import spec_for
from .tabular.readers import read_sheet

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
    """Load (or refresh) the sample; idempotent, like any import."""
    return import_stages(
        Actor.system("sample"), sample_stages(), uow, source="sample", is_sample=True, progress=progress
    )


def load_sample_if_empty(uow: UnitOfWork) -> ImportResult | None:
    """Load the sample on first run only: an installation with organizations keeps its own data."""
    with uow() as session:
        if session.scalar(select(func.count()).select_from(Organization)):
            return None
    return load_sample(uow)
