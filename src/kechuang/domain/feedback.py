"""Match feedback (useful / not relevant), the officer's funnel stages, and when a listing goes stale."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime

from .enums import LabelledEnum, add_labels


class Verdict(LabelledEnum):
    """What a listing's owner says of one of its matches."""

    USEFUL = "useful"
    NOT_RELEVANT = "not_relevant"


add_labels([(Verdict.USEFUL, ("有用", "Useful")), (Verdict.NOT_RELEVANT, ("不相关", "Not relevant"))])

# The matched record's kind for each listing kind: a demand's achievements, an achievement's adopter demands.
MATCHED_ENTITY = {"demand": "achievement", "achievement": "demand"}
FUNNEL_STAGES = ("rated", "useful", "inquiry", "deal", "registered")
PERIODS = ("month", "quarter", "year")


@dataclass(kw_only=True, eq=False)
class MatchFeedback:
    """The current verdict of an organization on one match of its listing (one row per triple, changeable)."""

    id: int | None = None
    listing_entity: str = "demand"
    listing_id: int = 0
    matched_entity: str = "achievement"
    matched_id: int = 0
    organization_id: int = 0  # the listing's owner, on whose behalf the verdict is given
    supplier_org_id: int | None = None  # the matched record's owner, who hears of a useful verdict
    verdict: Verdict = Verdict.USEFUL
    score: float | None = None  # the match score the owner saw, when the client sent it
    user_id: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(kw_only=True, eq=False)
class ListingReminder:
    """A reminder sent for one listing before one expiry date: the key that keeps `remind` idempotent."""

    id: int | None = None
    entity: str = "achievement"
    record_id: int = 0
    expires_on: date | None = None
    recipients: int = 0
    sent_at: datetime | None = None


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


@dataclass(frozen=True)
class Freshness:
    """How long a listing stays current without its owner's confirmation; how early owners are reminded."""

    stale_months: int = 12
    remind_days: int = 30

    def cutoff(self, today: date) -> datetime:
        """Confirmations (or, for achievements, creations) before this moment are too old to count."""
        return datetime.combine(add_months(today, -self.stale_months), datetime.min.time())

    def expires_on(
        self,
        entity: str,
        *,
        deadline: date | None = None,
        confirmed_at: datetime | None = None,
        created_at: datetime | None = None,
    ) -> date | None:
        """The last day a listing is current; None when it never expires.

        An achievement: `stale_months` after its last confirmation (or its creation). A demand: its deadline,
        extended to `stale_months` after a confirmation; a demand without a deadline does not expire.
        """
        if entity == "achievement":
            base = confirmed_at or created_at
            return add_months(base.date(), self.stale_months) if base is not None else None
        if deadline is None:
            return None
        if confirmed_at is not None:
            return max(deadline, add_months(confirmed_at.date(), self.stale_months))
        return deadline


def period_of(day: datetime | date, period: str) -> str:
    """The label of the month (2026-03), quarter (2026-Q1) or year (2026) a moment falls in."""
    if period == "year":
        return f"{day.year}"
    if period == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}-{day.month:02d}"
