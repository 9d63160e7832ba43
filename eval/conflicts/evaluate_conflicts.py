"""Precision and recall of conflict-of-interest detection on hand-labelled reviewer–applicant pairs.

    python eval/conflicts/evaluate_conflicts.py          # fresh SQLite with the sample, prints, logs

The pairs (pairs.tsv, see README.md) name a reviewer, the applicant organizations and team members by
the sample's external ids, with the label a person gave from the sample files: conflicted or not, and
which kinds of tie. `find_conflicts` runs on a database holding the built-in sample and the market
sample, with the fixed day and window below, so the figures do not drift with the calendar.
"""

from __future__ import annotations

import csv
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from kechuang.domain.entities import Organization, Person
from kechuang.services.calls.conflicts import find_conflicts
from kechuang.store.db import UnitOfWork

HERE = Path(__file__).resolve().parent
PAIRS = HERE / "pairs.tsv"
TODAY = date(2026, 6, 30)
YEARS = 3


@dataclass(frozen=True)
class Pair:
    number: int
    reviewer: str
    organizations: tuple[str, ...]
    team: tuple[str, ...]
    conflicted: bool
    kinds: frozenset[str]
    note: str


@dataclass
class Report:
    """Pair-level confusion counts, per-kind counts, and the pairs each system got wrong."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    kinds: dict[str, dict[str, int]] = field(default_factory=dict)  # kind -> tp, fp, fn
    misses: list[int] = field(default_factory=list)
    false_alarms: list[int] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def read_pairs(path: Path = PAIRS) -> list[Pair]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))

    def split(text: str) -> tuple[str, ...]:
        return tuple(part for part in (text or "").split(",") if part)

    return [
        Pair(
            int(r["pair"]),
            r["reviewer"],
            split(r["applicant_orgs"]),
            split(r["team"]),
            r["conflict"] == "1",
            frozenset(split(r["kinds"])),
            r["note"],
        )
        for r in rows
    ]


def evaluate(uow: UnitOfWork, pairs: list[Pair], *, today: date = TODAY, years: int = YEARS) -> Report:
    """Run the detector on every pair and count agreement with the labels (pair level and per kind)."""
    report = Report()
    with uow() as session:
        people = {p.external_id: p.id for p in session.scalars(select(Person))}
        orgs = {o.external_id: o.id for o in session.scalars(select(Organization))}
        for pair in pairs:
            found = find_conflicts(
                session,
                people[pair.reviewer],
                organization_ids=[orgs[o] for o in pair.organizations],
                person_ids=[people[p] for p in pair.team],
                years=years,
                today=today,
            )
            said = bool(found)
            if said and pair.conflicted:
                report.tp += 1
            elif said:
                report.fp += 1
                report.false_alarms.append(pair.number)
            elif pair.conflicted:
                report.fn += 1
                report.misses.append(pair.number)
            else:
                report.tn += 1
            seen = {c.kind for c in found}
            for kind in seen | pair.kinds:
                counts = report.kinds.setdefault(kind, {"tp": 0, "fp": 0, "fn": 0})
                counts["tp" if kind in seen and kind in pair.kinds else "fp" if kind in seen else "fn"] += 1
    return report


def table(report: Report) -> str:
    lines = [
        f"pairs {report.tp + report.fp + report.fn + report.tn} (conflicted {report.tp + report.fn}): "
        f"precision {report.precision:.3f}, recall {report.recall:.3f}, F1 {report.f1:.3f} "
        f"(tp {report.tp}, fp {report.fp}, fn {report.fn}, tn {report.tn}); "
        f"missed pairs {report.misses}, false alarms {report.false_alarms}",
        "",
        "| kind | labelled | found | agreed | precision | recall |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for kind, c in sorted(report.kinds.items()):
        labelled, found = c["tp"] + c["fn"], c["tp"] + c["fp"]
        precision = c["tp"] / found if found else 0.0
        recall = c["tp"] / labelled if labelled else 0.0
        lines.append(f"| {kind} | {labelled} | {found} | {c['tp']} | {precision:.3f} | {recall:.3f} |")
    return "\n".join(lines)


def _sample_database(folder: Path) -> UnitOfWork:
    from kechuang.services.market_sample import load_market_sample
    from kechuang.services.sample import load_sample
    from kechuang.store.db import make_engine
    from kechuang.store.schema import upgrade_database

    engine = make_engine(f"sqlite:///{folder / 'conflicts.db'}")
    upgrade_database(engine)
    uow = UnitOfWork(engine)
    load_sample(uow)
    load_market_sample(uow)
    return uow


def main(argv: list[str] | None = None) -> int:
    del argv
    with tempfile.TemporaryDirectory() as folder:
        report = evaluate(_sample_database(Path(folder)), read_pairs())
    text = table(report)
    print(text)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    log: Any = (HERE.parent / "log.md").open("a", encoding="utf-8")
    with log:
        log.write(
            f"\n## {stamp}\n\n`python eval/conflicts/evaluate_conflicts.py` — conflict detection on "
            f"{PAIRS.name}, today {TODAY.isoformat()}, window {YEARS} years\n\n{text}\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
