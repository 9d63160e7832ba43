"""JSON API of composite index (m7): frameworks, indicator values, platform measures, index editions.

Frameworks and platform-measure definitions are method and public. Editions are visible to officers and
admins while drafts; a published edition is readable without an account (drafts are 404 to others).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from kechuang.config import Settings
from kechuang.domain.access import Actor
from kechuang.domain.errors import NotFound
from kechuang.domain.indicators import Framework, FrameworkNode, IndexEdition
from kechuang.services.indicators import editions, exports, frameworks, values
from kechuang.services.indicators.platform import PLATFORM_MEASURES
from kechuang.store.db import UnitOfWork

from ..body_limit import BodyTooLarge
from ..deps import current_actor, get_settings, get_uow, signed_in
from ..params import ItemId, LongText, ShortText

router = APIRouter(prefix="/api", tags=["indicators"])
Key = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_-]+$")
Code = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[\w.\-]+$")]
Name = Annotated[ShortText, Field(max_length=300)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class NodeIn(BaseModel):
    code: Code
    parent: Code | Literal[""] = ""
    weight: float = Field(1.0, ge=0, le=1e6, allow_inf_nan=False)
    direction: Literal[1, -1] | None = None
    name_zh: Name = ""
    name_en: Name = ""
    unit: Annotated[ShortText, Field(max_length=80)] = ""
    source: Name = ""
    target: float | None = Field(None, ge=-1e15, le=1e15, allow_inf_nan=False)


class FrameworkIn(BaseModel):
    name_zh: Name = ""
    name_en: Name = ""
    description_zh: Annotated[LongText, Field(max_length=5000)] = ""
    description_en: Annotated[LongText, Field(max_length=5000)] = ""
    nodes: list[NodeIn] = Field(min_length=2, max_length=2000)


class FrameworkOut(BaseModel):
    id: int
    key: str
    version: int
    name_zh: str
    name_en: str
    description_zh: str
    description_en: str
    nodes: list[dict[str, Any]]
    created_by: str


class IndexOptions(BaseModel):
    impute: Literal["none", "mean", "median"] = "none"
    impute_by_group: bool = False
    winsorise: bool = False
    normalise: Literal["minmax", "zscore", "rank", "target"] = "minmax"
    range: tuple[Annotated[float, Field(ge=-1e9, le=1e9, allow_inf_nan=False)], ...] = Field(
        (0.0, 100.0), min_length=2, max_length=2
    )
    weights: Literal["framework", "equal", "pca"] = "framework"
    aggregate: Literal["arithmetic", "geometric"] = "arithmetic"
    years: list[Annotated[int, Field(ge=1900, le=2200)]] = Field(default_factory=list, max_length=100)
    min_coverage: float = Field(0.0, ge=0, le=1)


class UncertaintyOptions(BaseModel):
    runs: int = Field(1000, ge=0, le=5000)
    seed: int = Field(20261206, ge=0, le=2**32 - 1)
    weight_spread: float = Field(0.25, ge=0, lt=1)


class EditionIn(BaseModel):
    framework_key: str = Key
    framework_version: int | None = Field(None, ge=1, le=100_000)
    dataset: str = Key
    title_zh: Name = ""
    title_en: Name = ""
    index: IndexOptions = Field(default_factory=IndexOptions)
    uncertainty: UncertaintyOptions = Field(default_factory=UncertaintyOptions)


class EditionOut(BaseModel):
    id: int
    title_zh: str
    title_en: str
    status: str
    dataset: str
    framework_id: int
    config: dict[str, Any]
    years: list[int]
    units: list[str]
    created_by: str
    created_at: Any = None
    published_at: Any = None


def _framework(found: Framework) -> FrameworkOut:
    return FrameworkOut(
        id=found.id or 0,
        key=found.key,
        version=found.version,
        name_zh=found.name_zh,
        name_en=found.name_en,
        description_zh=found.description_zh,
        description_en=found.description_en,
        nodes=found.nodes,
        created_by=found.created_by,
    )


def _edition(found: IndexEdition) -> EditionOut:
    return EditionOut(
        id=found.id or 0,
        title_zh=found.title_zh,
        title_en=found.title_en,
        status=found.status.value,
        dataset=found.dataset,
        framework_id=found.framework_id,
        config=found.config,
        years=found.results.get("years", []),
        units=found.results.get("units", []),
        created_by=found.created_by,
        created_at=found.created_at,
        published_at=found.published_at,
    )


@router.get("/indicators/measures", summary="Indicators computed from the platform's own data")
def measures() -> list[dict[str, Any]]:
    return [vars(m) for m in PLATFORM_MEASURES.values()]


@router.get("/indicators/frameworks", summary="The latest version of every framework")
def list_frameworks(uow: UnitOfWork = Depends(get_uow)) -> list[FrameworkOut]:
    return [_framework(f) for f in frameworks.list_frameworks(uow)]


@router.get("/indicators/frameworks/{key}", summary="One framework (latest version, or ?version=N)")
def get_framework(
    key: str, version: int | None = Query(None, ge=1, le=100000), uow: UnitOfWork = Depends(get_uow)
) -> FrameworkOut:
    return _framework(frameworks.get_framework(uow, key[:80], version))


@router.put("/indicators/frameworks/{key}", summary="Save a new version of a framework (officers)")
def save_framework(
    key: str, body: FrameworkIn, actor: Actor = Depends(signed_in), uow: UnitOfWork = Depends(get_uow)
) -> FrameworkOut:
    nodes = [FrameworkNode(**n.model_dump()) for n in body.nodes]
    saved = frameworks.save_framework(
        actor,
        uow,
        key,
        nodes,
        name_zh=body.name_zh,
        name_en=body.name_en,
        description_zh=body.description_zh,
        description_en=body.description_en,
    )
    return _framework(saved)


@router.post("/indicators/datasets/{dataset}/values", summary="Import indicator values (officers)")
def import_values(
    dataset: str,
    file: UploadFile = File(...),
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
    settings: Settings = Depends(get_settings),
) -> dict[str, Any]:
    """Long (unit,year,indicator,value) or wide CSV/XLSX; one bad row rejects the file, errors located."""
    content = file.file.read(settings.max_upload_bytes + 1)
    if len(content) > settings.max_upload_bytes:
        raise BodyTooLarge(settings.max_upload_bytes)
    done = values.import_values(actor, uow, dataset, file.filename or "values.csv", content)
    return vars(done)


@router.get("/indicators/editions", summary="Index editions (published; drafts too for officers)")
def list_editions(
    actor: Actor = Depends(current_actor), uow: UnitOfWork = Depends(get_uow)
) -> list[EditionOut]:
    return [_edition(e) for e in editions.list_editions(actor, uow)]


@router.post("/indicators/editions", status_code=201, summary="Compute and keep an index edition (officers)")
def create_edition(
    body: EditionIn, actor: Actor = Depends(signed_in), uow: UnitOfWork = Depends(get_uow)
) -> EditionOut:
    made = editions.create_edition(
        actor,
        uow,
        framework_key=body.framework_key,
        framework_version=body.framework_version,
        dataset=body.dataset,
        index_options=body.index.model_dump(),
        uncertainty_options=body.uncertainty.model_dump(),
        title_zh=body.title_zh,
        title_en=body.title_en,
    )
    return _edition(made)


@router.get("/indicators/editions/{edition_id}", summary="One edition's configuration")
def get_edition(
    edition_id: ItemId, actor: Actor = Depends(current_actor), uow: UnitOfWork = Depends(get_uow)
) -> EditionOut:
    return _edition(editions.get_edition(actor, uow, edition_id))


@router.get("/indicators/editions/{edition_id}/ranking", summary="Units by rank of a node in a year")
def ranking(
    edition_id: ItemId,
    year: int | None = Query(None, ge=1900, le=2200),
    code: str | None = Query(None, max_length=80),
    actor: Actor = Depends(current_actor),
    uow: UnitOfWork = Depends(get_uow),
) -> list[dict[str, Any]]:
    return editions.ranking(editions.get_edition(actor, uow, edition_id), year, code)


@router.get("/indicators/editions/{edition_id}/audit", summary="Correlations, Cronbach's alpha, warnings")
def audit(
    edition_id: ItemId,
    year: int | None = Query(None, ge=1900, le=2200),
    actor: Actor = Depends(current_actor),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, Any]:
    results = editions.get_edition(actor, uow, edition_id).results
    key = str(year if year is not None else results["years"][-1])
    if key not in results["audit"]:
        raise NotFound(f"no year {key} in this edition")
    found: dict[str, Any] = results["audit"][key]
    return found


@router.get("/indicators/editions/{edition_id}/sensitivity", summary="Rank intervals and sensitivity indices")
def sensitivity(
    edition_id: ItemId, actor: Actor = Depends(current_actor), uow: UnitOfWork = Depends(get_uow)
) -> dict[str, Any]:
    return editions.get_edition(actor, uow, edition_id).results.get("uncertainty") or {}


@router.post("/indicators/editions/{edition_id}/publish", summary="Publish an edition (officers)")
def publish(
    edition_id: ItemId, actor: Actor = Depends(signed_in), uow: UnitOfWork = Depends(get_uow)
) -> EditionOut:
    return _edition(editions.publish_edition(actor, uow, edition_id))


@router.post("/indicators/editions/{edition_id}/regenerate", summary="Recompute from raw data and config")
def regenerate(
    edition_id: ItemId, actor: Actor = Depends(current_actor), uow: UnitOfWork = Depends(get_uow)
) -> dict[str, Any]:
    return editions.regenerate(actor, uow, edition_id)


@router.get("/indicators/editions/{edition_id}/export.xlsx", summary="Every table of an edition as XLSX")
def export(
    edition_id: ItemId,
    lang: Literal["zh", "en"] = "zh",
    actor: Actor = Depends(current_actor),
    uow: UnitOfWork = Depends(get_uow),
) -> Response:
    edition = editions.get_edition(actor, uow, edition_id)
    nodes, units = exports.edition_labels(uow, edition, lang)
    body = exports.edition_xlsx(edition, nodes, units, lang)
    headers = {"Content-Disposition": f'attachment; filename="index-edition-{edition_id}.xlsx"'}
    return Response(body, media_type=XLSX, headers=headers)
