"""The entity field catalogue: each entity's fields (from the domain dataclasses), their headers, and the
parser that checks each value, shared by imports, exports, the API models and the forms."""

from __future__ import annotations

import dataclasses
import functools
import json
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from kechuang.domain import entities as e
from kechuang.domain.codes import code_table
from kechuang.domain.enums import InvestmentStage, LabelledEnum, TransferMode
from kechuang.domain.limits import (
    LIST_ITEM_TEXT,
    LIST_ITEMS,
    LONG_TEXT,
    MAX_AMOUNT_WAN,
    SHORT_TEXT,
    check_number,
    check_text,
    shown,
)
from kechuang.store.tables import TABLE_OF

from .tabular.labels import header

Parser = Callable[[Any], Any]
CODE_WITH_NAME = re.compile(r"^([0-9A-Za-z]{1,8})\s+\S")
LIST_SPLIT = re.compile(r"[;；|、,，\n]+")
SYSTEM_FIELDS = {"id", "created_at", "updated_at", "merged_into_id", "is_sample", "source", "owner_org_id",
                 "confirmed_at"}


@dataclass(frozen=True)
class Reference:
    """A column that names another record by its external id (e.g. `owner_org`)."""

    column: str
    field: str
    entity: Any


@dataclass(frozen=True)
class EntitySpec:
    """How rows of one entity are read: columns, parsers, references, required groups and the upsert key."""

    name: str
    cls: Any
    parsers: dict[str, Parser]
    references: tuple[Reference, ...]
    required_any: tuple[tuple[str, ...], ...]
    key: tuple[str, ...] = ("external_id",)
    enum_defaults: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        """Column order of templates and exports: external id, then references, then the rest."""
        refs = [r.column for r in self.references]
        own = list(self.parsers)
        if own and own[0] == "external_id":
            return [own[0], *refs, *own[1:]]
        return [*refs, *own]

    def headers(self, lang: str) -> list[str]:
        return [header(c, lang, self.name) for c in self.columns]

    def column_for_header(self) -> dict[str, str]:
        """Map every accepted header spelling (field name, Chinese, English) to its column."""
        accepted: dict[str, str] = {}
        for column in self.columns:
            spellings = {header(column, lang, entity) for lang in ("zh", "en") for entity in ("", self.name)}
            for spelling in (column, *sorted(spellings)):
                accepted[_header_key(spelling)] = column
        return accepted


def _header_key(text: str) -> str:
    return re.sub(r"[\s_()（）]+", "", text).lower()


def header_key(text: str) -> str:
    """Normalise a header cell so case, spaces and bracket style do not matter."""
    return _header_key(str(text or ""))


# ---- value parsers -------------------------------------------------------------------------------


def parse_text(value: Any) -> str:
    """A cell as stripped text (a number cell becomes its digits); lists and objects are refused."""
    if isinstance(value, list | dict | tuple | set):
        raise ValueError("expected text, not a list or an object")
    text = "" if value is None else str(value).strip()
    return check_text(text, max_length=SHORT_TEXT)


def text_parser(max_length: int, *, multiline: bool = False) -> Parser:
    """Text of at most `max_length` characters; only multi-line fields may hold newlines and tabs."""

    def parse(value: Any) -> str:
        if isinstance(value, list | dict | tuple | set):
            raise ValueError("expected text, not a list or an object")
        text = "" if value is None else str(value).strip()
        return check_text(text, max_length=max_length, multiline=multiline)

    return parse


def _number(value: Any, what: str) -> float | None:
    """A cell as a float (thousands separators allowed), None when empty; ValueError naming `what`."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(f"expected {what}")
    try:
        return float(str(value).replace(",", "").strip())
    except ValueError:
        raise ValueError(f"'{shown(value)}' is not {what}") from None


def parse_int(value: Any) -> int | None:
    number = _number(value, "a whole number")
    if number is None:
        return None
    if not number.is_integer():  # also refuses inf and nan
        raise ValueError(f"'{shown(value)}' is not a whole number")
    return int(number)


def parse_float(value: Any, high: float = MAX_AMOUNT_WAN) -> float | None:
    """A finite number from 0 to `high` (amounts in 10k CNY by default); Infinity and NaN are refused."""
    number = _number(value, "a number")
    return None if number is None else check_number(number, high=high)


def parse_date(value: Any) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    try:
        return date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))
    except ValueError:
        raise ValueError(f"'{shown(value)}' is not a date (use YYYY-MM-DD)") from None


def parse_list(value: Any) -> list[str]:
    """A list, JSON list text or `a; b` text; each item is short single-line text, and there are few."""
    if value is None:
        return []
    if isinstance(value, dict):
        raise ValueError("expected a list, not an object")
    if isinstance(value, list):
        loaded: Any = value
    else:
        text = check_text(str(value).strip(), max_length=LIST_ITEMS * (LIST_ITEM_TEXT + 2), multiline=True)
        if text.startswith("["):
            try:
                loaded = json.loads(text)
            except json.JSONDecodeError:
                raise ValueError("list is not valid JSON") from None
            if not isinstance(loaded, list):
                raise ValueError("list is not a JSON list")
        else:
            loaded = LIST_SPLIT.split(text)
    if len(loaded) > LIST_ITEMS:
        raise ValueError(f"has {len(loaded)} items; at most {LIST_ITEMS} are allowed")
    items = [_list_item(v) for v in loaded]
    return list(dict.fromkeys(item for item in items if item))


def _list_item(value: Any) -> str:
    if isinstance(value, list | dict | bool) or value is None:
        raise ValueError("list items must be text")
    try:
        return check_text(str(value).strip(), max_length=LIST_ITEM_TEXT)
    except ValueError as exc:
        raise ValueError(f"item '{shown(value)}' {exc}") from None


def enum_parser(enum: type[StrEnum]) -> Parser:
    def parse(value: Any) -> StrEnum | None:
        text = parse_text(value)
        if not text:
            return None  # the dataclass default applies
        assert issubclass(enum, LabelledEnum)
        return enum.parse(text)

    parse.enum = enum  # type: ignore[attr-defined]  # read by the import templates (allowed values)
    return parse


def enum_list_parser(enum: type[LabelledEnum]) -> Parser:
    def parse(value: Any) -> list[str]:
        return list(dict.fromkeys(enum.parse(item).value for item in parse_list(value)))

    parse.enum, parse.multi = enum, True  # type: ignore[attr-defined]
    return parse


@functools.lru_cache(maxsize=65536)
def normalize_code(scheme: str, text: str) -> str:
    """Canonical code of a code, a name, or `code name` as the templates' drop-downs offer it; cached
    because imports repeat the same few values."""
    table = code_table(scheme)
    labelled = CODE_WITH_NAME.match(text)
    if labelled and table.find(labelled.group(1)) is not None and table.find(text) is None:
        return table.normalize(labelled.group(1))
    return table.normalize(text)


def code_parser(scheme: str) -> Parser:
    def parse(value: Any) -> str:
        text = parse_text(value)
        return normalize_code(scheme, text) if text else ""

    parse.scheme = scheme  # type: ignore[attr-defined]
    return parse


def code_list_parser(scheme: str) -> Parser:
    def parse(value: Any) -> list[str]:
        return list(dict.fromkeys(normalize_code(scheme, item) for item in parse_list(value)))

    parse.scheme, parse.multi = scheme, True  # type: ignore[attr-defined]
    return parse


def ranged(parser: Parser, low: int, high: int, what: str) -> Parser:
    def parse(value: Any) -> Any:
        number = parser(value)
        if number is not None and not low <= number <= high:
            raise ValueError(f"{what} must be between {low} and {high}, got {number}")
        return number

    parse.low, parse.high = low, high  # type: ignore[attr-defined]  # read by the API schemas
    parse.whole = parser is parse_int  # type: ignore[attr-defined]  # a short whole range is a drop-down
    return parse


def parse_email(value: Any) -> str:
    text = parse_text(value)
    if text and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text):
        raise ValueError(f"'{shown(text)}' is not an email address")
    return text


SPECIAL: dict[str, Parser] = {
    "trl": ranged(parse_int, 1, 9, "TRL"),
    "required_trl": ranged(parse_int, 1, 9, "TRL"),
    "year": ranged(parse_int, 1900, 2100, "year"),
    "founded_year": ranged(parse_int, 1800, 2100, "year"),
    "birth_year": ranged(parse_int, 1900, 2100, "year"),
    "start_year": ranged(parse_int, 1900, 2100, "year"),
    "end_year": ranged(parse_int, 1900, 2100, "year"),
    "position": ranged(parse_int, 1, 1000, "position"),
    "share": ranged(parse_float, 0, 1, "share"),
    "discipline_codes": code_list_parser("discipline"),
    "industry_codes": code_list_parser("industry"),
    "region_code": code_parser("region"),
    "preferred_regions": code_list_parser("region"),
    "regions": code_list_parser("region"),
    "country_code": code_parser("country"),
    "transfer_modes": enum_list_parser(TransferMode),
    "cooperation_modes": enum_list_parser(TransferMode),
    "stages": enum_list_parser(InvestmentStage),
    "email": parse_email,
}


def text_limit(cls: type, name: str) -> tuple[int, bool]:
    """(maximum length, multi-line) of a text field: the size of the column that stores it."""
    table = TABLE_OF.get(cls)
    column = table.c.get(name) if table is not None else None
    length = getattr(column.type, "length", None) if column is not None else None
    if column is not None and length is None:
        return LONG_TEXT, True  # a Text column: descriptions, abstracts, biographies
    return length or SHORT_TEXT, False


def parser_for(name: str, annotation: Any, cls: type | None = None) -> Parser:
    """Choose the parser of a dataclass field from its name, then its type."""
    if name in SPECIAL:
        return SPECIAL[name]
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    if isinstance(annotation, type) and issubclass(annotation, StrEnum):
        return enum_parser(annotation)
    origin = typing.get_origin(annotation)
    if origin is list:
        return parse_list
    if annotation is str and cls is not None:
        length, multiline = text_limit(cls, name)
        return text_parser(length, multiline=multiline)
    by_type: dict[Any, Parser] = {int: parse_int, float: parse_float, date: parse_date}
    return by_type.get(annotation, parse_text)


def build_spec(
    cls: type,
    name: str,
    references: tuple[Reference, ...] = (),
    required_any: tuple[tuple[str, ...], ...] = (),
    key: tuple[str, ...] = ("external_id",),
) -> EntitySpec:
    hints = typing.get_type_hints(cls)
    excluded = SYSTEM_FIELDS | {r.field for r in references}
    parsers = {
        f.name: parser_for(f.name, hints[f.name], cls)
        for f in dataclasses.fields(cls)
        if f.name not in excluded
    }
    enum_defaults = {
        f.name: f.default
        for f in dataclasses.fields(cls)
        if isinstance(f.default, StrEnum) and f.name in parsers
    }
    return EntitySpec(name, cls, parsers, references, required_any, key, enum_defaults)


def _owner() -> Reference:
    return Reference("owner_org", "owner_org_id", e.Organization)


SPECS: dict[str, EntitySpec] = {
    spec.name: spec
    for spec in (
        build_spec(e.Organization, "organization", (_owner(),), (("name_zh", "name_en"),)),
        build_spec(
            e.Person,
            "person",
            (_owner(), Reference("organization", "organization_id", e.Organization)),
            (("name_zh", "name_en"),),
        ),
        build_spec(e.Achievement, "achievement", (_owner(),), (("title_zh", "title_en"),)),
        build_spec(e.Demand, "demand", (_owner(),), (("title_zh", "title_en"),)),
        build_spec(e.Scenario, "scenario", (_owner(),), (("title_zh", "title_en"),)),
        build_spec(
            e.InvestorProfile,
            "investor",
            (_owner(), Reference("organization", "organization_id", e.Organization)),
        ),
        build_spec(
            e.Project,
            "project",
            (
                _owner(),
                Reference("host_org", "host_org_id", e.Organization),
                Reference("pi_person", "pi_person_id", e.Person),
            ),
            (("title_zh", "title_en"),),
        ),
        build_spec(
            e.Affiliation,
            "affiliation",
            (
                Reference("person", "person_id", e.Person),
                Reference("organization", "organization_id", e.Organization),
            ),
            key=("person_id", "organization_id", "role"),
        ),
        build_spec(
            e.Ownership,
            "ownership",
            (
                Reference("achievement", "achievement_id", e.Achievement),
                Reference("organization", "organization_id", e.Organization),
            ),
            key=("achievement_id", "organization_id"),
        ),
        build_spec(
            e.Authorship,
            "authorship",
            (
                Reference("achievement", "achievement_id", e.Achievement),
                Reference("person", "person_id", e.Person),
            ),
            key=("achievement_id", "person_id"),
        ),
    )
}

RANGES = (
    ("asking_price_min", "asking_price_max"),
    ("budget_min", "budget_max"),
    ("ticket_min", "ticket_max"),
    ("starts_on", "ends_on"),
    ("start_date", "end_date"),
    ("start_year", "end_year"),
)


def range_errors(values: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, message) for every min above its max (prices, budgets, tickets, dates, years)."""
    return [
        (low, f"{low} is greater than {high}")
        for low, high in RANGES
        if values.get(low) is not None and values.get(high) is not None and values[low] > values[high]
    ]


def spec_for(entity: str) -> EntitySpec:
    """The spec of an entity name (singular or plural, e.g. 'achievement' or 'achievements')."""
    name = entity.lower().strip()
    for candidate in (
        name,
        name.removesuffix("s"),
        name.removesuffix("es"),
        name.replace("people", "person"),
        name.replace("investor_profiles", "investor"),
    ):
        if candidate in SPECS:
            return SPECS[candidate]
    raise ValueError(f"unknown entity '{entity}'; choose one of: {', '.join(SPECS)}")
