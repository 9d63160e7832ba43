"""Input limits, one rule each: clean bounded text, finite bounded numbers, database-sized ids.

The API models, the web forms and the importers all call these, so a value refused in one door is
refused in every door, with the same message.
"""

from __future__ import annotations

import math
import re
from typing import Any

SHORT_TEXT = 500  # a title or a name; the String(500) columns
LONG_TEXT = 20_000  # a description, abstract or message
LIST_ITEMS = 200  # keywords, codes, aliases in one list
LIST_ITEM_TEXT = 200  # one keyword or alias
MAX_ID = 2**31 - 1  # INTEGER columns on PostgreSQL are 32-bit; larger ids cannot exist
MAX_OFFSET = 2**31 - 1
MAX_AMOUNT_YUAN = 1e13  # ten trillion yuan: above any single technology contract
MAX_AMOUNT_WAN = MAX_AMOUNT_YUAN / 1e4  # the same bound for fields in 10k CNY (万元)
SHOWN_CHARS = 60  # how much of a refused value an error message repeats

# C0 and C1 control characters, DEL, and UTF-16 surrogates (which no UTF-8 text can hold)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def shown(value: Any) -> str:
    """A value as an error message quotes it: cut short, so a huge cell never makes a huge error."""
    text = str(value)
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…"


def check_text(text: str, *, max_length: int = SHORT_TEXT, multiline: bool = False) -> str:
    """`text` unchanged if it fits, else ValueError: control characters (multi-line text keeps
    newline, carriage return and tab), lone surrogates, or more than `max_length` characters."""
    found = (_CONTROL_MULTILINE if multiline else _CONTROL).search(text)
    if found:
        char = found.group()
        surrogate = "\ud800" <= char <= "\udfff"
        what = "a lone surrogate" if surrogate else f"a control character (U+{ord(char):04X})"
        raise ValueError(f"contains {what} at position {found.start() + 1}")
    if len(text) > max_length:
        raise ValueError(f"is {len(text)} characters long; at most {max_length} are allowed")
    return text


def clean_text(text: str, *, multiline: bool = True) -> str:
    """`text` without the characters `check_text` refuses: for writing out rows stored before the rule."""
    return (_CONTROL_MULTILINE if multiline else _CONTROL).sub("", text)


def check_number(value: float, *, low: float = 0, high: float = MAX_AMOUNT_YUAN) -> float:
    """`value` if it is a finite number from `low` to `high`, else ValueError (no Infinity, no NaN)."""
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    if value < low:
        raise ValueError("must not be negative" if low == 0 else f"must be at least {low:g}")
    if value > high:
        raise ValueError(f"must be at most {high:g}")
    return value


def finite_or_none(value: Any) -> Any:
    """A float that is not finite becomes None (exports write JSON, which has no Infinity or NaN)."""
    return None if isinstance(value, float) and not math.isfinite(value) else value
