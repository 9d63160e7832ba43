"""Amounts as people type them: 300万, 1.2亿, ¥2,400,000, 2 400 000 元 — read into yuan or 万元."""

from __future__ import annotations

import math
import re

from .limits import MAX_AMOUNT_YUAN, check_number

# a number, then at most one multiplier; 元/¥/RMB/CNY only say the currency
AMOUNT = re.compile(
    r"^(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>万元|万|亿元|亿|千元|千|元|k|m|w)?$", re.IGNORECASE
)
YUAN_PER = {None: 1.0, "元": 1.0, "千": 1e3, "千元": 1e3, "k": 1e3, "万": 1e4, "万元": 1e4, "w": 1e4,
            "m": 1e6, "亿": 1e8, "亿元": 1e8}
UNITS = {"yuan": 1.0, "wan": 1e4}  # what a field stores: offers and contracts in yuan, listings in 万元


def parse_amount(raw: str, unit: str = "yuan") -> float | None:
    """The amount in `unit` ('yuan' or 'wan'); empty gives None, anything else unreadable a ValueError.

    A bare number is taken in the field's own unit (300 in a 万元 field is 300 万元); a written unit wins
    (300万 in a yuan field is 3,000,000 yuan).
    """
    text = raw.strip().replace(",", "").replace("，", "").replace(" ", "").replace("\u3000", "")
    for currency in ("¥", "￥", "RMB", "rmb", "CNY", "cny"):
        text = text.replace(currency, "")
    if not text:
        return None
    found = AMOUNT.match(text)
    if found is None:
        raise ValueError(f"'{raw.strip()[:40]}' is not a number")
    number = float(found["number"])
    written = found["unit"].lower() if found["unit"] and found["unit"].isascii() else found["unit"]
    yuan = number * YUAN_PER[written] if written else number * UNITS[unit]
    value = check_number(yuan, high=MAX_AMOUNT_YUAN) / UNITS[unit]
    return value if math.isfinite(value) else None
