"""Young-talent discovery and talent gaps (引才), each item with the reasons behind it in zh and en.

Young talent: the young-talent scheme's ranking, kept only for people with a stated reason (rising
evidence, an early transfer, a Young Scientists Fund grant, a first PI project, cross-sector work).
Talent gaps: fields (GB/T 13745 top level) whose share of open demand (technology demands and open calls,
weighted by budget) exceeds their share of local expertise (people in Beijing with evidence in the field),
with candidates elsewhere.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from dataclasses import dataclass
from statistics import median
from typing import Any

from sqlalchemy import select

from kechuang.domain.access import Actor, can_see
from kechuang.domain.calls import Call, CallStatus
from kechuang.domain.clock import now
from kechuang.domain.codes import code_table, region_group
from kechuang.domain.entities import Demand, Person
from kechuang.domain.enums import ListingStatus, Visibility
from kechuang.domain.errors import NotFound
from kechuang.domain.talent import DIMENSIONS, SchemeCategory
from kechuang.store.db import UnitOfWork

from .access import require_officer
from .evaluate import Evaluated, list_evaluations
from .evidence import Profile, gather_profiles
from .schemes import list_schemes

Demands: Any = Demand
Calls: Any = Call
OPEN_CALLS = (CallStatus.PUBLISHED, CallStatus.CLOSED, CallStatus.REVIEW)
People: Any = Person
RECENT_YEARS = 3
EARLY_TRANSFER_YEARS = 5
CANDIDATES_PER_GAP = 5
PLACES = {
    "tianjin": ("天津（京津冀）", "in Tianjin (Beijing-Tianjin-Hebei)"),
    "hebei": ("河北（京津冀）", "in Hebei (Beijing-Tianjin-Hebei)"),
    "other_cn": ("京外其他省份", "in another province"),
    "abroad": ("海外", "abroad"),
}


def _reason(code: str, zh: str, en: str, **detail: Any) -> dict[str, Any]:
    return {"code": code, "zh": zh, "en": en, "detail": detail}


def young_reasons(prof: Profile, this_year: int) -> list[dict[str, Any]]:
    """Why a young person stands out, from their own evidence only."""
    reasons = []
    recent = sum(1 for y in prof.years if y > this_year - RECENT_YEARS)
    before = sum(1 for y in prof.years if this_year - 2 * RECENT_YEARS < y <= this_year - RECENT_YEARS)
    if recent >= 2 and recent > before:
        reasons.append(
            _reason(
                "trajectory",
                f"近{RECENT_YEARS}年成果与项目{recent}项，此前{RECENT_YEARS}年{before}项",
                f"{recent} dated records in the last {RECENT_YEARS} years against {before} before",
                recent=recent,
                before=before,
            )
        )
    first = prof.first_year
    for item in prof.evidence.get("transfer", []):
        year = item.get("year")
        if first and year and year - first <= EARLY_TRANSFER_YEARS:
            reasons.append(
                _reason(
                    "early_transfer",
                    f"职业起步{year - first}年内即有登记技术合同：{item['zh']}",
                    f"a registered contract {year - first} years into their career: {item['en']}",
                    contract_id=item["id"],
                )
            )
            break
    projects = prof.evidence.get("projects", [])
    for item in projects:
        if item.get("young_fund"):
            reasons.append(
                _reason(
                    "young_fund",
                    f"获国家自然科学基金青年科学基金资助：{item['zh']}",
                    f"Young Scientists Fund grant: {item['en']}",
                    project_id=item["id"],
                )
            )
    dated = [p for p in projects if p.get("year")]
    if dated:
        earliest = min(dated, key=lambda p: p["year"])
        age = earliest["year"] - first if first else None
        reasons.append(
            _reason(
                "first_pi",
                f"{earliest['year']}年首次主持项目（{earliest['amount_wan']:g}万元）",
                f"first project as PI in {earliest['year']} ({earliest['amount_wan']:g} x 10k CNY)",
                project_id=earliest["id"],
                career_age_then=age,
            )
        )
    cross = [o for o in prof.evidence.get("collaboration", []) if "cross_sector" in o.get("tags", [])]
    if cross:
        names_zh = "、".join(o["zh"] for o in cross[:3])
        names_en = ", ".join(o["en"] for o in cross[:3])
        reasons.append(
            _reason(
                "cross_sector",
                f"与{len(cross)}家跨部门机构合作：{names_zh}",
                f"works with {len(cross)} organization(s) in other sectors: {names_en}",
                organizations=[o["id"] for o in cross],
            )
        )
    return reasons


@dataclass
class YoungTalent:
    evaluation: Evaluated
    reasons: list[dict[str, Any]] = dataclasses.field(default_factory=list)


def young_talent(actor: Actor, uow: UnitOfWork, *, limit: int = 20) -> list[YoungTalent]:
    """The young-talent scheme's ranking, with reasons; people with no stated reason are left out."""
    require_officer(actor)
    scheme = next((s for s in list_schemes(uow) if s.category == SchemeCategory.YOUNG_TALENT), None)
    if scheme is None or scheme.id is None:
        raise NotFound("there is no young-talent scheme")
    ranked, _count, _run = list_evaluations(actor, uow, scheme.id, limit=1_000_000)
    year = now().year
    with uow() as session:
        profiles = gather_profiles(session, this_year=year, person_ids={e.person_id for e in ranked})
    found = []
    for item in ranked:
        prof = profiles.get(item.person_id)
        reasons = young_reasons(prof, year) if prof else []
        if reasons:
            found.append(YoungTalent(item, reasons))
        if len(found) >= limit:
            break
    return found


@dataclass
class Gap:
    """A field short of local expertise for its demand, with the numbers and candidates elsewhere."""

    field: str
    name_zh: str
    name_en: str
    demand_wan: float
    demands: int
    demand_share: float
    local_experts: int
    local_share: float
    gap: float
    calls: int = 0
    reasons: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    candidates: list[dict[str, Any]] = dataclasses.field(default_factory=list)


def _fields_of(prof: Profile) -> set[str]:
    return ({prof.field_code} if prof.field_code else set()) | set(prof.field_votes)


def demand_by_field(uow: UnitOfWork) -> tuple[dict[str, float], Counter[str], Counter[str]]:
    """Budgets (10k CNY) of open demands and of open calls (published, closed for applications or in
    review: the need is not yet met), split over their fields; one with no budget counts the median."""
    with uow() as session:
        demands = list(
            session.execute(
                select(Demands.budget_min, Demands.budget_max, Demands.discipline_codes).where(
                    Demands.merged_into_id.is_(None), Demands.status == ListingStatus.OPEN
                )
            )
        )
        calls = list(
            session.execute(select(Calls.budget, Calls.discipline_codes).where(Calls.status.in_(OPEN_CALLS)))
        )
    rows = [(r.budget_max or r.budget_min, r.discipline_codes, "demand") for r in demands]
    rows += [(r.budget, r.discipline_codes, "call") for r in calls]
    budgets = [float(b) for b, _, _ in rows if b]
    typical = median(budgets) if budgets else 1.0
    weight: dict[str, float] = defaultdict(float)
    counts: Counter[str] = Counter()
    call_counts: Counter[str] = Counter()
    for budget, codes, kind in rows:
        fields = sorted({c[:3] for c in codes or [] if c[:3].isdigit()})
        for code in fields:
            weight[code] += float(budget or typical) / len(fields)
            (call_counts if kind == "call" else counts)[code] += 1
    return dict(weight), counts, call_counts


def talent_gaps(actor: Actor, uow: UnitOfWork, *, limit: int = 20) -> list[Gap]:
    """Fields ranked by how far their demand share exceeds their share of Beijing's experts."""
    require_officer(actor)
    demand, counts, call_counts = demand_by_field(uow)
    with uow() as session:
        profiles = gather_profiles(session, this_year=now().year)
        people = {r.id: r for r in session.execute(select(People.id, People.visibility, People.owner_org_id))}
    local: Counter[str] = Counter()
    elsewhere: dict[str, list[Profile]] = defaultdict(list)
    for prof in profiles.values():
        if not any(v > 0 for dim, v in prof.raw.items() if not DIMENSIONS[dim].capped):
            continue
        group = region_group(prof.region)
        for code in _fields_of(prof):
            if group == "beijing":
                local[code] += 1
            else:
                elsewhere[code].append(prof)
    total_demand, total_local = sum(demand.values()) or 1.0, sum(local.values()) or 1
    gaps = []
    for code, wan in demand.items():
        share, local_share = wan / total_demand, local[code] / total_local
        if share <= local_share:
            continue
        entry = code_table("discipline").get(code)
        zh, en = (entry.name_zh, entry.name_en) if entry else (code, code)
        gap = Gap(
            code, zh, en, round(wan, 2), counts[code], share, local[code], local_share, share - local_share
        )
        gap.reasons = [
            _reason(
                "demand",
                f"{counts[code]}项开放需求、{call_counts[code]}项在榜揭榜挂帅项目，预算合计{wan:,.0f}万元，"
                f"占全部需求的{share:.0%}",
                f"{counts[code]} open demand(s) and {call_counts[code]} open call(s) budgeting "
                f"{wan:,.0f} x 10k CNY, {share:.0%} of all demand",
            ),
            _reason(
                "local",
                f"北京有该领域证据的人才{local[code]}人，占本地人才的{local_share:.0%}",
                f"{local[code]} people in Beijing with evidence in the field, "
                f"{local_share:.0%} of local experts",
            ),
        ]
        gap.candidates = _candidates(actor, code, zh, en, elsewhere.get(code, []), people)
        gaps.append(gap)
    gaps.sort(key=lambda g: (-g.gap, g.field))
    return gaps[:limit]


def _candidates(
    actor: Actor, code: str, zh: str, en: str, pool: list[Profile], people: dict[int, Any]
) -> list[dict[str, Any]]:
    """People outside Beijing with the most evidence in the field, each with why they fit."""

    def strength(prof: Profile) -> tuple[int, float]:
        return (prof.field_votes.get(code, 0) + (prof.field_code == code), sum(prof.raw.values()))

    picked = []
    for prof in sorted(pool, key=lambda p: (strength(p), -p.person_id), reverse=True):
        row = people.get(prof.person_id)
        if row is None or not can_see(actor, Visibility(row.visibility), row.owner_org_id):
            continue
        place_zh, place_en = PLACES[region_group(prof.region)]
        records = prof.field_votes.get(code, 0)
        reasons = [_reason("place", f"位于{place_zh}", f"based {place_en}", region=prof.region)]
        if records:
            reasons.append(
                _reason(
                    "field",
                    f"在{zh}领域有{records}项成果或项目",
                    f"{records} achievement(s) or project(s) in {en}",
                    records=records,
                )
            )
        if prof.field_code == code:
            reasons.append(_reason("discipline", f"主学科为{zh}", f"main discipline is {en}"))
        for dim, zh_word, en_word in (
            ("transfer", "项成果转化合同", "registered contract(s)"),
            ("patents", "项授权/许可专利记录", "granted or licensed patent record(s)"),
        ):
            if prof.evidence.get(dim):
                n = len(prof.evidence[dim])
                reasons.append(_reason(dim, f"{n}{zh_word}", f"{n} {en_word}"))
        picked.append(
            {
                "person_id": prof.person_id,
                "name_zh": prof.name_zh,
                "name_en": prof.name_en,
                "region": prof.region,
                "reasons": reasons,
            }
        )
        if len(picked) >= CANDIDATES_PER_GAP:
            break
    return picked
