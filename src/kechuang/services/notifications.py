"""Notifications: messages to a listing's owners and news of matches for new demands and achievements.

Nothing confidential travels through a notification: a new-match notice is written only for a user who
may see the other side, and titles are never stored but looked up when the list is read, through the
visibility rule of that moment.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from kechuang.domain.access import Actor, can_see
from kechuang.domain.accounts import Notification, User, UserPreferences
from kechuang.domain.entities import REGISTRY_ENTITIES, Achievement, Demand, Organization
from kechuang.domain.enums import NotificationKind
from kechuang.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from kechuang.domain.limits import MAX_ID, check_text
from kechuang.domain.market import Deal
from kechuang.store.db import UnitOfWork, load_by_id

from .accounts import actor_for, now, users_of_organization
from .market import may_see_deal
from .match_index import MatchIndexes
from .matching import Match, match_achievement, match_demand
from .registry import Page, get_record, record_spec

# Match scores are a fused text relevance normalised per query (the best candidate is near 1) weighted 0.6,
# plus up to 0.4 of structured fit. 0.5 keeps the clear front-runners, about one to three per new listing.
MATCH_THRESHOLD = 0.5
MAX_MATCH_NOTICES = 5  # per new listing and recipient: a notice, not a result list
MAX_MESSAGE_CHARS = 2000
Notes: Any = Notification
Users: Any = User
Orgs: Any = Organization
Prefs: Any = UserPreferences


@dataclass(frozen=True)
class NotificationView:
    """A notification as its reader may see it now: hidden records lose their id and title.

    `kind` is new_match, message or deal (a step of a deal you are party to, its stage in `text`).
    """

    id: int
    kind: str
    subject_entity: str
    subject_id: int | None
    subject_title: str
    related_entity: str
    related_id: int | None
    related_title: str
    score: float | None
    text: str
    sender_name: str
    created_at: datetime | None
    read_at: datetime | None
    sender_organization: str = ""  # the sender's organization, named in the reader's language
    action: str = ""  # for a deal: the step taken (offer, sign, approve ...)
    amount: float | None = None  # for a deal step that named an amount (an offer's price), in yuan


def _require_user(actor: Actor, action: str) -> int:
    if not actor.authenticated or actor.user_id is None:
        raise PermissionDenied(f"sign in to {action}")
    return actor.user_id


def send_message(actor: Actor, uow: UnitOfWork, entity: str, record_id: int, text: str) -> int:
    """A signed-in user writes to the organization that owns a listing they can see; returns recipients."""
    sender = _require_user(actor, "send messages")
    body = (text or "").strip()
    if not body:
        raise InvalidInput("write a message", field="text")
    try:
        check_text(body, max_length=MAX_MESSAGE_CHARS, multiline=True)
    except ValueError as exc:
        raise InvalidInput(f"the message {exc}", field="text") from None
    spec = record_spec(entity)
    item = get_record(actor, spec.name, record_id, uow)  # NotFound for what the sender may not see
    if item.owner_org_id is None:
        raise Conflict(f"this {spec.name} has no owner organization to write to")
    recipients = [u for u in users_of_organization(uow, item.owner_org_id) if u.id != sender]
    if not recipients:
        raise Conflict(f"the organization that owns this {spec.name} has no active account yet")
    stamp = now()
    with uow() as session:
        session.add_all(
            Notification(
                user_id=user.id or 0,
                kind=NotificationKind.MESSAGE,
                subject_entity=spec.name,
                subject_id=record_id,
                text=body,
                sender_user_id=sender,
                created_at=stamp,
            )
            for user in recipients
        )
    return len(recipients)


def notify_new_matches(
    uow: UnitOfWork,
    indexes: MatchIndexes,
    entity: str,
    record_id: int,
    threshold: float = MATCH_THRESHOLD,
) -> int:
    """Tell the people concerned about strong matches of a new demand or achievement; returns notices."""
    if entity == "demand":
        notices = _demand_notices(uow, indexes, record_id, threshold)
    elif entity == "achievement":
        notices = _achievement_notices(uow, indexes, record_id, threshold)
    else:
        return 0
    return _save_new(uow, notices)


def announce_new_listing(uow: UnitOfWork, indexes: MatchIndexes, entity: str, record_id: int) -> int:
    """notify_new_matches that never raises: a failed match run must not fail the creation behind it."""
    indexes.changed.set()  # the new listing is indexed soon, not at the next interval
    try:
        return notify_new_matches(uow, indexes, entity, record_id)
    except Exception:
        logging.getLogger(__name__).exception("match notifications for %s %s failed", entity, record_id)
        return 0


def _demand_notices(uow: UnitOfWork, indexes: MatchIndexes, demand_id: int, threshold: float) -> list[Any]:
    """The demand's owners hear of achievements their organization may see."""
    demand: Demand = get_record(Actor.system("notifications"), "demand", demand_id, uow)
    if demand.owner_org_id is None:
        return []
    owners = Actor(
        name=f"organization-{demand.owner_org_id}", organization_id=demand.owner_org_id, authenticated=True
    )
    found = match_demand(owners, demand_id, uow, indexes, kind="achievement", limit=MAX_MATCH_NOTICES)
    strong = [m for m in found if m.score >= threshold]
    items = load_by_id(uow, Achievement, [m.id for m in strong])
    notices = []
    for user in users_of_organization(uow, demand.owner_org_id):
        reader = actor_for(user)
        for match in strong:
            item = items.get(match.id)
            if item is None or item.owner_org_id == demand.owner_org_id:
                continue  # their own achievement is no news to them
            if can_see(reader, item.visibility, item.owner_org_id):
                notices.append(_match_notice(user, demand_id, match.id, match))
    return notices


def _achievement_notices(
    uow: UnitOfWork, indexes: MatchIndexes, achievement_id: int, threshold: float
) -> list[Any]:
    """Organizations whose demands ask for the achievement hear of it, if they may see it."""
    system = Actor.system("notifications")
    achievement: Achievement = get_record(system, "achievement", achievement_id, uow)
    adopters = match_achievement(system, achievement_id, uow, indexes, limit=MAX_MATCH_NOTICES * 4)
    notices = []
    for match in adopters:
        if match.score < threshold or match.id == achievement.owner_org_id or not match.evidence:
            continue
        for user in users_of_organization(uow, match.id):
            # the single check that keeps a confidential achievement inside its organization
            if can_see(actor_for(user), achievement.visibility, achievement.owner_org_id):
                notices.append(_match_notice(user, match.evidence[0], achievement_id, match))
    return notices


def _match_notice(user: User, demand_id: int, achievement_id: int, match: Match) -> Notification:
    """Subject: the reader's own demand; related: the achievement that fits it."""
    return Notification(
        user_id=user.id or 0,
        kind=NotificationKind.NEW_MATCH,
        subject_entity="demand",
        subject_id=demand_id,
        related_entity="achievement",
        related_id=achievement_id,
        score=match.score,
        created_at=now(),
    )


def _save_new(uow: UnitOfWork, notices: list[Notification]) -> int:
    """Write the notices a user does not have yet (an edited listing may be matched again)."""
    if not notices:
        return 0
    with uow() as session:
        existing = {
            tuple(row)
            for row in session.execute(
                select(Notes.user_id, Notes.subject_id, Notes.related_id).where(
                    Notes.kind == NotificationKind.NEW_MATCH,
                    Notes.user_id.in_({n.user_id for n in notices}),
                    Notes.related_id.in_({n.related_id for n in notices}),
                )
            )
        }
        fresh: dict[tuple[int, int | None, int | None], Notification] = {}
        for notice in notices:
            key = (notice.user_id, notice.subject_id, notice.related_id)
            if key not in existing:
                fresh.setdefault(key, notice)
        session.add_all(fresh.values())
    return len(fresh)


def list_notifications(
    actor: Actor, uow: UnitOfWork, *, unread_only: bool = False, limit: int = 50, offset: int = 0
) -> Page:
    """The signed-in user's notifications, newest first, with titles resolved for them now."""
    user_id = _require_user(actor, "read notifications")
    if not 1 <= limit <= 200 or offset < 0:
        raise InvalidInput("limit must be between 1 and 200 and offset not negative", field="limit")
    conditions = [Notes.user_id == user_id, *_received(uow, user_id)]
    if unread_only:
        conditions.append(Notes.read_at.is_(None))
    with uow() as session:
        count = session.scalar(select(func.count()).select_from(Notes).where(*conditions)) or 0
        rows: list[Notification] = list(
            session.scalars(
                select(Notes).where(*conditions).order_by(Notes.id.desc()).limit(limit).offset(offset)
            )
        )
        senders = _senders(session, {n.sender_user_id for n in rows} - {None}, actor.language)
    titles = _visible_titles(actor, uow, rows)
    return Page([_view(n, titles, senders) for n in rows], count)


def _senders(session: Any, ids: set[int | None], lang: str) -> dict[int, tuple[str, str]]:
    """(display name, organization name in `lang`) of each sending user."""
    if not ids:
        return {}
    rows = session.execute(
        select(Users.id, Users.display_name, Users.username, Orgs.name_zh, Orgs.name_en)
        .outerjoin(Orgs, Orgs.id == Users.organization_id)
        .where(Users.id.in_(ids))
    )
    found = {}
    for ident, display, username, org_zh, org_en in rows:
        org = (org_zh or org_en or "") if lang == "zh" else (org_en or org_zh or "")
        found[ident] = (display or username, org)
    return found


def _visible_titles(actor: Actor, uow: UnitOfWork, rows: list[Notification]) -> dict[tuple[str, int], str]:
    """Titles of the records the notifications point at, for those the reader may see now only."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for note in rows:
        for entity, ident in ((note.subject_entity, note.subject_id), (note.related_entity, note.related_id)):
            if (entity in REGISTRY_ENTITIES or entity == "deal") and ident is not None:
                wanted[entity].add(ident)
    titles: dict[tuple[str, int], str] = {}
    for ident, deal in load_by_id(uow, Deal, sorted(wanted.pop("deal", set()))).items():
        if may_see_deal(actor, deal):
            titles[("deal", ident)] = deal.title or f"#{ident}"
    for entity, ids in wanted.items():
        for ident, item in load_by_id(uow, REGISTRY_ENTITIES[entity], sorted(ids)).items():
            if can_see(actor, item.visibility, item.owner_org_id):
                field = "name" if hasattr(item, "name_zh") else "title"
                titles[(entity, ident)] = item.text(field, actor.language) or f"#{ident}"
    return titles


def _view(
    note: Notification, titles: dict[tuple[str, int], str], senders: dict[int, tuple[str, str]]
) -> NotificationView:
    subject = titles.get((note.subject_entity, note.subject_id or 0))
    related = titles.get((note.related_entity, note.related_id or 0))
    sender = senders.get(note.sender_user_id or 0, ("", ""))
    return NotificationView(
        id=note.id or 0,
        kind=note.kind.value,
        subject_entity=note.subject_entity,
        subject_id=note.subject_id if subject is not None else None,
        subject_title=subject or "",
        related_entity=note.related_entity,
        related_id=note.related_id if related is not None else None,
        related_title=related or "",
        score=note.score if related is not None or not note.related_entity else None,
        text=note.text,
        sender_name=sender[0],
        created_at=note.created_at,
        read_at=note.read_at,
        sender_organization=sender[1],
        action=str((note.data or {}).get("action", "")),
        amount=_amount((note.data or {}).get("amount")),
    )


def _amount(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _received(uow: UnitOfWork, user_id: int) -> list[Any]:
    """Conditions leaving out the kinds the user turned off on their account page."""
    with uow() as session:
        prefs = session.scalar(select(Prefs).where(Prefs.user_id == user_id))
    return [Notes.kind.not_in(prefs.muted_kinds)] if prefs and prefs.muted_kinds else []


def unread_count(actor: Actor, uow: UnitOfWork) -> int:
    """How many notifications the signed-in user has not read (the badge in the header)."""
    user_id = _require_user(actor, "read notifications")
    with uow() as session:
        stmt = (
            select(func.count())
            .select_from(Notes)
            .where(Notes.user_id == user_id, Notes.read_at.is_(None), *_received(uow, user_id))
        )
        return session.scalar(stmt) or 0


def mark_read(actor: Actor, uow: UnitOfWork, notification_id: int | None = None) -> int:
    """Mark one of the user's own notifications read, or all of them when no id is given."""
    user_id = _require_user(actor, "read notifications")
    conditions = [Notes.user_id == user_id, Notes.read_at.is_(None)]
    with uow() as session:
        if notification_id is not None:
            note = session.get(Notification, notification_id) if 1 <= notification_id <= MAX_ID else None
            if note is None or note.user_id != user_id:
                raise NotFound(f"notification {notification_id} not found")
            conditions.append(Notes.id == notification_id)
        result: Any = session.execute(update(Notes).where(*conditions).values(read_at=now()))
        return int(result.rowcount or 0)
