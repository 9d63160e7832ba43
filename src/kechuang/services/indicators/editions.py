"""Index editions: a computed index with its audit and uncertainty analysis, stored with the configuration
and a digest of the raw data, so it can be regenerated; officers publish an edition to make it public."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from kechuang.analytics.composite import CompositeError, Cube
from kechuang.analytics.sensitivity import UncertaintySpec, audit, uncertainty
from kechuang.domain.access import Actor
from kechuang.domain.errors import Conflict, InvalidInput, NotFound
from kechuang.domain.indicators import EditionStatus, IndexEdition
from kechuang.domain.limits import MAX_ID, clean_text
from kechuang.store.db import UnitOfWork

from .. import audit as audit_log
from .compute import make_config, report, run_index
from .frameworks import framework_by_id, get_framework, is_index_officer, require_officer
from .values import dataset_rows, dataset_units

Editions: Any = IndexEdition


def _digest(rows: list[tuple[str, int, str, float]]) -> str:
    text = "\n".join(f"{u}\t{y}\t{c}\t{v!r}" for u, y, c, v in sorted(rows))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _num(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _spec(options: Mapping[str, Any]) -> UncertaintySpec:
    try:
        return UncertaintySpec.from_dict(options)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"bad uncertainty settings: {exc}", field="uncertainty") from None


def compute_results(
    framework_nodes: list[Any],
    rows: list[tuple[str, int, str, float]],
    index_options: Mapping[str, Any],
    spec_options: Mapping[str, Any],
    groups: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Scores, ranks, audit and uncertainty of one configuration, as JSON-ready data."""
    config = make_config(index_options)
    result = run_index(framework_nodes, rows, config, groups)
    spec = _spec({"year": result.years[-1], **spec_options})
    cube = Cube.from_rows(rows, result.tree.indicators)
    try:
        analysis = uncertainty(cube, framework_nodes, config, spec, groups).as_dict() if spec.runs else None
    except CompositeError as exc:
        raise InvalidInput(str(exc), field="uncertainty") from None
    scores: dict[str, dict[str, list[float | None]]] = {}
    ranks: dict[str, dict[str, list[float | None]]] = {}
    for y, year in enumerate(result.years):
        scores[str(year)] = {
            code: [_num(v) for v in result.scores[y, :, k]] for k, code in enumerate(result.tree.order)
        }
        ranks[str(year)] = {
            code: [_num(v) for v in result.ranks[y, :, k]] for k, code in enumerate(result.tree.order)
        }
    return {
        "years": result.years,
        "units": result.units,
        "root": result.tree.root,
        "order": result.tree.order,
        "scores": scores,
        "ranks": ranks,
        "report": report(result),
        "audit": {str(year): audit(result, year).as_dict() for year in result.years},
        "uncertainty": analysis,
        "data_digest": _digest(rows),
    }


def create_edition(
    actor: Actor,
    uow: UnitOfWork,
    *,
    framework_key: str,
    dataset: str,
    index_options: Mapping[str, Any] | None = None,
    uncertainty_options: Mapping[str, Any] | None = None,
    title_zh: str = "",
    title_en: str = "",
    framework_version: int | None = None,
    is_sample: bool = False,
) -> IndexEdition:
    """Compute an index over a stored data set and keep it, unpublished, with everything that made it."""
    require_officer(actor)
    framework = get_framework(uow, framework_key, framework_version)
    rows = dataset_rows(uow, dataset)
    if not rows:
        raise NotFound(f"no values in data set '{dataset}'")
    groups = {u.code: u.group for u in dataset_units(uow, dataset) if u.group}
    index_options = dict(index_options or {})
    spec_options = dict(uncertainty_options or {})
    results = compute_results(framework.tree(), rows, index_options, spec_options, groups)
    config = {
        "framework": {"id": framework.id, "key": framework.key, "version": framework.version},
        "dataset": dataset,
        "index": results["report"]["config"],
        "uncertainty": (results["uncertainty"] or {}).get("spec"),
        "data_digest": results["data_digest"],
    }
    edition = IndexEdition(
        framework_id=framework.id or 0,
        dataset=dataset,
        title_zh=clean_text(title_zh or f"{framework.name_zh or framework.key} 指数")[:300],
        title_en=clean_text(title_en or f"{framework.name_en or framework.key} index")[:300],
        config=config,
        results=results,
        created_by=actor.name,
        created_at=audit_log.now(),
        is_sample=is_sample,
    )
    with uow() as session:
        head = audit_log.lock_chain(session)
        session.add(edition)
        session.flush()
        audit_log.append(
            session,
            head,
            actor,
            "indicators.edition.create",
            "index_edition",
            edition.id,
            {"framework": config["framework"], "dataset": dataset, "digest": config["data_digest"]},
        )
    return edition


def publish_edition(actor: Actor, uow: UnitOfWork, edition_id: int) -> IndexEdition:
    """Make an edition readable without an account; publishing twice changes nothing (idempotent)."""
    require_officer(actor)
    with uow() as session:
        edition: IndexEdition | None = session.get(Editions, edition_id) if 0 < edition_id <= MAX_ID else None
        if edition is None:
            raise NotFound(f"no index edition {edition_id}")
        if edition.status == EditionStatus.PUBLISHED:
            return edition
        head = audit_log.lock_chain(session)
        edition.status = EditionStatus.PUBLISHED
        edition.published_by, edition.published_at = actor.name, audit_log.now()
        audit_log.append(
            session,
            head,
            actor,
            "indicators.edition.publish",
            "index_edition",
            edition.id,
            {"digest": edition.config.get("data_digest", "")},
        )
    return edition


def get_edition(actor: Actor, uow: UnitOfWork, edition_id: int) -> IndexEdition:
    """An edition; a draft is unknown (404) to anyone but officers and admins."""
    with uow() as session:
        edition: IndexEdition | None = session.get(Editions, edition_id) if 0 < edition_id <= MAX_ID else None
    if edition is None or (edition.status != EditionStatus.PUBLISHED and not is_index_officer(actor)):
        raise NotFound(f"no index edition {edition_id}")
    return edition


def list_editions(actor: Actor, uow: UnitOfWork) -> list[IndexEdition]:
    """Published editions for everyone; drafts too for officers and admins; newest first."""
    query = select(Editions).order_by(Editions.id.desc())
    if not is_index_officer(actor):
        query = query.where(Editions.status == EditionStatus.PUBLISHED)
    with uow() as session:
        return list(session.scalars(query))


def regenerate(actor: Actor, uow: UnitOfWork, edition_id: int) -> dict[str, Any]:
    """Recompute an edition from the stored raw values and its recorded configuration, and compare."""
    edition = get_edition(actor, uow, edition_id)
    framework = framework_by_id(uow, edition.framework_id)
    rows = dataset_rows(uow, edition.dataset)
    if _digest(rows) != edition.config.get("data_digest"):
        raise Conflict("the data set has changed since this edition was computed", field="dataset")
    groups = {u.code: u.group for u in dataset_units(uow, edition.dataset) if u.group}
    again = compute_results(
        framework.tree(),
        rows,
        edition.config["index"],
        edition.config.get("uncertainty") or {"runs": 0},
        groups,
    )
    worst = 0.0
    for year, by_code in edition.results["scores"].items():
        for code, values in by_code.items():
            for old, new in zip(values, again["scores"][year][code], strict=True):
                if (old is None) != (new is None):
                    worst = math.inf
                elif old is not None and new is not None:
                    worst = max(worst, abs(old - new))
    same_intervals = again["uncertainty"] == edition.results.get("uncertainty")
    return {
        "edition": edition_id,
        "max_score_difference": worst,
        "same": worst <= 1e-9,
        "same_uncertainty": same_intervals,
    }


def ranking(edition: IndexEdition, year: int | None = None, code: str | None = None) -> list[dict[str, Any]]:
    """Units of one year ordered by rank of one node (the index by default), with every pillar's score."""
    results = edition.results
    year_key = str(year if year is not None else results["years"][-1])
    if year_key not in results["scores"]:
        raise NotFound(f"no year {year_key} in this edition")
    code = code or results["root"]
    if code not in results["scores"][year_key]:
        raise NotFound(f"no node '{code}' in this edition")
    scores, ranks = results["scores"][year_key], results["ranks"][year_key]
    rows = [
        {
            "unit": unit,
            "rank": ranks[code][i],
            "score": scores[code][i],
            "scores": {c: scores[c][i] for c in results["order"]},
        }
        for i, unit in enumerate(results["units"])
    ]
    return sorted(rows, key=lambda r: (r["rank"] is None, r["rank"] or 0, r["unit"]))


def edition_json(edition: IndexEdition) -> str:
    return json.dumps({"config": edition.config, "results": edition.results}, ensure_ascii=False)
