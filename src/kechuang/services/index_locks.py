"""File locks that let several server processes share one index folder: one writes, the others follow.

`flock` locks belong to an open file and vanish with the process, so a killed leader never leaves a stale
lock behind. Without fcntl (Windows) every process acts alone, which is right for a single process.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Linux
    fcntl = None  # type: ignore[assignment]


class LeaderLock:
    """Held by the one process that syncs and saves the indexes of a folder."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / ".writer.lock"
        self._file: IO[bytes] | None = None

    @property
    def held(self) -> bool:
        return self._file is not None

    def try_acquire(self) -> bool:
        """Take the lock if no other process holds it; keeps it until release (or process exit)."""
        if self._file is not None or fcntl is None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("ab")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._file = handle
        return True

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing the file drops the flock
            self._file = None


@contextmanager
def saving(folder: Path, *, shared: bool = False) -> Iterator[None]:
    """Exclusive while an index folder is written, shared while another process loads it."""
    if fcntl is None:
        yield
        return
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".save.lock").open("ab") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
