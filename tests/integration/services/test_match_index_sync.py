"""The matching indexes follow the database's change feed: no committed record is ever skipped."""

from __future__ import annotations

import random
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text, update

from kechuang.domain.entities import Achievement
from kechuang.engine.hybrid import VISIBILITY_CODES
from kechuang.services import match_index
from kechuang.services.index_worker import IndexWorker
from kechuang.services.match_index import MatchIndex, MatchIndexes
from kechuang.store.db import UnitOfWork


def achievement(title: str, stamped: datetime | None = None) -> Achievement:
    stamped = stamped or datetime.now(UTC).replace(tzinfo=None)
    return Achievement(
        external_id=f"t-{title}", title_zh=title, title_en=title, created_at=stamped, updated_at=stamped
    )


def _doc_ids(index: MatchIndex) -> set[int]:
    return index.docs.ids()


def committed_ids(uow: UnitOfWork) -> set[int]:
    with uow() as session:
        return set(session.scalars(select(Achievement.id).where(Achievement.merged_into_id.is_(None))))


def test_a_record_stamped_before_a_sync_but_committed_after_it_is_indexed(uow, engine, tmp_path):
    """The defect: sync by updated_at > last_sync skipped a slow transaction's rows for good."""
    indexes = MatchIndexes(tmp_path / "index", "none")
    slow = uow._factory()
    early = achievement("慢导入的成果", datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=5))
    slow.add(early)
    if engine.dialect.name == "postgresql":
        slow.flush()  # the slow transaction holds its change row (and sequence number) before the fast one
    with uow() as session:
        session.add(achievement("快速写入的成果"))
    indexes.sync("achievement", uow)  # moves past the fast record while the slow one is uncommitted
    slow.commit()
    slow.close()
    index = indexes.get("achievement", uow)
    assert _doc_ids(index) == committed_ids(uow)
    assert len(_doc_ids(index)) == 2


def test_concurrent_writers_and_syncs_leave_every_committed_record_indexed(uow, tmp_path):
    indexes = MatchIndexes(tmp_path / "index", "none")
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        rng = random.Random(n)
        try:
            for i in range(12):
                stamped = datetime.now(UTC).replace(tzinfo=None)  # stamped first, committed later
                session = uow._factory()
                try:
                    stop.wait(rng.random() * 0.02)
                    session.add(achievement(f"w{n}-{i}", stamped))
                    if i % 5 == 4:  # some transactions roll back: their changes never count
                        session.flush()
                        session.rollback()
                        continue
                    session.commit()
                finally:
                    session.close()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def syncer() -> None:
        while not stop.is_set():
            indexes.sync("achievement", uow)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
    background = threading.Thread(target=syncer)
    background.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stop.set()
    background.join()
    assert not errors
    index = indexes.get("achievement", uow)
    assert _doc_ids(index) == committed_ids(uow)
    assert len(committed_ids(uow)) == 3 * 12 - 3 * 2


def test_updates_merges_and_deletes_reach_the_index_by_any_write_path(uow, engine, tmp_path):
    indexes = MatchIndexes(tmp_path / "index", "none")
    with uow() as session:
        first, second, third = achievement("一"), achievement("二"), achievement("三")
        session.add_all([first, second, third])
    index = indexes.get("achievement", uow)
    assert _doc_ids(index) == {first.id, second.id, third.id}
    with engine.begin() as connection:  # raw SQL, no ORM: triggers still record the change
        connection.execute(text("UPDATE achievements SET visibility = 'confidential' WHERE id = :id"),
                           {"id": first.id})
        connection.execute(update(Achievement).where(Achievement.id == second.id).values(merged_into_id=third.id))
        connection.execute(text("DELETE FROM achievements WHERE id = :id"), {"id": third.id})
    index = indexes.get("achievement", uow)
    assert _doc_ids(index) == {first.id}
    assert index.docs.entry(first.id) == (VISIBILITY_CODES["confidential"], -1)


def test_a_restarted_index_resumes_from_its_saved_position(uow, tmp_path):
    folder = tmp_path / "index"
    with uow() as session:
        session.add_all([achievement(f"旧{i}") for i in range(3)])
    first = MatchIndexes(folder, "none")
    first.sync("achievement", uow)
    with uow() as session:
        session.add(achievement("新"))
    reopened = MatchIndexes(folder, "none", sync_on_read=False)
    index = reopened.opened("achievement")
    assert len(_doc_ids(index)) == 3  # answers from the saved state at once
    assert reopened.status("achievement", uow).pending == 1
    report = reopened.sync("achievement", uow)
    assert report.indexed == 1 and reopened.status("achievement", uow).current


def test_the_worker_catches_up_off_the_request_path(uow, tmp_path):
    indexes = MatchIndexes(tmp_path / "index", "none", sync_on_read=False)
    MatchIndex.BATCH, batch = 7, MatchIndex.BATCH
    try:
        with uow() as session:
            session.add_all([achievement(f"批{i}") for i in range(30)])
        assert len(_doc_ids(indexes.get("achievement", uow))) == 0  # a request does not sync
        worker = IndexWorker(indexes, uow, interval=0.05).start()
        try:
            _wait(lambda: indexes.status("achievement", uow).current)
        finally:
            worker.stop()
    finally:
        MatchIndex.BATCH = batch
    assert _doc_ids(indexes.opened("achievement")) == committed_ids(uow)


def _wait(condition, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


def test_server_processes_sharing_a_folder_have_one_leader_and_followers_that_reload(uow, tmp_path):
    folder = tmp_path / "index"
    first, second = (MatchIndexes(folder, "hashing", sync_on_read=False) for _ in range(2))
    second.opened("achievement")  # a request in the follower opened it before the leader saved
    with uow() as session:
        session.add_all([achievement(f"共享{i}") for i in range(5)])
    workers = [IndexWorker(first, uow, interval=0.05).start(), IndexWorker(second, uow, interval=0.05).start()]
    try:
        assert _wait(lambda: second.opened("achievement").docs.ids() == committed_ids(uow))
        assert _wait(lambda: any(w.leader.held for w in workers))
        leader = next(w for w in workers if w.leader.held)
        other = next(w for w in workers if w is not leader)
        assert not other.leader.held  # one writer at a time
        leader.stop()  # the leader goes away: the other process takes over writing
        with uow() as session:
            session.add(achievement("接班后新增"))
        assert _wait(lambda: other.indexes.opened("achievement").docs.ids() == committed_ids(uow))
        assert other.leader.held
    finally:
        for worker in workers:
            worker.stop()


def test_a_complete_sync_waits_for_its_own_writes_held_back_by_another_open_transaction(
    uow, engine, tmp_path, monkeypatch
):
    """On PostgreSQL the feed reads below the oldest open write transaction on the server (any database):
    a complete sync waits for a committed change held back that way, and says what it could not wait for."""

    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: nothing is ever held back")
    indexes = MatchIndexes(tmp_path / "index", "none")
    with engine.connect() as blocker:
        blocker.execute(text("SELECT pg_current_xact_id()"))  # a write transaction's id, left open
        with uow() as session:
            session.add(achievement("等待中的成果"))
        threading.Timer(0.5, blocker.rollback).start()
        report = indexes.sync("achievement", uow)
    assert report.indexed == 1 and report.pending == 0
    monkeypatch.setattr(match_index, "HELD_BACK_WAIT_S", 0.3)
    with engine.connect() as blocker:
        blocker.execute(text("SELECT pg_current_xact_id()"))
        with uow() as session:
            session.add(achievement("仍被挡住的成果"))
        report = indexes.sync("achievement", uow)  # the blocker outlives the wait
        assert report.indexed == 0 and report.pending == 1
        blocker.rollback()
    assert indexes.sync("achievement", uow).indexed == 1
