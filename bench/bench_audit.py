"""How long `audit verify` takes per 10,000 events, against a bare hash-the-rows baseline.

Writes N events through the real `audit.append` (one transaction), then times `audit.verify` and a
baseline that only reads the rows with Core and hashes each one with SHA-256 (no chain checks).
Prints medians, the ratio and peak memory; `--postgres URL` runs on PostgreSQL (schema is recreated).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

from sqlalchemy import select, text

from kechuang.domain.access import Actor
from kechuang.services import audit
from kechuang.store.db import UnitOfWork, make_engine
from kechuang.store.schema import upgrade_database
from kechuang.store.tables import audit_events

ACTOR = Actor.system("bench")


def fill(uow: UnitOfWork, count: int) -> None:
    with uow() as session:
        head = audit.lock_chain(session)
        for i in range(count):
            audit.append(
                session,
                head,
                ACTOR,
                "deal.offer",
                "deal",
                i % 500,
                {"from": "negotiation", "to": "negotiation", "price": 1000.0 + i, "party": "seller"},
            )
            if i % 5000 == 4999:
                session.flush()


def baseline(uow: UnitOfWork) -> int:
    count = 0
    with uow.engine.connect() as connection:
        for row in connection.execute(select(audit_events).order_by(audit_events.c.seq)):
            hashlib.sha256(repr(tuple(row)).encode()).hexdigest()
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--postgres", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.postgres or f"sqlite:///{Path(folder) / 'audit.db'}"
        engine = make_engine(url)
        if engine.dialect.name == "postgresql":
            with engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        upgrade_database(engine)
        uow = UnitOfWork(engine)
        print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs, {engine.dialect.name}")
        started = time.perf_counter()
        fill(uow, args.events)
        print(f"appended {args.events} events in {time.perf_counter() - started:.2f} s")
        verify_s, base_s = [], []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            result = audit.verify(ACTOR, uow)
            verify_s.append(time.perf_counter() - t0)
            assert result.ok and result.events == args.events, result
            t0 = time.perf_counter()
            baseline(uow)
            base_s.append(time.perf_counter() - t0)
        tracemalloc.start()
        audit.verify(ACTOR, uow)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        v, b = statistics.median(verify_s), statistics.median(base_s)
        per_10k = v / args.events * 10_000
        print(
            f"verify median {v:.3f} s ({per_10k:.3f} s per 10,000 events); baseline {b:.3f} s; "
            f"ratio {v / b:.2f}; verify peak {peak:.1f} MiB; load {os.getloadavg()[0]:.2f}"
        )
        engine.dispose()


if __name__ == "__main__":
    main()
