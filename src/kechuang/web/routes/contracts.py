"""Contract pages: the registrar's queue and the parties' contracts, and importing a historical register."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from kechuang.domain.access import Actor
from kechuang.domain.errors import ImportRejected, PermissionDenied
from kechuang.domain.market import ContractStatus
from kechuang.services import contracts

from ..render import render
from ..session import csrf_guard, uow_of, visitor

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
    return render(request, "contract_import.html", stage="upload", fields=contracts.IMPORT_FIELDS,
                  required=contracts.REQUIRED)


@router.post("/contracts/import")
async def import_file(request: Request) -> Response:
    """All rows valid or nothing written: the service rejects the file with every located error."""
    who = visitor(request)
    _require_overseer(who.actor)
    file = (await request.form()).get("file")
    context: dict[str, Any] = {"fields": contracts.IMPORT_FIELDS, "required": contracts.REQUIRED}
    if not isinstance(file, UploadFile) or not file.filename:
        return render(request, "contract_import.html", status_code=422, stage="upload",
                      problem="import.choose_file", **context)
    limit = request.app.state.settings.max_upload_bytes
    content = await file.read(limit + 1)
    if len(content) > limit:
        return render(request, "contract_import.html", status_code=422, stage="upload",
                      problem="import.too_large", **context)
    try:
        result = contracts.import_contracts(who.actor, uow_of(request), file.filename, content)
    except ImportRejected as exc:
        return render(request, "contract_import.html", status_code=422, stage="rejected",
                      filename=file.filename, errors=exc.errors, **context)
    return render(request, "contract_import.html", stage="done", filename=file.filename, result=result,
                  **context)


def _require_overseer(actor: Actor) -> None:
    if not actor.is_overseer:
        raise PermissionDenied("only officers and registrars import registered contracts")
