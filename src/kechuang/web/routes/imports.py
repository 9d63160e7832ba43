"""Import pages: upload a CSV/XLSX/JSONL file, preview what it would do (or its row errors), confirm."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from kechuang.domain.errors import ImportRejected, PermissionDenied
from kechuang.services import importing
from kechuang.services.importing import import_file

from .. import uploads
from ..pages import PAGES
from ..render import render
from ..session import Visitor, csrf_guard, settings_of, uow_of, visitor

router = APIRouter(dependencies=[Depends(csrf_guard)], include_in_schema=False)
ENTITIES = [page.entity for page in PAGES.values()]


def _folder(request: Request) -> Path:
    return settings_of(request).uploads_dir


def _member(request: Request) -> Visitor:
    who = visitor(request)
    if not who.signed_in or who.user is None or who.user.id is None:
        raise PermissionDenied("sign in to import")
    return who


@router.get("/import")
def import_page(request: Request) -> Response:
    if not visitor(request).signed_in:
        return RedirectResponse("/login?next=/import", status_code=303)
    return render(request, "import.html", entities=ENTITIES, entity="demand", stage="upload")


@router.post("/import")
async def upload(request: Request) -> Response:
    """Check the file by rehearsing the import; keep it for the confirm step only when it is clean."""
    who = _member(request)
    form = await request.form()
    entity = str(form.get("entity", ""))
    file = form.get("file")
    if entity not in ENTITIES or not isinstance(file, UploadFile) or not file.filename:
        return render(request, "import.html", status_code=422, entities=ENTITIES, entity=entity or "demand",
                      stage="upload", problem="import.choose_file")
    limit = request.app.state.settings.max_upload_bytes
    content = await file.read(limit + 1)
    if len(content) > limit:
        return render(request, "import.html", status_code=422, entities=ENTITIES, entity=entity,
                      stage="upload", problem="import.too_large")
    uow = uow_of(request)
    try:
        result = importing.preview_file(who.actor, entity, file.filename, content, uow)
    except ImportRejected as exc:
        return render(request, "import.html", status_code=422, entities=ENTITIES, entity=entity,
                      stage="rejected", filename=file.filename, errors=exc.errors)
    assert who.user is not None and who.user.id is not None
    token = uploads.keep(_folder(request), entity, file.filename, who.user.id, content)
    return render(request, "import.html", entities=ENTITIES, entity=entity, stage="preview",
                  filename=file.filename, result=result, token=token)


@router.post("/import/confirm")
async def confirm(request: Request) -> Response:
    who = _member(request)
    form = await request.form()
    token = str(form.get("token", ""))
    assert who.user is not None and who.user.id is not None
    kept = uploads.load(_folder(request), token, who.user.id)
    if kept is None:
        return render(request, "import.html", status_code=410, entities=ENTITIES, entity="demand",
                      stage="upload", problem="import.expired")
    try:
        result = import_file(who.actor, kept.entity, kept.filename, kept.content, uow_of(request))
    except ImportRejected as exc:  # the data changed since the preview
        return render(request, "import.html", status_code=422, entities=ENTITIES, entity=kept.entity,
                      stage="rejected", filename=kept.filename, errors=exc.errors)
    finally:
        uploads.discard(_folder(request), token)
    return render(request, "import.html", entities=ENTITIES, entity=kept.entity, stage="done",
                  filename=kept.filename, result=result)
