"""Evaluation runs: profiles -> percentiles within peer groups -> weighted contributions -> ranks with
Monte-Carlo intervals; stored with the scheme version they used, read back by officers and the person.
"""

from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from kechuang.analytics.talent import peer_groups, percentiles_within, rank_intervals, weighted_scores
from kechuang.domain.access import Actor, can_see
from kechuang.domain.clock import now
from kechuang.domain.enums import Visibility
from kechuang.domain.errors import Conflict, InvalidInput, NotFound
from kechuang.domain.talent import (
    DIMENSIONS,
    Evaluation,
    EvaluationRun,
    Scheme,
    SchemeCategory,
    career_cohort,
)
from kechuang.store.db import UnitOfWork
from kechuang.store.talent_tables import talent_evaluations

from .. import audit
from .access import require_officer, require_person_view
from .evidence import Profile, gather_profiles
from .schemes import get_scheme

Runs: Any = EvaluationRun
Evals: Any = Evaluation
DEFAULT_DRAWS = 200
DEFAULT_SEED = 20_211
MAX_DRAWS = 2000
EVIDENCE_SHOWN = 25  # evidence items kept per contribution; the count says how many there were
REDACTED = {"zh": "保密记录", "en": "confidential record"}


@dataclass
class Evaluated:
    """One person's evaluation as the API and pages show it."""

    person_id: int
    name_zh: str
    name_en: str
    score: float
    rank: int
    rank_interval: list[int]
    field: str
    cohort: str
    career_age: int | None
    contributions: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    scheme_id: int = 0
    scheme_version: int = 0
    run_id: int | None = None


def eligible(scheme: Scheme, prof: Profile, this_year: int) -> bool:
    """Anyone with evidence beyond capped counts; a young-talent scheme also applies its age limits."""
    if not any(v > 0 for code, v in prof.raw.items() if not DIMENSIONS[code].capped):
        return False
    if scheme.category != SchemeCategory.YOUNG_TALENT:
        return True
    return is_young(scheme, prof, this_year)


def is_young(scheme: Scheme, prof: Profile, this_year: int) -> bool:
    """Under the career-age limit, or under the age limit when the birth year is known."""
    by_career = (
        scheme.career_age_limit is not None
        and prof.career_age is not None
        and (prof.career_age <= scheme.career_age_limit)
    )
    by_age = (
        scheme.age_limit is not None
        and prof.birth_year is not None
        and (this_year - prof.birth_year <= scheme.age_limit)
    )
    return by_career or by_age


def compute(
    session: Session,
    scheme: Scheme,
    *,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
    spread: float = 0.25,
    this_year: int | None = None,
) -> list[Evaluated]:
    """Evaluate everyone eligible under `scheme` as it stands now; sorted by rank."""
    year = this_year or now().year
    profiles = [p for p in gather_profiles(session, this_year=year).values() if eligible(scheme, p, year)]
    return score_profiles(scheme, profiles, draws=draws, seed=seed, spread=spread)


def score_profiles(
    scheme: Scheme,
    profiles: list[Profile],
    *,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
    spread: float = 0.25,
) -> list[Evaluated]:
    """The numeric core over gathered profiles (also what the benchmark times)."""
    weights = scheme.weights()
    codes = [w.code for w in weights]
    w = [w.weight for w in weights]
    if not profiles:
        return []
    raw = np.array([[p.raw.get(code, 0.0) for code in codes] for p in profiles], dtype=np.float64)
    cohorts = [career_cohort(p.career_age) for p in profiles]
    groups, _labels = peer_groups([p.field_code or "-" for p in profiles], cohorts)
    normalised = percentiles_within(raw, groups)
    scores = weighted_scores(normalised, w)
    low, high = rank_intervals(normalised, w, draws=draws, spread=spread, seed=seed)
    out = []
    for i, prof in enumerate(profiles):
        contributions: list[dict[str, Any]] = []
        for j, code in enumerate(codes):
            items = prof.evidence.get(code, [])
            contributions.append(
                {
                    "dimension": code,
                    "weight": w[j],
                    "raw": round(float(raw[i, j]), 6),
                    "percentile": round(float(normalised[i, j]), 6),
                    "value": float(scores.contributions[i, j]),
                    "evidence": items[:EVIDENCE_SHOWN],
                    "evidence_count": len(items),
                }
            )
        out.append(
            Evaluated(
                person_id=prof.person_id,
                name_zh=prof.name_zh,
                name_en=prof.name_en,
                score=float(sum(c["value"] for c in contributions)),
                rank=int(scores.rank[i]),
                rank_interval=[int(low[i]), int(high[i])],
                field=prof.field_code,
                cohort=cohorts[i],
                career_age=prof.career_age,
                contributions=contributions,
                scheme_id=scheme.id or 0,
                scheme_version=scheme.version,
            )
        )
    out.sort(key=lambda e: (e.rank, e.person_id))
    return out


def run_evaluation(
    actor: Actor, uow: UnitOfWork, scheme_id: int, *, draws: int = DEFAULT_DRAWS, seed: int = DEFAULT_SEED
) -> EvaluationRun:
    """Evaluate and store everyone under the scheme's current version (officers, admins); audited."""
    require_officer(actor)
    if not 0 <= draws <= MAX_DRAWS:
        raise InvalidInput(f"draws must be from 0 to {MAX_DRAWS}", field="draws")
    scheme = get_scheme(uow, scheme_id)
    with uow() as session:  # computed before the audit lock: other audited writes need not wait for it
        results = compute(session, scheme, draws=draws, seed=seed)
    with uow() as session:
        head = audit.lock_chain(session)
        current = session.get(Scheme, scheme_id)
        if current is None or current.version != scheme.version:
            raise Conflict("the scheme changed while it was being evaluated; run it again", field="scheme")
        run = EvaluationRun(
            scheme_id=scheme_id,
            scheme_version=scheme.version,
            people=len(results),
            draws=draws,
            seed=seed,
            started_by=actor.name,
            created_at=audit.now(),
        )
        session.add(run)
        session.flush()
        rows = [
            {
                "run_id": run.id,
                "person_id": e.person_id,
                "score": e.score,
                "rank": e.rank,
                "rank_low": e.rank_interval[0],
                "rank_high": e.rank_interval[1],
                "field_code": e.field,
                "cohort": e.cohort,
                "career_age": e.career_age,
                "contributions": e.contributions,
            }
            for e in results
        ]
        for start in range(0, len(rows), 5000):
            session.execute(insert(talent_evaluations), rows[start : start + 5000])
        audit.append(
            session,
            head,
            actor,
            "talent.evaluate",
            "talent_run",
            run.id,
            {
                "scheme_id": scheme_id,
                "scheme_version": scheme.version,
                "people": len(results),
                "draws": draws,
                "seed": seed,
            },
        )
    return run


def latest_run(uow: UnitOfWork, scheme: Scheme) -> EvaluationRun | None:
    """The newest stored run of the scheme's current version (older versions' runs stay for the record)."""
    with uow() as session:
        run: EvaluationRun | None = session.scalar(
            select(Runs)
            .where(Runs.scheme_id == scheme.id, Runs.scheme_version == scheme.version)
            .order_by(Runs.id.desc())
            .limit(1)
        )
    return run


def list_evaluations(
    actor: Actor, uow: UnitOfWork, scheme_id: int, *, limit: int = 50, offset: int = 0
) -> tuple[list[Evaluated], int, EvaluationRun | None]:
    """Officers' ranked list: the latest stored run, else a live evaluation that is not stored."""
    require_officer(actor)
    scheme = get_scheme(uow, scheme_id)
    run = latest_run(uow, scheme)
    if run is None:
        with uow() as session:
            live = compute(session, scheme)
        return [redact(actor, e) for e in live[offset : offset + limit]], len(live), None
    with uow() as session:
        total = session.scalar(select(func.count()).select_from(Evals).where(Evals.run_id == run.id)) or 0
        rows = list(
            session.scalars(
                select(Evals)
                .where(Evals.run_id == run.id)
                .order_by(Evals.rank, Evals.person_id)
                .offset(offset)
                .limit(limit)
            )
        )
        names = _names(session, [r.person_id for r in rows])
    return [redact(actor, _stored(row, run, names)) for row in rows], int(total), run


def person_evaluation(actor: Actor, uow: UnitOfWork, person_id: int, scheme_id: int) -> Evaluated:
    """One person's evaluation with every contribution and its evidence: the person, officers, admins."""
    require_person_view(uow, actor, person_id)
    scheme = get_scheme(uow, scheme_id)
    run = latest_run(uow, scheme)
    if run is None:
        with uow() as session:
            found = next((e for e in compute(session, scheme) if e.person_id == person_id), None)
    else:
        with uow() as session:
            row = session.scalar(select(Evals).where(Evals.run_id == run.id, Evals.person_id == person_id))
            found = _stored(row, run, _names(session, [person_id])) if row is not None else None
    if found is None:
        raise NotFound(f"person {person_id} has no evaluation under scheme {scheme_id}")
    return redact(actor, found)


def _names(session: Session, ids: list[int]) -> dict[int, tuple[str, str]]:
    from kechuang.domain.entities import Person

    people: Any = Person
    return (
        {
            r.id: (r.name_zh, r.name_en)
            for r in session.execute(
                select(people.id, people.name_zh, people.name_en).where(people.id.in_(ids))
            )
        }
        if ids
        else {}
    )


def _stored(row: Evaluation, run: EvaluationRun, names: dict[int, tuple[str, str]]) -> Evaluated:
    zh, en = names.get(row.person_id, ("", ""))
    return Evaluated(
        person_id=row.person_id,
        name_zh=zh,
        name_en=en,
        score=row.score,
        rank=row.rank,
        rank_interval=[row.rank_low, row.rank_high],
        field=row.field_code,
        cohort=row.cohort,
        career_age=row.career_age,
        contributions=row.contributions,
        scheme_id=run.scheme_id,
        scheme_version=run.scheme_version,
        run_id=run.id,
    )


def redact(actor: Actor, item: Evaluated) -> Evaluated:
    """Evidence the viewer may not see (a confidential achievement of another organization) keeps its
    weight in the score but shows no title or id; the bookkeeping keys never leave the service."""
    contributions = []
    for c in item.contributions:
        shown = []
        for e in c["evidence"]:
            visible = "vis" not in e or can_see(actor, Visibility(e["vis"]), e.get("org"))
            clean = {k: v for k, v in e.items() if k not in ("vis", "org")}
            shown.append(
                clean if visible else {"entity": e["entity"], "id": None, "redacted": True, **REDACTED}
            )
        contributions.append({**c, "evidence": shown})
    return Evaluated(**{**item.__dict__, "contributions": contributions})


def export_xlsx(actor: Actor, uow: UnitOfWork, scheme_id: int, lang: str = "zh") -> bytes:
    """The officers' ranked list as a workbook: rank, interval, score and every contribution."""
    from openpyxl import Workbook

    items, _count, _run = list_evaluations(actor, uow, scheme_id, limit=1_000_000)
    scheme = get_scheme(uow, scheme_id)
    zh = lang.startswith("zh")
    codes = [w.code for w in scheme.weights()]
    book = Workbook(write_only=True)
    sheet = book.create_sheet("评价结果" if zh else "Evaluations")
    head = (
        ["排名", "区间下限", "区间上限", "人员编号", "姓名", "学科", "职业年龄组", "总分"]
        if zh
        else [
            "Rank",
            "Interval low",
            "Interval high",
            "Person id",
            "Name",
            "Field",
            "Career-age cohort",
            "Score",
        ]
    )
    sheet.append(head + [DIMENSIONS[c].zh if zh else DIMENSIONS[c].en for c in codes])
    for e in items:
        name = (e.name_zh or e.name_en) if zh else (e.name_en or e.name_zh)
        sheet.append(
            [e.rank, *e.rank_interval, e.person_id, _safe(name), e.field, e.cohort, round(e.score, 6)]
            + [round(c["value"], 6) for c in e.contributions]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _safe(text: str) -> str:
    """A cell never starts a formula (CSV/XLSX injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
