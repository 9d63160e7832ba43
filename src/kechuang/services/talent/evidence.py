"""Evidence of innovation capability, gathered in bulk from the registry and the market.

For every person: achievements they authored (patents granted, standards, achievements in use),
registered contracts on those achievements (a deal's listing names the sold achievement; the amount is
shared among its inventors), projects they led (with amount and programme), partner organizations
(cross-sector, Beijing-Tianjin-Hebei, international), younger co-authors and advisory roles, and their
reviewed representative works. Each dimension gets a raw value and the records behind it.
"""

from __future__ import annotations

import functools
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.domain.codes import region_group as _region_group
from kechuang.domain.entities import (
    Achievement,
    Affiliation,
    Authorship,
    Organization,
    Ownership,
    Person,
    Project,
)
from kechuang.domain.market import Contract, ContractStatus, Deal
from kechuang.domain.talent import (
    Contest,
    ContestStatus,
    RepresentativeWork,
    ReviewStatus,
    WorkReview,
    title_rank,
)

A: Any = Achievement
P: Any = Person
Org: Any = Organization
Pr: Any = Project
Au: Any = Authorship
Ow: Any = Ownership
Af: Any = Affiliation
D: Any = Deal
C: Any = Contract
W: Any = RepresentativeWork
R: Any = WorkReview
Ct: Any = Contest

SECTORS = {
    "university": "academia",
    "institute": "academia",
    "hospital": "academia",
    "enterprise": "industry",
    "investor": "industry",
    "government": "public",
    "park": "public",
    "tech_transfer": "public",
    "foreign_institution": "foreign",
    "think_tank": "foreign",
}
IN_USE_TRL = 7
YOUNGER_BY = 10
PHD_AGE = 27  # career age from birth year when no dated evidence exists: years since a typical PhD
YOUNG_FUND = ("青年科学基金", "young scientists")
SOLD_STAGES = ("registration", "performance", "closed")


@dataclass
class Profile:
    """One person's raw evidence per dimension and the records behind each."""

    person_id: int
    name_zh: str
    name_en: str
    field_code: str
    career_age: int | None
    first_year: int | None
    birth_year: int | None
    region: str
    raw: dict[str, float] = field(default_factory=dict)
    evidence: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    years: list[int] = field(default_factory=list)
    field_votes: Counter[str] = field(default_factory=Counter)

    def add(self, dimension: str, amount: float, item: dict[str, Any]) -> None:
        self.raw[dimension] = self.raw.get(dimension, 0.0) + amount
        self.evidence[dimension].append(item)


@functools.cache
def region_group(code: str) -> str:
    """Beijing, tianjin, hebei, other_cn or abroad (cached: asked once per partner per person)."""
    return _region_group(code)


def _item(entity: str, id_: int | None, zh: str, en: str, **extra: Any) -> dict[str, Any]:
    return {"entity": entity, "id": id_, "zh": zh or en, "en": en or zh, **extra}


def _rows(session: Session, *columns: Any, where: Any = None) -> list[Any]:
    statement = select(*columns)
    if where is not None:
        statement = statement.where(where)
    return list(session.execute(statement))


def gather_profiles(
    session: Session, *, this_year: int, person_ids: set[int] | None = None
) -> dict[int, Profile]:
    """Profiles of every live person with any evidence (or of `person_ids` only)."""
    people = _rows(
        session,
        P.id,
        P.name_zh,
        P.name_en,
        P.birth_year,
        P.region_code,
        P.country_code,
        P.organization_id,
        P.discipline_codes,
        P.title_zh,
        P.title_en,
        where=P.merged_into_id.is_(None),
    )
    if person_ids is not None:
        people = [p for p in people if p.id in person_ids]
    orgs = {
        o.id: o
        for o in _rows(session, Org.id, Org.name_zh, Org.name_en, Org.kind, Org.region_code, Org.country_code)
    }
    live = {p.id: p for p in people}
    achievements = {
        a.id: a
        for a in _rows(
            session,
            A.id,
            A.title_zh,
            A.title_en,
            A.kind,
            A.ip_status,
            A.trl,
            A.year,
            A.discipline_codes,
            A.visibility,
            A.owner_org_id,
            where=A.merged_into_id.is_(None),
        )
    }
    authors: dict[int, list[tuple[int, int]]] = defaultdict(list)  # achievement -> [(person, position)]
    for row in _rows(session, Au.achievement_id, Au.person_id, Au.position):
        if row.achievement_id in achievements:
            authors[row.achievement_id].append((row.person_id, row.position))
    owners: dict[int, list[int]] = defaultdict(list)
    for row in _rows(session, Ow.achievement_id, Ow.organization_id):
        owners[row.achievement_id].append(row.organization_id)
    excluded = {
        (r.person_id, r.evidence_entity, r.evidence_id)
        for r in _rows(
            session, Ct.person_id, Ct.evidence_entity, Ct.evidence_id, where=Ct.status == ContestStatus.UPHELD
        )
    }

    profiles: dict[int, Profile] = {}

    def profile(pid: int) -> Profile | None:
        person = live.get(pid)
        if person is None:
            return None
        if pid not in profiles:
            org = orgs.get(person.organization_id)
            region = person.region_code or (org.region_code if org else "") or (person.country_code or "CN")
            profiles[pid] = Profile(
                pid,
                person.name_zh,
                person.name_en,
                _field(person.discipline_codes),
                None,
                None,
                person.birth_year,
                region,
            )
        return profiles[pid]

    def keep(pid: int, entity: str, id_: int | None) -> bool:
        return (pid, entity, id_) not in excluded

    _authored(session, authors, achievements, owners, orgs, live, profile, keep)
    _projects(session, profile, keep)
    _affiliations(session, orgs, profile, keep)
    _works(session, achievements, profile, keep)
    for pid in list(profiles):
        person = live[pid]
        rank = title_rank(person.title_zh, person.title_en)
        if rank:
            profiles[pid].add("title", float(rank), _item("person", pid, person.title_zh, person.title_en))
    for prof in profiles.values():
        _finish(prof, this_year)
    return profiles


def _field(codes: list[str] | None) -> str:
    """The GB/T 13745 top level (first three digits) of the first discipline code."""
    for code in codes or []:
        if code and code[:3].isdigit():
            return code[:3]
    return ""


def _authored(
    session: Session,
    authors: Any,
    achievements: Any,
    owners: Any,
    orgs: Any,
    live: Any,
    profile: Any,
    keep: Any,
) -> None:
    sold: dict[int, list[Any]] = defaultdict(list)  # achievement -> registered contracts
    askers: dict[int, set[int]] = defaultdict(set)  # achievement -> organizations that opened a deal
    contracts = {
        c.id: c
        for c in _rows(
            session,
            C.id,
            C.title,
            C.contract_amount,
            C.registered_on,
            C.contract_type,
            where=C.status == ContractStatus.REGISTERED,
        )
    }
    for deal in _rows(
        session, D.listing_id, D.buyer_org_id, D.stage, D.contract_id, where=D.listing_entity == "achievement"
    ):
        askers[deal.listing_id].add(deal.buyer_org_id)
        if deal.contract_id in contracts and str(deal.stage) in SOLD_STAGES:
            sold[deal.listing_id].append(contracts[deal.contract_id])
    for aid, team in authors.items():
        ach = achievements[aid]
        kind, ip = str(ach.kind), str(ach.ip_status)
        partner_orgs = {orgs[o] for o in owners.get(aid, []) if o in orgs}
        for pid, _position in team:
            prof = profile(pid)
            if prof is None or not keep(pid, "achievement", aid):
                continue
            if ach.year:
                prof.years.append(ach.year)
            prof.field_votes.update(c[:3] for c in ach.discipline_codes or [] if c[:3].isdigit())
            label = dict(vis=str(ach.visibility), org=ach.owner_org_id, year=ach.year)
            if ip == "granted":
                prof.add(
                    "patents",
                    1.0,
                    _item("achievement", aid, ach.title_zh, ach.title_en, note="granted", **label),
                )
                if sold.get(aid):
                    prof.add(
                        "patents",
                        1.0,
                        _item("achievement", aid, ach.title_zh, ach.title_en, note="licensed", **label),
                    )
            if kind == "standard":
                prof.add("standards", 1.0, _item("achievement", aid, ach.title_zh, ach.title_en, **label))
            if kind == "paper":
                prof.add("paper_count", 1.0, _item("achievement", aid, ach.title_zh, ach.title_en, **label))
            if (ach.trl or 0) >= IN_USE_TRL:
                prof.add(
                    "field_impact",
                    1.0,
                    _item(
                        "achievement", aid, ach.title_zh, ach.title_en, note="in_use", trl=ach.trl, **label
                    ),
                )
            for buyer in sorted(askers.get(aid, ())):
                org = orgs.get(buyer)
                if org is not None and keep(pid, "organization", buyer):
                    prof.add(
                        "field_impact",
                        1.0,
                        _item(
                            "organization",
                            buyer,
                            org.name_zh,
                            org.name_en,
                            note="asked",
                            achievement_id=aid,
                        ),
                    )
            for contract in sold.get(aid, []):
                if not keep(pid, "contract", contract.id):
                    continue
                share = contract.contract_amount / 1e4 / max(1, len(team))
                prof.add(
                    "transfer",
                    1.0 + math.log1p(share),
                    _item(
                        "contract",
                        contract.id,
                        contract.title,
                        contract.title,
                        amount_wan=round(share, 2),
                        inventors=len(team),
                        achievement_id=aid,
                        year=contract.registered_on.year if contract.registered_on else None,
                    ),
                )
                if contract.registered_on:
                    prof.years.append(contract.registered_on.year)
            for other, _ in team:
                if other != pid and other in live and live[other].organization_id in orgs:
                    partner_orgs.add(orgs[live[other].organization_id])
                    _younger(prof, live[pid], live[other], keep)
            _partners(prof, live[pid], orgs, partner_orgs, keep)


def _younger(prof: Profile, person: Any, other: Any, keep: Any) -> None:
    if person.birth_year and other.birth_year and other.birth_year - person.birth_year >= YOUNGER_BY:
        already = {e["id"] for e in prof.evidence.get("mentoring", []) if e["entity"] == "person"}
        if other.id not in already and keep(person.id, "person", other.id):
            prof.add(
                "mentoring",
                1.0,
                _item(
                    "person", other.id, other.name_zh, other.name_en, note="younger", born=other.birth_year
                ),
            )


def _partners(prof: Profile, person: Any, orgs: Any, partner_orgs: set[Any], keep: Any) -> None:
    """Each partner organization counts once per kind of bridge it makes: sector, Jing-Jin-Ji, abroad."""
    own = orgs.get(person.organization_id)
    if own is None:
        return
    seen = {e["id"] for e in prof.evidence.get("collaboration", [])}
    own_group = region_group(own.region_code or own.country_code)
    for org in sorted(partner_orgs, key=lambda o: o.id):
        if org.id == own.id or org.id in seen or not keep(person.id, "organization", org.id):
            continue
        tags = []
        if SECTORS.get(str(org.kind), "other") != SECTORS.get(str(own.kind), "other"):
            tags.append("cross_sector")
        group = region_group(org.region_code or org.country_code)
        if {own_group, group} & {"beijing"} and {own_group, group} & {"tianjin", "hebei"}:
            tags.append("jing_jin_ji")
        if (org.country_code or "CN") != (own.country_code or "CN"):
            tags.append("international")
        if tags:
            seen.add(org.id)
            prof.add(
                "collaboration",
                float(len(tags)),
                _item("organization", org.id, org.name_zh, org.name_en, tags=tags),
            )


def _projects(session: Session, profile: Any, keep: Any) -> None:
    for row in _rows(
        session,
        Pr.id,
        Pr.title_zh,
        Pr.title_en,
        Pr.program,
        Pr.pi_person_id,
        Pr.amount,
        Pr.start_date,
        Pr.visibility,
        Pr.owner_org_id,
        Pr.discipline_codes,
        where=Pr.pi_person_id.is_not(None) & Pr.merged_into_id.is_(None),
    ):
        prof = profile(row.pi_person_id)
        if prof is None or not keep(row.pi_person_id, "project", row.id):
            continue
        amount = float(row.amount or 0.0)
        young = any(word in (row.program or "").lower() for word in YOUNG_FUND)
        year = row.start_date.year if row.start_date else None
        if year:
            prof.years.append(year)
        prof.field_votes.update(c[:3] for c in row.discipline_codes or [] if c[:3].isdigit())
        prof.add(
            "projects",
            1.0 + math.log1p(amount),
            _item(
                "project",
                row.id,
                row.title_zh,
                row.title_en,
                amount_wan=amount,
                program=row.program or "",
                role="PI",
                young_fund=young,
                year=year,
                vis=str(row.visibility),
                org=row.owner_org_id,
            ),
        )


def _affiliations(session: Session, orgs: Any, profile: Any, keep: Any) -> None:
    for row in _rows(session, Af.person_id, Af.organization_id, Af.role, Af.start_year):
        prof = profile(row.person_id)
        if prof is None:
            continue
        if row.start_year:
            prof.years.append(row.start_year)
        org = orgs.get(row.organization_id)
        if str(row.role) == "advisor" and org is not None and keep(row.person_id, "organization", org.id):
            prof.add(
                "mentoring", 1.0, _item("organization", org.id, org.name_zh, org.name_en, note="advisor")
            )


def _works(session: Session, achievements: Any, profile: Any, keep: Any) -> None:
    """Each reviewed representative work adds its mean reviewer score / 10 (so at most 1 per work)."""
    scores: dict[int, list[float]] = defaultdict(list)
    for row in _rows(session, R.work_id, R.score, where=R.status == ReviewStatus.SCORED):
        if row.score is not None:
            scores[row.work_id].append(float(row.score))
    for work in _rows(session, W.id, W.person_id, W.achievement_id):
        ach = achievements.get(work.achievement_id)
        prof = profile(work.person_id)
        if (
            prof is None
            or ach is None
            or not scores.get(work.id)
            or not keep(work.person_id, "work", work.id)
        ):
            continue
        mean = sum(scores[work.id]) / len(scores[work.id])
        prof.add(
            "representative_works",
            mean / 10.0,
            _item(
                "work",
                work.id,
                ach.title_zh,
                ach.title_en,
                achievement_id=ach.id,
                mean_score=round(mean, 2),
                reviews=len(scores[work.id]),
                vis=str(ach.visibility),
                org=ach.owner_org_id,
            ),
        )


def _finish(prof: Profile, this_year: int) -> None:
    """Career age from the first dated evidence (else birth year + a typical PhD age); field fallback."""
    years = [y for y in prof.years if 1900 < y <= this_year]
    if years:
        prof.first_year = min(years)
        prof.career_age = this_year - prof.first_year
    elif prof.birth_year:
        prof.career_age = max(0, this_year - prof.birth_year - PHD_AGE)
    if not prof.field_code and prof.field_votes:
        prof.field_code = prof.field_votes.most_common(1)[0][0]
