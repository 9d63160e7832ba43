"""HTML pages as PDF through WeasyPrint, an optional dependency (`pip install kechuang[pdf]`).

Without it the printable pages still print from the browser (they carry print styles); the PDF links
are then not shown. The renderer reads the site's own static files and nothing else: no network.
"""

from __future__ import annotations

import functools
import mimetypes
from typing import Any
from urllib.parse import urlparse

from .render import STATIC_DIR

BASE_URL = "http://kechuang.invalid/"  # pages link /static/...; fetched from the package, never a server


@functools.cache
def pdf_available() -> bool:
    """WeasyPrint and the Pango library it needs can both be loaded."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):  # not installed, or Pango missing from the system
        return False
    return True


def static_file(url: str) -> tuple[bytes, str]:
    """(content, media type) of a /static/ URL from the package; anything else is refused (no network)."""
    path = urlparse(url).path
    root = STATIC_DIR.resolve()
    if path.startswith("/static/"):
        found = (root / path.removeprefix("/static/")).resolve()
        if found.is_relative_to(root) and found.is_file():
            return found.read_bytes(), mimetypes.guess_type(found.name)[0] or "application/octet-stream"
    raise ValueError(f"not fetched while printing: {url}")


def html_to_pdf(html: str) -> bytes:
    """A PDF of a rendered page, with its own stylesheets (print media) and without scripts."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnly(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            content, kind = static_file(url)
            return URLFetcherResponse(url, body=content, headers={"Content-Type": kind})

    return bytes(HTML(string=html, base_url=BASE_URL, url_fetcher=StaticOnly()).write_pdf())
