"""Matching use cases: a demand's best achievements, experts, organizations and investors, and an
achievement's likely adopters. Every result carries its reasons; hidden records never take part.
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import select
from typing_extensions import TypeIs

from kechuang.domain.access import Actor, can_see
from kechuang.domain.entities import (
    Achievement,
    Authorship,
    Demand,
    InvestorProfile,
    Organization,
    Ownership,
    Person,
    Project,
    Record,
)
from kechuang.domain.errors import InvalidInput
from kechuang.engine.concepts import keyword_pairs, shared_terms
from kechuang.engine.features import TEXT_WEIGHT, WEIGHTS, Need, Offer, Reason, compatibility, text_reason
from kechuang.engine.hybrid import Hit
from kechuang.store.db import UnitOfWork, load_by_id

from .match_index import IndexStatus, MatchIndexes, dense_text, record_document
from .registry import get_record
from .search import access_filter

KINDS = ("achievement", "expert", "organization", "investor")
# Column handles of the imperatively mapped dataclasses (mypy sees their field types, SQL sees columns).
ACHIEVEMENTS: Any = Achievement
AUTHORSHIPS: Any = Authorship
OWNERSHIPS: Any = Ownership
PROJECTS: Any = Project
DEPTH = 100
R = TypeVar("R", bound=Record)
PROJECT_WEIGHT = 0.8  # a funded project shows expertise, a delivered achievement shows more


@dataclass
class Match:
    """One ranked result with its score and the reasons that make it up."""

    kind: str
    id: int
    title_zh: str
    title_en: str
    score: float
    reasons: list[Reason] = field(default_factory=list)
    evidence: list[int] = field(default_factory=list)  # achievement ids behind an expert/organization


def _live_and_visible(item: R | None, actor: Actor) -> TypeIs[R]:
    """A loaded record that was not merged away and that the actor may see (defence in depth)."""
    if item is None or item.merged_into_id is not None:
        return False
    return can_see(actor, item.visibility, item.owner_org_id)


def _need(demand: Demand) -> Need:
    return Need(
        discipline_codes=demand.discipline_codes,
        industry_codes=demand.industry_codes,
        required_trl=demand.required_trl,
        preferred_regions=demand.preferred_regions,
        budget_max=demand.budget_max,
        modes=demand.cooperation_modes,
    )


def _query_text(item: Any) -> str:
    return dense_text(record_document(item))


def _keywords(item: Any) -> list[str]:
    return [*getattr(item, "keywords_zh", []), *getattr(item, "keywords_en", [])]


@functools.cache
def _display_analyzer() -> Any:
    from kechuang.text.tokenize import Analyzer

    return Analyzer(stem=False, search_mode=False)


@functools.lru_cache(maxsize=4096)
def _display_tokens(text: str) -> frozenset[str]:
    """The distinct whole words of a text; cached, since the same listings are explained again and again
    (segmenting them was a quarter of a match request's CPU at 50 clients)."""
    return frozenset(_display_analyzer().tokens(text))


class Explainer:
    """Builds the text reason: shared terms (by the index's analyser) and cross-language keyword pairs."""

    def __init__(self, indexes: MatchIndexes, index: Any) -> None:
        self.index, self.indexes = index, indexes

    def _vectors(self, words: Sequence[str]) -> Any:
        import numpy as np

        cache = self.indexes.keyword_vectors
        missing = [w for w in dict.fromkeys(words) if w not in cache]
        if missing:
            for word, vector in zip(
                missing, self.indexes.embedder.encode(missing, kind="query"), strict=True
            ):
                cache[word] = vector
        return np.stack([cache[w] for w in words])

    def concepts(self, query: Any, candidate: Any) -> list[tuple[str, str]]:
        query_doc, candidate_doc = record_document(query), record_document(candidate)
        lexical = self.index.lexical

        def frequency(term: str) -> int:
            return lexical.document_frequency((lexical.tokenize(term) or [term])[0])

        # whole, unstemmed words for display; their rarity is looked up under the index's own tokens
        terms = shared_terms(
            _display_tokens(f"{query_doc.title} {query_doc.keywords} {query_doc.text}"),
            _display_tokens(f"{candidate_doc.title} {candidate_doc.keywords} {candidate_doc.text}"),
            frequency,
        )
        pairs: list[tuple[str, str]] = []
        if self.indexes.embedder is not None:
            pairs = keyword_pairs(_keywords(query), _keywords(candidate), self._vectors)
        seen = {a for a, b in pairs} | {b for a, b in pairs}
        return pairs + [(t, t) for t in terms if t not in seen]

    def annotate(self, matches: list[Match], query: Any, items: dict[int, Any]) -> list[Match]:
        """Fill the shared concepts into the text reason of the final page only (they cost embeddings)."""
        for match in matches:
            item = items.get(match.id)
            for position, reason in enumerate(match.reasons):
                if reason.code == "text" and item is not None:
                    score = float(reason.detail["score"])
                    match.reasons[position] = text_reason(score, self.concepts(query, item))
        return matches


def _achievement_offer(item: Achievement, track: dict[int, int]) -> Offer:
    return Offer(
        discipline_codes=item.discipline_codes,
        industry_codes=item.industry_codes,
        trl=item.trl,
        region_code=item.region_code,
        price_min=item.asking_price_min,
        modes=item.transfer_modes,
        track_record=track.get(item.owner_org_id or -1, 0),
    )


def _score(hit: Hit, reasons: list[Reason]) -> float:
    return round(sum(r.contribution for r in reasons), 4)


@dataclass(frozen=True)
class AchievementFilter:
    """Restrictions on candidate achievements, applied inside the engine query (pages stay full)."""

    kinds: tuple[str, ...] = ()
    min_trl: int | None = None
    region: str = ""  # a region code prefix: '11' Beijing, '110108' Haidian
    discipline: str = ""  # a GB/T 13745 code prefix
    year_from: int | None = None

    def __bool__(self) -> bool:
        return bool(self.kinds or self.min_trl or self.region or self.discipline or self.year_from)

    def candidate_ids(self, uow: UnitOfWork) -> Any:
        """Ids of the achievements that pass, for the engine's `only` restriction."""
        import numpy as np
        from sqlalchemy import String, cast

        conditions = [ACHIEVEMENTS.merged_into_id.is_(None)]
        if self.kinds:
            conditions.append(ACHIEVEMENTS.kind.in_(self.kinds))
        if self.min_trl is not None:
            conditions.append(ACHIEVEMENTS.trl >= self.min_trl)
        if self.region:
            conditions.append(ACHIEVEMENTS.region_code.like(f"{self.region.rstrip('0') or self.region}%"))
        if self.discipline:
            conditions.append(cast(ACHIEVEMENTS.discipline_codes, String).like(f'%"{self.discipline}%'))
        if self.year_from is not None:
            conditions.append(ACHIEVEMENTS.year >= self.year_from)
        with uow() as session:
            ids = list(session.scalars(select(ACHIEVEMENTS.id).where(*conditions)))
        return np.asarray(sorted(ids), dtype=np.int64)


def match_demand(
    actor: Actor,
    demand_id: int,
    uow: UnitOfWork,
    indexes: MatchIndexes,
    *,
    kind: str = "achievement",
    limit: int = 10,
    where: AchievementFilter | None = None,
) -> list[Match]:
    """Ranked, explained candidates of `kind` for a demand the actor may see."""
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of: {', '.join(KINDS)}", field="kind")
    if not 1 <= limit <= 100:
        raise InvalidInput("limit must be between 1 and 100", field="limit")
    demand = get_record(actor, "demand", demand_id, uow)
    if kind == "investor":
        return _match_investors(actor, demand, uow, indexes, limit)
    index = indexes.get("achievement", uow)
    only = where.candidate_ids(uow) if where else None
    if only is not None and not len(only):
        return []
    hits = index.searcher.search(
        _query_text(demand),
        DEPTH if kind != "achievement" else max(limit * 3, 30),
        access_filter(actor),
        only,
    )
    achievements = load_by_id(uow, Achievement, [h.id for h in hits])
    track = _track_records(uow, {a.owner_org_id for a in achievements.values() if a.owner_org_id})
    explainer = Explainer(indexes, index)
    need = _need(demand)
    ranked: list[Match] = []
    for hit in hits:
        item = achievements.get(hit.id)
        if not _live_and_visible(item, actor):
            continue  # defence in depth: the engine query already excluded hidden records
        reasons = [text_reason(hit.score, [])]
        reasons += compatibility(need, _achievement_offer(item, track), hit.score)
        ranked.append(
            Match("achievement", item.id, item.title_zh, item.title_en, _score(hit, reasons), reasons)
        )
    ranked.sort(key=lambda m: -m.score)
    if kind == "achievement":
        return explainer.annotate(ranked[:limit], demand, achievements)
    return _aggregate(actor, kind, ranked, uow, limit, _project_matches(actor, demand, uow, indexes))


def _project_matches(actor: Actor, demand: Demand, uow: UnitOfWork, indexes: MatchIndexes) -> list[Match]:
    """Funded projects on the demand's topic: evidence of expertise beside achievements (weighted lower)."""
    hits = indexes.get("project", uow).searcher.search(_query_text(demand), DEPTH, access_filter(actor))
    projects = load_by_id(uow, Project, [h.id for h in hits])
    found = []
    for hit in hits:
        item = projects.get(hit.id)
        if not _live_and_visible(item, actor):
            continue
        found.append(Match("project", item.id, item.title_zh, item.title_en, PROJECT_WEIGHT * hit.score, []))
    return found


def _project_holders(uow: UnitOfWork, kind: str, projects: list[Match]) -> dict[int, list[Match]]:
    """Principal investigators (experts) or host organizations of the matched projects."""
    by_id = {m.id: m for m in projects}
    column = PROJECTS.pi_person_id if kind == "expert" else PROJECTS.host_org_id
    held: dict[int, list[Match]] = defaultdict(list)
    if not by_id:
        return held
    with uow() as session:
        for holder, project_id in session.execute(
            select(column, PROJECTS.id).where(PROJECTS.id.in_(list(by_id)))
        ):
            if holder is not None:
                held[holder].append(by_id[project_id])
    return held


def _aggregate(
    actor: Actor, kind: str, ranked: list[Match], uow: UnitOfWork, limit: int, projects: list[Match]
) -> list[Match]:
    """Experts (authors, PIs) or organizations (owners, hosts) behind matched achievements and projects."""
    by_achievement = {m.id: m for m in ranked}
    holders: dict[int, list[Match]] = defaultdict(list)
    funded = _project_holders(uow, kind, projects)
    for holder_id in funded:
        holders.setdefault(holder_id, [])
    with uow() as session:
        if kind == "expert":
            rows = session.execute(
                select(AUTHORSHIPS.person_id, AUTHORSHIPS.achievement_id).where(
                    AUTHORSHIPS.achievement_id.in_(list(by_achievement))
                )
            )
        else:
            rows = session.execute(
                select(OWNERSHIPS.organization_id, OWNERSHIPS.achievement_id).where(
                    OWNERSHIPS.achievement_id.in_(list(by_achievement))
                )
            )
            owners = session.execute(
                select(ACHIEVEMENTS.owner_org_id, ACHIEVEMENTS.id).where(
                    ACHIEVEMENTS.id.in_(list(by_achievement))
                )
            )
            rows = [*rows, *owners]  # type: ignore[assignment]
        for holder, achievement_id in rows:
            if holder is not None and by_achievement[achievement_id] not in holders[holder]:
                holders[holder].append(by_achievement[achievement_id])
        model: Any = Person if kind == "expert" else Organization
        people = {p.id: p for p in session.scalars(select(model).where(model.id.in_(list(holders))))}
    results = []
    for holder_id, matches in holders.items():
        holder = people.get(holder_id)
        if not _live_and_visible(holder, actor):
            continue
        grants = funded.get(holder_id, [])
        best_work = max((m.score for m in matches), default=0.0)
        best_grant = max((m.score for m in grants), default=0.0)
        best = max(best_work, best_grant)
        count = len(matches) + len(grants)
        breadth = 0.05 * math.log1p(count - 1)
        reasons = []
        if matches:  # the stronger kind of evidence carries the score; the other is shown for context
            reasons.append(
                _evidence_reason("evidence", matches, best_work if best_work >= best_grant else 0.0)
            )
        if grants:
            reasons.append(
                _evidence_reason("projects", grants, best_grant if best_grant > best_work else 0.0)
            )
        if breadth:
            reasons.append(
                Reason(
                    "breadth",
                    round(breadth, 4),
                    f"共 {count} 项相关成果/项目",
                    f"{count} related achievements and projects",
                    {"count": count},
                )
            )
        results.append(
            Match(
                kind,
                holder_id,
                holder.name_zh,
                holder.name_en,
                round(best + breadth, 4),
                reasons,
                [m.id for m in matches],
            )
        )
    results.sort(key=lambda m: -m.score)
    return results[:limit]


def _evidence_reason(code: str, items: list[Match], contribution: float) -> Reason:
    """Up to three achievements or projects behind a holder, titled in each language."""
    top = sorted(items, key=lambda m: -m.score)[:3]
    titles_zh = "；".join(m.title_zh or m.title_en for m in top)
    titles_en = "; ".join(
        m.title_en or m.title_zh for m in top
    )  # each language's title, the other as fallback
    zh, en = (
        ("相关成果", "Related achievements")
        if code == "evidence"
        else ("相关科研项目", "Related funded projects")
    )
    key = "achievements" if code == "evidence" else "projects"
    return Reason(
        code, round(contribution, 4), f"{zh}：{titles_zh}", f"{en}: {titles_en}", {key: [m.id for m in items]}
    )


def _match_investors(
    actor: Actor, demand: Demand, uow: UnitOfWork, indexes: MatchIndexes, limit: int
) -> list[Match]:
    index = indexes.get("investor", uow)
    hits = index.searcher.search(_query_text(demand), limit * 3, access_filter(actor))
    profiles = load_by_id(uow, InvestorProfile, [h.id for h in hits])
    explainer = Explainer(indexes, index)
    results = []
    for hit in hits:
        profile = profiles.get(hit.id)
        if profile is None or not can_see(actor, profile.visibility, profile.owner_org_id):
            continue
        reasons = [text_reason(hit.score, [])]
        shared = sorted(set(demand.industry_codes) & set(profile.industry_codes))
        if shared:
            reasons.append(
                Reason(
                    "field",
                    WEIGHTS["field"],
                    f"投资行业相符：{'、'.join(shared)}",
                    f"Invests in the industry: {', '.join(shared)}",
                    {"industries": shared},
                )
            )
        results.append(
            Match("investor", profile.id, profile.title_zh, profile.title_en, _score(hit, reasons), reasons)
        )
    results.sort(key=lambda m: -m.score)
    return explainer.annotate(results[:limit], demand, profiles)


def match_achievement(
    actor: Actor, achievement_id: int, uow: UnitOfWork, indexes: MatchIndexes, *, limit: int = 10
) -> list[Match]:
    """Likely adopters of an achievement: organizations whose visible demands ask for it."""
    achievement = get_record(actor, "achievement", achievement_id, uow)
    index = indexes.get("demand", uow)
    hits = index.searcher.search(_query_text(achievement), DEPTH, access_filter(actor))
    demands = load_by_id(uow, Demand, [h.id for h in hits])
    explainer = Explainer(indexes, index)
    offer = _achievement_offer(achievement, {})
    by_org: dict[int, Match] = {}
    for hit in hits:
        demand = demands.get(hit.id)
        if (
            demand is None
            or demand.owner_org_id is None
            or not can_see(actor, demand.visibility, demand.owner_org_id)
        ):
            continue
        reasons = [text_reason(hit.score, [])]
        reasons += [r for r in compatibility(_need(demand), offer, hit.score) if r.code != "track_record"]
        score = _score(hit, reasons)
        title = (demand.title_zh, demand.title_en)
        reasons.insert(
            0,
            Reason(
                "demand",
                0.0,
                f"需求：{title[0] or title[1]}",
                f"Demand: {title[1] or title[0]}",
                {"demand_id": demand.id},
            ),
        )
        current = by_org.get(demand.owner_org_id)
        if current is None or current.score < score:
            by_org[demand.owner_org_id] = Match(
                "organization", demand.owner_org_id, "", "", score, reasons, [demand.id]
            )
    orgs = load_by_id(uow, Organization, list(by_org))
    results = []
    for org_id, match in by_org.items():
        org = orgs.get(org_id)
        if org is None or not can_see(actor, org.visibility, org.owner_org_id):
            continue
        match.title_zh, match.title_en = org.name_zh, org.name_en
        results.append(match)
    results.sort(key=lambda m: -m.score)
    top = results[:limit]
    return explainer.annotate(top, achievement, {m.id: demands[m.evidence[0]] for m in top})


def demand_sources(kind: str) -> tuple[str, ...]:
    """The indexes a demand's matches of `kind` are computed from."""
    return ("investor",) if kind == "investor" else ("achievement", "project")


def index_state(indexes: MatchIndexes, uow: UnitOfWork, kinds: Sequence[str]) -> IndexStatus:
    """One state for the indexes behind an answer: behind by their pending changes together."""
    states = [indexes.status(kind, uow) for kind in kinds]
    synced = [s.synced_at for s in states if s.synced_at]
    return IndexStatus(min(synced) if synced else None, sum(s.pending for s in states))


def _track_records(uow: UnitOfWork, org_ids: set[int]) -> dict[int, int]:
    """Achievements and funded projects each organization has on record."""
    if not org_ids:
        return {}
    from sqlalchemy import func

    with uow() as session:
        counts: dict[int, int] = defaultdict(int)
        for column in (ACHIEVEMENTS.owner_org_id, PROJECTS.host_org_id):
            for org_id, count in session.execute(
                select(column, func.count()).where(column.in_(org_ids)).group_by(column)
            ):
                counts[org_id] += count
    return dict(counts)


__all__ = [
    "KINDS",
    "TEXT_WEIGHT",
    "Match",
    "demand_sources",
    "index_state",
    "match_achievement",
    "match_demand",
]
