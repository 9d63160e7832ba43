"""Contract pages: the registrar's queue and the parties' contracts, and importing a historical register."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from kechuang.domain.access import Actor
from kechuang.domain.errors import ImportRejected, NotFound, PermissionDenied
from kechuang.domain.limits import MAX_ID
from kechuang.domain.market import ContractStatus
from kechuang.services import contracts

from .. import uploads
from ..render import render
from ..session import csrf_guard, settings_of, uow_of, visitor

router = APIRouter(dependencies=[Depends(csrf_guard)], include_in_schema=False)
PAGE_SIZE = 50


@router.get("/contracts")
def contracts_page(request: Request, status: str | None = None, p: int = 1) -> Response:
    """Registrars land on their queue (submitted); `status=all` shows every contract they may see."""
    who = visitor(request)
    if not who.signed_in:
        return RedirectResponse("/login?next=/contracts", status_code=303)
    if status is None:
        status = "submitted" if "registrar" in who.actor.roles else "all"
    chosen = status if status in {s.value for s in ContractStatus} else ""
    number = max(p, 1)
    items, count = contracts.list_contracts(who.actor, uow_of(request), status=chosen, limit=PAGE_SIZE,
                                            offset=(number - 1) * PAGE_SIZE)
    return render(request, "contracts.html", contracts=items, count=count, status=chosen or "all",
                  statuses=list(ContractStatus), number=number, pages=max(1, -(-count // PAGE_SIZE)))


@router.get("/contracts/import")
def import_page(request: Request) -> Response:
    who = visitor(request)
    if not who.signed_in:
        return RedirectResponse("/login?next=/contracts/import", status_code=303)
    _require_overseer(who.actor)
    return _page(request, stage="upload")


def _page(request: Request, *, status_code: int = 200, **context: Any) -> Response:
    return render(request, "contract_import.html", status_code=status_code, fields=contracts.IMPORT_FIELDS,
                  required=contracts.REQUIRED, **context)


@router.post("/contracts/import")
async def check_file(request: Request) -> Response:
    """Rehearse the import: every located error, or a preview; a clean file is kept for the confirm step."""
    who = visitor(request)
    _require_overseer(who.actor)
    file = (await request.form()).get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        return _page(request, status_code=422, stage="upload", problem="import.choose_file")
    limit = request.app.state.settings.max_upload_bytes
    content = await file.read(limit + 1)
    if len(content) > limit:
        return _page(request, status_code=422, stage="upload", problem="import.too_large")
    try:
        result = contracts.preview_contracts(who.actor, uow_of(request), file.filename, content)
    except ImportRejected as exc:
        return _page(request, status_code=422, stage="rejected", filename=file.filename, errors=exc.errors)
    assert who.user is not None and who.user.id is not None
    token = uploads.keep(_folder(request), "contract", file.filename, who.user.id, content)
    return _page(request, stage="preview", filename=file.filename, result=result, token=token)


@router.post("/contracts/import/confirm")
async def confirm(request: Request) -> Response:
    """Import the file kept at the preview: all rows valid or nothing written (the data may have changed)."""
    who = visitor(request)
    _require_overseer(who.actor)
    token = str((await request.form()).get("token", ""))
    assert who.user is not None and who.user.id is not None
    kept = uploads.load(_folder(request), token, who.user.id)
    if kept is None or kept.entity != "contract":
        return _page(request, status_code=410, stage="upload", problem="import.expired")
    try:
        result = contracts.import_contracts(who.actor, uow_of(request), kept.filename, kept.content)
    except ImportRejected as exc:
        return _page(request, status_code=422, stage="rejected", filename=kept.filename, errors=exc.errors)
    finally:
        uploads.discard(_folder(request), token)
    return _page(request, stage="done", filename=kept.filename, result=result)


@router.get("/contracts/{contract_id}")
def contract_page(request: Request, contract_id: int) -> Response:
    """One contract with its registration fields (overseers, or a party's members)."""
    who = visitor(request)
    if not who.signed_in:
        return RedirectResponse(f"/login?next=/contracts/{contract_id}", status_code=303)
    if not 0 < contract_id <= MAX_ID:
        raise NotFound(f"contract {contract_id} not found")
    contract = contracts.get_contract(who.actor, uow_of(request), contract_id)
    return render(request, "contract.html", contract=contract)


def _folder(request: Request) -> Path:
    return settings_of(request).uploads_dir


def _require_overseer(actor: Actor) -> None:
    if not actor.is_overseer:
        raise PermissionDenied("only officers and registrars import registered contracts")
