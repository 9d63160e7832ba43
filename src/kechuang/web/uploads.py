"""Uploaded import files kept server-side between preview and confirm, and the preview rehearsal."""

from __future__ import annotations

import json
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")
KEEP_SECONDS = 24 * 3600  # an upload not confirmed within a day is dropped


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
