"""How far each talent scheme's ranking is from a paper-count ranking, and how stable its ranks are.

For the built-in sample and the NSFC management-sciences grants (../shared/data/nsfc_2017), on a fresh
SQLite database, every default scheme is evaluated (200 Monte-Carlo draws, ±25 % weights) and compared:

- Kendall's tau-b between the scheme's scores and the number of papers each person authored (the
  ranking AMiner/SciVal-style evaluation rests on); on NSFC nobody has a paper in the registry, so a
  paper count ties everyone and tau is undefined: the count-only baseline there is the number of grants;
- the share of people whose rank interval spans more than 10 places.

Usage: .venv/bin/python eval/talent_rankings.py [--data ../shared/data] [--out eval/talent-rankings.json]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from kechuang.analytics.talent import kendall_tau, share_wide
from kechuang.domain.access import Actor
from kechuang.services.datasets import import_dataset
from kechuang.services.market_sample import load_market_sample
from kechuang.services.sample import load_demo_accounts, load_sample
from kechuang.services.talent.evaluate import compute
from kechuang.services.talent.evidence import gather_profiles
from kechuang.services.talent.sample import load_talent_sample
from kechuang.services.talent.schemes import list_schemes
from kechuang.store.db import UnitOfWork, make_engine
from kechuang.store.schema import upgrade_database

ROOT = Path(__file__).resolve().parents[1]
THIS_YEAR = 2026


def fresh(folder: Path, name: str) -> UnitOfWork:
    engine = make_engine(f"sqlite:///{folder / name}.db")
    upgrade_database(engine)
    return UnitOfWork(engine)


def load(name: str, data: Path, folder: Path) -> UnitOfWork:
    uow = fresh(folder, name)
    if name == "sample":
        load_sample(uow)
        load_market_sample(uow)
        load_demo_accounts(uow)
        load_talent_sample(uow)
    else:
        import_dataset(
            Actor.system("eval"), "nsfc", data / "nsfc_2017" / "nsfc_management_sciences_2017.csv", uow
        )
    return uow


def tau(a: list[float], b: list[float]) -> float | None:
    value = kendall_tau(a, b)
    return None if math.isnan(value) else round(value, 4)


def measure(name: str, uow: UnitOfWork) -> list[dict[str, Any]]:
    rows = []
    for scheme in list_schemes(uow):
        started = time.perf_counter()
        with uow() as session:
            evaluated = compute(session, scheme, this_year=THIS_YEAR)
            profiles = gather_profiles(
                session, this_year=THIS_YEAR, person_ids={e.person_id for e in evaluated}
            )
        seconds = time.perf_counter() - started
        scores = [e.score for e in evaluated]
        papers = [profiles[e.person_id].raw.get("paper_count", 0.0) for e in evaluated]
        grants = [float(len(profiles[e.person_id].evidence.get("projects", []))) for e in evaluated]
        low = np.array([e.rank_interval[0] for e in evaluated])
        high = np.array([e.rank_interval[1] for e in evaluated])
        rows.append(
            {
                "data": name,
                "scheme": scheme.key,
                "people": len(evaluated),
                "tau_vs_paper_count": tau(scores, papers) if evaluated else None,
                "tau_vs_grant_count": tau(scores, grants) if evaluated else None,
                "share_interval_over_10": round(share_wide(low, high, 10), 4),
                "median_interval_width": float(np.median(high - low)) if evaluated else None,
                "people_with_papers": int(sum(1 for p in papers if p > 0)),
                "seconds": round(seconds, 2),
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=Path(os.environ.get("KECHUANG_SHARED_DATA", ROOT.parent / "shared" / "data")),
    )
    parser.add_argument("--out", type=Path, default=ROOT / "eval" / "talent-rankings.json")
    parser.add_argument("--sets", default="sample,nsfc")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for name in args.sets.split(","):
            uow = load(name, args.data, Path(folder))
            results += measure(name, uow)
            uow.engine.dispose()
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(
        "| data | scheme | people | tau vs paper count | tau vs grant count | share of intervals > 10 places "
        "| median interval width | s |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['data']} | {r['scheme']} | {r['people']} | {r['tau_vs_paper_count']} | "
            f"{r['tau_vs_grant_count']} | {r['share_interval_over_10']:.1%} | {r['median_interval_width']} | "
            f"{r['seconds']} |"
        )


if __name__ == "__main__":
    main()
