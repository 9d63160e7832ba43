"""Conflicts of interest found in the registry: ties between one reviewer and the applicants of a call.

Shared by the review of calls, the calls' own checks and talent evaluation. Each tie is looked up in the
records that prove it (affiliations, authorships, ownerships, projects, deals, registered contracts), and
each conflict carries those records as evidence. A tie counts while it is current or ended at most
`years` ago (the issue's N, default 3); an achievement without a year counts (the cautious side).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from kechuang.domain.conflicts import DEFAULT_YEARS, ConflictKind, ConflictOfInterest
from kechuang.domain.entities import (
    Achievement,
    Affiliation,
    Authorship,
    Organization,
    Ownership,
    Person,
    Project,
)
from kechuang.domain.market import Contract, ContractStatus, Deal, DealStage

People: Any = Person
Orgs: Any = Organization
Affiliations: Any = Affiliation
Authorships: Any = Authorship
Ownerships: Any = Ownership
Achievements: Any = Achievement
Projects: Any = Project
Deals: Any = Deal
Contracts: Any = Contract
ENDED_DEALS = (DealStage.WITHDRAWN, DealStage.REJECTED)


@dataclass(frozen=True)
class _Window:
    """The period in which a tie still counts: from `years` before `today` until now."""

    today: date
    years: int

    @property
    def first_year(self) -> int:
        return self.today.year - self.years

    @property
    def first_day(self) -> date:
        try:
            return self.today.replace(year=self.first_year)
        except ValueError:  # 29 February
            return self.today.replace(year=self.first_year, day=28)


def find_conflicts(
    session: Session,
    reviewer_person_id: int,
    *,
    organization_ids: Iterable[int],
    person_ids: Iterable[int],
    years: int = DEFAULT_YEARS,
    today: date,
) -> list[ConflictOfInterest]:
    """Every tie between the reviewer and the applicant organizations and team members, with evidence."""
    if years < 0:
        raise ValueError("years must not be negative")
    window = _Window(today, years)
    reviewer = session.get(People, reviewer_person_id)
    if reviewer is None:
        return []
    applicant_orgs = _with_duplicates(session, set(organization_ids))
    team = set(person_ids)
    current = reviewer_orgs(session, reviewer, window)
    names = _org_names(session, applicant_orgs | current)
    found: list[ConflictOfInterest] = []
    if reviewer_person_id in team:
        found.append(
            ConflictOfInterest(
                ConflictKind.TEAM_MEMBER.value,
                f"{_person(reviewer)} is a member of an applying team",
                ({"record": "person", "id": reviewer_person_id},),
            )
        )
    affiliated = _affiliations(session, reviewer, applicant_orgs, names, window)
    found += affiliated
    found += _coauthorships(session, reviewer, team - {reviewer_person_id}, window)
    mine = current - applicant_orgs
    # an inventor of an achievement of the organization they already work for adds nothing new
    known = {e["organization_id"] for c in affiliated for e in c.evidence if "organization_id" in e}
    found += _co_ownerships(session, reviewer, mine, applicant_orgs, known, names, window)
    found += _shared_projects(session, reviewer, mine, applicant_orgs, team, names, window)
    found += _deals(session, mine, applicant_orgs, names, window)
    found += _contracts(session, mine, applicant_orgs, names, window)
    return found


def reviewer_orgs(session: Session, reviewer: Person, window: _Window | None = None) -> set[int]:
    """The organizations a person belongs to now (primary organization and affiliations not yet ended)."""
    orgs = {reviewer.organization_id} if reviewer.organization_id else set()
    this_year = window.today.year if window else None
    for affiliation in session.scalars(select(Affiliations).where(Affiliations.person_id == reviewer.id)):
        if affiliation.end_year is None or (this_year is not None and affiliation.end_year >= this_year):
            orgs.add(affiliation.organization_id)
    return orgs


def _with_duplicates(session: Session, org_ids: set[int]) -> set[int]:
    """Applicant organizations plus the duplicate records already merged into them."""
    if not org_ids:
        return set()
    merged = session.scalars(select(Orgs.id).where(Orgs.merged_into_id.in_(sorted(org_ids))))
    return org_ids | set(merged)


def _org_names(session: Session, org_ids: set[int]) -> dict[int, tuple[str, set[str]]]:
    """Each organization's display name and every name it goes by (registered contracts name parties)."""
    out: dict[int, tuple[str, set[str]]] = {}
    if not org_ids:
        return out
    for org in session.scalars(select(Orgs).where(Orgs.id.in_(sorted(org_ids)))):
        spellings = {org.name_zh, org.name_en, *(org.aliases or [])} - {""}
        out[org.id] = (org.name_zh or org.name_en or f"organization {org.id}", spellings)
    return out


def _person(person: Person) -> str:
    return person.name_zh or person.name_en or f"person {person.id}"


def _org(names: dict[int, tuple[str, set[str]]], org_id: int) -> str:
    return names.get(org_id, (f"organization {org_id}", set()))[0]


def _affiliations(
    session: Session,
    reviewer: Person,
    applicant_orgs: set[int],
    names: dict[int, tuple[str, set[str]]],
    window: _Window,
) -> list[ConflictOfInterest]:
    if not applicant_orgs:
        return []
    found = []
    rows = session.scalars(
        select(Affiliations)
        .where(
            Affiliations.person_id == reviewer.id, Affiliations.organization_id.in_(sorted(applicant_orgs))
        )
        .order_by(Affiliations.id)
    )
    listed: set[int] = set()
    for row in rows:
        if row.end_year is not None and row.end_year < window.first_year:
            continue
        listed.add(row.organization_id)
        period = f"since {row.start_year}" if row.end_year is None else f"until {row.end_year}"
        evidence = {
            "record": "affiliation",
            "id": row.id,
            "organization_id": row.organization_id,
            "role": str(row.role.value if hasattr(row.role, "value") else row.role),
            "start_year": row.start_year,
            "end_year": row.end_year,
        }
        found.append(
            ConflictOfInterest(
                ConflictKind.AFFILIATION.value,
                f"{_person(reviewer)} is affiliated with applicant {_org(names, row.organization_id)} "
                f"({evidence['role']}, {period})",
                (evidence,),
            )
        )
    primary = reviewer.organization_id
    if primary in applicant_orgs and primary not in listed:
        found.append(
            ConflictOfInterest(
                ConflictKind.AFFILIATION.value,
                f"{_person(reviewer)} works at applicant {_org(names, primary)}",
                ({"record": "person", "id": reviewer.id, "organization_id": primary},),
            )
        )
    return found


def _recent(achievement: Achievement, window: _Window) -> bool:
    return achievement.year is None or achievement.year >= window.first_year


def _achievement_evidence(achievement: Achievement, **extra: Any) -> dict[str, Any]:
    return {
        "record": "achievement",
        "id": achievement.id,
        "title": achievement.title_zh or achievement.title_en,
        "year": achievement.year,
        **extra,
    }


def _coauthorships(
    session: Session, reviewer: Person, team: set[int], window: _Window
) -> list[ConflictOfInterest]:
    if not team:
        return []
    own = select(Authorships.achievement_id).where(Authorships.person_id == reviewer.id)
    rows = session.execute(
        select(Authorships.person_id, Achievements)
        .join(Achievements, Achievements.id == Authorships.achievement_id)
        .where(Authorships.achievement_id.in_(own), Authorships.person_id.in_(sorted(team)))
        .order_by(Authorships.person_id, Achievements.id)
    ).all()
    by_member: dict[int, list[Achievement]] = {}
    for member_id, achievement in rows:
        if _recent(achievement, window):
            by_member.setdefault(member_id, []).append(achievement)
    found = []
    for member_id, works in by_member.items():
        member = session.get(People, member_id)
        titles = ", ".join(f"《{w.title_zh or w.title_en}》({w.year or 'year unknown'})" for w in works[:3])
        found.append(
            ConflictOfInterest(
                ConflictKind.COAUTHORSHIP.value,
                f"{_person(reviewer)} co-authored {len(works)} work(s) with team member "
                f"{_person(member) if member else member_id} within {window.years} years: {titles}",
                tuple(_achievement_evidence(w, coauthor_person_id=member_id) for w in works),
            )
        )
    return found


def _co_ownerships(
    session: Session,
    reviewer: Person,
    mine: set[int],
    applicant_orgs: set[int],
    affiliated: set[int],
    names: dict[int, tuple[str, set[str]]],
    window: _Window,
) -> list[ConflictOfInterest]:
    """The reviewer invented an achievement an applicant owns, or the reviewer's organization co-owns one.

    Inventing for an applicant the reviewer already works for is left out: the affiliation says it."""
    if not applicant_orgs:
        return []
    theirs = select(Ownerships.achievement_id).where(Ownerships.organization_id.in_(sorted(applicant_orgs)))
    authored = select(Authorships.achievement_id).where(Authorships.person_id == reviewer.id)
    co_owned = select(Ownerships.achievement_id).where(Ownerships.organization_id.in_(sorted(mine) or [-1]))
    achievements = session.scalars(
        select(Achievements)
        .where(Achievements.id.in_(theirs), or_(Achievements.id.in_(authored), Achievements.id.in_(co_owned)))
        .order_by(Achievements.id)
    )
    found = []
    for achievement in achievements:
        if not _recent(achievement, window):
            continue
        owners = {
            row.organization_id: row.share
            for row in session.scalars(select(Ownerships).where(Ownerships.achievement_id == achievement.id))
        }
        owner = sorted(set(owners) & applicant_orgs)[0]
        partner = sorted(set(owners) & mine)
        if not partner and not set(owners) & applicant_orgs - affiliated:
            continue
        title = achievement.title_zh or achievement.title_en
        if partner:
            reason = (
                f"{_org(names, partner[0])} (the reviewer's organization) and applicant {_org(names, owner)} "
                f"co-own 《{title}》"
            )
        else:
            reason = (
                f"{_person(reviewer)} is an inventor of 《{title}》, owned by applicant {_org(names, owner)}"
            )
        evidence = _achievement_evidence(
            achievement, owners=[{"organization_id": k, "share": v} for k, v in sorted(owners.items())]
        )
        found.append(ConflictOfInterest(ConflictKind.CO_OWNERSHIP.value, reason, (evidence,)))
    return found


def _shared_projects(
    session: Session,
    reviewer: Person,
    mine: set[int],
    applicant_orgs: set[int],
    team: set[int],
    names: dict[int, tuple[str, set[str]]],
    window: _Window,
) -> list[ConflictOfInterest]:
    """A funded project joining the two sides: led by one side and hosted by (or led from) the other."""
    team = team - {reviewer.id}
    led_by_reviewer = (Projects.pi_person_id == reviewer.id) & Projects.host_org_id.in_(
        sorted(applicant_orgs) or [-1]
    )
    led_by_team = Projects.pi_person_id.in_(sorted(team) or [-1]) & Projects.host_org_id.in_(
        sorted(mine) or [-1]
    )
    projects = session.scalars(
        select(Projects).where(or_(led_by_reviewer, led_by_team)).order_by(Projects.id)
    )
    found = []
    for project in projects:
        if project.end_date is not None and project.end_date < window.first_day:
            continue
        if project.pi_person_id == reviewer.id:
            reason = (
                f"{_person(reviewer)} leads project 《{project.title_zh or project.title_en}》 hosted by "
                f"applicant {_org(names, project.host_org_id)}"
            )
        else:
            pi = session.get(People, project.pi_person_id)
            reason = (
                f"team member {_person(pi) if pi else project.pi_person_id} leads project "
                f"《{project.title_zh or project.title_en}》 hosted by the reviewer's organization "
                f"{_org(names, project.host_org_id)}"
            )
        evidence = {
            "record": "project",
            "id": project.id,
            "title": project.title_zh or project.title_en,
            "host_org_id": project.host_org_id,
            "pi_person_id": project.pi_person_id,
            "start_date": project.start_date.isoformat() if project.start_date else None,
            "end_date": project.end_date.isoformat() if project.end_date else None,
        }
        found.append(ConflictOfInterest(ConflictKind.SHARED_PROJECT.value, reason, (evidence,)))
    return found


def _deals(
    session: Session,
    mine: set[int],
    applicant_orgs: set[int],
    names: dict[int, tuple[str, set[str]]],
    window: _Window,
) -> list[ConflictOfInterest]:
    if not mine or not applicant_orgs:
        return []
    a, b = sorted(mine), sorted(applicant_orgs)
    deals = session.scalars(
        select(Deals)
        .where(
            or_(
                Deals.seller_org_id.in_(a) & Deals.buyer_org_id.in_(b),
                Deals.seller_org_id.in_(b) & Deals.buyer_org_id.in_(a),
            ),
            Deals.stage.not_in(ENDED_DEALS),
        )
        .order_by(Deals.id)
    )
    found: list[tuple[tuple[str, str], str, dict[str, Any]]] = []
    for deal in deals:
        if deal.created_at is not None and deal.created_at.date() < window.first_day:
            continue
        parties = (_org(names, deal.seller_org_id), _org(names, deal.buyer_org_id))
        label = f"deal {deal.id} 《{deal.title}》 ({parties[0]} sells, stage {deal.stage.value})"
        evidence = {
            "record": "deal",
            "id": deal.id,
            "seller_org_id": deal.seller_org_id,
            "buyer_org_id": deal.buyer_org_id,
            "stage": deal.stage.value,
        }
        found.append((parties, label, evidence))
    return _grouped(ConflictKind.DEAL, "deal", found)


SHOWN_RECORDS = 2


def _grouped(
    kind: ConflictKind, noun: str, items: list[tuple[tuple[str, str], str, dict[str, Any]]]
) -> list[ConflictOfInterest]:
    """One conflict per pair of organizations, however many deals or contracts join them (all as evidence)."""
    by_pair: dict[tuple[str, str], list[tuple[str, dict[str, Any]]]] = {}
    for parties, label, evidence in items:
        by_pair.setdefault(tuple(sorted(parties)), []).append((label, evidence))  # type: ignore[arg-type]
    found = []
    for (first, second), records in by_pair.items():
        shown = "; ".join(label for label, _ in records[:SHOWN_RECORDS])
        more = f"; and {len(records) - SHOWN_RECORDS} more" if len(records) > SHOWN_RECORDS else ""
        reason = f"{len(records)} {noun}(s) between {first} and {second}: {shown}{more}"
        found.append(ConflictOfInterest(kind.value, reason, tuple(e for _, e in records)))
    return found


def _contracts(
    session: Session,
    mine: set[int],
    applicant_orgs: set[int],
    names: dict[int, tuple[str, set[str]]],
    window: _Window,
) -> list[ConflictOfInterest]:
    """Registered contracts with one party on each side, told by organization id or by registered name."""
    if not mine or not applicant_orgs:
        return []

    def side(org_ids: set[int]) -> tuple[set[int], set[str]]:
        return org_ids, {name for org in org_ids for name in names.get(org, ("", set()))[1]}

    ours, theirs = side(mine), side(applicant_orgs)

    def party(org_id: int | None, name: str, of: tuple[set[int], set[str]]) -> int | None:
        if org_id is not None:
            return org_id if org_id in of[0] else None
        return next((org for org in sorted(of[0]) if name in names.get(org, ("", set()))[1]), None)

    touching = or_(
        Contracts.seller_org_id.in_(sorted(theirs[0])),
        Contracts.buyer_org_id.in_(sorted(theirs[0])),
        Contracts.seller_name.in_(sorted(theirs[1]) or [""]),
        Contracts.buyer_name.in_(sorted(theirs[1]) or [""]),
    )
    contracts = session.scalars(
        select(Contracts)
        .where(Contracts.status == ContractStatus.REGISTERED, touching)
        .order_by(Contracts.id)
    )
    found: list[tuple[tuple[str, str], str, dict[str, Any]]] = []
    for contract in contracts:
        when = contract.signed_on or contract.registered_on
        if when is not None and when < window.first_day:
            continue
        pairs = (
            (
                party(contract.seller_org_id, contract.seller_name, ours),
                party(contract.buyer_org_id, contract.buyer_name, theirs),
            ),
            (
                party(contract.buyer_org_id, contract.buyer_name, ours),
                party(contract.seller_org_id, contract.seller_name, theirs),
            ),
        )
        if not any(reviewer_side and applicant_side for reviewer_side, applicant_side in pairs):
            continue
        parties = (
            contract.seller_name or _org(names, contract.seller_org_id or 0),
            contract.buyer_name or _org(names, contract.buyer_org_id or 0),
        )
        label = (
            f"contract {contract.registration_number or contract.external_id} 《{contract.title}》"
            f"{f' signed {when.isoformat()}' if when else ''}"
        )
        evidence = {
            "record": "contract",
            "id": contract.id,
            "registration_number": contract.registration_number,
            "seller": contract.seller_name,
            "buyer": contract.buyer_name,
            "signed_on": when.isoformat() if when else None,
        }
        found.append((parties, label, evidence))
    return _grouped(ConflictKind.CONTRACT, "registered contract", found)
