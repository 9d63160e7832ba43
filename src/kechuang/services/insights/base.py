"""What every decision-support use case shares: who may see it, and how organizations become graph nodes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.analytics.networks import NodeInfo
from kechuang.domain.access import Actor
from kechuang.domain.codes import code_table, region_group
from kechuang.domain.entities import Organization
from kechuang.domain.enums import OrgKind
from kechuang.domain.errors import NotFound

Orgs: Any = Organization
ACADEMIC_KINDS = {OrgKind.UNIVERSITY, OrgKind.INSTITUTE, OrgKind.FOREIGN_INSTITUTION}
SECTORS = ("academia", "enterprise", "investor", "government", "intermediary", "other")
REGIONS = ("beijing", "tianjin", "hebei", "other_cn", "abroad")
_ACADEMIC_NAMES = (
    "大学",
    "学院",
    "研究院",
    "研究所",
    "研究中心",
    "实验室",
    "university",
    "institute",
    "academy",
)
_ENTERPRISE_NAMES = ("公司", "企业", "集团", "厂", "co.", "ltd", "inc", "gmbh", "corporation")


def require_analyst(actor: Actor) -> None:
    """Decision-support views are for officers and admins; to anyone else they do not exist (404)."""
    if not (actor.is_admin or "officer" in actor.roles):
        raise NotFound("no such page")


def sector_of_kind(kind: OrgKind) -> str:
    """Sector of a registered organization, as the cross-sector measure counts it."""
    if kind in ACADEMIC_KINDS:
        return "academia"
    return {
        OrgKind.ENTERPRISE: "enterprise",
        OrgKind.INVESTOR: "investor",
        OrgKind.GOVERNMENT: "government",
        OrgKind.PARK: "government",
        OrgKind.TECH_TRANSFER: "intermediary",
    }.get(kind, "other")


def sector_of_name(name: str) -> str:
    """Sector of a contract party known only by name (registered contracts often name, not link, them)."""
    folded = name.casefold()
    if any(word in folded for word in _ACADEMIC_NAMES):
        return "academia"
    if any(word in folded for word in _ENTERPRISE_NAMES):
        return "enterprise"
    return "other"


def region_of(region_code: str, country_code: str) -> str:
    """beijing, tianjin, hebei, other_cn or abroad."""
    if (country_code or "CN") != "CN":
        return "abroad"
    return region_group(region_code) if region_code else "other_cn"


@dataclass(frozen=True)
class OrgNode:
    """A graph node: registered organization (`org:ID`) or a contract party known by name (`name:…`)."""

    key: str
    label: str
    info: NodeInfo
    region_code: str = ""
    org_id: int | None = None


def org_key(org_id: int) -> str:
    return f"org:{org_id}"


def organization_nodes(session: Session, lang: str = "zh") -> dict[int, OrgNode]:
    """Every live organization as a node, by id."""
    nodes = {}
    for org in session.scalars(select(Orgs).where(Orgs.merged_into_id.is_(None))):
        label = (org.name_zh or org.name_en) if lang.startswith("zh") else (org.name_en or org.name_zh)
        info = NodeInfo(
            sector=sector_of_kind(org.kind),
            region=region_of(org.region_code, org.country_code),
            country=org.country_code or "CN",
            label=label,
        )
        nodes[org.id] = OrgNode(org_key(org.id), label, info, org.region_code, org.id)
    return nodes


def name_index(session: Session) -> dict[str, int]:
    """Registered organizations by every name and alias (case-folded), so that a contract party known
    only by name joins its organization's node."""
    index: dict[str, int] = {}
    for org_id, zh, en, aliases in session.execute(
        select(Orgs.id, Orgs.name_zh, Orgs.name_en, Orgs.aliases).where(Orgs.merged_into_id.is_(None))
    ):
        for name in (zh, en, *(aliases or [])):
            if name and name.strip():
                index.setdefault(name.strip().casefold(), org_id)
    return index


def field_of(industry_codes: list[str], discipline_codes: list[str]) -> str:
    """A record's field for the radar and the network filter: its first GB/T 4754 division ('i:39'),
    else its first GB/T 13745 first-level discipline ('d:520'), else 'other'."""
    for code in industry_codes:
        if code[:2].isdigit():
            return f"i:{code[:2]}"
    for code in discipline_codes:
        if code[:3].isdigit():
            return f"d:{code[:3]}"
    return "other"


def field_label(field: str, lang: str = "zh") -> str:
    """The field's name from the code tables, e.g. 'i:39' → '39 计算机、通信和其他电子设备制造业'."""
    scheme, _, code = field.partition(":")
    table = {"i": "industry", "d": "discipline"}.get(scheme)
    found = code_table(table).get(code) if table else None
    if found is None:
        return (
            "其他" if lang.startswith("zh") and field == "other" else ("Other" if field == "other" else field)
        )
    return f"{code} {found.label(lang)}"
