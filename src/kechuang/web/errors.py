"""Error pages in the visitor's language for page requests; API paths keep the JSON error format."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from kechuang.domain.errors import KechuangError, Unauthenticated, http_status

from .render import render
from .session import CsrfRejected

API_PREFIXES = ("/api", "/docs", "/redoc", "/openapi.json", "/static-offline-docs")


def is_page(request: Request) -> bool:
    return not request.url.path.startswith(API_PREFIXES)


def error_page(request: Request, status: int, message: str = "") -> Response:
    return render(request, "error.html", status_code=status, status=status, message=message)


def install_page_errors(app: FastAPI) -> None:
    """Wrap the API's handlers: pages get an HTML page (or a sign-in redirect), the API its JSON."""

    def wrap(exc_class: type[Exception], page: Callable[[Request, Any], Response]) -> None:
        api_handler = app.exception_handlers.get(exc_class)

        async def handle(request: Request, exc: Any) -> Response:
            if is_page(request) or api_handler is None:
                return page(request, exc)
            answer = api_handler(request, exc)
            return await answer if inspect.isawaitable(answer) else answer

        app.add_exception_handler(exc_class, handle)

    wrap(KechuangError, _domain_page)
    wrap(StarletteHTTPException, lambda request, exc: error_page(request, exc.status_code))
    wrap(RequestValidationError, lambda request, exc: error_page(request, 400))
    app.add_exception_handler(CsrfRejected, lambda request, exc: error_page(request, 403, "error.csrf"))


def _domain_page(request: Request, exc: KechuangError) -> Response:
    """The status of domain.errors.HTTP_STATUS; a signed-out visitor is asked to sign in first."""
    if isinstance(exc, Unauthenticated):
        if request.method == "GET":
            return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
        return error_page(request, 403, exc.message)
    status = http_status(exc)
    page = error_page(request, status, "" if status == 404 else exc.message)
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        page.headers["Retry-After"] = str(retry_after)
    return page
