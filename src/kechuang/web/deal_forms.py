"""The deal page's forms: each action's fields read from the post and handed to its market service."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from kechuang.domain.access import Actor
from kechuang.domain.errors import InvalidFields, InvalidInput
from kechuang.domain.limits import MAX_ID
from kechuang.domain.money import parse_amount
from kechuang.services import market
from kechuang.services.contract_registration import AMOUNTS, Registration, read_registration
from kechuang.services.entity_fields import parse_date
from kechuang.store.db import UnitOfWork

Form = dict[str, str]
Handler = Callable[[Actor, UnitOfWork, int, Form, str | None], Any]


def amount(form: Form, name: str) -> float | None:
    """A yuan amount as people type it (`1,500,000`, `¥1500000`, `300万`, `1.2亿`); empty means none."""
    try:
        return parse_amount(form.get(name, ""), "yuan")
    except ValueError as exc:  # not a number, Infinity, NaN, negative or absurdly large
        raise InvalidInput(str(exc), field=name) from None


def day(form: Form, name: str) -> date | None:
    try:
        found: date | None = parse_date(form.get(name, "").strip() or None)
    except ValueError as exc:
        raise InvalidInput(str(exc), field=name) from None
    return found


def _offer_id(form: Form) -> int:
    raw = form.get("offer_id", "")
    if not raw.isdigit() or int(raw) > MAX_ID:
        raise InvalidInput("required", field="offer_id")
    return int(raw)


def _offer(actor: Actor, uow: UnitOfWork, deal_id: int, form: Form, key: str | None) -> Any:
    price = amount(form, "price")
    return market.make_offer(
        actor, uow, deal_id, price=price if price is not None else 0.0,
        contract_type=form.get("contract_type", "") or "transfer",
        payment_terms=form.get("payment_terms", ""), ip_terms=form.get("ip_terms", ""), idempotency_key=key,
    )


def _performance(kind: str) -> Handler:
    def record(actor: Actor, uow: UnitOfWork, deal_id: int, form: Form, key: str | None) -> Any:
        return market.record_performance(
            actor, uow, deal_id, kind=kind, title=form.get("title", ""), amount=amount(form, "amount"),
            on=day(form, "on"), idempotency_key=key,
        )

    return record


def _end(action: str) -> Handler:
    def end(actor: Actor, uow: UnitOfWork, deal_id: int, form: Form, key: str | None) -> Any:
        return market.end(actor, uow, deal_id, action, reason=form.get("reason", ""), idempotency_key=key)

    return end


def _registration(form: Form) -> Registration:
    """The registrar's fields; amounts as people type them (`30万`), everything checked at once."""
    values: dict[str, Any] = dict(form)
    problems: dict[str, str] = {}
    for name in AMOUNTS:
        try:
            values[name] = amount(form, name)
        except InvalidInput as exc:
            problems[name] = str(exc)
    try:
        fields = read_registration(values)
    except InvalidFields as exc:
        raise InvalidFields(problems | exc.problems) from None
    if problems:
        raise InvalidFields(problems)
    return fields


HANDLERS: dict[str, Handler] = {
    "accept_nda": lambda a, u, d, f, k: market.accept_nda(a, u, d, idempotency_key=k),
    "offer": _offer,
    "accept_offer": lambda a, u, d, f, k: market.accept_offer(a, u, d, _offer_id(f), idempotency_key=k),
    "sign": lambda a, u, d, f, k: market.sign(a, u, d, idempotency_key=k),
    "approve": lambda a, u, d, f, k: market.approve(
        a, u, d, transaction_amount=amount(f, "transaction_amount"), registration=_registration(f),
        idempotency_key=k,
    ),
    "return": lambda a, u, d, f, k: market.return_contract(a, u, d, reason=f.get("reason", ""),
                                                           idempotency_key=k),
    "milestone": _performance("milestone"),
    "payment": _performance("payment"),
    "close": lambda a, u, d, f, k: market.close(a, u, d, idempotency_key=k),
    "withdraw": _end("withdraw"),
    "reject": _end("reject"),
    "message": lambda a, u, d, f, k: market.post_message(a, u, d, f.get("text", ""), idempotency_key=k),
}


def perform(actor: Actor, uow: UnitOfWork, deal_id: int, action: str, form: Form) -> None:
    """Run one deal action; the form's one-time key makes a double submit act once."""
    HANDLERS[action](actor, uow, deal_id, form, form.get("idempotency_key", "").strip()[:200] or None)
