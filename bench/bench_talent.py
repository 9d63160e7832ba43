"""Time and peak memory to evaluate N people (default 100,000) under a talent scheme.

A synthetic registry is written straight into a fresh SQLite (or PostgreSQL) database with Core inserts:
N people in 20 fields, 1.5 N achievements with 2 authors each (patents, papers, standards, TRL 1-9),
0.5 N projects with PIs and amounts, and partner organizations in Beijing, Tianjin, Hebei and abroad.
Then, per run:

1. **gather**: `gather_profiles` (every evidence query and the per-person bookkeeping);
2. **score**: `score_profiles` (percentiles within field x cohort, weighted sums, 200 Monte-Carlo draws);
3. **run**: `run_evaluation`, the whole stored run (gather + score + insert N evaluation rows + audit),
   wall clock and this process's CPU time (`run_cpu`: on a shared machine the wall clock includes waiting).

Peak Python memory (`tracemalloc`) is measured in one extra, untimed run of `run_evaluation`.

Usage: .venv/bin/python bench/bench_talent.py [--people 100000] [--runs 1] [--database URL]
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import insert

from kechuang.domain.access import Actor
from kechuang.services.talent.evaluate import run_evaluation, score_profiles
from kechuang.services.talent.evidence import gather_profiles
from kechuang.services.talent.schemes import get_scheme, list_schemes
from kechuang.store.db import UnitOfWork, make_engine
from kechuang.store.schema import upgrade_database
from kechuang.store.tables import achievements, authorships, organizations, people, projects

FIELDS = [
    str(code)
    for code in (
        110,
        120,
        140,
        150,
        180,
        310,
        320,
        350,
        410,
        413,
        416,
        430,
        440,
        460,
        470,
        480,
        510,
        520,
        580,
        630,
    )
]
REGIONS = ["110108", "110105", "120116", "130602", "310000", "DE"]
KINDS = ["patent", "paper", "standard", "software", "prototype"]
CHUNK = 20_000


def build(uow: UnitOfWork, n: int, seed: int = 1) -> None:
    """Write the synthetic registry (ids assigned here, in chunks)."""
    rng = np.random.default_rng(seed)
    orgs = [
        {
            "id": i + 1,
            "external_id": f"org-{i}",
            "name_zh": f"机构{i}",
            "kind": kind,
            "region_code": REGIONS[i % len(REGIONS)] if REGIONS[i % len(REGIONS)] != "DE" else "",
            "country_code": "DE" if REGIONS[i % len(REGIONS)] == "DE" else "CN",
        }
        for i, kind in enumerate(["university", "enterprise", "institute", "hospital"] * 50)
    ]
    person_org = rng.integers(1, len(orgs) + 1, n)
    person_field = rng.integers(0, len(FIELDS), n)
    birth = rng.integers(1955, 2000, n)
    person_rows = [
        {
            "id": i + 1,
            "external_id": f"per-{i}",
            "name_zh": f"人员{i}",
            "organization_id": int(person_org[i]),
            "birth_year": int(birth[i]),
            "discipline_codes": [FIELDS[person_field[i]] + "10"],
            "title_zh": ["教授", "副教授", "讲师", ""][i % 4],
        }
        for i in range(n)
    ]
    m = int(1.5 * n)
    first = rng.integers(1, n + 1, m)
    second = rng.integers(1, n + 1, m)
    achievement_rows = [
        {
            "id": j + 1,
            "external_id": f"ach-{j}",
            "title_zh": f"成果{j}",
            "kind": KINDS[j % len(KINDS)],
            "ip_status": "granted" if j % 3 == 0 else "filed",
            "trl": int(1 + j % 9),
            "year": int(2005 + j % 21),
            "discipline_codes": [FIELDS[person_field[first[j] - 1]] + "10"],
        }
        for j in range(m)
    ]
    author_rows = [{"achievement_id": j + 1, "person_id": int(first[j]), "position": 1} for j in range(m)]
    author_rows += [
        {"achievement_id": j + 1, "person_id": int(second[j]), "position": 2}
        for j in range(m)
        if second[j] != first[j]
    ]
    k = n // 2
    pis = rng.integers(1, n + 1, k)
    amounts = np.round(rng.lognormal(3.5, 1.0, k), 1)
    project_rows = [
        {
            "id": j + 1,
            "external_id": f"prj-{j}",
            "title_zh": f"项目{j}",
            "program": "青年科学基金项目" if j % 5 == 0 else "面上项目",
            "pi_person_id": int(pis[j]),
            "amount": float(amounts[j]),
            "start_date": date(2000 + j % 26, 1, 1),
            "discipline_codes": [FIELDS[person_field[pis[j] - 1]] + "10"],
        }
        for j in range(k)
    ]
    with uow.engine.begin() as connection:
        for table, rows in (
            (organizations, orgs),
            (people, person_rows),
            (achievements, achievement_rows),
            (authorships, author_rows),
            (projects, project_rows),
        ):
            for start in range(0, len(rows), CHUNK):
                connection.execute(insert(table), rows[start : start + CHUNK])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--database", default="", help="a database URL (default: a fresh SQLite file)")
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(args.database or f"sqlite:///{folder}/bench.db")
        upgrade_database(engine)
        uow = UnitOfWork(engine)
        started = time.perf_counter()
        build(uow, args.people)
        built = time.perf_counter() - started
        scheme = next(s for s in list_schemes(uow) if s.key == "applied-research")
        timings: dict[str, list[float]] = {"gather": [], "score": [], "run": [], "run_cpu": []}
        for _ in range(args.runs):
            started = time.perf_counter()
            with uow() as session:
                profiles = [p for p in gather_profiles(session, this_year=2026).values() if p.raw]
            timings["gather"].append(time.perf_counter() - started)
            started = time.perf_counter()
            evaluated = score_profiles(scheme, profiles)
            timings["score"].append(time.perf_counter() - started)
            started, cpu = time.perf_counter(), time.process_time()
            stored = run_evaluation(Actor.system("bench"), uow, scheme.id or 0)
            timings["run"].append(time.perf_counter() - started)
            timings["run_cpu"].append(time.process_time() - cpu)
        tracemalloc.start()
        run_evaluation(Actor.system("bench"), uow, get_scheme(uow, scheme.id or 0).id or 0)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        engine.dispose()
    result: dict[str, Any] = {
        "people": args.people,
        "evaluated": stored.people,
        "scored": len(evaluated),
        "build_s": round(built, 1),
        **{f"{k}_s": round(float(np.median(v)), 2) for k, v in timings.items()},
        "peak_mb": round(peak / 2**20, 1),
        "backend": "postgresql" if args.database.startswith("postgres") else "sqlite",
        "machine": f"{platform.machine()} {platform.python_version()}",
    }
    print(json.dumps(result, indent=2))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
