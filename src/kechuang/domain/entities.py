"""Registry entities (M1) as plain dataclasses; the store maps them to tables without changing them.

Every text a person reads exists in Chinese (`_zh`) and English (`_en`); either may be empty.
Every listing has an owner organization and a visibility. Money is in 10k CNY (万元), the unit of
Chinese technology-contract statistics and of NSFC grants.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from .enums import (
    AchievementKind,
    AffiliationRole,
    IPStatus,
    ListingStatus,
    MergeStatus,
    OrgKind,
    Visibility,
)


@dataclass(kw_only=True, eq=False)
class Record:
    """Fields every registry record shares: identity, provenance, ownership and visibility."""

    id: int | None = None
    external_id: str = ""
    visibility: Visibility = Visibility.PUBLIC
    owner_org_id: int | None = None
    source: str = ""
    is_sample: bool = False
    merged_into_id: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    kind_name = "record"

    def text(self, name: str, lang: str = "zh") -> str:
        """The `name` field in `lang`, falling back to the other language."""
        first, second = ("zh", "en") if lang.startswith("zh") else ("en", "zh")
        return str(getattr(self, f"{name}_{first}") or getattr(self, f"{name}_{second}") or "")


@dataclass(kw_only=True, eq=False)
class Organization(Record):
    """A university, institute, enterprise, investor, agency, department, park or foreign body."""

    name_zh: str = ""
    name_en: str = ""
    aliases: list[str] = field(default_factory=list)
    kind: OrgKind = OrgKind.OTHER
    region_code: str = ""
    country_code: str = "CN"
    credit_code: str = ""
    website: str = ""
    description_zh: str = ""
    description_en: str = ""
    discipline_codes: list[str] = field(default_factory=list)
    industry_codes: list[str] = field(default_factory=list)
    founded_year: int | None = None

    kind_name = "organization"

    @property
    def name(self) -> str:
        return self.name_zh or self.name_en


@dataclass(kw_only=True, eq=False)
class Person(Record):
    """A researcher or other talent; linked to organizations by affiliations."""

    name_zh: str = ""
    name_en: str = ""
    aliases: list[str] = field(default_factory=list)
    organization_id: int | None = None
    title_zh: str = ""
    title_en: str = ""
    email: str = ""
    orcid: str = ""
    birth_year: int | None = None
    region_code: str = ""
    country_code: str = "CN"
    discipline_codes: list[str] = field(default_factory=list)
    keywords_zh: list[str] = field(default_factory=list)
    keywords_en: list[str] = field(default_factory=list)
    bio_zh: str = ""
    bio_en: str = ""

    kind_name = "person"

    @property
    def name(self) -> str:
        return self.name_zh or self.name_en


@dataclass(kw_only=True, eq=False)
class Achievement(Record):
    """A technology achievement (科技成果) offered or recorded: patent, paper, software, know-how..."""

    title_zh: str = ""
    title_en: str = ""
    abstract_zh: str = ""
    abstract_en: str = ""
    kind: AchievementKind = AchievementKind.OTHER
    trl: int | None = None
    ip_status: IPStatus = IPStatus.NONE
    patent_numbers: list[str] = field(default_factory=list)
    transfer_modes: list[str] = field(default_factory=list)
    asking_price_min: float | None = None
    asking_price_max: float | None = None
    keywords_zh: list[str] = field(default_factory=list)
    keywords_en: list[str] = field(default_factory=list)
    discipline_codes: list[str] = field(default_factory=list)
    industry_codes: list[str] = field(default_factory=list)
    region_code: str = ""
    year: int | None = None
    status: ListingStatus = ListingStatus.OPEN
    confirmed_at: datetime | None = None  # the owner's last "still current" (domain.feedback.Freshness)

    kind_name = "achievement"


@dataclass(kw_only=True, eq=False)
class Demand(Record):
    """A technology demand (技术需求) posted by an enterprise or other organization."""

    title_zh: str = ""
    title_en: str = ""
    description_zh: str = ""
    description_en: str = ""
    budget_min: float | None = None
    budget_max: float | None = None
    deadline: date | None = None
    required_trl: int | None = None
    cooperation_modes: list[str] = field(default_factory=list)
    preferred_regions: list[str] = field(default_factory=list)
    keywords_zh: list[str] = field(default_factory=list)
    keywords_en: list[str] = field(default_factory=list)
    discipline_codes: list[str] = field(default_factory=list)
    industry_codes: list[str] = field(default_factory=list)
    status: ListingStatus = ListingStatus.OPEN
    confirmed_at: datetime | None = None  # the owner's last "still current" (domain.feedback.Freshness)

    kind_name = "demand"


@dataclass(kw_only=True, eq=False)
class Scenario(Record):
    """An application scenario (应用场景) opened to innovators: a place and problem to try technology on."""

    title_zh: str = ""
    title_en: str = ""
    description_zh: str = ""
    description_en: str = ""
    region_code: str = ""
    industry_codes: list[str] = field(default_factory=list)
    keywords_zh: list[str] = field(default_factory=list)
    keywords_en: list[str] = field(default_factory=list)
    budget: float | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    status: ListingStatus = ListingStatus.OPEN

    kind_name = "scenario"


@dataclass(kw_only=True, eq=False)
class InvestorProfile(Record):
    """What an investor funds: fields, stages, ticket size and regions."""

    organization_id: int | None = None
    title_zh: str = ""
    title_en: str = ""
    thesis_zh: str = ""
    thesis_en: str = ""
    industry_codes: list[str] = field(default_factory=list)
    keywords_zh: list[str] = field(default_factory=list)
    keywords_en: list[str] = field(default_factory=list)
    stages: list[str] = field(default_factory=list)
    ticket_min: float | None = None
    ticket_max: float | None = None
    regions: list[str] = field(default_factory=list)

    kind_name = "investor"


@dataclass(kw_only=True, eq=False)
class Project(Record):
    """A funded research project or grant (e.g. NSFC); host organization and principal investigator."""

    title_zh: str = ""
    title_en: str = ""
    funder: str = ""
    program: str = ""
    host_org_id: int | None = None
    pi_person_id: int | None = None
    amount: float | None = None
    start_date: date | None = None
    end_date: date | None = None
    rating: str = ""
    discipline_codes: list[str] = field(default_factory=list)

    kind_name = "project"


@dataclass(kw_only=True, eq=False)
class Affiliation:
    """A person works at, studies at or advises an organization."""

    id: int | None = None
    person_id: int = 0
    organization_id: int = 0
    role: AffiliationRole = AffiliationRole.EMPLOYEE
    start_year: int | None = None
    end_year: int | None = None


@dataclass(kw_only=True, eq=False)
class Ownership:
    """An organization owns (a share of) an achievement; the listing owner is one of them."""

    id: int | None = None
    achievement_id: int = 0
    organization_id: int = 0
    share: float | None = None


@dataclass(kw_only=True, eq=False)
class Authorship:
    """A person is an inventor or author of an achievement, at a position in the author list."""

    id: int | None = None
    achievement_id: int = 0
    person_id: int = 0
    position: int = 1


@dataclass(kw_only=True, eq=False)
class MergeCandidate:
    """Two records that identity resolution thinks are the same, awaiting a person's review."""

    id: int | None = None
    entity: str = ""
    left_id: int = 0
    right_id: int = 0
    confidence: float = 0.0
    reasons: list[str] = field(default_factory=list)
    status: MergeStatus = MergeStatus.PENDING
    reviewed_by: str = ""
    reviewed_at: datetime | None = None
    created_at: datetime | None = None


@dataclass(kw_only=True, eq=False)
class MergeRecord:
    """History of one merge: which record survived, a snapshot of the absorbed one, links moved."""

    id: int | None = None
    entity: str = ""
    survivor_id: int = 0
    absorbed_id: int = 0
    snapshot: dict[str, object] = field(default_factory=dict)
    moved_links: dict[str, list[int]] = field(default_factory=dict)
    merged_by: str = ""
    merged_at: datetime | None = None
    candidate_id: int | None = None
    undone_by: str = ""
    undone_at: datetime | None = None


@dataclass(kw_only=True, eq=False)
class ImportBatch:
    """One accepted import: what file, which entity, how many rows created, updated, unchanged."""

    id: int | None = None
    entity: str = ""
    filename: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    actor: str = ""
    created_at: datetime | None = None


REGISTRY_ENTITIES: dict[str, type[Record]] = {
    cls.kind_name: cls
    for cls in (Organization, Person, Achievement, Demand, Scenario, InvestorProfile, Project)
}
