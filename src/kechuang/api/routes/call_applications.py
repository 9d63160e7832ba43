"""JSON API of applications to a call (揭榜) and their attachments; included by the calls router.

An applicant sees only its own application (lead or partner organization); officers see all; anyone
else, the anonymous included, gets 404 for applications and attachments alike.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from kechuang.config import Settings
from kechuang.domain.access import Actor
from kechuang.domain.errors import NotFound
from kechuang.services.calls import applications, attachments
from kechuang.store.db import UnitOfWork

from ..body_limit import BodyTooLarge
from ..deps import current_actor, get_settings, get_uow, signed_in
from ..params import BodyId, IdemKey, ItemId, LongText, ShortText

router = APIRouter(tags=["calls"])


class ReasonIn(BaseModel):
    reason: LongText = ""


class CommitmentIn(BaseModel):
    indicator_id: BodyId
    value: float = Field(ge=0, allow_inf_nan=False)
    note: ShortText = ""


class ApplicationIn(BaseModel):
    """The lead organization is the applicant's own; partners and team members come from the registry."""

    partner_org_ids: list[BodyId] | None = Field(None, max_length=20)
    team_person_ids: list[BodyId] | None = Field(None, max_length=500)
    title: ShortText | None = None
    proposal: LongText | None = None
    commitments: list[CommitmentIn] | None = Field(None, max_length=30)
    requested_budget: float | None = Field(None, ge=0, allow_inf_nan=False, description="万元")


class ApplicationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    call_id: int
    lead_org_id: int
    partner_org_ids: list[int]
    team_person_ids: list[int]
    title: str
    proposal: str
    commitments: list[dict[str, Any]]
    requested_budget: float | None
    status: str = Field(description="draft, submitted, awarded, not_awarded or withdrawn")
    submitted_at: Any = None
    created_at: Any = None
    updated_at: Any = None


class AttachmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    application_id: int
    filename: str
    kind: str = Field(description="pdf, docx or xlsx, told by the content")
    size: int
    sha256: str
    uploaded_by: str
    created_at: Any = None


def _application(actor: Actor, uow: UnitOfWork, call_id: int, application_id: int) -> Any:
    found = applications.get_application(actor, application_id, uow)
    if found.call_id != call_id:
        raise NotFound(f"application {application_id} not found")
    return found


@router.post(
    "/calls/{call_id}/applications",
    response_model=ApplicationOut,
    status_code=201,
    summary="Start an application (揭榜) led by your organization",
)
def create_application(
    call_id: ItemId,
    body: ApplicationIn,
    key: str | None = IdemKey,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> Any:
    data = body.model_dump(exclude_unset=True)
    return applications.create_application(actor, call_id, data, uow, idempotency_key=key)


@router.get("/calls/{call_id}/applications", summary="All applications (officers) or your own")
def list_applications(
    call_id: ItemId, actor: Actor = Depends(signed_in), uow: UnitOfWork = Depends(get_uow)
) -> dict[str, Any]:
    rows = applications.list_applications(actor, call_id, uow)
    return {"data": [ApplicationOut.model_validate(r) for r in rows], "count": len(rows)}


@router.get(
    "/calls/{call_id}/applications/{application_id}",
    response_model=ApplicationOut,
    summary="One application (its organizations and officers only)",
)
def get_application(
    call_id: ItemId,
    application_id: ItemId,
    actor: Actor = Depends(current_actor),
    uow: UnitOfWork = Depends(get_uow),
) -> Any:
    return _application(actor, uow, call_id, application_id)


@router.patch(
    "/calls/{call_id}/applications/{application_id}",
    response_model=ApplicationOut,
    summary="Edit a draft application",
)
def edit_application(
    call_id: ItemId,
    application_id: ItemId,
    body: ApplicationIn,
    key: str | None = IdemKey,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> Any:
    _application(actor, uow, call_id, application_id)
    data = body.model_dump(exclude_unset=True)
    return applications.update_application(actor, application_id, data, uow, idempotency_key=key)


@router.post(
    "/calls/{call_id}/applications/{application_id}/submit",
    response_model=ApplicationOut,
    summary="Submit: eligibility is checked and a refusal names the rule",
)
def submit_application(
    call_id: ItemId,
    application_id: ItemId,
    key: str | None = IdemKey,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> Any:
    _application(actor, uow, call_id, application_id)
    return applications.submit_application(actor, application_id, uow, idempotency_key=key)


@router.post(
    "/calls/{call_id}/applications/{application_id}/withdraw",
    response_model=ApplicationOut,
    summary="Withdraw your application before the award",
)
def withdraw_application(
    call_id: ItemId,
    application_id: ItemId,
    body: ReasonIn | None = None,
    key: str | None = IdemKey,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> Any:
    _application(actor, uow, call_id, application_id)
    return applications.withdraw_application(
        actor, application_id, uow, reason=body.reason if body else "", idempotency_key=key
    )


@router.post(
    "/calls/{call_id}/applications/{application_id}/attachments",
    response_model=AttachmentOut,
    status_code=201,
    summary="Attach a PDF, DOCX or XLSX (checked by content, size-limited)",
)
def add_attachment(
    call_id: ItemId,
    application_id: ItemId,
    file: UploadFile = File(...),
    key: str | None = IdemKey,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
    settings: Settings = Depends(get_settings),
) -> Any:
    _application(actor, uow, call_id, application_id)
    limit = min(attachments.MAX_ATTACHMENT_BYTES, settings.max_upload_bytes)
    content = file.file.read(limit + 1)
    if len(content) > limit:
        raise BodyTooLarge(limit)
    return attachments.add_attachment(
        actor,
        application_id,
        file.filename or "attachment",
        content,
        uow,
        data_dir=settings.data_dir,
        max_bytes=limit,
        idempotency_key=key,
    )


@router.get("/calls/{call_id}/applications/{application_id}/attachments", summary="An application's files")
def list_attachments(
    call_id: ItemId,
    application_id: ItemId,
    actor: Actor = Depends(current_actor),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, list[AttachmentOut]]:
    _application(actor, uow, call_id, application_id)
    rows = attachments.list_attachments(actor, application_id, uow)
    return {"data": [AttachmentOut.model_validate(r) for r in rows]}


@router.get(
    "/calls/{call_id}/applications/{application_id}/attachments/{attachment_id}",
    summary="Download a file (the application's organizations and officers only)",
)
def download_attachment(
    call_id: ItemId,
    application_id: ItemId,
    attachment_id: ItemId,
    actor: Actor = Depends(current_actor),
    uow: UnitOfWork = Depends(get_uow),
    settings: Settings = Depends(get_settings),
) -> Response:
    _application(actor, uow, call_id, application_id)
    row, content = attachments.read_attachment(
        actor, application_id, attachment_id, uow, data_dir=settings.data_dir
    )
    name = row.filename.encode("ascii", "ignore").decode() or f"attachment.{row.kind}"
    return Response(
        content,
        media_type=attachments.MEDIA_TYPES[row.kind],
        headers={
            "Content-Disposition": f'attachment; filename="{name.replace(chr(34), "")}"',
            "Cache-Control": "private, no-store",
        },
    )
