"""Uploaded import files kept server-side between preview and confirm, and the preview rehearsal."""

from __future__ import annotations

import json
import re
import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from kechuang.domain.access import Actor
from kechuang.services.importing import ImportResult, import_file
from kechuang.store.db import UnitOfWork

TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")
MAX_BYTES = 20 * 1024 * 1024
KEEP_SECONDS = 24 * 3600  # an upload not confirmed within a day is dropped


class Rehearsal(UnitOfWork):
    """A unit of work that always rolls back: the import runs every check and write, then keeps nothing."""

    @contextmanager
    def __call__(self) -> Iterator[Session]:
        session = Session(bind=self.engine, expire_on_commit=False)
        try:
            yield session
        finally:
            session.rollback()
            session.close()


def preview(actor: Actor, entity: str, filename: str, content: bytes, uow: UnitOfWork) -> ImportResult:
    """What importing would do (or its ImportRejected with every row error); nothing is written."""
    return import_file(actor, entity, filename, content, Rehearsal(uow.engine))


@dataclass
class Upload:
    token: str
    entity: str
    filename: str
    user_id: int
    content: bytes


def keep(folder: Path, entity: str, filename: str, user_id: int, content: bytes) -> str:
    """Store an upload under a random id until the visitor confirms or it is replaced."""
    _drop_stale(folder)
    token = secrets.token_urlsafe(24)
    place = folder / token
    place.mkdir(parents=True)
    (place / "content").write_bytes(content)
    meta = {"entity": entity, "filename": Path(filename).name, "user_id": user_id}
    (place / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    return token


def load(folder: Path, token: str, user_id: int) -> Upload | None:
    """The upload behind `token` if it exists and belongs to this user (ids are never paths)."""
    if not TOKEN.fullmatch(token):
        return None
    place = folder / token
    if not (place / "meta.json").is_file():
        return None
    meta = json.loads((place / "meta.json").read_text(encoding="utf-8"))
    if meta["user_id"] != user_id:
        return None
    return Upload(token, meta["entity"], meta["filename"], user_id, (place / "content").read_bytes())


def _drop_stale(folder: Path) -> None:
    if not folder.is_dir():
        return
    limit = time.time() - KEEP_SECONDS
    for place in folder.iterdir():
        if place.is_dir() and TOKEN.fullmatch(place.name) and place.stat().st_mtime < limit:
            shutil.rmtree(place, ignore_errors=True)


def discard(folder: Path, token: str) -> None:
    if TOKEN.fullmatch(token):
        shutil.rmtree(folder / token, ignore_errors=True)
