"""The one password policy, for every way an account gets a password (admin, invitation, change, CLI)."""

from __future__ import annotations

import functools
import string
from importlib.resources import files

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128  # also the longest password sign-in accepts: argon2 need not hash a novel
MIN_DISTINCT_CHARACTERS = 5
DEMO_PASSWORD = "kechuang-demo"  # published in the README: only the demo accounts may have it
_TRIM = string.digits + string.punctuation + string.whitespace


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list of passwords too common to accept, lower-cased."""
    text = (files("kechuang.domain") / "password_data" / "common.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def password_problem(password: str, *, username: str = "", old_password: str = "", demo: bool = False) -> str:
    """Why `password` is refused, or an empty string when it is acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"password must have at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"password must have at most {MAX_PASSWORD_LENGTH} characters"
    if not password.strip():
        return "password must not be only spaces"
    if len(set(password)) < MIN_DISTINCT_CHARACTERS:
        return f"password must have at least {MIN_DISTINCT_CHARACTERS} different characters"
    lowered, name = password.strip().lower(), username.strip().lower()
    if name and name in lowered and len(lowered.replace(name, "").strip(_TRIM)) < MIN_DISTINCT_CHARACTERS:
        return "password must not be the username"
    if old_password and password == old_password:
        return "the new password must differ from the current one"
    if lowered in common_passwords() or lowered.strip(_TRIM) in common_passwords():
        return "password is too common; choose a longer phrase of your own"
    if password == DEMO_PASSWORD and not demo:
        return "password is the published demo password"
    return ""
