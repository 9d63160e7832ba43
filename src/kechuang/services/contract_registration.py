"""The registrar's registration fields: read from any input, checked together, applied to a contract."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kechuang.domain import registration as reg
from kechuang.domain.errors import InvalidFields
from kechuang.domain.limits import MAX_AMOUNT_YUAN
from kechuang.domain.market import Contract

from .entity_fields import parse_float

CHOICES: dict[str, tuple[reg.Choice, ...]] = {
    "contract_subtype": reg.all_subtypes(),
    "tech_field": reg.tech_fields(),
    "seller_kind": reg.party_kinds(),
    "buyer_kind": reg.party_kinds(),
}
AMOUNTS = ("materials_amount", "other_non_technical_amount")
FLAGS = ("vat_exempt", "income_tax_relief")
FIELDS = (*CHOICES, *AMOUNTS, *FLAGS)
YES = {"1", "true", "yes", "y", "on", "是", "符合", "√"}
NO = {"0", "false", "no", "n", "off", "否", "不符合", "×"}


@dataclass(frozen=True)
class Registration:
    """What the registrar records beyond the technology-transaction amount; None means not recorded."""

    contract_subtype: str | None = None
    tech_field: str | None = None
    seller_kind: str | None = None
    buyer_kind: str | None = None
    materials_amount: float | None = None
    other_non_technical_amount: float | None = None
    vat_exempt: bool | None = None
    income_tax_relief: bool | None = None

    def recorded(self) -> dict[str, Any]:
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}


def parse_choice(name: str, value: Any) -> str | None:
    """A choice given as its value or either label; empty is None."""
    text = "" if value is None else str(value).strip()
    return reg.pick(CHOICES[name], text, name) if text else None


def parse_flag(value: Any) -> bool | None:
    """Yes/no as people write it in forms and spreadsheets (是/否, true/false, 1/0); empty is None."""
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if not text:
        return None
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueError(f"'{value}' is not one of: yes, no")


def parse_yuan(value: Any) -> float | None:
    """A finite amount in yuan from 0 to MAX_AMOUNT_YUAN; empty is None."""
    return parse_float(value, MAX_AMOUNT_YUAN)


def _choice_parser(name: str) -> Callable[[Any], str | None]:
    def parse(value: Any) -> str | None:
        return parse_choice(name, value)

    parse.choices = CHOICES[name]  # type: ignore[attr-defined]  # the import templates' drop-downs
    return parse


parse_flag.choices = (reg.Choice("yes", "是", "yes"), reg.Choice("no", "否", "no"))  # type: ignore[attr-defined]
PARSERS: dict[str, Callable[[Any], Any]] = {
    **{name: _choice_parser(name) for name in CHOICES},
    **{name: parse_yuan for name in AMOUNTS},
    **{name: parse_flag for name in FLAGS},
}


def read_registration(raw: Mapping[str, Any]) -> Registration:
    """Every field of `raw` checked; all problems at once as InvalidFields."""
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for name in FIELDS:
        try:
            values[name] = PARSERS[name](raw.get(name))
        except ValueError as exc:
            problems[name] = str(exc)
    if problems:
        raise InvalidFields(problems)
    return Registration(**values)


def apply_registration(contract: Contract, fields: Registration, transaction_amount: float | None) -> None:
    """Check the fields against the contract (sub-type of its type, breakdown within its amount, income-tax
    relief for transfers and licences) and record them; the technology amount defaults to the contract
    amount less the non-technical parts."""
    parts = [a for a in (fields.materials_amount, fields.other_non_technical_amount) if a is not None]
    if transaction_amount is None and parts:
        transaction_amount = max(contract.contract_amount - sum(parts), 0.0)
    problems = dict(
        reg.registration_errors(
            str(contract.contract_type),
            contract.contract_amount,
            subtype=fields.contract_subtype,
            transaction_amount=transaction_amount,
            materials_amount=fields.materials_amount,
            other_amount=fields.other_non_technical_amount,
            income_tax_relief=fields.income_tax_relief,
        )
    )
    if transaction_amount is not None and transaction_amount > contract.contract_amount:
        problems["transaction_amount"] = "the transaction amount cannot exceed the contract amount"
    if problems:
        raise InvalidFields(problems)
    if transaction_amount is not None:
        contract.transaction_amount = transaction_amount
    for name, value in fields.recorded().items():
        setattr(contract, name, value)
