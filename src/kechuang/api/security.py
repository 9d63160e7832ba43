"""Security headers on every response of the app (API, pages, static files, error pages)."""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# No inline script anywhere: an injected <script> or onclick= does not run. Styles may be inline: ECharts
# tooltips and the match meters set style attributes, and a style cannot run code.
POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
# fastapi-offline's pages start Swagger UI from an inline script and ReDoc from a blob: worker; their
# HTML holds no user data, so their own inline scripts are allowed by hash, on these paths only.
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})
INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.S)


def content_security_policy(inline_scripts: list[bytes] | None = None) -> str:
    """The policy; for a docs page, with the hashes of its inline scripts and blob: workers."""
    policy = dict(POLICY)
    if inline_scripts is not None:
        hashes = [f"'sha256-{base64.b64encode(hashlib.sha256(s).digest()).decode()}'" for s in inline_scripts]
        policy["script-src"] = " ".join([policy["script-src"], *hashes])
        policy["worker-src"] = "'self' blob:"
    return "; ".join(f"{name} {value}" for name, value in policy.items())


class SecurityHeaders:
    """ASGI middleware: adds the headers unless a route set its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.policy = content_security_policy()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
        elif scope["path"] in DOCS_PATHS:
            await self._docs_page(scope, receive, send)
        else:

            async def send_hardened(message: Message) -> None:
                if message["type"] == "http.response.start":
                    _harden(message, self.policy)
                await send(message)

            await self.app(scope, receive, send_hardened)

    async def _docs_page(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Hold the (small) page back until its inline scripts are known, then send it with their hashes."""
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)

        await self.app(scope, receive, hold)
        body = b"".join(m.get("body", b"") for m in held if m["type"] == "http.response.body")
        for message in held:
            if message["type"] == "http.response.start":
                _harden(message, content_security_policy(INLINE_SCRIPT.findall(body)))
            await send(message)


def _harden(start: Message, policy: str) -> None:
    headers = MutableHeaders(scope=start)
    headers.setdefault("Content-Security-Policy", policy)
    for name, value in HEADERS.items():
        headers.setdefault(name, value)
