"""Registered technology contracts: the registrar's queue, reading, and importing historical registers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from kechuang.domain.access import Actor
from kechuang.domain.errors import ImportRejected, NotFound, PermissionDenied, RowError
from kechuang.domain.limits import MAX_AMOUNT_YUAN
from kechuang.domain.market import Contract, ContractStatus
from kechuang.domain.registration import registration_errors
from kechuang.store.db import RehearsalUnitOfWork, UnitOfWork

from . import audit
from .contract_registration import FIELDS as REGISTRATION_FIELDS
from .contract_registration import PARSERS as REGISTRATION_PARSERS
from .entity_fields import EntitySpec, build_spec, code_parser, parse_date, parse_float
from .parties import party_page
from .tabular.readers import read_sheet
from .tabular.writers import write_rows

Contracts: Any = Contract
IMPORT_FIELDS = (
    "external_id",
    "registration_number",
    "contract_type",
    "title",
    "seller_name",
    "buyer_name",
    "seller_region_code",
    "buyer_region_code",
    "seller_country_code",
    "buyer_country_code",
    "contract_amount",
    "transaction_amount",
    "signed_on",
    "registered_on",
    "discipline_codes",
    "industry_codes",
    *REGISTRATION_FIELDS,
)
REQUIRED = (
    "external_id",
    "registration_number",
    "contract_type",
    "seller_name",
    "buyer_name",
    "contract_amount",
    "registered_on",
)


def contract_spec() -> EntitySpec:
    """The import spec of historical contracts: the parsers of the registry importer, restricted."""
    spec = build_spec(Contract, "contract")
    parsers = {name: spec.parsers[name] for name in IMPORT_FIELDS if name in spec.parsers}
    parsers["contract_amount"] = parsers["transaction_amount"] = _amount
    parsers["registered_on"] = parsers["signed_on"] = parse_date
    parsers["seller_region_code"] = parsers["buyer_region_code"] = code_parser("region")
    parsers["seller_country_code"] = parsers["buyer_country_code"] = code_parser("country")
    parsers |= REGISTRATION_PARSERS
    return EntitySpec(spec.name, Contract, parsers, (), (), ("external_id",))


def _amount(value: Any) -> float | None:
    """Contract amounts are in yuan, not 10k CNY: a finite number up to MAX_AMOUNT_YUAN."""
    return parse_float(value, MAX_AMOUNT_YUAN)


def list_contracts(
    actor: Actor, uow: UnitOfWork, *, status: str = "", limit: int = 50, offset: int = 0,
    after: int | None = None,
) -> tuple[list[Contract], int]:
    """Contracts the actor may see: overseers all, members their own organization's as a party."""
    return party_page(
        actor,
        uow,
        Contracts,
        "contracts",
        state=("status", ContractStatus, status),
        limit=limit,
        offset=offset,
        after=after,
    )


def get_contract(actor: Actor, uow: UnitOfWork, contract_id: int) -> Contract:
    with uow() as session:
        item: Contract | None = session.get(Contracts, contract_id)
    org = actor.organization_id
    if item is None or not (
        actor.is_overseer or (org is not None and org in (item.seller_org_id, item.buyer_org_id))
    ):
        raise NotFound(f"contract {contract_id} not found")
    return item


@dataclass
class ContractImport:
    created: int
    unchanged: int
    records: list[tuple[int, str]] = field(default_factory=list)  # (id, registration number), file order


def preview_contracts(actor: Actor, uow: UnitOfWork, filename: str, content: bytes) -> ContractImport:
    """What `import_contracts` would do (or its ImportRejected with every row error), nothing written."""
    return import_contracts(actor, RehearsalUnitOfWork(uow.engine), filename, content)


def import_contracts(
    actor: Actor, uow: UnitOfWork, filename: str, content: bytes, *, source: str = "import"
) -> ContractImport:
    """Officers and registrars load a historical register (CSV/XLSX/JSONL): every row valid, or nothing."""
    if not actor.is_overseer:
        raise PermissionDenied("only officers and registrars import registered contracts")
    spec = contract_spec()
    try:
        sheet = read_sheet(spec, filename, content)
    except ValueError as exc:
        raise ImportRejected([RowError(filename, 0, "", str(exc))]) from None
    errors = list(sheet.errors)
    rows: list[tuple[int, dict[str, Any]]] = []
    for number, raw in sheet.rows:
        values, row_errors = _parse_row(spec, sheet.filename, number, raw)
        errors += row_errors
        rows.append((number, values))
    seen: dict[str, int] = {}
    for number, values in rows:
        ref = values.get("external_id")
        if ref in seen:
            errors.append(RowError(sheet.filename, number, "external_id", f"repeats row {seen[ref]}"))
        elif ref:
            seen[ref] = number
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: (e.row, e.column)))
    created = unchanged = 0
    with uow() as session:
        head = audit.lock_chain(session)
        known = set(
            session.scalars(select(Contracts.external_id).where(Contracts.external_id.in_(list(seen))))
        )
        stamp = audit.now()
        for _number, values in rows:
            if values["external_id"] in known:
                unchanged += 1
                continue
            if values.get("transaction_amount") is None:
                values["transaction_amount"] = values["contract_amount"]
            session.add(
                Contract(
                    **values,
                    status=ContractStatus.REGISTERED,
                    source=source,
                    is_sample=source == "sample",
                    created_at=stamp,
                )
            )
            created += 1
        session.flush()
        stored: dict[str, int] = dict(
            session.execute(
                select(Contracts.external_id, Contracts.id).where(Contracts.external_id.in_(list(seen)))
            ).all()
        )
        records = [(stored[v["external_id"]], v.get("registration_number", "")) for _n, v in rows
                   if v["external_id"] in stored]
        audit.append(
            session,
            head,
            actor,
            "contracts.import",
            "contract",
            None,
            {"file": sheet.filename, "created": created, "unchanged": unchanged},
        )
    return ContractImport(created, unchanged, records)


def _parse_row(
    spec: Any, filename: str, number: int, raw: dict[str, Any]
) -> tuple[dict[str, Any], list[RowError]]:
    values: dict[str, Any] = {}
    errors: list[RowError] = []
    for name, parser in spec.parsers.items():
        try:
            value = parser(raw.get(name))
        except (ValueError, TypeError) as exc:
            errors.append(RowError(filename, number, name, str(exc)))
            continue
        if value is None or value == "" or value == []:
            if name in REQUIRED:
                errors.append(RowError(filename, number, name, "required"))
            continue
        values[name] = value
    amount, deal = values.get("contract_amount"), values.get("transaction_amount")
    if amount is not None and deal is not None and deal > amount:
        errors.append(RowError(filename, number, "transaction_amount", "exceeds the contract amount"))
    parts = [values[n] for n in ("materials_amount", "other_non_technical_amount") if n in values]
    if amount is not None and deal is None and parts:
        values["transaction_amount"] = deal = max(amount - sum(parts), 0.0)
    if amount is not None and "contract_type" in values:
        for name, reason in registration_errors(
            str(values["contract_type"]),
            amount,
            subtype=values.get("contract_subtype"),
            transaction_amount=deal,
            materials_amount=values.get("materials_amount"),
            other_amount=values.get("other_non_technical_amount"),
            income_tax_relief=values.get("income_tax_relief"),
        ):
            errors.append(RowError(filename, number, name, reason))
    return values, errors


def contract_template(fmt: str, lang: str = "zh") -> bytes:
    """The register's import template: headers in `lang`, an example row, allowed values, drop-downs."""
    from .tabular.templates import template

    return template(contract_spec(), fmt, lang)


def export_contracts(actor: Actor, uow: UnitOfWork, fmt: str, *, lang: str = "zh") -> bytes:
    """Registered contracts (overseers only) in the import layout, so that the file re-imports unchanged."""
    if not actor.is_overseer:
        raise PermissionDenied("only officers and registrars export registered contracts")
    spec = contract_spec()
    with uow() as session:
        items = list(
            session.scalars(
                select(Contracts).where(Contracts.status == ContractStatus.REGISTERED).order_by(Contracts.id)
            )
        )
    rows = [{name: _exported(item, name) for name in spec.parsers} for item in items]
    return write_rows(spec, rows, fmt, lang)


def _exported(item: Contract, name: str) -> Any:
    value = getattr(item, name)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value
