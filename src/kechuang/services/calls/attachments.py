"""Attachments of applications: PDF, DOCX or XLSX told by their content, size-limited, kept off the web root.

The type is read from the bytes (a renamed executable is refused whatever its name says); a file is
stored under the data directory by a random name and served only to the application's organizations
and officers: to anyone else it does not exist (404).
"""

from __future__ import annotations

import hashlib
import io
import secrets
import zipfile
from pathlib import Path
from typing import Any

from sqlalchemy import select

from kechuang.domain.access import Actor
from kechuang.domain.calls import ApplicationAttachment, ApplicationStatus, CallStatus
from kechuang.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from kechuang.domain.limits import MAX_ID, check_text
from kechuang.store.db import UnitOfWork

from .. import audit
from .applications import load_application
from .calls import audited, load_call

Attachments: Any = ApplicationAttachment
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 20
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FOLDER = "call_attachments"


def attachments_folder(data_dir: Path) -> Path:
    """Where attachments live: under the data directory, never under the static files."""
    return data_dir / FOLDER


def sniff_kind(content: bytes) -> str | None:
    """'pdf', 'docx' or 'xlsx' from the bytes themselves; None for anything else (macros included)."""
    if content.startswith(b"%PDF-"):
        return "pdf"
    if not content.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" not in names:
                return None
            if archive.getinfo("[Content_Types].xml").file_size > 1_000_000:
                return None  # a real one is a few kB: never inflate a bomb to look at it
            types = archive.read("[Content_Types].xml").lower()
    except (zipfile.BadZipFile, KeyError, ValueError, RuntimeError):
        return None
    if b"macroenabled" in types or any(n.lower().endswith("vbaproject.bin") for n in names):
        return None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return None


def _filename(name: str) -> str:
    base = Path(name.replace("\\", "/")).name.strip() or "attachment"
    try:
        return check_text(base, max_length=200)
    except ValueError as exc:
        raise InvalidInput(f"file name {exc}", field="file") from None


def add_attachment(
    actor: Actor,
    application_id: int,
    filename: str,
    content: bytes,
    uow: UnitOfWork,
    *,
    data_dir: Path,
    max_bytes: int = MAX_ATTACHMENT_BYTES,
    idempotency_key: str | None = None,
) -> ApplicationAttachment:
    """Attach a file to the actor's own application while its call is open; audited."""
    name = _filename(filename)
    if len(content) > max_bytes:
        raise InvalidInput(f"the file is larger than {max_bytes:,} bytes", field="file")
    if not content:
        raise InvalidInput("the file is empty", field="file")
    kind = sniff_kind(content)
    if kind is None:
        raise InvalidInput(
            "only PDF, DOCX or XLSX files (checked by content, not by name) are accepted", field="file"
        )
    folder = attachments_folder(data_dir)
    stored = secrets.token_hex(16)
    with uow() as session:
        application = load_application(session, actor, application_id)
        if actor.organization_id != application.lead_org_id:
            raise PermissionDenied("only the lead organization may attach files to its application")
        call = load_call(session, actor, application.call_id)

        def write(_head: Any) -> tuple[str, Any, dict[str, Any]]:
            if call.status != CallStatus.PUBLISHED or application.status not in (
                ApplicationStatus.DRAFT,
                ApplicationStatus.SUBMITTED,
            ):
                raise Conflict(
                    "files may be attached only while the call is open (allowed in: published)",
                    field="status",
                )
            count = len(
                list(
                    session.scalars(
                        select(Attachments.id).where(Attachments.application_id == application_id)
                    )
                )
            )
            if count >= MAX_ATTACHMENTS:
                raise Conflict(f"an application has at most {MAX_ATTACHMENTS} attachments", field="file")
            row = ApplicationAttachment(
                application_id=application_id,
                filename=name,
                kind=kind,
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                stored_name=stored,
                uploaded_by=actor.name,
                created_at=audit.now(),
            )
            session.add(row)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / stored).write_bytes(
                content
            )  # before commit: a failed commit leaves an orphan, not a hole
            return (
                "application_attachment",
                row,
                {"application_id": application_id, "kind": kind, "size": len(content), "sha256": row.sha256},
            )

        row, replayed = audited(session, actor, idempotency_key, "call_application.attach", write)
        if replayed:
            return _load(session, actor, row.result_id)
        return row  # type: ignore[no-any-return]


def _load(session: Any, actor: Actor, attachment_id: int | None) -> ApplicationAttachment:
    found = (
        session.get(Attachments, attachment_id) if attachment_id and 1 <= attachment_id <= MAX_ID else None
    )
    if found is None:
        raise NotFound(f"attachment {attachment_id} not found")
    try:
        load_application(session, actor, found.application_id)
    except NotFound:
        raise NotFound(f"attachment {attachment_id} not found") from None
    return found  # type: ignore[no-any-return]


def list_attachments(actor: Actor, application_id: int, uow: UnitOfWork) -> list[ApplicationAttachment]:
    with uow() as session:
        load_application(session, actor, application_id)
        query = (
            select(Attachments).where(Attachments.application_id == application_id).order_by(Attachments.id)
        )
        return list(session.scalars(query))


def read_attachment(
    actor: Actor, application_id: int, attachment_id: int, uow: UnitOfWork, *, data_dir: Path
) -> tuple[ApplicationAttachment, bytes]:
    """The file for the application's organizations and officers; 404 for everyone else."""
    with uow() as session:
        row = _load(session, actor, attachment_id)
    if row.application_id != application_id:
        raise NotFound(f"attachment {attachment_id} not found")
    path = attachments_folder(data_dir) / row.stored_name
    if not path.is_file():
        raise NotFound(f"the file of attachment {attachment_id} is missing from the data directory")
    return row, path.read_bytes()
