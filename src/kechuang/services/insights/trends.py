"""The trend radar fed from the platform: achievements, demands, registered contracts and projects over time.

Terms are a record's own keywords (both languages) where it has them, else the project tokeniser's
words of its title (two characters or more, no stopwords, no numbers); terms in most of a field's records
(e.g. 合同, 技术) say nothing about a trend and are dropped by the radar's share cut.
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from kechuang.analytics.trends import Document, Topic, trend_radar
from kechuang.domain.access import Actor, can_see
from kechuang.domain.entities import Achievement, Demand, Project
from kechuang.domain.errors import InvalidInput
from kechuang.domain.market import Contract, ContractStatus
from kechuang.store.db import UnitOfWork
from kechuang.text import Analyzer

from .base import field_label, field_of, require_analyst

Achievements: Any = Achievement
Demands: Any = Demand
Projects: Any = Project
Contracts: Any = Contract
SOURCES = ("achievement", "demand", "contract", "project")
GENERIC_SHARE = 0.5
# Words of contract and project titles that name the statutory contract type or the paperwork, not a topic.
FORM_WORDS = frozenset(
    {
        "技术",
        "开发",
        "技术开发",
        "合同",
        "转让",
        "技术转让",
        "许可",
        "技术许可",
        "咨询",
        "技术咨询",
        "服务",
        "技术服务",
        "专利",
        "实施",
        "项目",
        "研究",
        "contract",
        "development",
        "transfer",
        "license",
        "licence",
        "consulting",
        "service",
        "services",
        "patent",
        "project",
        "research",
    }
)


@functools.cache
def _title_analyzer() -> Analyzer:
    """Whole words, unstemmed: '集成电路', not its search-mode parts '集成', '成电', '电路'."""
    return Analyzer(stem=False, search_mode=False)


def record_terms(keywords: list[str], title: str) -> list[str]:
    """A record's terms: its keywords, folded; without keywords, its title's words."""
    terms = [k.strip().casefold() for k in keywords if k.strip()]
    if terms:
        return terms
    return [
        w for w in _title_analyzer().tokens(title) if len(w) >= 2 and not w.isdigit() and w not in FORM_WORDS
    ]


def platform_documents(actor: Actor, uow: UnitOfWork, sources: tuple[str, ...] = SOURCES) -> list[Document]:
    """Every dated record the actor may see, as a radar document ('achievement:12', field, year, terms)."""
    docs: list[Document] = []
    with uow() as session:
        if "achievement" in sources:
            for a in session.scalars(select(Achievements).where(Achievements.merged_into_id.is_(None))):
                if a.year and can_see(actor, a.visibility, a.owner_org_id):
                    docs.append(
                        Document(
                            f"achievement:{a.id}",
                            field_of(a.industry_codes, a.discipline_codes),
                            a.year,
                            record_terms(a.keywords_zh + a.keywords_en, a.title_zh or a.title_en),
                        )
                    )
        if "demand" in sources:
            for d in session.scalars(select(Demands).where(Demands.merged_into_id.is_(None))):
                if d.created_at and can_see(actor, d.visibility, d.owner_org_id):
                    docs.append(
                        Document(
                            f"demand:{d.id}",
                            field_of(d.industry_codes, d.discipline_codes),
                            d.created_at.year,
                            record_terms(d.keywords_zh + d.keywords_en, d.title_zh or d.title_en),
                        )
                    )
        if "contract" in sources:
            for c in session.scalars(select(Contracts).where(Contracts.status == ContractStatus.REGISTERED)):
                day = c.signed_on or c.registered_on
                if day:
                    docs.append(
                        Document(
                            f"contract:{c.id}",
                            field_of(c.industry_codes, c.discipline_codes),
                            day.year,
                            record_terms([], c.title),
                        )
                    )
        if "project" in sources:
            for p in session.scalars(select(Projects).where(Projects.merged_into_id.is_(None))):
                if p.start_date and can_see(actor, p.visibility, p.owner_org_id):
                    docs.append(
                        Document(
                            f"project:{p.id}",
                            field_of([], p.discipline_codes),
                            p.start_date.year,
                            record_terms([], p.title_zh or p.title_en),
                        )
                    )
    return docs


def drop_generic_terms(
    docs: list[Document], share: float = GENERIC_SHARE, min_docs: int = 4
) -> list[Document]:
    """Remove terms found in more than `share` of their field's records (when the field has `min_docs`+)."""
    per_field: Counter[str] = Counter(doc.field for doc in docs)
    term_docs: dict[str, Counter[str]] = defaultdict(Counter)
    for doc in docs:
        term_docs[doc.field].update(set(doc.terms))
    generic = {
        f: {t for t, n in counts.items() if per_field[f] >= min_docs and n / per_field[f] > share}
        for f, counts in term_docs.items()
    }
    return [
        Document(d.record_id, d.field, d.year, [t for t in d.terms if t not in generic[d.field]])
        for d in docs
    ]


@dataclass
class FieldRadar:
    """One field's emerging topics and its size."""

    field: str
    label: str
    documents: int
    topics: list[Topic]


def radar(
    actor: Actor,
    uow: UnitOfWork,
    *,
    sources: tuple[str, ...] = SOURCES,
    field: str = "",
    top: int = 10,
    min_documents: int = 2,
    recent_years: int = 2,
    lang: str = "zh",
) -> list[FieldRadar]:
    """Emerging topics per field (largest fields first), each with its evidence and growth curve."""
    require_analyst(actor)
    if not set(sources) <= set(SOURCES) or not sources:
        raise InvalidInput(f"sources must be among: {', '.join(SOURCES)}", field="sources")
    if not 1 <= top <= 100:
        raise InvalidInput("top must be between 1 and 100", field="top")
    if not 1 <= min_documents <= 1000:
        raise InvalidInput("min_documents must be between 1 and 1000", field="min_documents")
    if not 1 <= recent_years <= 20:
        raise InvalidInput("recent_years must be between 1 and 20", field="recent_years")
    docs = drop_generic_terms(platform_documents(actor, uow, sources))
    if field:
        docs = [doc for doc in docs if doc.field == field]
    sizes = Counter(doc.field for doc in docs)
    topics = trend_radar(docs, min_documents=min_documents, recent_years=recent_years, top=top)
    by_field: dict[str, list[Topic]] = defaultdict(list)
    for topic in topics:
        by_field[topic.field].append(topic)
    ordered = sorted(by_field, key=lambda f: (-sizes[f], f))
    return [FieldRadar(f, field_label(f, lang), sizes[f], by_field[f]) for f in ordered]
