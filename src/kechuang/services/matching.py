"""Matching use cases: a demand's best achievements, experts, organizations and investors, and an
achievement's likely adopters. Every result carries its reasons; hidden records never take part.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from kechuang.domain.access import Actor, can_see
from kechuang.domain.entities import (
    Achievement,
    Affiliation,
    Authorship,
    Demand,
    InvestorProfile,
    Organization,
    Ownership,
    Person,
    Project,
)
from kechuang.domain.errors import InvalidInput
from kechuang.domain.feedback import Freshness
from kechuang.engine.concepts import keyword_pairs, shared_terms
from kechuang.engine.features import (
    TEXT_WEIGHT,
    Need,
    Offer,
    Reason,
    compatibility,
    investor_fit,
    text_reason,
)
from kechuang.engine.hybrid import Hit
from kechuang.store.db import UnitOfWork, load_by_id

from .freshness import current_ids, is_stale, stale_ids
from .match_index import IndexStatus, MatchIndexes, dense_text, record_document
from .registry import get_record
from .search import access_filter, live_and_visible

KINDS = ("achievement", "expert", "organization", "investor")
# Column handles of the imperatively mapped dataclasses (mypy sees their field types, SQL sees columns).
ACHIEVEMENTS: Any = Achievement
AUTHORSHIPS: Any = Authorship
OWNERSHIPS: Any = Ownership
PROJECTS: Any = Project
DEPTH = 100
AFFILIATIONS: Any = Affiliation
PEOPLE: Any = Person
PROJECT_WEIGHT = 0.8  # a funded project shows expertise, a delivered achievement shows more
# Text relevance (the engine's fused score, 0–1 relative to the best candidate) below which a candidate is not
# shown: chosen on the judged demand→achievement set (eval/sample-demand-achievement, USE embedder), where it
# keeps 85 % of the judged-relevant top-10 candidates and drops 65 % of the others (see eval/log.md).
RELEVANCE_FLOOR = 0.30
OFF_FIELD_FLOOR = 0.75  # an investor without industry codes (or for a demand without) needs this relevance
SECOND_WEIGHT = 0.10  # an expert's second piece of evidence breaks ties between equally relevant best ones


class MatchList(list["Match"]):
    """Matches above the relevance floor; `below_floor` says whether candidates were left out for falling
    below it (so "no more good matches", rather than "nothing else exists")."""

    below_floor: bool = False
    expired: bool = False  # the listing matched from is stale: no matches until its owner confirms it

    @classmethod
    def of(cls, items: Sequence[Match], below_floor: bool) -> MatchList:
        found = cls(items)
        found.below_floor = below_floor
        return found

    @classmethod
    def stale(cls) -> MatchList:
        found = cls()
        found.expired = True
        return found


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


def demand_need(demand: Demand) -> Need:
    return Need(
        discipline_codes=demand.discipline_codes,
        industry_codes=demand.industry_codes,
        required_trl=demand.required_trl,
        preferred_regions=demand.preferred_regions,
        budget_max=demand.budget_max,
        modes=demand.cooperation_modes,
    )


def record_query_text(item: Any) -> str:
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

    def __init__(self, indexes: MatchIndexes, index: Any, uow: UnitOfWork | None = None) -> None:
        self.index, self.indexes, self.uow = index, indexes, uow

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

    def concepts(self, query: Any, candidate: Any, excluded: Sequence[str] = ()) -> list[tuple[str, str]]:
        """Shared terms and keyword pairs; `excluded` are names (the organizations on either side) whose
        words never count as a shared concept."""
        query_doc, candidate_doc = record_document(query), record_document(candidate)
        lexical = self.index.lexical

        def frequency(term: str) -> int:
            return lexical.document_frequency((lexical.tokenize(term) or [term])[0])

        # whole, unstemmed words for display; their rarity is looked up under the index's own tokens
        terms = shared_terms(
            _display_tokens(f"{query_doc.title} {query_doc.keywords} {query_doc.text}"),
            _display_tokens(f"{candidate_doc.title} {candidate_doc.keywords} {candidate_doc.text}"),
            frequency,
            documents=len(lexical),
            excluded=[name.lower() for name in excluded if name],
        )
        pairs: list[tuple[str, str]] = []
        if self.indexes.embedder is not None:
            pairs = keyword_pairs(_keywords(query), _keywords(candidate), self._vectors)
            names = [n.lower() for n in excluded if n]
            pairs = [(a, b) for a, b in pairs if not any(w.lower() in n for w in (a, b) for n in names)]
        shown = [w.lower() for pair in pairs for w in pair]
        # a term inside a paired keyword (solid, state in solid-state battery) says nothing more
        return pairs + [(t, t) for t in terms if not any(t in w for w in shown)]

    def _names(self, records: list[Any]) -> dict[int, list[str]]:
        """Names of the organizations that own these records (their words explain no match)."""
        org_ids = {r.owner_org_id for r in records if getattr(r, "owner_org_id", None)}
        org_ids |= {r.organization_id for r in records if getattr(r, "organization_id", None)}
        if self.uow is None or not org_ids:
            return {}
        orgs = load_by_id(self.uow, Organization, list(org_ids))
        return {i: [o.name_zh, o.name_en, *o.aliases] for i, o in orgs.items()} if orgs else {}

    def annotate(self, matches: list[Match], query: Any, items: dict[int, Any]) -> list[Match]:
        """Fill the shared concepts into the text reason of the final page only (they cost embeddings)."""
        names = self._names([query, *items.values()])

        def owners(record: Any) -> list[str]:
            ids = {getattr(record, "owner_org_id", None), getattr(record, "organization_id", None)}
            return [n for i in ids if i in names for n in names[i]]

        for match in matches:
            item = items.get(match.id)
            for position, reason in enumerate(match.reasons):
                if reason.code == "text" and item is not None:
                    score = float(reason.detail["score"])
                    excluded = [*owners(query), *owners(item)]
                    match.reasons[position] = text_reason(score, self.concepts(query, item, excluded))
        return matches


def achievement_offer(item: Achievement, track: dict[int, int]) -> Offer:
    return Offer(
        discipline_codes=item.discipline_codes,
        industry_codes=item.industry_codes,
        trl=item.trl,
        region_code=item.region_code,
        price_min=item.asking_price_min,
        modes=item.transfer_modes,
        track_record=track.get(item.owner_org_id or -1, 0),
    )


def match_score(hit: Hit, reasons: list[Reason]) -> float:
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
    floor: float = RELEVANCE_FLOOR,
    freshness: Freshness | None = None,
) -> MatchList:
    """Ranked, explained candidates of `kind` for a demand the actor may see, down to the relevance floor.

    Organization matches never include the demand owner's or the actor's own organization, nor expert
    matches the demand owner's own people: nobody is introduced to themselves. A stale demand has no matches
    and stale achievements are no candidates (`services.freshness`).
    """
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of: {', '.join(KINDS)}", field="kind")
    if not 1 <= limit <= 100:
        raise InvalidInput("limit must be between 1 and 100", field="limit")
    demand = get_record(actor, "demand", demand_id, uow)
    if is_stale(demand, freshness):
        return MatchList.stale()
    if kind == "investor":
        return _match_investors(actor, demand, uow, indexes, limit, floor)
    index = indexes.get("achievement", uow)
    only = where.candidate_ids(uow) if where else None
    current = current_ids(uow, "achievement", freshness)
    if current is not None:
        import numpy as np

        only = current if only is None else np.intersect1d(only, current)
    if only is not None and not len(only):
        return MatchList()
    text = record_query_text(demand)
    hits = index.searcher.search(
        text,
        DEPTH if kind != "achievement" else max(limit * 3, 30),
        access_filter(actor),
        only,
    )
    achievements = load_by_id(uow, Achievement, [h.id for h in hits])
    track = track_records(uow, {a.owner_org_id for a in achievements.values() if a.owner_org_id})
    explainer = Explainer(indexes, index, uow)
    need = demand_need(demand)
    ranked: list[Match] = []
    below = False
    for hit in hits:
        item = achievements.get(hit.id)
        if not live_and_visible(item, actor):
            continue  # defence in depth: the engine query already excluded hidden records
        if hit.score < floor:
            below = True
            continue
        reasons = [text_reason(hit.score, [])]
        reasons += compatibility(need, achievement_offer(item, track), hit.score)
        ranked.append(
            Match("achievement", item.id, item.title_zh, item.title_en, match_score(hit, reasons), reasons)
        )
    ranked.sort(key=lambda m: -m.score)
    if kind == "achievement":
        return MatchList.of(explainer.annotate(ranked[:limit], demand, achievements), below)
    scale = _scale_of(index.searcher, text, hits)
    projects = project_matches(actor, demand, uow, indexes, scale=scale)
    excluded = _own_people(uow, demand.owner_org_id) if kind == "expert" else {demand.owner_org_id}
    if kind == "organization":
        excluded.add(actor.organization_id)
    found = aggregate_holders(actor, kind, ranked, uow, limit + len(excluded), projects, floor=floor)
    kept = [m for m in found if m.id not in excluded]
    return MatchList.of(kept[:limit], below or getattr(found, "below_floor", False))


def _own_people(uow: UnitOfWork, org_id: int | None) -> set[int | None]:
    """People of an organization: their primary organization or a current affiliation with it."""
    if org_id is None:
        return set()
    with uow() as session:
        people = set(session.scalars(select(PEOPLE.id).where(PEOPLE.organization_id == org_id)))
        people |= set(
            session.scalars(
                select(AFFILIATIONS.person_id).where(  # current affiliations: a former employee is not theirs
                    AFFILIATIONS.organization_id == org_id, AFFILIATIONS.end_year.is_(None)
                )
            )
        )
    return set(people)


@dataclass(frozen=True)
class Scale:
    """How the achievement search normalised its raw scores for a query, so that other indexes' hits (funded
    projects) can be put on the same 0–1 scale rather than on their own (where the best project is 1 however
    weakly it matches)."""

    share: float
    lexical: tuple[float, float]
    dense: tuple[float, float]

    def relevance(self, hit: Hit) -> float:
        def part(value: float, bounds: tuple[float, float]) -> float:
            low, high = bounds
            if high - low < 1e-12:  # a single achievement hit: as good as it, or not at all
                return 1.0 if value >= high else 0.0
            return min(1.0, max(0.0, (value - low) / (high - low)))

        lexical = part(hit.lexical_raw, self.lexical) if hit.lexical_raw else 0.0
        dense = part(hit.dense_raw, self.dense) if hit.dense_raw else 0.0
        return self.share * lexical + (1 - self.share) * dense


def _scale_of(searcher: Any, text: str, hits: list[Hit]) -> Scale | None:
    lexical = [h.lexical_raw for h in hits if h.lexical_raw]
    dense = [h.dense_raw for h in hits if h.dense_raw]
    if not lexical and not dense:
        return None
    if not hasattr(searcher, "lexical_share"):  # a searcher without the hybrid's parts
        return None
    share = hits[0].share  # the share the fusion used (coverage, adjusted by the query's features)
    if not dense:
        share = 1.0
    return Scale(
        share,
        (min(lexical), max(lexical)) if lexical else (0.0, 0.0),
        (min(dense), max(dense)) if dense else (0.0, 0.0),
    )


def project_matches(
    actor: Actor, demand: Demand, uow: UnitOfWork, indexes: MatchIndexes, *, scale: Scale | None = None
) -> list[Match]:
    """Funded projects on the demand's topic: evidence of expertise beside achievements (weighted lower).

    With `scale`, a project's relevance is measured on the achievement search's scale; without, on its own.
    """
    hits = indexes.get("project", uow).searcher.search(record_query_text(demand), DEPTH, access_filter(actor))
    projects = load_by_id(uow, Project, [h.id for h in hits])
    found = []
    for hit in hits:
        item = projects.get(hit.id)
        if not live_and_visible(item, actor):
            continue
        relevance = scale.relevance(hit) if scale is not None else hit.score
        found.append(Match("project", item.id, item.title_zh, item.title_en, PROJECT_WEIGHT * relevance, []))
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


def _relevance(match: Match) -> float:
    """The text relevance behind a match (0–1): an achievement's text reason, a project's score."""
    for reason in match.reasons:
        if reason.code == "text":
            return float(reason.detail.get("score", match.score))
    return match.score


def holder_score(works: Sequence[float], grants: Sequence[float]) -> float:
    """An expert's or organization's score, 0–1, from the relevance of the evidence, not its amount: the best
    piece, and a tenth of the gap to 1 filled by the second best (a tie-breaker, never more than the best)."""
    ranked = sorted([*works, *grants], reverse=True)
    if not ranked:
        return 0.0
    best = ranked[0]
    second = ranked[1] if len(ranked) > 1 else 0.0
    return round(min(1.0, best + SECOND_WEIGHT * (1 - best) * second), 4)


def aggregate_holders(
    actor: Actor,
    kind: str,
    ranked: list[Match],
    uow: UnitOfWork,
    limit: int,
    projects: list[Match],
    *,
    floor: float = 0.0,
) -> list[Match]:
    """Experts (authors, PIs) or organizations (owners, hosts) behind matched achievements and projects.

    Each piece of evidence counts by its text relevance alone (a structured fit reorders achievements, it does
    not make an unrelated achievement evidence of expertise); evidence below `floor` does not count. The list
    is a `MatchList` (its `below_floor` set), typed as a plain list for callers that filter it further.
    """
    relevance = {("achievement", m.id): _relevance(m) for m in ranked}
    relevance |= {("project", m.id): m.score for m in projects}
    below = any(v < floor for v in relevance.values())
    ranked = [m for m in ranked if relevance["achievement", m.id] >= floor]
    projects = [m for m in projects if m.score >= floor]
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
        if not live_and_visible(holder, actor):
            continue
        grants = funded.get(holder_id, [])
        works = [relevance["achievement", m.id] for m in matches]
        funds = [m.score for m in grants]
        score = holder_score(works, funds)
        best_work, best_grant = max(works, default=0.0), max(funds, default=0.0)
        reasons = []
        if matches:  # the stronger kind of evidence carries the score; the other is shown for context
            reasons.append(_evidence_reason("evidence", matches, score if best_work >= best_grant else 0.0,
                                            relevance))
        if grants:
            reasons.append(_evidence_reason("projects", grants, score if best_grant > best_work else 0.0,
                                            relevance))
        count = len(matches) + len(grants)
        if count > 1:
            reasons.append(
                Reason(
                    "breadth",
                    0.0,
                    f"共 {count} 项相关成果/项目",
                    f"{count} related achievements and projects",
                    {"count": count},
                )
            )
        results.append(
            Match(kind, holder_id, holder.name_zh, holder.name_en, score, reasons, [m.id for m in matches])
        )
    results.sort(key=lambda m: (-m.score, m.id))
    return MatchList.of(results[:limit], below)


def _evidence_reason(
    code: str, items: list[Match], contribution: float, relevance: dict[tuple[str, int], float] | None = None
) -> Reason:
    """Up to three achievements or projects behind a holder, most relevant first, titled in each language."""
    kind = "achievement" if code == "evidence" else "project"
    top = sorted(items, key=lambda m: -(relevance or {}).get((kind, m.id), m.score))[:3]
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
    actor: Actor,
    demand: Demand,
    uow: UnitOfWork,
    indexes: MatchIndexes,
    limit: int,
    floor: float = RELEVANCE_FLOOR,
) -> MatchList:
    """Investors for a demand, each with why: its fields, the stage, a ticket covering the budget, the
    region of the demand's owner; never the demand owner's or the actor's own organization's funds."""
    index = indexes.get("investor", uow)
    hits = index.searcher.search(record_query_text(demand), limit * 3, access_filter(actor))
    profiles = load_by_id(uow, InvestorProfile, [h.id for h in hits])
    explainer = Explainer(indexes, index, uow)
    owner = load_by_id(uow, Organization, [demand.owner_org_id] if demand.owner_org_id else [])
    region = next((o.region_code for o in owner.values() if o.region_code), "")
    region = region or next(iter(demand.preferred_regions), "")
    own = {demand.owner_org_id, actor.organization_id} - {None}
    need = demand_need(demand)
    results = []
    below = False
    for hit in hits:
        profile = profiles.get(hit.id)
        if profile is None or not can_see(actor, profile.visibility, profile.owner_org_id):
            continue
        if profile.organization_id in own:
            continue
        fit = investor_fit(need, profile, region, hit.score)
        # investors fund sectors: where both sides name industries, the fund must cover the demand's; where
        # either names none, only a strong text match counts
        in_field = any(r.code == "field" for r in fit)
        coded = bool(need.industry_codes and profile.industry_codes)
        if hit.score < floor or (not in_field and (coded or hit.score < OFF_FIELD_FLOOR)):
            below = True
            continue
        reasons = [text_reason(hit.score, []), *fit]
        results.append(
            Match(
                "investor", profile.id, profile.title_zh, profile.title_en, match_score(hit, reasons), reasons
            )
        )
    results.sort(key=lambda m: -m.score)
    return MatchList.of(explainer.annotate(results[:limit], demand, profiles), below)


def match_achievement(
    actor: Actor,
    achievement_id: int,
    uow: UnitOfWork,
    indexes: MatchIndexes,
    *,
    limit: int = 10,
    floor: float = RELEVANCE_FLOOR,
    freshness: Freshness | None = None,
) -> MatchList:
    """Likely adopters of an achievement: organizations whose visible, current demands ask for it (never the
    achievement's own organization), down to the relevance floor; a stale achievement has none."""
    achievement = get_record(actor, "achievement", achievement_id, uow)
    if is_stale(achievement, freshness):
        return MatchList.stale()
    index = indexes.get("demand", uow)
    hits = index.searcher.search(record_query_text(achievement), DEPTH, access_filter(actor))
    demands = load_by_id(uow, Demand, [h.id for h in hits])
    for stale in stale_ids(uow, "demand", freshness, among=list(demands)):
        del demands[stale]  # an expired demand adopts nothing; the loop below skips what is missing
    explainer = Explainer(indexes, index, uow)
    offer = achievement_offer(achievement, {})
    own = {achievement.owner_org_id} - {None}  # the viewer's own demands may well adopt it: they stay
    by_org: dict[int, Match] = {}
    below = False
    for hit in hits:
        demand = demands.get(hit.id)
        if (
            demand is None
            or demand.owner_org_id is None
            or demand.owner_org_id in own
            or not can_see(actor, demand.visibility, demand.owner_org_id)
        ):
            continue
        if hit.score < floor:
            below = True
            continue
        reasons = [text_reason(hit.score, [])]
        fit = compatibility(demand_need(demand), offer, hit.score)
        reasons += [r for r in fit if r.code != "track_record"]
        score = match_score(hit, reasons)
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
    annotated = explainer.annotate(top, achievement, {m.id: demands[m.evidence[0]] for m in top})
    return MatchList.of(annotated, below)


def demand_sources(kind: str) -> tuple[str, ...]:
    """The indexes a demand's matches of `kind` are computed from."""
    return ("investor",) if kind == "investor" else ("achievement", "project")


def index_state(indexes: MatchIndexes, uow: UnitOfWork, kinds: Sequence[str]) -> IndexStatus:
    """One state for the indexes behind an answer: behind by their pending changes together."""
    states = [indexes.status(kind, uow) for kind in kinds]
    synced = [s.synced_at for s in states if s.synced_at]
    return IndexStatus(min(synced) if synced else None, sum(s.pending for s in states))


def track_records(uow: UnitOfWork, org_ids: set[int]) -> dict[int, int]:
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
    "RELEVANCE_FLOOR",
    "TEXT_WEIGHT",
    "Match",
    "MatchList",
    "demand_sources",
    "index_state",
    "match_achievement",
    "match_demand",
]
