"""The match feedback loop: a listing's owner marks matches useful or not relevant; the supplier hears of a
useful one; officers follow matches through inquiry, deal and registered contract (the funnel).

Verdicts are audited (hash chain, idempotency keys). A supplier learns of a useful verdict through a
notification whose listing title is resolved through the visibility rule when it is read, and through a
line on their record's page naming only the listings they may see.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select

from kechuang.domain.access import Actor, can_edit, can_see
from kechuang.domain.accounts import Notification
from kechuang.domain.clock import now
from kechuang.domain.entities import Achievement, Demand
from kechuang.domain.enums import NotificationKind
from kechuang.domain.errors import InvalidInput, NotFound, PermissionDenied
from kechuang.domain.feedback import FUNNEL_STAGES, MATCHED_ENTITY, PERIODS, MatchFeedback, Verdict, period_of
from kechuang.domain.limits import MAX_ID
from kechuang.domain.market import Contract, ContractStatus, Deal
from kechuang.store.db import UnitOfWork, load_by_id

from . import audit
from .accounts import users_of_organization
from .registry import get_record

Feedback: Any = MatchFeedback
Notes: Any = Notification
Deals: Any = Deal
Contracts: Any = Contract
LISTING_CLASSES: dict[str, Any] = {"achievement": Achievement, "demand": Demand}
MAX_FUNNEL_ROWS = 200_000  # verdicts read for one funnel; beyond, the officer narrows the period


def _listing_owner(actor: Actor, listing_entity: str, listing_id: int, uow: UnitOfWork) -> Any:
    if listing_entity not in MATCHED_ENTITY:
        raise InvalidInput("listing_entity must be one of: demand, achievement", field="listing_entity")
    if not actor.authenticated:
        raise PermissionDenied("sign in to give feedback on matches")
    listing = get_record(actor, listing_entity, listing_id, uow)  # NotFound for what the actor may not see
    if listing.owner_org_id is None or not can_edit(actor, listing.owner_org_id):
        raise PermissionDenied("only the listing's owner organization gives feedback on its matches")
    return listing


def set_feedback(
    actor: Actor,
    listing_entity: str,
    listing_id: int,
    matched_id: int,
    verdict: str,
    uow: UnitOfWork,
    *,
    score: float | None = None,
    idempotency_key: str | None = None,
) -> MatchFeedback:
    """Record (or change) the owner's verdict on one match of its listing; a new "useful" tells the supplier.

    The matched record is an achievement for a demand, a demand (of an adopting organization) for an
    achievement; it must be visible to the owner and belong to another organization.
    """
    try:
        chosen = Verdict(verdict)
    except ValueError:
        raise InvalidInput("verdict must be one of: useful, not_relevant", field="verdict") from None
    if score is not None and not (0.0 <= score <= 10.0):
        raise InvalidInput("score must be between 0 and 10", field="score")
    listing = _listing_owner(actor, listing_entity, listing_id, uow)
    matched_entity = MATCHED_ENTITY[listing_entity]
    if not 1 <= matched_id <= MAX_ID:
        raise NotFound(f"{matched_entity} {matched_id} not found")
    matched = get_record(actor, matched_entity, matched_id, uow)
    if matched.owner_org_id == listing.owner_org_id:
        raise InvalidInput("a listing's own organization's records are not its matches", field="matched_id")
    action = "match.feedback"
    with uow() as session:
        earlier = audit.replayed(session, actor, idempotency_key, action)
        if earlier is not None:
            kept: Any = session.get(Feedback, earlier.result_id)
            session.expunge(kept)
            return kept
        head = audit.lock_chain(session)
        row = session.scalar(select(Feedback).where(
            Feedback.listing_entity == listing_entity, Feedback.listing_id == listing_id,
            Feedback.matched_entity == matched_entity, Feedback.matched_id == matched_id,
            Feedback.organization_id == listing.owner_org_id,
        ))
        previous = row.verdict.value if row is not None else None
        stamp = now()
        if row is None:
            row = MatchFeedback(
                listing_entity=listing_entity, listing_id=listing_id, matched_entity=matched_entity,
                matched_id=matched_id, organization_id=listing.owner_org_id, created_at=stamp,
            )
            session.add(row)
        row.verdict, row.supplier_org_id, row.user_id, row.updated_at = (
            chosen, matched.owner_org_id, actor.user_id, stamp
        )
        if score is not None:
            row.score = round(float(score), 4)
        session.flush()
        audit.append(session, head, actor, action, listing_entity, listing_id, {
            "matched_entity": matched_entity, "matched_id": matched_id, "verdict": chosen.value,
            "previous": previous, "organization_id": listing.owner_org_id,
        })
        audit.remember(session, actor, idempotency_key, action, "match_feedback", row.id)
        if chosen == Verdict.USEFUL and previous != Verdict.USEFUL.value and matched.owner_org_id:
            _tell_supplier(session, uow, row)
        session.flush()
        session.expunge(row)
    return row


def _tell_supplier(session: Any, uow: UnitOfWork, row: MatchFeedback) -> None:
    """One notice per supplier member and match: the listing's title is looked up (or hidden) when read."""
    told = set(session.scalars(select(Notes.user_id).where(
        Notes.kind == NotificationKind.FEEDBACK, Notes.subject_entity == row.matched_entity,
        Notes.subject_id == row.matched_id, Notes.related_entity == row.listing_entity,
        Notes.related_id == row.listing_id,
    )))
    for user in users_of_organization(uow, row.supplier_org_id or 0):
        if user.id not in told:
            session.add(Notification(
                user_id=user.id or 0, kind=NotificationKind.FEEDBACK, subject_entity=row.matched_entity,
                subject_id=row.matched_id, related_entity=row.listing_entity, related_id=row.listing_id,
                score=row.score, created_at=now(), data={"verdict": row.verdict.value},
            ))


def verdicts_for(
    actor: Actor, listing_entity: str, listing_id: int, uow: UnitOfWork
) -> dict[int, str] | None:
    """The owner's current verdicts on its listing's matches, by matched record id (None: not the owner)."""
    if listing_entity not in MATCHED_ENTITY or not actor.authenticated:
        return None
    listing = get_record(actor, listing_entity, listing_id, uow)
    if listing.owner_org_id is None or not can_edit(actor, listing.owner_org_id):
        return None
    with uow() as session:
        rows = session.execute(select(Feedback.matched_id, Feedback.verdict).where(
            Feedback.listing_entity == listing_entity, Feedback.listing_id == listing_id,
            Feedback.organization_id == listing.owner_org_id,
        ))
        return {matched: verdict.value for matched, verdict in rows}


def own_records(uow: UnitOfWork, entity: str, ids: list[int], organization_id: int | None) -> set[int]:
    """Which of these matched records the listing's own organization owns (no verdict is asked on them)."""
    if entity not in LISTING_CLASSES or organization_id is None:
        return set()
    return {i for i, item in load_by_id(uow, LISTING_CLASSES[entity], ids).items()
            if item.owner_org_id == organization_id}


@dataclass(frozen=True)
class UsefulTo:
    """Who found a supplier's record useful: the listings it may see, and how many others."""

    listings: list[tuple[str, int, str]]  # (entity, id, title in the reader's language)
    hidden: int

    @property
    def count(self) -> int:
        return len(self.listings) + self.hidden


def found_useful(actor: Actor, entity: str, record_id: int, uow: UnitOfWork) -> UsefulTo | None:
    """For the record's owner (and admins): the listings whose owners found this record a useful match."""
    if entity not in LISTING_CLASSES or not actor.authenticated:
        return None
    item = get_record(actor, entity, record_id, uow)
    if item.owner_org_id is None or not can_edit(actor, item.owner_org_id):
        return None
    with uow() as session:
        rows = list(session.execute(select(Feedback.listing_entity, Feedback.listing_id).where(
            Feedback.matched_entity == entity, Feedback.matched_id == record_id,
            Feedback.verdict == Verdict.USEFUL,
        ).order_by(Feedback.updated_at.desc())))
    if not rows:
        return None
    wanted: dict[str, list[int]] = defaultdict(list)
    for listing_entity, listing_id in rows:
        wanted[listing_entity].append(listing_id)
    loaded = {e: load_by_id(uow, LISTING_CLASSES[e], ids) for e, ids in wanted.items()}
    shown, hidden = [], 0
    for listing_entity, listing_id in rows:
        listing = loaded[listing_entity].get(listing_id)
        if listing is not None and can_see(actor, listing.visibility, listing.owner_org_id):
            shown.append((listing_entity, listing_id, listing.text("title", actor.language)))
        else:
            hidden += 1
    return UsefulTo(shown, hidden)


@dataclass
class FunnelRow:
    """One period's counts per stage, and each stage's share of the one before."""

    period: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FUNNEL_STAGES, 0))

    @property
    def ratios(self) -> dict[str, float | None]:
        found: dict[str, float | None] = {}
        for before, stage in itertools.pairwise(FUNNEL_STAGES):
            total = self.counts[before]
            found[stage] = round(self.counts[stage] / total, 4) if total else None
        return found


@dataclass
class Funnel:
    period: str
    date_from: date | None
    date_to: date | None
    rows: list[FunnelRow]
    total: FunnelRow


def _check_overseer(actor: Actor) -> None:
    if not (actor.is_admin or "officer" in actor.roles):
        raise PermissionDenied("only officers and administrators see the match funnel")


def funnel(
    actor: Actor,
    uow: UnitOfWork,
    *,
    period: str = "month",
    date_from: date | None = None,
    date_to: date | None = None,
) -> Funnel:
    """Matches judged by their listing's owner, per period of the first verdict: how many were rated, found
    useful, led to an inquiry (a deal opened between the two organizations on either listing), a deal (both
    signed) and a registered contract. Each stage counts the matches of the stage before that reached it."""
    _check_overseer(actor)
    if period not in PERIODS:
        raise InvalidInput(f"period must be one of: {', '.join(PERIODS)}", field="period")
    if date_from and date_to and date_from > date_to:
        raise InvalidInput("date_from is after date_to", field="date_from")
    conditions = []
    if date_from:
        conditions.append(Feedback.created_at >= datetime.combine(date_from, datetime.min.time()))
    if date_to:
        end = datetime.combine(date_to + timedelta(days=1), datetime.min.time())
        conditions.append(Feedback.created_at < end)
    with uow() as session:
        rows = list(session.scalars(
            select(Feedback).where(*conditions).order_by(Feedback.created_at).limit(MAX_FUNNEL_ROWS + 1)
        ))
        if len(rows) > MAX_FUNNEL_ROWS:
            raise InvalidInput(
                f"more than {MAX_FUNNEL_ROWS} verdicts: choose a shorter period", field="date_from"
            )
        reached = _progress(session, [r for r in rows if r.verdict == Verdict.USEFUL])
    by_period: dict[str, FunnelRow] = {}
    total = FunnelRow("total")
    for row in rows:
        label = period_of(row.created_at or now(), period)
        line = by_period.setdefault(label, FunnelRow(label))
        stages = ["rated"]
        if row.verdict == Verdict.USEFUL:
            stages += ["useful", *reached.get(row.id or 0, [])]
        for stage in stages:
            line.counts[stage] += 1
            total.counts[stage] += 1
    return Funnel(period, date_from, date_to, sorted(by_period.values(), key=lambda r: r.period), total)


def _pair(row: MatchFeedback) -> tuple[int, int, int | None, int | None]:
    """(achievement, demand, seller organization, buyer organization) of a judged match."""
    if row.listing_entity == "demand":
        return row.matched_id, row.listing_id, row.supplier_org_id, row.organization_id
    return row.listing_id, row.matched_id, row.organization_id, row.supplier_org_id


def _progress(session: Any, useful: list[MatchFeedback]) -> dict[int, list[str]]:
    """The later stages each useful match reached, from the deals on either of its two listings."""
    if not useful:
        return {}
    pairs = {row.id or 0: _pair(row) for row in useful}
    achievements = {p[0] for p in pairs.values()}
    demands = {p[1] for p in pairs.values()}
    deals = list(session.scalars(select(Deals).where(or_(
        and_(Deals.listing_entity == "achievement", Deals.listing_id.in_(achievements)),
        and_(Deals.listing_entity == "demand", Deals.listing_id.in_(demands)),
    ))))
    contracts = {c.id: c for c in session.scalars(select(Contracts).where(
        Contracts.id.in_({d.contract_id for d in deals if d.contract_id})
    ))} if any(d.contract_id for d in deals) else {}
    reached: dict[int, list[str]] = {}
    for row_id, (achievement, demand, seller, buyer) in pairs.items():
        theirs = [
            d for d in deals
            if (d.listing_entity == "achievement" and d.listing_id == achievement and d.buyer_org_id == buyer)
            or (d.listing_entity == "demand" and d.listing_id == demand and d.seller_org_id == seller)
        ]
        stages = []
        if theirs:
            stages.append("inquiry")
        if any(d.seller_signed_at and d.buyer_signed_at for d in theirs):
            stages.append("deal")
            if any(
                d.contract_id in contracts and contracts[d.contract_id].status == ContractStatus.REGISTERED
                for d in theirs
            ):
                stages.append("registered")
        reached[row_id] = stages
    return reached


STAGE_HEADERS = {
    "zh": {"period": "期间", "rated": "已评价匹配", "useful": "有用", "inquiry": "询价", "deal": "成交",
           "registered": "已登记合同", "ratio": "转化率"},
    "en": {"period": "Period", "rated": "Matches rated", "useful": "Useful", "inquiry": "Inquiries",
           "deal": "Deals", "registered": "Registered contracts", "ratio": "conversion"},
}


def funnel_csv(result: Funnel, lang: str = "zh") -> str:
    """The funnel as CSV in the reader's language: counts, then each stage's share of the one before."""
    names = STAGE_HEADERS["zh" if lang == "zh" else "en"]
    out = io.StringIO()
    writer = csv.writer(out)
    ratio_heads = [
        f"{names[stage]}{names['ratio']}" if lang == "zh" else f"{names[stage]} {names['ratio']}"
        for stage in FUNNEL_STAGES[1:]
    ]
    writer.writerow([names["period"], *(names[s] for s in FUNNEL_STAGES), *ratio_heads])
    for row in [*result.rows, result.total]:
        label = row.period if row.period != "total" else ("合计" if lang == "zh" else "Total")
        ratios = row.ratios
        writer.writerow([
            label, *(row.counts[s] for s in FUNNEL_STAGES),
            *("" if ratios[s] is None else f"{100 * (ratios[s] or 0):.1f}%" for s in FUNNEL_STAGES[1:]),
        ])
    return out.getvalue()
