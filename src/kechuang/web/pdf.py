"""HTML pages as PDF through WeasyPrint, an optional dependency (`pip install kechuang[pdf]`).

Without it the printable pages still print from the browser (they carry print styles); the PDF links
are then not shown.
"""

from __future__ import annotations

import functools


@functools.cache
def pdf_available() -> bool:
    """WeasyPrint and the Pango library it needs can both be loaded."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):  # not installed, or Pango missing from the system
        return False
    return True


def html_to_pdf(html: str, base_url: str) -> bytes:
    """A PDF of a rendered page; its stylesheet and images are read through `base_url`, never the network."""
    from weasyprint import HTML

    return bytes(HTML(string=html, base_url=base_url).write_pdf())
