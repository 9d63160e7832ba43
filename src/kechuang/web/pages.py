"""What each registry page shows: list columns, filters, detail fields and the fields of its form."""

from __future__ import annotations

from dataclasses import dataclass

from kechuang.domain.enums import (
    AchievementKind,
    InvestmentStage,
    IPStatus,
    LabelledEnum,
    ListingStatus,
    OrgKind,
    TransferMode,
    Visibility,
)


@dataclass(frozen=True)
class Filter:
    """A list filter: a select of enum values or of numbers, sent to the service as `filters`."""

    field: str
    enum: type[LabelledEnum] | None = None
    numbers: tuple[int, ...] = ()


@dataclass(frozen=True)
class EntityPage:
    """One registry entity as pages show it; `form` is empty for entities without create/edit pages."""

    entity: str
    plural: str
    summary: str  # the long bilingual text shown in lists and on top of the detail page
    columns: tuple[str, ...]
    filters: tuple[Filter, ...]
    form: tuple[str, ...] = ()
    matches: bool = False

    @property
    def key(self) -> str:
        """Catalogue key stem of the entity's names (entity.demand.one, entity.demand.many)."""
        return f"entity.{self.entity}"


VISIBILITY = Filter("visibility", Visibility)
STATUS = Filter("status", ListingStatus)
TRL = tuple(range(1, 10))
# list fields whose items are enum values (stored as plain strings)
ENUM_LISTS: dict[str, type[LabelledEnum]] = {
    "transfer_modes": TransferMode,
    "cooperation_modes": TransferMode,
    "stages": InvestmentStage,
}
TEXTAREAS = {"description_zh", "description_en", "abstract_zh", "abstract_en", "bio_zh", "bio_en"}
DATES = {"deadline", "starts_on", "ends_on", "start_date", "end_date"}

PAGES: dict[str, EntityPage] = {
    page.plural: page
    for page in (
        EntityPage(
            "demand", "demands", "description",
            ("status", "budget_max", "deadline", "required_trl"),
            (STATUS, Filter("required_trl", numbers=TRL), VISIBILITY),
            ("title_zh", "title_en", "description_zh", "description_en", "visibility", "status",
             "budget_min", "budget_max", "deadline", "required_trl", "cooperation_modes",
             "preferred_regions", "keywords_zh", "keywords_en", "discipline_codes", "industry_codes"),
            matches=True,
        ),
        EntityPage(
            "achievement", "achievements", "abstract",
            ("kind", "trl", "ip_status", "year"),
            (Filter("kind", AchievementKind), Filter("trl", numbers=TRL), Filter("ip_status", IPStatus),
             STATUS, VISIBILITY),
            ("title_zh", "title_en", "abstract_zh", "abstract_en", "kind", "visibility", "status", "trl",
             "ip_status", "transfer_modes", "asking_price_min", "asking_price_max", "year", "region_code",
             "keywords_zh", "keywords_en", "discipline_codes", "industry_codes"),
            matches=True,
        ),
        EntityPage(
            "organization", "organizations", "description",
            ("kind", "region_code", "country_code"),
            (Filter("kind", OrgKind), VISIBILITY),
            ("name_zh", "name_en", "kind", "visibility", "region_code", "country_code", "credit_code",
             "website", "description_zh", "description_en", "discipline_codes", "industry_codes",
             "founded_year"),
        ),
        EntityPage(
            "person", "people", "bio",
            ("region_code", "country_code"),
            (VISIBILITY,),
            ("name_zh", "name_en", "visibility", "title_zh", "title_en", "email", "orcid", "region_code",
             "country_code", "discipline_codes", "keywords_zh", "keywords_en", "bio_zh", "bio_en"),
        ),
        EntityPage(
            "scenario", "scenarios", "description",
            ("status", "region_code", "budget", "ends_on"),
            (STATUS, VISIBILITY),
            ("title_zh", "title_en", "description_zh", "description_en", "visibility", "status",
             "region_code", "industry_codes", "keywords_zh", "keywords_en", "budget", "starts_on",
             "ends_on"),
        ),
        EntityPage(
            "investor", "investors", "thesis",
            ("stages", "ticket_min", "ticket_max"),
            (VISIBILITY,),
            ("title_zh", "title_en", "thesis_zh", "thesis_en", "visibility", "industry_codes", "keywords_zh",
             "keywords_en", "stages", "ticket_min", "ticket_max", "regions"),
        ),
        EntityPage(
            "project", "projects", "",
            ("funder", "program", "amount", "start_date"),
            (VISIBILITY,),
            ("title_zh", "title_en", "visibility", "funder", "program", "amount", "start_date", "end_date",
             "rating", "discipline_codes"),
        ),
    )
}
BY_ENTITY = {page.entity: page for page in PAGES.values()}


def url_of(entity: str, record_id: int) -> str:
    """The detail page of a record (match results name their entity by kind)."""
    plural = {"expert": "people"}.get(entity) or BY_ENTITY[entity].plural
    return f"/{plural}/{record_id}"
