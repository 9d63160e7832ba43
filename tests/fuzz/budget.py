"""One hypothesis budget for every fuzz test: derandomized (CI failures reproduce), sized by an env var."""

from __future__ import annotations

import os
from datetime import timedelta

from hypothesis import HealthCheck, settings


def fuzz_settings(examples: int, deadline_s: float, suppress: list[HealthCheck]) -> settings:
    """`examples` per test unless KECHUANG_FUZZ_EXAMPLES (e.g. 500) asks to dig deeper."""
    return settings(
        max_examples=int(os.environ.get("KECHUANG_FUZZ_EXAMPLES") or examples),
        deadline=timedelta(seconds=deadline_s),
        derandomize=True,
        database=None,
        suppress_health_check=suppress,
    )
