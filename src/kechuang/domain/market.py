"""Technology market: a deal's state machine, offers, contracts, registration and the audit chain.

A deal runs listing → inquiry → NDA → negotiation → contract → registration → performance → closed,
and may be withdrawn or rejected at each step before registration. The rules of who may do what in
which stage live here, as data (`TRANSITIONS`), so services, API and pages all refuse the same moves.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from .enums import LabelledEnum, add_labels
from .errors import Conflict, PermissionDenied


class DealStage(LabelledEnum):
    INQUIRY = "inquiry"
    NDA = "nda"
    NEGOTIATION = "negotiation"
    CONTRACT = "contract"
    REGISTRATION = "registration"
    PERFORMANCE = "performance"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    REJECTED = "rejected"


class ContractType(LabelledEnum):
    """The four statutory types of technology contract (技术合同); licences are a kind of transfer."""

    DEVELOPMENT = "development"
    TRANSFER = "transfer"
    LICENSE = "license"
    CONSULTING = "consulting"
    SERVICE = "service"


# How the model contract texts (技术合同示范文本) name the two sides of each type: (seller side, buyer side)
CONTRACT_SIDES: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "development": (("研究开发方", "Developer"), ("委托方", "Commissioning party")),
    "transfer": (("让与方", "Transferor"), ("受让方", "Transferee")),
    "license": (("许可方", "Licensor"), ("被许可方", "Licensee")),
    "consulting": (("受托方", "Consultant"), ("委托方", "Client")),
    "service": (("受托方", "Service provider"), ("委托方", "Client")),
}


class ContractStatus(LabelledEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    REGISTERED = "registered"


class OfferStatus(LabelledEnum):
    OPEN = "open"
    COUNTERED = "countered"
    ACCEPTED = "accepted"
    WITHDRAWN = "withdrawn"


class Party(LabelledEnum):
    """Which side of a deal an actor is on."""

    SELLER = "seller"
    BUYER = "buyer"
    REGISTRAR = "registrar"


class FlowDirection(LabelledEnum):
    """Where technology flows, seen from Beijing (the radiating-influence measure of the plan)."""

    WITHIN_BEIJING = "within_beijing"
    TO_TIANJIN_HEBEI = "to_tianjin_hebei"
    TO_OTHER_PROVINCES = "to_other_provinces"
    TO_ABROAD = "to_abroad"
    INFLOW_DOMESTIC = "inflow_domestic"
    INFLOW_ABROAD = "inflow_abroad"
    OUTSIDE_BEIJING = "outside_beijing"


def flow_direction(
    seller_region: str, seller_country: str, buyer_region: str, buyer_country: str
) -> FlowDirection:
    """Classify a contract by seller and buyer location (GB/T 2260 region codes, ISO country codes)."""
    seller_abroad = (seller_country or "CN") != "CN"
    buyer_abroad = (buyer_country or "CN") != "CN"
    seller_beijing = not seller_abroad and seller_region.startswith("11")
    buyer_beijing = not buyer_abroad and buyer_region.startswith("11")
    if seller_beijing:
        if buyer_abroad:
            return FlowDirection.TO_ABROAD
        if buyer_beijing:
            return FlowDirection.WITHIN_BEIJING
        if buyer_region[:2] in {"12", "13"}:
            return FlowDirection.TO_TIANJIN_HEBEI
        return FlowDirection.TO_OTHER_PROVINCES
    if buyer_beijing:
        return FlowDirection.INFLOW_ABROAD if seller_abroad else FlowDirection.INFLOW_DOMESTIC
    return FlowDirection.OUTSIDE_BEIJING


TERMINAL = frozenset({DealStage.CLOSED, DealStage.WITHDRAWN, DealStage.REJECTED})
OPEN_FOR_EXIT = frozenset({DealStage.INQUIRY, DealStage.NDA, DealStage.NEGOTIATION, DealStage.CONTRACT})

# action -> (stages it is allowed in, parties allowed to do it)
TRANSITIONS: dict[str, tuple[frozenset[DealStage], frozenset[Party]]] = {
    "accept_nda": (frozenset({DealStage.INQUIRY, DealStage.NDA}), frozenset({Party.SELLER, Party.BUYER})),
    "offer": (frozenset({DealStage.NEGOTIATION}), frozenset({Party.SELLER, Party.BUYER})),
    "accept_offer": (frozenset({DealStage.NEGOTIATION}), frozenset({Party.SELLER, Party.BUYER})),
    "sign": (frozenset({DealStage.CONTRACT}), frozenset({Party.SELLER, Party.BUYER})),
    "approve": (frozenset({DealStage.REGISTRATION}), frozenset({Party.REGISTRAR})),
    "return": (frozenset({DealStage.REGISTRATION}), frozenset({Party.REGISTRAR})),
    "milestone": (frozenset({DealStage.PERFORMANCE}), frozenset({Party.SELLER, Party.BUYER})),
    "payment": (frozenset({DealStage.PERFORMANCE}), frozenset({Party.SELLER, Party.BUYER})),
    "close": (frozenset({DealStage.PERFORMANCE}), frozenset({Party.SELLER, Party.BUYER})),
    "withdraw": (OPEN_FOR_EXIT, frozenset({Party.SELLER, Party.BUYER})),
    "reject": (
        frozenset({DealStage.INQUIRY, DealStage.NDA, DealStage.NEGOTIATION}),
        frozenset({Party.SELLER, Party.BUYER}),
    ),
    "message": (
        frozenset(DealStage) - TERMINAL | {DealStage.CLOSED},
        frozenset({Party.SELLER, Party.BUYER}),
    ),
}


def check_transition(action: str, stage: DealStage, party: Party | None) -> None:
    """Refuse an action in the wrong stage or by the wrong party, with a message that says why."""
    stages, parties = TRANSITIONS[action]
    if party is None or party not in parties:
        allowed = " or ".join(p.en.lower() for p in sorted(parties))
        raise PermissionDenied(f"only the {allowed} may {action.replace('_', ' ')} on this deal")
    if stage not in stages:
        allowed = ", ".join(s.value for s in sorted(stages))
        raise Conflict(
            f"cannot {action.replace('_', ' ')} a deal in stage '{stage.value}' (allowed in: {allowed})",
            field="stage",
        )


@dataclass(kw_only=True, eq=False)
class Deal:
    """One negotiation between a seller and a buyer organization about one listing."""

    id: int | None = None
    listing_entity: str = "achievement"
    listing_id: int = 0
    title: str = ""
    seller_org_id: int = 0
    buyer_org_id: int = 0
    stage: DealStage = DealStage.INQUIRY
    seller_nda_at: datetime | None = None
    buyer_nda_at: datetime | None = None
    seller_signed_at: datetime | None = None
    buyer_signed_at: datetime | None = None
    contract_id: int | None = None
    ended_by: str = ""
    end_reason: str = ""
    created_by: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    version: int = 1

    def party_of(self, organization_id: int | None) -> Party | None:
        if organization_id is not None and organization_id == self.seller_org_id:
            return Party.SELLER
        if organization_id is not None and organization_id == self.buyer_org_id:
            return Party.BUYER
        return None

    def done_by(self, party: Party, step: str) -> bool:
        """Whether `party` has already taken a once-per-party step: 'nda' (accepted) or 'signed'."""
        return getattr(self, f"{party.value}_{step}_at", None) is not None

    def mark(self, party: Party, step: str, at: datetime) -> None:
        setattr(self, f"{party.value}_{step}_at", at)

    @property
    def nda_complete(self) -> bool:
        return self.seller_nda_at is not None and self.buyer_nda_at is not None


@dataclass(kw_only=True, eq=False)
class Offer:
    """A price and terms put forward by one party; a counter-offer supersedes the open one."""

    id: int | None = None
    deal_id: int = 0
    from_party: Party = Party.SELLER
    price: float = 0.0
    payment_terms: str = ""
    ip_terms: str = ""
    contract_type: ContractType = ContractType.TRANSFER
    status: OfferStatus = OfferStatus.OPEN
    created_by: str = ""
    created_at: datetime | None = None


@dataclass(kw_only=True, eq=False)
class Contract:
    """A technology contract; registered ones feed the statistics (deal-born or imported)."""

    id: int | None = None
    external_id: str = ""
    deal_id: int | None = None
    contract_type: ContractType = ContractType.TRANSFER
    title: str = ""
    seller_org_id: int | None = None
    buyer_org_id: int | None = None
    seller_name: str = ""
    buyer_name: str = ""
    seller_region_code: str = ""
    buyer_region_code: str = ""
    seller_country_code: str = "CN"
    buyer_country_code: str = "CN"
    contract_amount: float = 0.0
    transaction_amount: float = 0.0
    signed_on: date | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    payment_terms: str = ""
    ip_terms: str = ""
    discipline_codes: list[str] = field(default_factory=list)
    industry_codes: list[str] = field(default_factory=list)
    status: ContractStatus = ContractStatus.DRAFT
    registration_number: str = ""
    registered_on: date | None = None
    registrar: str = ""
    return_reason: str = ""
    source: str = ""
    is_sample: bool = False
    created_at: datetime | None = None
    # what the registrar records (domain.registration); empty on contracts registered before these fields
    contract_subtype: str | None = None
    tech_field: str | None = None
    seller_kind: str | None = None
    buyer_kind: str | None = None
    materials_amount: float | None = None
    other_non_technical_amount: float | None = None
    vat_exempt: bool | None = None
    income_tax_relief: bool | None = None


@dataclass(kw_only=True, eq=False)
class Milestone:
    """Performance of a registered contract: a delivered milestone or a received payment."""

    id: int | None = None
    contract_id: int = 0
    kind: str = "milestone"
    title: str = ""
    amount: float | None = None
    on: date | None = None
    recorded_by: str = ""
    created_at: datetime | None = None


@dataclass(kw_only=True, eq=False)
class DealMessage:
    """A message between the parties of a deal."""

    id: int | None = None
    deal_id: int = 0
    party: Party = Party.SELLER
    author: str = ""
    text: str = ""
    created_at: datetime | None = None


@dataclass(kw_only=True, eq=False)
class Disclosure:
    """The confidential part of a listing, shown to a deal's counterparty only after both accept the NDA."""

    id: int | None = None
    listing_entity: str = "achievement"
    listing_id: int = 0
    owner_org_id: int = 0
    text: str = ""
    nda_text: str = ""  # the listing's own NDA; empty: the platform template (domain.nda)
    updated_at: datetime | None = None


@dataclass(kw_only=True, eq=False)
class IdempotencyKey:
    """A client's retry key for a write: the second request with it returns the first result."""

    id: int | None = None
    user_key: str = ""
    key: str = ""
    action: str = ""
    result_entity: str = ""
    result_id: int | None = None
    created_at: datetime | None = None


@dataclass(kw_only=True, eq=False)
class AuditEvent:
    """One append-only entry of the audit chain; `hash` covers the content and the previous hash."""

    id: int | None = None
    seq: int = 0
    at: datetime | None = None
    actor: str = ""
    action: str = ""
    entity: str = ""
    entity_id: int | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    prev_hash: str = ""
    hash: str = ""


@dataclass(kw_only=True, eq=False)
class AuditHead:
    """The single row every audited write updates first: it serializes the chain across connections."""

    id: int = 1
    seq: int = 0
    last_hash: str = ""


GENESIS = "0" * 64


def event_hash(
    prev_hash: str,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: int | None,
    payload: dict[str, Any],
) -> str:
    """SHA-256 over the previous hash and a canonical JSON of the event: editing any field breaks it."""
    body = json.dumps(
        [prev_hash, seq, at.isoformat(timespec="microseconds"), actor, action, entity, entity_id, payload],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()


add_labels(
    [
        (DealStage.INQUIRY, ("询价", "Inquiry")),
        (DealStage.NDA, ("保密协议", "NDA")),
        (DealStage.NEGOTIATION, ("洽谈", "Negotiation")),
        (DealStage.CONTRACT, ("签约", "Contract")),
        (DealStage.REGISTRATION, ("登记审核", "Registration")),
        (DealStage.PERFORMANCE, ("履约", "Performance")),
        (DealStage.CLOSED, ("已完成", "Closed")),
        (DealStage.WITHDRAWN, ("已撤回", "Withdrawn")),
        (DealStage.REJECTED, ("已拒绝", "Rejected")),
        (ContractType.DEVELOPMENT, ("技术开发", "Technology development")),
        (ContractType.TRANSFER, ("技术转让", "Technology transfer")),
        (ContractType.LICENSE, ("技术许可", "Technology licence")),
        (ContractType.CONSULTING, ("技术咨询", "Technical consulting")),
        (ContractType.SERVICE, ("技术服务", "Technical service")),
        (ContractStatus.DRAFT, ("待签署", "Draft")),
        (ContractStatus.SUBMITTED, ("待登记", "Submitted for registration")),
        (ContractStatus.RETURNED, ("已退回", "Returned")),
        (ContractStatus.REGISTERED, ("已登记", "Registered")),
        (OfferStatus.OPEN, ("有效", "Open")),
        (OfferStatus.COUNTERED, ("已还价", "Countered")),
        (OfferStatus.ACCEPTED, ("已接受", "Accepted")),
        (OfferStatus.WITHDRAWN, ("已撤回", "Withdrawn")),
        (FlowDirection.WITHIN_BEIJING, ("北京市内", "Within Beijing")),
        (FlowDirection.TO_TIANJIN_HEBEI, ("流向津冀", "Beijing → Tianjin/Hebei")),
        (FlowDirection.TO_OTHER_PROVINCES, ("流向外省市", "Beijing → other provinces")),
        (FlowDirection.TO_ABROAD, ("流向境外", "Beijing → abroad")),
        (FlowDirection.INFLOW_DOMESTIC, ("外省市流入", "Inflow from other provinces")),
        (FlowDirection.INFLOW_ABROAD, ("境外流入", "Inflow from abroad")),
        (FlowDirection.OUTSIDE_BEIJING, ("京外之间", "Outside Beijing")),
        (Party.SELLER, ("卖方", "Seller")),
        (Party.BUYER, ("买方", "Buyer")),
        (Party.REGISTRAR, ("登记机构", "Registrar")),
    ]
)
