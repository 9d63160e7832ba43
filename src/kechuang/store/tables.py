"""Table definitions, imperatively mapped onto the domain dataclasses so the domain imports no ORM."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import registry

from kechuang.domain import accounts as a
from kechuang.domain import entities as e
from kechuang.domain import market as m
from kechuang.domain.enums import (
    AchievementKind,
    AffiliationRole,
    IPStatus,
    ListingStatus,
    MergeStatus,
    NotificationKind,
    OrgKind,
    Role,
    Visibility,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)
mapper_registry = registry(metadata=metadata)


def enum_column(name: str, enum: type[StrEnum], default: StrEnum) -> Column:  # type: ignore[type-arg]
    """Store an enum as its value in a plain string column (portable, readable in SQL)."""
    sa_type = SAEnum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
    )
    return Column(name, sa_type, nullable=False, default=default)


def text_pair(stem: str, long: bool = False) -> list[Column]:  # type: ignore[type-arg]
    """Chinese and English columns of one bilingual text field."""
    kind = Text if long else String(500)
    return [
        Column(f"{stem}_zh", kind, nullable=False, default=""),
        Column(f"{stem}_en", kind, nullable=False, default=""),
    ]


def list_column(name: str) -> Column:  # type: ignore[type-arg]
    return Column(name, JSON, nullable=False, default=list)


def record_table(name: str, *columns: Column) -> Table:  # type: ignore[type-arg]
    """A registry table: shared provenance/visibility columns plus the entity's own.

    External ids are unique per owner organization (migration 0006), so one organization's ids, even
    confidential ones, never collide with or reveal another's; organizations themselves are named by a
    global external id, which every import uses to say who owns a row.
    """
    scoped = name != "organizations"
    table = Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True),
        Column("external_id", String(120), nullable=False, unique=not scoped, index=scoped),
        enum_column("visibility", Visibility, Visibility.PUBLIC),
        Column("owner_org_id", Integer, ForeignKey("organizations.id"), nullable=True, index=True),
        Column("source", String(60), nullable=False, default=""),
        Column("is_sample", Boolean, nullable=False, default=False),
        Column("merged_into_id", Integer, nullable=True),
        Column("created_at", DateTime, nullable=True),
        Column("updated_at", DateTime, nullable=True),
        *columns,
        *(
            [UniqueConstraint("owner_org_id", "external_id", name=f"uq_{name}_owner_external_id")]
            if scoped
            else []
        ),
    )
    # list pages and their counts (visible, not merged, newest first) read this small index, not the table:
    # at 100k demands an anonymous count falls from about 19 ms to 4.5 ms (migration 0007)
    live = table.c.merged_into_id.is_(None)
    Index(f"ix_{name}_listed", table.c.visibility, table.c.id, sqlite_where=live, postgresql_where=live)
    return table


organizations = record_table(
    "organizations",
    *text_pair("name"),
    list_column("aliases"),
    enum_column("kind", OrgKind, OrgKind.OTHER),
    Column("region_code", String(12), nullable=False, default=""),
    Column("country_code", String(2), nullable=False, default="CN"),
    Column("credit_code", String(32), nullable=False, default=""),
    Column("website", String(300), nullable=False, default=""),
    *text_pair("description", long=True),
    list_column("discipline_codes"),
    list_column("industry_codes"),
    Column("founded_year", Integer, nullable=True),
)

people = record_table(
    "people",
    *text_pair("name"),
    list_column("aliases"),
    Column("organization_id", Integer, ForeignKey("organizations.id"), nullable=True, index=True),
    *text_pair("title"),
    Column("email", String(200), nullable=False, default=""),
    Column("orcid", String(40), nullable=False, default=""),
    Column("birth_year", Integer, nullable=True),
    Column("region_code", String(12), nullable=False, default=""),
    Column("country_code", String(2), nullable=False, default="CN"),
    list_column("discipline_codes"),
    list_column("keywords_zh"),
    list_column("keywords_en"),
    *text_pair("bio", long=True),
)

achievements = record_table(
    "achievements",
    *text_pair("title"),
    *text_pair("abstract", long=True),
    enum_column("kind", AchievementKind, AchievementKind.OTHER),
    Column("trl", Integer, nullable=True),
    enum_column("ip_status", IPStatus, IPStatus.NONE),
    list_column("patent_numbers"),
    list_column("transfer_modes"),
    Column("asking_price_min", Float, nullable=True),
    Column("asking_price_max", Float, nullable=True),
    list_column("keywords_zh"),
    list_column("keywords_en"),
    list_column("discipline_codes"),
    list_column("industry_codes"),
    Column("region_code", String(12), nullable=False, default=""),
    Column("year", Integer, nullable=True),
    enum_column("status", ListingStatus, ListingStatus.OPEN),
    Column("confirmed_at", DateTime, nullable=True),  # migration 0018 (listing freshness)
)

demands = record_table(
    "demands",
    *text_pair("title"),
    *text_pair("description", long=True),
    Column("budget_min", Float, nullable=True),
    Column("budget_max", Float, nullable=True),
    Column("deadline", Date, nullable=True),
    Column("required_trl", Integer, nullable=True),
    list_column("cooperation_modes"),
    list_column("preferred_regions"),
    list_column("keywords_zh"),
    list_column("keywords_en"),
    list_column("discipline_codes"),
    list_column("industry_codes"),
    enum_column("status", ListingStatus, ListingStatus.OPEN),
    Column("confirmed_at", DateTime, nullable=True),  # migration 0018 (listing freshness)
)

scenarios = record_table(
    "scenarios",
    *text_pair("title"),
    *text_pair("description", long=True),
    Column("region_code", String(12), nullable=False, default=""),
    list_column("industry_codes"),
    list_column("keywords_zh"),
    list_column("keywords_en"),
    Column("budget", Float, nullable=True),
    Column("starts_on", Date, nullable=True),
    Column("ends_on", Date, nullable=True),
    enum_column("status", ListingStatus, ListingStatus.OPEN),
)

investor_profiles = record_table(
    "investor_profiles",
    Column("organization_id", Integer, ForeignKey("organizations.id"), nullable=True, index=True),
    *text_pair("title"),
    *text_pair("thesis", long=True),
    list_column("industry_codes"),
    list_column("keywords_zh"),
    list_column("keywords_en"),
    list_column("stages"),
    Column("ticket_min", Float, nullable=True),
    Column("ticket_max", Float, nullable=True),
    list_column("regions"),
)

projects = record_table(
    "projects",
    *text_pair("title"),
    Column("funder", String(200), nullable=False, default=""),
    Column("program", String(200), nullable=False, default=""),
    Column("host_org_id", Integer, ForeignKey("organizations.id"), nullable=True, index=True),
    Column("pi_person_id", Integer, ForeignKey("people.id"), nullable=True, index=True),
    Column("amount", Float, nullable=True),
    Column("start_date", Date, nullable=True),
    Column("end_date", Date, nullable=True),
    Column("rating", String(40), nullable=False, default=""),
    list_column("discipline_codes"),
)

affiliations = Table(
    "affiliations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", Integer, ForeignKey("people.id"), nullable=False, index=True),
    Column("organization_id", Integer, ForeignKey("organizations.id"), nullable=False, index=True),
    enum_column("role", AffiliationRole, AffiliationRole.EMPLOYEE),
    Column("start_year", Integer, nullable=True),
    Column("end_year", Integer, nullable=True),
    UniqueConstraint("person_id", "organization_id", "role", name="uq_affiliation"),
)

ownerships = Table(
    "ownerships",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("achievement_id", Integer, ForeignKey("achievements.id"), nullable=False, index=True),
    Column("organization_id", Integer, ForeignKey("organizations.id"), nullable=False, index=True),
    Column("share", Float, nullable=True),
    UniqueConstraint("achievement_id", "organization_id", name="uq_ownership"),
)

authorships = Table(
    "authorships",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("achievement_id", Integer, ForeignKey("achievements.id"), nullable=False, index=True),
    Column("person_id", Integer, ForeignKey("people.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False, default=1),
    UniqueConstraint("achievement_id", "person_id", name="uq_authorship"),
)

merge_candidates = Table(
    "merge_candidates",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("entity", String(40), nullable=False),
    Column("left_id", Integer, nullable=False),
    Column("right_id", Integer, nullable=False),
    Column("confidence", Float, nullable=False),
    list_column("reasons"),
    enum_column("status", MergeStatus, MergeStatus.PENDING),
    Column("reviewed_by", String(120), nullable=False, default=""),
    Column("reviewed_at", DateTime, nullable=True),
    Column("created_at", DateTime, nullable=True),
    UniqueConstraint("entity", "left_id", "right_id", name="uq_merge_candidate"),
)

merge_records = Table(
    "merge_records",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("entity", String(40), nullable=False),
    Column("survivor_id", Integer, nullable=False, index=True),
    Column("absorbed_id", Integer, nullable=False, index=True),
    Column("snapshot", JSON, nullable=False, default=dict),
    Column("moved_links", JSON, nullable=False, default=dict),
    Column("merged_by", String(120), nullable=False, default=""),
    Column("merged_at", DateTime, nullable=True),
    Column("candidate_id", Integer, ForeignKey("merge_candidates.id"), nullable=True),
    Column("undone_by", String(120), nullable=False, default=""),
    Column("undone_at", DateTime, nullable=True),
)

import_batches = Table(
    "import_batches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("entity", String(40), nullable=False),
    Column("filename", String(300), nullable=False),
    Column("rows", Integer, nullable=False, default=0),
    Column("created", Integer, nullable=False, default=0),
    Column("updated", Integer, nullable=False, default=0),
    Column("unchanged", Integer, nullable=False, default=0),
    Column("actor", String(120), nullable=False, default=""),
    Column("created_at", DateTime, nullable=True),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(80), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False, default=""),
    Column("email", String(200), nullable=False, default=""),
    Column("password_hash", String(200), nullable=False),
    Column("organization_id", Integer, ForeignKey("organizations.id"), nullable=True, index=True),
    enum_column("role", Role, Role.ENTERPRISE),
    Column("language", String(5), nullable=False, default="zh"),
    Column("active", Boolean, nullable=False, default=True),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", DateTime, nullable=True),
    Column("last_login_at", DateTime, nullable=True),
    Column("created_at", DateTime, nullable=True),
    Column("is_sample", Boolean, nullable=False, default=False),
)

login_sessions = Table(
    "login_sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime, nullable=True),
    Column("expires_at", DateTime, nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("created_at", DateTime, nullable=True),
    Column("expires_at", DateTime, nullable=False),
    Column("revoked_at", DateTime, nullable=True),
)

invitations = Table(
    "invitations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code_hash", String(64), nullable=False, unique=True),
    Column("email", String(200), nullable=False, default=""),
    Column("organization_id", Integer, ForeignKey("organizations.id"), nullable=False),
    enum_column("role", Role, Role.ENTERPRISE),
    Column("invited_by", String(120), nullable=False, default=""),
    Column("created_at", DateTime, nullable=True),
    Column("expires_at", DateTime, nullable=False),
    Column("used_by_user_id", Integer, ForeignKey("users.id"), nullable=True),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    enum_column("kind", NotificationKind, NotificationKind.MESSAGE),
    Column("subject_entity", String(40), nullable=False, default=""),
    Column("subject_id", Integer, nullable=True),
    Column("related_entity", String(40), nullable=False, default=""),
    Column("related_id", Integer, nullable=True),
    Column("score", Float, nullable=True),
    Column("text", Text, nullable=False, default=""),
    Column("sender_user_id", Integer, ForeignKey("users.id"), nullable=True),
    Column("created_at", DateTime, nullable=True),
    Column("read_at", DateTime, nullable=True),
    Column("data", JSON, nullable=False, default=dict),
)

deals = Table(
    "deals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("listing_entity", String(20), nullable=False),
    Column("listing_id", Integer, nullable=False),
    Column("title", String(500), nullable=False, default=""),
    Column("seller_org_id", Integer, ForeignKey("organizations.id"), nullable=False, index=True),
    Column("buyer_org_id", Integer, ForeignKey("organizations.id"), nullable=False, index=True),
    enum_column("stage", m.DealStage, m.DealStage.INQUIRY),
    Column("seller_nda_at", DateTime, nullable=True),
    Column("buyer_nda_at", DateTime, nullable=True),
    Column("seller_signed_at", DateTime, nullable=True),
    Column("buyer_signed_at", DateTime, nullable=True),
    Column("contract_id", Integer, ForeignKey("contracts.id"), nullable=True),
    Column("ended_by", String(120), nullable=False, default=""),
    Column("end_reason", Text, nullable=False, default=""),
    Column("created_by", String(120), nullable=False, default=""),
    Column("created_at", DateTime, nullable=True),
    Column("updated_at", DateTime, nullable=True),
    Column("version", Integer, nullable=False, default=1),
)

offers = Table(
    "offers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("deal_id", Integer, ForeignKey("deals.id"), nullable=False, index=True),
    enum_column("from_party", m.Party, m.Party.SELLER),
    Column("price", Float, nullable=False),
    Column("payment_terms", Text, nullable=False, default=""),
    Column("ip_terms", Text, nullable=False, default=""),
    enum_column("contract_type", m.ContractType, m.ContractType.TRANSFER),
    enum_column("status", m.OfferStatus, m.OfferStatus.OPEN),
    Column("created_by", String(120), nullable=False, default=""),
    Column("created_at", DateTime, nullable=True),
)

contracts = Table(
    "contracts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("external_id", String(120), nullable=False, unique=True),
    Column("deal_id", Integer, nullable=True, unique=True),
    enum_column("contract_type", m.ContractType, m.ContractType.TRANSFER),
    Column("title", String(500), nullable=False, default=""),
    Column("seller_org_id", Integer, ForeignKey("organizations.id"), nullable=True, index=True),
    Column("buyer_org_id", Integer, ForeignKey("organizations.id"), nullable=True, index=True),
    Column("seller_name", String(300), nullable=False, default=""),
    Column("buyer_name", String(300), nullable=False, default=""),
    Column("seller_region_code", String(12), nullable=False, default=""),
    Column("buyer_region_code", String(12), nullable=False, default=""),
    Column("seller_country_code", String(2), nullable=False, default="CN"),
    Column("buyer_country_code", String(2), nullable=False, default="CN"),
    Column("contract_amount", Float, nullable=False, default=0.0),
    Column("transaction_amount", Float, nullable=False, default=0.0),
    Column("signed_on", Date, nullable=True),
    Column("starts_on", Date, nullable=True),
    Column("ends_on", Date, nullable=True),
    Column("payment_terms", Text, nullable=False, default=""),
    Column("ip_terms", Text, nullable=False, default=""),
    list_column("discipline_codes"),
    list_column("industry_codes"),
    enum_column("status", m.ContractStatus, m.ContractStatus.DRAFT),
    Column("registration_number", String(40), nullable=False, default=""),
    Column("registered_on", Date, nullable=True, index=True),
    Column("registrar", String(120), nullable=False, default=""),
    Column("return_reason", Text, nullable=False, default=""),
    Column("source", String(60), nullable=False, default=""),
    Column("is_sample", Boolean, nullable=False, default=False),
    Column("created_at", DateTime, nullable=True),
    # registration fields (migration 0020), nullable: contracts registered before them have none
    Column("contract_subtype", String(40), nullable=True),
    Column("tech_field", String(40), nullable=True),
    Column("seller_kind", String(30), nullable=True),
    Column("buyer_kind", String(30), nullable=True),
    Column("materials_amount", Float, nullable=True),
    Column("other_non_technical_amount", Float, nullable=True),
    Column("vat_exempt", Boolean, nullable=True),
    Column("income_tax_relief", Boolean, nullable=True),
)

milestones = Table(
    "milestones",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("contract_id", Integer, ForeignKey("contracts.id"), nullable=False, index=True),
    Column("kind", String(20), nullable=False, default="milestone"),
    Column("title", String(500), nullable=False, default=""),
    Column("amount", Float, nullable=True),
    Column("on", Date, nullable=True),
    Column("recorded_by", String(120), nullable=False, default=""),
    Column("created_at", DateTime, nullable=True),
)

deal_messages = Table(
    "deal_messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("deal_id", Integer, ForeignKey("deals.id"), nullable=False, index=True),
    enum_column("party", m.Party, m.Party.SELLER),
    Column("author", String(120), nullable=False, default=""),
    Column("text", Text, nullable=False),
    Column("created_at", DateTime, nullable=True),
)

disclosures = Table(
    "disclosures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("listing_entity", String(20), nullable=False),
    Column("listing_id", Integer, nullable=False),
    Column("owner_org_id", Integer, ForeignKey("organizations.id"), nullable=False),
    Column("text", Text, nullable=False, default=""),
    Column("nda_text", Text, nullable=False, default="", server_default=""),
    Column("updated_at", DateTime, nullable=True),
    UniqueConstraint("listing_entity", "listing_id", name="uq_disclosure_listing"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_key", String(120), nullable=False),
    Column("key", String(200), nullable=False),
    Column("action", String(60), nullable=False),
    Column("result_entity", String(40), nullable=False, default=""),
    Column("result_id", Integer, nullable=True),
    Column("created_at", DateTime, nullable=True),
    UniqueConstraint("user_key", "key", name="uq_idempotency_key"),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("seq", Integer, nullable=False, unique=True),
    Column("at", DateTime, nullable=False),
    Column("actor", String(120), nullable=False),
    Column("action", String(60), nullable=False),
    Column("entity", String(40), nullable=False),
    Column("entity_id", Integer, nullable=True),
    Column("payload", JSON, nullable=False, default=dict),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("seq", Integer, nullable=False, default=0),
    Column("last_hash", String(64), nullable=False),
)

record_changes = Table(
    "record_changes",
    metadata,
    # written by database triggers (migration 0005) in the same transaction as the change itself, so no
    # write path can forget it; the matching indexes read it in (txid, seq) order (see store.changes)
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("entity", String(32), nullable=False),
    Column("record_id", Integer, nullable=False),
    Column("txid", BigInteger, nullable=False, default=0),
    sqlite_autoincrement=True,
)

Index("ix_deals_listing", deals.c.listing_entity, deals.c.listing_id)
Index("ix_audit_events_entity", audit_events.c.entity, audit_events.c.entity_id)
Index("ix_achievements_year", achievements.c.year)
# list filters and the registrars' queue at millions of rows (migration 0017, which also adds
# PostgreSQL-only indexes for the sort options)
Index("ix_achievements_region_code", achievements.c.region_code, achievements.c.id)
Index("ix_contracts_status", contracts.c.status, contracts.c.id)
# expression indexes only PostgreSQL gets (migration 0017), matching the ORDER BY of the list sort options;
# not declared here, so the schema comparison leaves them out
POSTGRES_ONLY_INDEXES = frozenset({
    "ix_achievements_by_trl", "ix_achievements_by_year", "ix_achievements_by_price",
    "ix_demands_by_deadline", "ix_demands_by_budget", "ix_demands_by_trl",
})
Index("ix_projects_program", projects.c.program)
Index("ix_record_changes_position", record_changes.c.entity, record_changes.c.txid, record_changes.c.seq)

TABLE_OF: dict[type, Table] = {
    e.Organization: organizations,
    e.Person: people,
    e.Achievement: achievements,
    e.Demand: demands,
    e.Scenario: scenarios,
    e.InvestorProfile: investor_profiles,
    e.Project: projects,
    e.Affiliation: affiliations,
    e.Ownership: ownerships,
    e.Authorship: authorships,
    e.MergeCandidate: merge_candidates,
    e.MergeRecord: merge_records,
    e.ImportBatch: import_batches,
    a.User: users,
    a.LoginSession: login_sessions,
    a.ApiToken: api_tokens,
    a.Invitation: invitations,
    a.Notification: notifications,
    m.Deal: deals,
    m.Offer: offers,
    m.Contract: contracts,
    m.Milestone: milestones,
    m.DealMessage: deal_messages,
    m.Disclosure: disclosures,
    m.IdempotencyKey: idempotency_keys,
    m.AuditEvent: audit_events,
    m.AuditHead: audit_head,
}

def register(tables: dict[type, Table]) -> None:
    """A module's own tables join `TABLE_OF` (each module file calls it last; see below)."""
    TABLE_OF.update(tables)


# Each module keeps its tables in its own file on the same metadata (imported here, once metadata exists).
# Each registers itself, so that importing one of them first (before this file) leaves none out: reading
# `module.TABLE_OF` here would find that module only half imported.
from . import (  # noqa: E402
    accounts_tables,
    batch_tables,
    calls_tables,
    feedback_tables,
    indicators_tables,
    insights_tables,
    reviews_tables,
    talent_tables,
    tasks_tables,
)

MODULE_TABLES = (tasks_tables, indicators_tables, calls_tables, talent_tables, insights_tables,
                 reviews_tables, accounts_tables, feedback_tables, batch_tables)


def map_domain() -> None:
    """Map every domain dataclass onto its table once per process (idempotent)."""
    if mapper_registry.mappers:
        return
    for cls, table in TABLE_OF.items():
        mapper_registry.map_imperatively(cls, table)
