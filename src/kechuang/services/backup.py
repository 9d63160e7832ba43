"""Back up an installation to one archive and restore it: database, matching indexes and pending uploads.

The archive is a tar file (gzip-compressed when its name ends in .gz or .tgz) holding `database/` (a
SQLite copy or a pg_dump custom archive), one folder per data folder (`index/`, `uploads/`) and
`manifest.json` last: format, version, backend, creation time, Alembic revision, row counts and the
SHA-256 of every other member. A restore checks all of it before it touches anything.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePosixPath
from typing import IO, Any

from sqlalchemy.exc import SQLAlchemyError

from kechuang.domain.access import Actor
from kechuang.domain.errors import Conflict, InvalidInput, KechuangError, PermissionDenied
from kechuang.store import dump
from kechuang.store.db import UnitOfWork
from kechuang.store.schema import head_revision, is_known_revision, upgrade_database

from . import audit

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {"sqlite": "database/kechuang.sqlite3", "postgresql": "database/kechuang.pgdump"}
CHUNK = 1024 * 1024
Progress = Callable[[str], None]


@dataclass
class BackupReport:
    """What went into an archive."""

    path: Path
    backend: str
    revision: str | None
    rows: dict[str, int]
    files: int
    bytes: int


@dataclass
class RestoreReport:
    """What a restore put back, the schema upgrade it ran if any, and the audit chain's verification."""

    backend: str
    created_at: str
    revision: str | None
    upgraded_to: str | None
    rows: dict[str, int]
    folders: dict[str, int]
    audit: audit.Verification


def create_backup(
    actor: Actor,
    uow: UnitOfWork,
    archive: Path,
    folders: Mapping[str, Path],
    progress: Progress | None = None,
) -> BackupReport:
    """Write the database and the given data folders (name -> path) to `archive`, replacing it at the end."""
    _require_admin(actor)
    say = progress or (lambda _message: None)
    archive = archive.resolve()
    if any(archive.is_relative_to(folder.resolve()) for folder in folders.values()):
        raise InvalidInput(f"{archive.name}: write the backup outside the folders it backs up")
    archive.parent.mkdir(parents=True, exist_ok=True)
    partial = archive.with_name(archive.name + ".partial")
    backend = dump.backend_of(uow.engine)
    created_at = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        with tempfile.TemporaryDirectory(prefix=".kechuang-backup-", dir=archive.parent) as staging:
            say(f"dumping the {backend} database")
            database = Path(staging) / PurePosixPath(DATABASE_MEMBERS[backend]).name
            snapshot = dump.dump_database(uow.engine, database)
            with _open_for_writing(partial, compress=archive.name.endswith((".gz", ".tgz"))) as tar:
                files = {DATABASE_MEMBERS[backend]: _add_file(tar, database, DATABASE_MEMBERS[backend])}
                for name, folder in folders.items():
                    files.update(_add_folder(tar, name, folder, say))
                manifest = {
                    "format": FORMAT,
                    "application": "kechuang",
                    "version": _version(),
                    "backend": backend,
                    "created_at": created_at,
                    "alembic_revision": snapshot.revision,
                    "database": DATABASE_MEMBERS[backend],
                    "folders": sorted(folders),
                    "rows": snapshot.rows,
                    "files": files,
                }
                _add_bytes(tar, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"))
    except BaseException:
        partial.unlink(missing_ok=True)  # a failed backup leaves no half archive behind
        raise
    os.replace(partial, archive)
    say(f"wrote {archive.name}")
    size = archive.stat().st_size
    return BackupReport(archive, backend, snapshot.revision, snapshot.rows, len(files), size)


def restore_backup(
    actor: Actor,
    uow: UnitOfWork,
    archive: Path,
    folders: Mapping[str, Path],
    *,
    force: bool = False,
    progress: Progress | None = None,
) -> RestoreReport:
    """Check an archive, put its database and data folders in place, then verify the audit chain."""
    _require_admin(actor)
    say = progress or (lambda _message: None)
    backend = dump.backend_of(uow.engine)
    staging_parent = _staging_parent(folders, archive)
    with tempfile.TemporaryDirectory(prefix=".kechuang-restore-", dir=staging_parent) as staging_name:
        staging = Path(staging_name)
        say(f"checking {archive.name}")
        manifest = _extract_verified(archive, staging)
        _check_manifest(manifest, backend, folders)
        if not force:
            _refuse_non_empty(dump.snapshot_of(uow.engine))
        say(f"restoring the {backend} database")
        dump.load_database(uow.engine, staging / manifest["database"])
        restored = dump.snapshot_of(uow.engine)
        _check_counts(restored.rows, manifest["rows"])
        counts = {}
        for name, folder in folders.items():
            counts[name] = _replace_folder(staging / name, folder)
            say(f"restored {name}: {counts[name]} files")
    upgraded_to = None
    if manifest["alembic_revision"] != head_revision():
        say("upgrading the restored database to this version's schema")
        upgraded_to = _upgrade(uow, manifest["alembic_revision"])
    say("verifying the audit chain")
    verification = audit.verify(actor, uow)
    return RestoreReport(
        backend, manifest["created_at"], manifest["alembic_revision"], upgraded_to, restored.rows, counts,
        verification,
    )


def _refuse_non_empty(current: dump.Snapshot) -> None:
    if any(current.rows.values()):
        tables = sum(1 for n in current.rows.values() if n)
        raise Conflict(
            f"the database is not empty ({sum(current.rows.values())} rows in {tables} tables); "
            "restore with --force to replace it"
        )


def _check_counts(restored: dict[str, int], listed: dict[str, int]) -> None:
    differing = sorted(name for name in set(restored) | set(listed) if restored.get(name) != listed.get(name))
    if differing:
        raise Conflict(f"the restored row counts differ from the manifest in: {', '.join(differing)}")


def _upgrade(uow: UnitOfWork, revision: str | None) -> str | None:
    """Bring an older backup to this version's schema; the restored data stays in place if that fails."""
    try:
        upgrade_database(uow.engine)
    except SQLAlchemyError as exc:
        raise KechuangError(
            f"the backup was restored at schema revision {revision}, but upgrading it to {head_revision()} "
            f"failed: {exc.__class__.__name__}: {str(exc).splitlines()[0]}"
        ) from exc
    return head_revision()


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise PermissionDenied("only administrators may back up or restore the installation")


def _version() -> str:
    try:
        return version("kechuang")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown"


def _open_for_writing(path: Path, *, compress: bool) -> tarfile.TarFile:
    return tarfile.open(path, "w:gz") if compress else tarfile.open(path, "w")


def _folder_files(folder: Path) -> list[Path]:
    """Regular files under `folder`, sorted; links are skipped so an archive never points outside."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


class _Hashing:
    """A reader that hashes what tarfile copies, so each file is read once."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self.handle.read(size)
        self.digest.update(chunk)
        return chunk


def _add_folder(tar: tarfile.TarFile, name: str, folder: Path, say: Progress) -> dict[str, dict[str, Any]]:
    """Add a data folder's files under `name/`; a file the running server removes meanwhile is left out."""
    paths = _folder_files(folder)
    say(f"adding {name}: {len(paths)} files")
    added = {}
    for path in paths:
        member = f"{name}/{path.relative_to(folder).as_posix()}"
        try:
            added[member] = _add_file(tar, path, member)
        except FileNotFoundError:
            say(f"left out {member}: removed while the backup ran")
    return added


def _add_file(tar: tarfile.TarFile, path: Path, member: str) -> dict[str, Any]:
    with path.open("rb") as handle:  # opened before the size is read: a file replaced meanwhile stays whole
        info = _plain_info(member, os.fstat(handle.fileno()).st_size)
        reader = _Hashing(handle)
        tar.addfile(info, reader)  # type: ignore[arg-type]  # tarfile only calls read()
    return {"size": info.size, "sha256": reader.digest.hexdigest()}


def _add_bytes(tar: tarfile.TarFile, member: str, content: bytes) -> None:
    tar.addfile(_plain_info(member, len(content)), io.BytesIO(content))


def _plain_info(member: str, size: int) -> tarfile.TarInfo:
    """A tar entry without the machine's owner names or times beyond the backup's own."""
    info = tarfile.TarInfo(member)
    info.size = size
    info.mode = 0o644
    info.mtime = int(datetime.now(UTC).timestamp())
    return info


def _staging_parent(folders: Mapping[str, Path], archive: Path) -> Path:
    """Stage beside the data folders, so the restored folders move into place without a copy."""
    for folder in folders.values():
        folder.parent.mkdir(parents=True, exist_ok=True)
        return folder.parent
    return archive.resolve().parent


def _safe_member(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise InvalidInput(f"archive refused: member {name!r} points outside the archive")
    return path


def _extract_verified(archive: Path, staging: Path) -> dict[str, Any]:
    """Extract every member into `staging` while hashing it; refuse what the manifest does not vouch for."""
    if not archive.is_file():
        raise InvalidInput(f"{archive}: no such backup file")
    seen: dict[str, dict[str, Any]] = {}
    manifest: dict[str, Any] | None = None
    try:
        with tarfile.open(archive, "r:*") as tar:
            for info in tar:
                path = _safe_member(info.name)
                if info.isdir():
                    continue
                if not info.isfile():
                    raise InvalidInput(f"archive refused: {info.name} is not a plain file")
                if info.name in seen or (info.name == MANIFEST and manifest is not None):
                    raise InvalidInput(f"archive refused: {info.name} appears twice")
                source = tar.extractfile(info)
                assert source is not None  # a regular file always has content
                if info.name == MANIFEST:
                    manifest = _read_manifest(source.read())
                    continue
                target = staging.joinpath(*path.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                digest, size = hashlib.sha256(), 0
                with target.open("wb") as out:
                    while chunk := source.read(CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
                seen[info.name] = {"size": size, "sha256": digest.hexdigest()}
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise InvalidInput(f"archive refused: {archive.name} is not a readable backup ({exc})") from exc
    if manifest is None:
        raise InvalidInput(f"archive refused: {archive.name} has no {MANIFEST}")
    listed: dict[str, Any] = manifest["files"]
    for name in sorted(set(listed) | set(seen)):
        if name not in seen:
            raise InvalidInput(f"archive refused: {name} is listed in the manifest but missing")
        if name not in listed:
            raise InvalidInput(f"archive refused: {name} is not listed in the manifest")
        if seen[name] != {"size": listed[name].get("size"), "sha256": listed[name].get("sha256")}:
            raise InvalidInput(f"archive refused: the checksum of {name} does not match the manifest")
    return manifest


def _read_manifest(content: bytes) -> dict[str, Any]:
    try:
        manifest = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"archive refused: {MANIFEST} is not valid JSON ({exc})") from exc
    required = {"format", "backend", "created_at", "alembic_revision", "database", "rows", "files"}
    if not isinstance(manifest, dict) or not required <= set(manifest):
        raise InvalidInput(f"archive refused: {MANIFEST} lacks {', '.join(sorted(required - set(manifest)))}")
    if manifest["format"] != FORMAT:
        raise InvalidInput(f"archive refused: backup format {manifest['format']} is not {FORMAT}")
    return manifest


def _check_manifest(manifest: dict[str, Any], backend: str, folders: Mapping[str, Path]) -> None:
    if manifest["backend"] != backend:
        raise InvalidInput(
            f"archive refused: it holds a {manifest['backend']} database and this installation uses {backend}"
        )
    if manifest["database"] != DATABASE_MEMBERS[backend] or manifest["database"] not in manifest["files"]:
        raise InvalidInput("archive refused: the manifest does not name its database dump")
    revision = manifest["alembic_revision"]
    if revision is not None and not is_known_revision(revision):
        raise InvalidInput(
            f"archive refused: its schema revision {revision} is newer than this version knows; "
            "install the release that wrote it"
        )
    unknown = {name.split("/", 1)[0] for name in manifest["files"]} - {"database", *folders}
    if unknown:
        raise InvalidInput(f"archive refused: unexpected folders {', '.join(sorted(unknown))}")


def _replace_folder(staged: Path, folder: Path) -> int:
    """Put the archive's copy of a data folder in place; a folder the backup lacked is removed (stale)."""
    if folder.exists():
        shutil.rmtree(folder)
    if not staged.is_dir():
        return 0
    shutil.move(str(staged), str(folder))
    return sum(1 for p in folder.rglob("*") if p.is_file())
