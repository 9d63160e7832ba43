"""The platform's non-disclosure agreement for a deal, and the digest that records which text was accepted.

A listing may replace it with its own text (kept with its confidential disclosure). Whatever the text, a
party's acceptance is audited with the SHA-256 of the exact text shown, so a later change of the template or
of the listing's text never rewrites what was agreed.
"""

from __future__ import annotations

import hashlib
from importlib.resources import files

PLATFORM_NDA_VERSION = "kechuang-nda-2026-1"

# one paragraph per clause, both languages; {version} names the template in its heading
PLATFORM_NDA = (
    (files("kechuang.domain") / "nda_data" / "platform-nda.txt")
    .read_text(encoding="utf-8")
    .format(version=PLATFORM_NDA_VERSION)
)


def nda_digest(text: str) -> str:
    """The SHA-256 of an NDA text as shown (UTF-8): what an acceptance is recorded with."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
