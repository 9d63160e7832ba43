"""Technology market API: deals step by step, contracts, registration, statistics, audit verification.

Every POST accepts an `Idempotency-Key` header: a retried request returns the first result instead of
acting twice. A deal is visible to its parties, registrars, officers and admins only (404 otherwise).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from kechuang.config import Settings
from kechuang.domain.access import Actor
from kechuang.domain.errors import InvalidInput
from kechuang.services import audit, contracts, market, market_stats
from kechuang.services.contract_registration import read_registration
from kechuang.store.db import UnitOfWork

from ..body_limit import BodyTooLarge
from ..deps import get_settings, get_uow, signed_in
from ..params import After, BodyId, IdemKey, ItemId, LongText, Offset, ShortText, Yuan
from ..schemas import Page

router = APIRouter(prefix="/api", tags=["market"])
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FILE_TYPES = MEDIA | {"jsonl": "application/x-ndjson"}


class DealOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    listing_entity: str
    listing_id: int
    title: str
    seller_org_id: int
    buyer_org_id: int
    stage: str
    seller_nda_at: Any = None
    buyer_nda_at: Any = None
    seller_signed_at: Any = None
    buyer_signed_at: Any = None
    contract_id: int | None
    end_reason: str
    created_at: Any = None
    updated_at: Any = None


class OfferOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    deal_id: int
    from_party: str
    price: float
    payment_terms: str
    ip_terms: str
    contract_type: str
    status: str
    created_by: str
    created_at: Any = None


class ContractOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    external_id: str
    deal_id: int | None
    contract_type: str
    title: str
    seller_org_id: int | None
    buyer_org_id: int | None
    seller_name: str
    buyer_name: str
    seller_region_code: str
    buyer_region_code: str
    seller_country_code: str
    buyer_country_code: str
    contract_amount: float
    transaction_amount: float
    signed_on: date | None
    payment_terms: str
    ip_terms: str
    discipline_codes: list[str]
    industry_codes: list[str]
    status: str
    registration_number: str
    registered_on: date | None
    registrar: str
    return_reason: str
    contract_subtype: str | None = None
    tech_field: str | None = None
    seller_kind: str | None = None
    buyer_kind: str | None = None
    materials_amount: float | None = None
    other_non_technical_amount: float | None = None
    vat_exempt: bool | None = None
    income_tax_relief: bool | None = None


class MessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    party: str
    author: str
    text: str
    created_at: Any = None


class PerformanceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    title: str
    amount: float | None
    on: date | None
    recorded_by: str


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    at: Any
    actor: str
    action: str
    payload: dict[str, Any]
    hash: str


class DealDetail(BaseModel):
    deal: DealOut
    party: str | None
    next_actions: list[str]
    offers: list[OfferOut]
    contract: ContractOut | None
    messages: list[MessageOut]
    performance: list[PerformanceOut]
    events: list[EventOut]
    disclosure: str | None = Field(description="The listing's confidential part, once both NDAs are accepted")
    nda: str = Field("", description="The NDA text the parties accept (the listing's own or the platform's)")
    nda_sha256: str = Field("", description="SHA-256 of that text; each acceptance is audited with it")


class DealIn(BaseModel):
    listing_entity: Literal["achievement", "demand"]
    listing_id: BodyId
    message: LongText = ""


class OfferIn(BaseModel):
    price: Yuan = Field(gt=0)
    contract_type: ShortText = Field(
        "transfer", description="development, transfer, license, consulting, service"
    )
    payment_terms: LongText = ""
    ip_terms: LongText = ""


class ReasonIn(BaseModel):
    reason: LongText = ""


class ApproveIn(BaseModel):
    transaction_amount: Yuan | None = Field(None, description="技术交易额, if less than the contract")
    contract_subtype: str | None = Field(None, max_length=60, description="Sub-type of the contract type")
    tech_field: str | None = Field(None, max_length=60, description="技术领域")
    seller_kind: str | None = Field(None, max_length=60, description="Seller kind (企业, 高等院校...)")
    buyer_kind: str | None = Field(None, max_length=60, description="Buyer kind")
    materials_amount: Yuan | None = Field(None, description="Non-technical part: materials and equipment")
    other_non_technical_amount: Yuan | None = Field(None, description="Other non-technical part")
    vat_exempt: bool | None = Field(None, description="Eligible for VAT exemption (免征增值税)")
    income_tax_relief: bool | None = Field(None, description="Eligible for income-tax relief (所得税减免)")


class PerformanceIn(BaseModel):
    kind: Literal["milestone", "payment"]
    title: ShortText = ""
    amount: Yuan | None = None
    on: date | None = None


class TextIn(BaseModel):
    text: LongText = Field(min_length=1, max_length=5000)


class DisclosureIn(BaseModel):
    text: LongText
    nda_text: LongText | None = Field(
        None, description="The listing's own NDA; empty text goes back to the platform's; leave out to keep"
    )


def _detail(view: market.DealView) -> dict[str, Any]:
    return {**view.__dict__, "party": view.party.value if view.party else None}


@router.post("/deals", response_model=DealOut, status_code=201, summary="Inquire about a listing")
def open_deal(
    body: DealIn,
    key: str | None = IdemKey,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> Any:
    return market.open_deal(
        actor, uow, body.listing_entity, body.listing_id, message=body.message, idempotency_key=key
    )


@router.get("/deals", response_model=Page[DealOut], summary="Deals you may see")
def list_deals(
    stage: str = "",
    limit: int = Query(50, ge=1, le=200),
    offset: Offset = 0,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, Any]:
    items, count = market.list_deals(actor, uow, stage=stage, limit=limit, offset=offset)
    return {"data": items, "count": count}


@router.get("/deals/{deal_id}", response_model=DealDetail, summary="A deal with offers, contract, history")
def get_deal(deal_id: ItemId, actor: Actor = Depends(signed_in), uow: UnitOfWork = Depends(get_uow)) -> Any:
    return _detail(market.get_deal(actor, uow, deal_id))


@router.post("/deals/{deal_id}/nda", response_model=DealDetail, summary="Accept the NDA (each party)")
def accept_nda(
    deal_id: ItemId,
    key: str | None = IdemKey,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> Any:
    market.accept_nda(actor, uow, deal_id, idempotency_key=key)
    return _detail(market.get_deal(actor, uow, deal_id))


@router.post("/deals/{deal_id}/offers", response_model=OfferOut, status_code=201, summary="Offer or counter")
def make_offer(
    deal_id: ItemId,
    body: OfferIn,
    key: str | None = IdemKey,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> Any:
    return market.make_offer(actor, uow, deal_id, **body.model_dump(), idempotency_key=key)


@router.post(
    "/deals/{deal_id}/offers/{offer_id}/accept", response_model=ContractOut, summary="Accept an offer"
)
def accept_offer(
    deal_id: ItemId,
    offer_id: ItemId,
    key: str | None = IdemKey,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> Any:
    """The offer's terms become the draft contract both parties then sign."""
    return market.accept_offer(actor, uow, deal_id, offer_id, idempotency_key=key)


@router.post("/deals/{deal_id}/sign", response_model=DealDetail, summary="Sign the contract (each party)")
def sign(
    deal_id: ItemId,
    key: str | None = IdemKey,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> Any:
    market.sign(actor, uow, deal_id, idempotency_key=key)
    return _detail(market.get_deal(actor, uow, deal_id))


@router.post(
    "/deals/{deal_id}/approve", response_model=ContractOut, summary="Register the contract (registrar)"
)
def approve(
    deal_id: ItemId,
    body: ApproveIn | None = None,
    key: str | None = IdemKey,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> Any:
    amount = body.transaction_amount if body else None
    fields = read_registration(body.model_dump(exclude={"transaction_amount"}) if body else {})
    return market.approve(
        actor, uow, deal_id, transaction_amount=amount, registration=fields, idempotency_key=key
    )


@router.post("/deals/{deal_id}/return", response_model=DealDetail, summary="Return the contract (registrar)")
def return_contract(
    deal_id: ItemId,
    body: ReasonIn,
    key: str | None = IdemKey,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> Any:
    market.return_contract(actor, uow, deal_id, reason=body.reason, idempotency_key=key)
    return _detail(market.get_deal(actor, uow, deal_id))


@router.post(
    "/deals/{deal_id}/performance",
    response_model=PerformanceOut,
    status_code=201,
    summary="Record a milestone or a payment",
)
def record_performance(
    deal_id: ItemId,
    body: PerformanceIn,
    key: str | None = IdemKey,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> Any:
    return market.record_performance(actor, uow, deal_id, **body.model_dump(), idempotency_key=key)


@router.post("/deals/{deal_id}/close", response_model=DealDetail, summary="Close a performed deal")
def close(
    deal_id: ItemId,
    key: str | None = IdemKey,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> Any:
    market.close(actor, uow, deal_id, idempotency_key=key)
    return _detail(market.get_deal(actor, uow, deal_id))


@router.post(
    "/deals/{deal_id}/messages", response_model=MessageOut, status_code=201, summary="Message the other party"
)
def post_message(
    deal_id: ItemId,
    body: TextIn,
    key: str | None = IdemKey,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> Any:
    return market.post_message(actor, uow, deal_id, body.text, idempotency_key=key)


@router.post("/deals/{deal_id}/{action}", response_model=DealDetail, summary="Withdraw or reject")
def end_deal(
    deal_id: ItemId,
    action: Literal["withdraw", "reject"],
    body: ReasonIn | None = None,
    key: str | None = IdemKey,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> Any:
    market.end(actor, uow, deal_id, action, reason=body.reason if body else "", idempotency_key=key)
    return _detail(market.get_deal(actor, uow, deal_id))


@router.put("/{listing}/{listing_id}/disclosure", summary="Write a listing's confidential disclosure (owner)")
def set_disclosure(
    listing: Literal["achievements", "demands"],
    listing_id: ItemId,
    body: DisclosureIn,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, Any]:
    item = market.set_disclosure(
        actor, uow, listing.removesuffix("s"), listing_id, body.text, nda_text=body.nda_text
    )
    return {
        "listing_entity": item.listing_entity,
        "listing_id": item.listing_id,
        "updated_at": item.updated_at,
    }


@router.get("/contracts", response_model=Page[ContractOut], summary="Contracts you may see")
def list_contracts(
    status: str = "",
    limit: int = Query(50, ge=1, le=200),
    offset: Offset = 0,
    after: After = None,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, Any]:
    """Registrars use `?status=submitted` as their review queue."""
    items, count = contracts.list_contracts(
        actor, uow, status=status, limit=limit, offset=offset, after=after
    )
    return {"data": items, "count": count}


@router.get("/contracts/export.{fmt}", tags=["files"], summary="Registered contracts (officers, registrars)")
def export_contracts(
    fmt: Literal["csv", "xlsx", "jsonl"],
    lang: Literal["zh", "en"] = "zh",
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> Response:
    """The register in the import layout (registration fields included): it re-imports unchanged."""
    content = contracts.export_contracts(actor, uow, fmt, lang=lang)
    return Response(content, media_type=FILE_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="contracts.{fmt}"'})


@router.get("/contracts/{contract_id}", response_model=ContractOut, summary="One contract")
def get_contract(
    contract_id: ItemId, actor: Actor = Depends(signed_in), uow: UnitOfWork = Depends(get_uow)
) -> Any:
    return contracts.get_contract(actor, uow, contract_id)


@router.post("/contracts/import", summary="Import registered contracts (officers, registrars)")
def import_contracts(
    file: UploadFile = File(...),
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
    settings: Settings = Depends(get_settings),
) -> dict[str, int]:
    """CSV, XLSX or JSONL; any bad row rejects the file with every located error, nothing written."""
    content = file.file.read(settings.max_upload_bytes + 1)
    if len(content) > settings.max_upload_bytes:
        raise BodyTooLarge(settings.max_upload_bytes)
    result = contracts.import_contracts(actor, uow, file.filename or "contracts.csv", content)
    return {"created": result.created, "unchanged": result.unchanged}


class BucketOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key: str
    label_zh: str
    label_en: str
    count: int
    contract_amount: float
    transaction_amount: float


class StatisticsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    period_from: date
    period_to: date
    total: BucketOut
    groups: dict[str, list[BucketOut]]


YEAR = Query(None, ge=1980, le=2100, description="One calendar year (or give year_from and year_to)")
YEAR_FROM = Query(None, ge=1980, le=2100, description="First year of a range")
YEAR_TO = Query(None, ge=1980, le=2100, description="Last year of a range")


def _period(year: int | None, year_from: int | None, year_to: int | None) -> tuple[date, date]:
    """One year, or a range of years; a range with one end given is that one year."""
    first, last = year_from or year_to or year, year_to or year_from or year
    if first is None or last is None:
        raise InvalidInput("give a year, or year_from and year_to", field="year")
    return market_stats.years_period(first, last)


@router.get("/market/statistics", response_model=StatisticsOut, summary="Registered-contract statistics")
def statistics(
    year: int | None = YEAR,
    year_from: int | None = YEAR_FROM,
    year_to: int | None = YEAR_TO,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> Any:
    """By type, flow direction, month, discipline, industry, seller and buyer region; top parties.

    A contract with several disciplines or industries counts once in each of them."""
    return market_stats.contract_statistics(actor, uow, period=_period(year, year_from, year_to))


@router.get("/market/statistics.{fmt}", summary="Statistics as CSV or XLSX")
def statistics_file(
    fmt: Literal["csv", "xlsx"],
    year: int | None = YEAR,
    year_from: int | None = YEAR_FROM,
    year_to: int | None = YEAR_TO,
    lang: Literal["zh", "en"] = "zh",
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> Response:
    period = _period(year, year_from, year_to)
    stats = market_stats.contract_statistics(actor, uow, period=period)
    span = f"{period[0].year}" if period[0].year == period[1].year else f"{period[0].year}-{period[1].year}"
    return Response(
        market_stats.export_statistics(stats, fmt, lang),
        media_type=MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="contract-statistics-{span}.{fmt}"'},
    )


@router.get("/audit/verify", summary="Verify the audit chain (admins, officers, registrars)")
def verify_audit(actor: Actor = Depends(signed_in), uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    return audit.verify(actor, uow).__dict__
