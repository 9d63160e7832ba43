"""A process killed with SIGKILL in the middle of an import or an index sync leaves nothing half-done."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from sqlalchemy import func, select

from kechuang.domain.entities import Achievement, ImportBatch
from kechuang.services.match_index import MatchIndexes

IMPORT_THEN_DIE = textwrap.dedent(
    """
    import os, signal, sys
    from kechuang.domain.access import Actor
    from kechuang.services import importing
    from kechuang.store.db import UnitOfWork, make_engine

    url, rows = sys.argv[1], int(sys.argv[2])

    def die(**_fields):  # every row is written in the transaction; the batch record comes last
        os.kill(os.getpid(), signal.SIGKILL)

    importing.ImportBatch = die
    content = "external_id,title_zh,title_en\\n" + "".join(f"crash-{i},崩溃测试成果{i},Crash {i}\\n" for i in range(rows))
    importing.import_file(Actor.system("crash"), "achievement", "crash.csv", content.encode(), UnitOfWork(make_engine(url)))
    """
)

SYNC_THEN_DIE = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from kechuang.engine import lexical
    from kechuang.services.match_index import MatchIndex, MatchIndexes
    from kechuang.store.db import UnitOfWork, make_engine

    url, folder = sys.argv[1], Path(sys.argv[2])
    real_upsert = lexical.LexicalIndex.upsert

    def upsert_then_die(self, docs, **kwargs):  # Tantivy has committed; vectors and state are not saved
        real_upsert(self, docs, **kwargs)
        os.kill(os.getpid(), signal.SIGKILL)

    lexical.LexicalIndex.upsert = upsert_then_die
    MatchIndex.BATCH = 10
    MatchIndexes(folder, "hashing").sync("achievement", UnitOfWork(make_engine(url)))
    """
)


def _run(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=180)


def _count(uow, model) -> int:
    with uow() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_an_import_killed_before_commit_writes_nothing(uow, engine):
    done = _run(IMPORT_THEN_DIE, engine.url.render_as_string(hide_password=False), "500")
    assert done.returncode == -9, done.stderr
    assert _count(uow, Achievement) == 0 and _count(uow, ImportBatch) == 0


def test_an_index_sync_killed_midway_resumes_to_exactly_the_committed_records(uow, engine, tmp_path):
    with uow() as session:
        session.add_all(
            [Achievement(external_id=f"c-{i}", title_zh=f"断点续传成果{i}", title_en=f"Resume {i}") for i in range(25)]
        )
    folder = tmp_path / "index"
    done = _run(SYNC_THEN_DIE, engine.url.render_as_string(hide_password=False), str(folder))
    assert done.returncode == -9, done.stderr
    indexes = MatchIndexes(folder, "hashing")
    index = indexes.get("achievement", uow)  # replays the feed from the last saved position
    with uow() as session:
        committed = set(session.scalars(select(Achievement.id)))
    assert index.docs.ids() == committed
    assert len(index.lexical) == len(committed)  # no duplicates from the replayed batch
    assert {hit.id for hit in index.searcher.search("断点续传成果", 50)} == committed
