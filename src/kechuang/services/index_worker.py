"""The server's index worker: keeps the matching indexes in step with the database, beside the requests."""

from __future__ import annotations

import logging
import threading

from kechuang.store.db import UnitOfWork

from .index_locks import LeaderLock
from .match_index import INDEXED, MatchIndexes


class IndexWorker:
    """Keeps a server's indexes in step off the request path: syncs when poked and every `interval`."""

    def __init__(self, indexes: MatchIndexes, uow: UnitOfWork, interval: float = 2.0) -> None:
        self.indexes, self.uow, self.interval = indexes, uow, interval
        self.leader = LeaderLock(indexes.folder)  # several server processes: one syncs, the rest follow
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="kechuang-index-worker")

    def start(self) -> IndexWorker:
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.indexes.changed.set()
        self._thread.join(timeout)
        self.leader.release()

    def _step(self, kind: str) -> bool:
        """A few batches of one kind; True while it is still behind (so other kinds get their turn)."""
        return self.indexes.sync(kind, self.uow, max_batches=5).pending > 0

    def _run(self) -> None:
        log = logging.getLogger(__name__)
        while not self._stop.is_set():
            self.indexes.changed.clear()
            try:
                if not self.leader.try_acquire():
                    self.indexes.follow()
                    self._stop.wait(self.interval)
                    continue
                for kind in INDEXED:
                    # a few batches per kind per round: a long catch-up of one kind does not starve the rest
                    while not self._stop.is_set() and self._step(kind):
                        pass
            except Exception:  # the worker outlives a failed round (a database restart, a full disk)
                log.exception("syncing the matching indexes failed; retrying")
                self._stop.wait(min(30.0, self.interval * 5))
            self.indexes.changed.wait(self.interval)
