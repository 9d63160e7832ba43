"""One table maps domain errors to HTTP statuses; every error answers {"error": {code, message, field}}."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from kechuang.domain.errors import (
    Conflict,
    ImportRejected,
    InvalidInput,
    KechuangError,
    NotFound,
    PermissionDenied,
    Unauthenticated,
)

STATUS: dict[type[KechuangError], int] = {
    NotFound: 404,
    Unauthenticated: 401,
    PermissionDenied: 403,
    InvalidInput: 422,
    ImportRejected: 422,
    Conflict: 409,
}


def error_body(code: str, message: str, field: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "field": field, **extra}}


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that give every failure the same JSON shape."""

    @app.exception_handler(KechuangError)
    async def domain_error(_request: Request, exc: KechuangError) -> JSONResponse:
        status = next((code for cls, code in STATUS.items() if isinstance(exc, cls)), 400)
        extra: dict[str, Any] = {}
        if isinstance(exc, ImportRejected):
            extra["rows"] = [
                {"file": e.file, "row": e.row, "column": e.column, "reason": e.reason} for e in exc.errors
            ]
        return JSONResponse(error_body(exc.code, exc.message, exc.field, **extra), status_code=status)

    @app.exception_handler(RequestValidationError)
    async def request_invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        field = ".".join(str(p) for p in first.get("loc", ())[1:]) or None
        return JSONResponse(
            error_body("invalid_input", first.get("msg", "invalid request"), field), status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized"}.get(
            exc.status_code, "error"
        )
        return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code)
