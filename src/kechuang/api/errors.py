"""Every API error answers {"error": {code, message, field}}, with the status of domain.errors.HTTP_STATUS."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from kechuang.domain.errors import (
    ImportRejected,
    InvalidFields,
    KechuangError,
    http_status,
)

from .schemas import ErrorOut

REPORTED_ROWS = 200  # an error body lists this many row or field errors, and says how many there were


def error_body(code: str, message: str, field: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "field": field, **extra}}


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that give every failure the same JSON shape, and document that shape."""
    # routes included after this list it for every 4xx instead of FastAPI's {detail} body, never sent
    app.router.responses.setdefault("4XX", {"model": ErrorOut, "description": "Refused; see error.code"})

    @app.exception_handler(KechuangError)
    async def domain_error(_request: Request, exc: KechuangError) -> JSONResponse:
        status = http_status(exc)
        extra: dict[str, Any] = {}
        if isinstance(exc, ImportRejected):
            extra["rows"] = [
                {"file": e.file, "row": e.row, "column": e.column, "reason": e.reason}
                for e in exc.errors[:REPORTED_ROWS]
            ]
            extra["rows_total"] = len(exc.errors)
        if isinstance(exc, InvalidFields):
            extra["fields"] = [{"field": name, "message": text} for name, text in exc.problems.items()]
        retry_after = getattr(exc, "retry_after", None)  # rate limits and a busy database say when to retry
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
        return JSONResponse(
            error_body(exc.code, exc.message, exc.field, **extra), status_code=status, headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def request_invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [{"field": _field_name(e), "message": e.get("msg", "invalid")} for e in exc.errors()]
        first: dict[str, Any] = fields[0] if fields else {"field": None, "message": "invalid request"}
        return JSONResponse(
            error_body("invalid_input", str(first["message"]), first["field"], fields=fields[:REPORTED_ROWS]),
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized", 413: "too_large"}.get(
            exc.status_code, "error"
        )
        return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code)


def _field_name(error: Any) -> str | None:
    """The request field an error is about: `title` for body.title and body.title.0 alike."""
    loc = [str(part) for part in error.get("loc", ())]
    return loc[1] if len(loc) > 1 else None
