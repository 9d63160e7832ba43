"""How long computing the status (with its reasons) of 10,000 key tasks takes, against a bare baseline.

Fills one plan with N tasks (two milestones each, one or two progress reports, a third of them with a
co-responsible department) written with Core, then times, in the same process:

* service: `plans.list_tasks`, what the API and the pages call: four queries, the ORM, the domain rule
  with both reasons for every task, then the numbering sort;
* rule: `compute_status` alone over N ready-made `StatusFacts` (no database);
* baseline: the same rows read with Core (tasks, milestones, every counted report) and a bare status
  (done / deadline passed / late milestone / behind by more than 20 points) with no reasons, no ORM.

Prints medians, the ratio service / baseline and the peak Python memory (tracemalloc) of one service call
and one baseline, each in an extra untimed run. `--postgres URL` runs on PostgreSQL (schema recreated).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

from kechuang.domain.access import Actor
from kechuang.domain.tasks import MilestoneFact, StatusFacts, compute_status, elapsed_share
from kechuang.services.tasks import plans
from kechuang.store.db import UnitOfWork, make_engine
from kechuang.store.schema import upgrade_database
from kechuang.store.tables import organizations
from kechuang.store.tasks_tables import key_tasks, task_milestones, task_partners, task_plans, task_reports

ACTOR = Actor.system("bench")
TODAY = date(2026, 7, 1)


def fill(uow: UnitOfWork, count: int) -> int:
    """One plan with `count` tasks spread over every status; returns the plan id."""
    stamp = datetime(2026, 1, 2)
    with uow.engine.begin() as connection:
        common = {
            "visibility": "public",
            "source": "bench",
            "is_sample": False,
            "aliases": [],
            "kind": "government",
            "region_code": "110108",
            "country_code": "CN",
            "credit_code": "",
            "website": "",
            "description_zh": "",
            "description_en": "",
            "discipline_codes": [],
            "industry_codes": [],
            "name_en": "",
        }
        connection.execute(
            organizations.insert(),
            [{**common, "id": i, "external_id": f"bench-dept-{i}", "name_zh": f"部门{i}"} for i in (1, 2)],
        )
        connection.execute(
            task_plans.insert(),
            [
                {
                    "id": 1,
                    "year": 2026,
                    "title": "bench",
                    "title_en": "",
                    "visibility": "internal",
                    "risk_points": 20.0,
                    "alert_days": 7,
                    "escalate_days": 0,
                    "is_sample": False,
                    "created_by": "bench",
                }
            ],
        )
        tasks, milestones, reports, partners = [], [], [], []
        for i in range(1, count + 1):
            deadline = date(2026, 3, 1) + timedelta(days=i % 300)
            tasks.append(
                {
                    "id": i,
                    "plan_id": 1,
                    "number": str(i),
                    "title": f"任务{i}",
                    "title_en": "",
                    "description": "",
                    "lead_org_id": 1,
                    "starts_on": date(2026, 1, 1),
                    "deadline": deadline,
                    "status": "on_track",
                    "created_by": "bench",
                    "created_at": stamp,
                }
            )
            for k, offset in enumerate((30, 90)):
                due = min(date(2026, 1, 1) + timedelta(days=offset + i % 20), deadline)
                milestones.append(
                    {
                        "task_id": i,
                        "position": k,
                        "title": f"里程碑{k}",
                        "due": due,
                        "deliverable": "",
                        "completed_on": due if i % 3 == 0 else None,
                    }
                )
            for r in range(1 + i % 2):
                reports.append(
                    {
                        "task_id": i,
                        "progress": float((i * 7 + r * 30) % 101),
                        "note": "",
                        "author": "b",
                        "blockers": "缺资金" if i % 17 == 0 else "",
                        "milestones_done": [],
                        "state": "accepted",
                        "reviewed_by": "",
                        "return_reason": "",
                        "created_at": stamp,
                    }
                )
            if i % 3 == 0:
                partners.append({"task_id": i, "org_id": 2})
        connection.execute(key_tasks.insert(), tasks)
        connection.execute(task_milestones.insert(), milestones)
        connection.execute(task_reports.insert(), reports)
        connection.execute(task_partners.insert(), partners)
    return 1


def service(uow: UnitOfWork, plan_id: int) -> int:
    _, views = plans.list_tasks(ACTOR, uow, plan_id, on=TODAY)
    assert all(v.verdict.zh and v.verdict.en for v in views)
    return len(views)


def baseline(uow: UnitOfWork, plan_id: int) -> int:
    """Read the same rows with Core and decide a bare status per task: the floor under the service."""
    with uow.engine.connect() as connection:
        tasks = connection.execute(
            select(key_tasks.c.id, key_tasks.c.starts_on, key_tasks.c.deadline).where(
                key_tasks.c.plan_id == plan_id
            )
        ).all()
        late: set[int] = set()
        for task_id, due, completed in connection.execute(
            select(task_milestones.c.task_id, task_milestones.c.due, task_milestones.c.completed_on)
        ):
            if completed is None and due < TODAY:
                late.add(task_id)
        progress: dict[int, tuple[float, str]] = {}
        for task_id, value, blockers in connection.execute(
            select(task_reports.c.task_id, task_reports.c.progress, task_reports.c.blockers)
            .where(task_reports.c.state.in_(["submitted", "accepted"]))
            .order_by(task_reports.c.id)
        ):
            progress[task_id] = (value, blockers)
    statuses = []
    for task_id, start, deadline in tasks:
        value, blockers = progress.get(task_id, (0.0, ""))
        if value >= 100:
            statuses.append("done")
        elif deadline < TODAY or task_id in late:
            statuses.append("overdue")
        elif blockers or elapsed_share(start, deadline, TODAY) - value > 20:
            statuses.append("at_risk")
        else:
            statuses.append("on_track")
    return len(statuses)


def rule_only(count: int) -> Callable[[], int]:
    facts = [
        StatusFacts(
            starts_on=date(2026, 1, 1),
            deadline=date(2026, 3, 1) + timedelta(days=i % 300),
            progress=float(i * 7 % 101),
            blocker="缺资金" if i % 17 == 0 else "",
            milestones=(MilestoneFact("里程碑", date(2026, 2, 1) + timedelta(days=i % 200)),),
        )
        for i in range(count)
    ]

    def run() -> int:
        return len([compute_status(f, TODAY) for f in facts])

    return run


def timed(runs: int, call: Callable[[], Any]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def peak_mib(call: Callable[[], Any]) -> float:
    tracemalloc.start()
    call()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--postgres", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.postgres or f"sqlite:///{Path(folder) / 'tasks.db'}"
        engine = make_engine(url)
        if engine.dialect.name == "postgresql":
            with engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        upgrade_database(engine)
        uow = UnitOfWork(engine)
        print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs, {engine.dialect.name}")
        plan_id = fill(uow, args.tasks)
        assert service(uow, plan_id) == baseline(uow, plan_id) == args.tasks
        rule = rule_only(args.tasks)
        service_s = timed(args.runs, lambda: service(uow, plan_id))
        base_s = timed(args.runs, lambda: baseline(uow, plan_id))
        rule_s = timed(args.runs, rule)
        service_peak = peak_mib(lambda: service(uow, plan_id))
        base_peak = peak_mib(lambda: baseline(uow, plan_id))
        print(
            f"{args.tasks} tasks, median of {args.runs}: service {service_s:.3f} s "
            f"({service_s / args.tasks * 10_000:.3f} s per 10,000), rule alone {rule_s:.3f} s, "
            f"baseline {base_s:.3f} s, ratio service/baseline {service_s / base_s:.1f}; peak memory service "
            f"{service_peak:.1f} MiB, baseline {base_peak:.1f} MiB; load {os.getloadavg()[0]:.2f}"
        )
        engine.dispose()


if __name__ == "__main__":
    main()
