"""Refuse request bodies over the configured size (413 in the error format) before they are read.

JSON and form bodies get `max_body_bytes`; uploads (multipart/form-data) get `max_upload_bytes` plus
room for the form around the file. A declared Content-Length over the limit is refused at once; a body
without one is counted as it streams in and cut off at the limit.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import error_body

FORM_OVERHEAD = 64 * 1024  # multipart boundaries and the other fields of an upload form


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit:,} bytes")


class BodyLimit:
    """ASGI middleware: one byte budget per request, chosen by its content type."""

    def __init__(self, app: ASGIApp, *, body_bytes: int, upload_bytes: int) -> None:
        self.app = app
        self.body_bytes = body_bytes
        self.upload_bytes = upload_bytes + FORM_OVERHEAD

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        upload = headers.get("content-type", "").lower().startswith("multipart/form-data")
        limit = self.upload_bytes if upload else self.body_bytes
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _refuse(limit)(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)  # routes and form parsing answer it through the error handlers
            return message

        await self.app(scope, counted, send)


def _refuse(limit: int) -> JSONResponse:
    message = BodyTooLarge(limit).detail
    return JSONResponse(error_body("too_large", message), status_code=413, headers={"Connection": "close"})
