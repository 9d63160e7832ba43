"""Write a large synthetic registry as CSV files, deterministic by seed, from recombined real text.

Organizations, people, achievements, demands and registered contracts, with valid GB/T codes, every
visibility level (confidential ones included) and owners, so that list, filter, search and statistics
pages can be measured at national scale (issue 14). The files use PostgreSQL's CSV dialect with NULL
written as \\N, and hold every column of their table, so COPY loads them unchanged.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Boolean, Table

from kechuang.domain.codes import code_table
from kechuang.domain.errors import InvalidInput
from kechuang.store.tables import achievements, contracts, demands, organizations, people

from .sources import Sources, load_sources

NULL = "\\N"
TABLES: dict[str, Table] = {
    "organizations": organizations, "people": people, "achievements": achievements, "demands": demands,
    "contracts": contracts,
}
MAX_ROWS = 50_000_000  # per table: a bound on what one command may ask for
VISIBILITY = (("public", 70), ("members", 20), ("confidential", 10))
ACHIEVEMENT_KINDS = ("patent", "paper", "software", "know_how", "standard", "prototype", "dataset", "other")
IP_STATUS = ("none", "filed", "granted", "copyright", "trade_secret")
CONTRACT_TYPES = ("development", "transfer", "license", "consulting", "service")
CONTRACT_LABEL = {"development": "开发", "transfer": "转让", "license": "许可", "consulting": "咨询",
                  "service": "服务"}
TRANSFER_MODES = ("transfer", "license", "cooperation", "equity")
ORG_SUFFIXES = (
    "科技有限公司", "智能装备有限公司", "新材料股份有限公司", "生物技术有限公司", "信息技术有限公司"
)
DEMAND_OPENERS = ("寻求", "征集", "需要", "拟合作开发")
DEMAND_CLOSERS = ("技术解决方案", "关键技术攻关", "成果转化合作", "联合研发")
EPOCH = datetime(2024, 1, 1)


@dataclass(frozen=True)
class Sizes:
    """How many rows of each table to write."""

    achievements: int
    demands: int
    people: int
    contracts: int
    organizations: int = 0  # 0: one per 50 people, at least 20

    def checked(self) -> Sizes:
        for name in ("achievements", "demands", "people", "contracts", "organizations"):
            value = getattr(self, name)
            if not 0 <= value <= MAX_ROWS:
                raise InvalidInput(f"{name} must be from 0 to {MAX_ROWS}", field=name)
        orgs = self.organizations or max(20, self.people // 50)
        return Sizes(self.achievements, self.demands, self.people, self.contracts, orgs)


def _defaults(table: Table) -> dict[str, Any]:
    """The value written for a column the generator does not fill: its scalar default, [] or '' or NULL."""
    out: dict[str, Any] = {}
    for column in table.columns:
        default: Any = column.default
        if default is not None and getattr(default, "is_scalar", False):
            out[column.name] = getattr(default.arg, "value", default.arg)
        elif isinstance(column.type, JSON):
            out[column.name] = []
        elif isinstance(column.type, Boolean):
            out[column.name] = False
        elif not column.nullable and column.name != "id":
            out[column.name] = ""
        else:
            out[column.name] = None
    return out


def _cell(value: Any) -> Any:
    if value is None:
        return NULL
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, date | datetime):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    return value


LOAD_TIME = frozenset({"confirmed_at"})
"""Columns the loader sets (`load.py`: listings confirmed when loaded), not the seed: not in the files."""


def _write(folder: Path, name: str, rows: Iterator[dict[str, Any]]) -> int:
    table = TABLES[name]
    defaults = _defaults(table)
    columns = [column.name for column in table.columns if column.name not in LOAD_TIME]
    count = 0
    with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row[c]) if c in row else _cell(defaults[c]) for c in columns])
            count += 1
    return count


class Generator:
    """Draws rows from the sources with one random stream per table, so each table is reproducible."""

    def __init__(self, sources: Sources, sizes: Sizes, seed: int) -> None:
        self.src, self.sizes, self.seed = sources, sizes, seed
        regions = code_table("region")
        self.org_region = [""] * (sizes.organizations + 1)
        self.org_name = [""] * (sizes.organizations + 1)
        self.region_names = {code: regions.get(code).label("zh") for code in sources.regions}  # type: ignore[union-attr]

    def _rng(self, table: str) -> random.Random:
        return random.Random(f"{self.seed}:{table}")

    @staticmethod
    def _visibility(rng: random.Random) -> str:
        roll = rng.randrange(100)
        return "public" if roll < 70 else "members" if roll < 90 else "confidential"

    def _stamp(self, n: int) -> datetime:
        return EPOCH + timedelta(seconds=n * 7)

    def _text(self, rng: random.Random, pool: list[str], k: int) -> str:
        return "".join(rng.choice(pool) for _ in range(k))

    def organizations(self) -> Iterator[dict[str, Any]]:
        rng, src = self._rng("organizations"), self.src
        for n in range(1, self.sizes.organizations + 1):
            region = rng.choice(src.regions)
            if n <= len(src.institutions):
                name = src.institutions[n - 1]
                kind = "university" if "大学" in name else "institute"
            else:
                city = self.region_names[region].rstrip("区县市")[:3]
                name = f"{city}{self._text(rng, src.given_chars, 2)}{rng.choice(ORG_SUFFIXES)}"
                kind = "enterprise"
            self.org_region[n], self.org_name[n] = region, name
            yield {
                "id": n, "external_id": f"syn-org-{n:07d}", "visibility": "public", "source": "synthetic",
                "name_zh": name, "kind": kind, "region_code": region, "country_code": "CN",
                "industry_codes": [rng.choice(src.industries)], "created_at": self._stamp(n),
                "updated_at": self._stamp(n), "founded_year": rng.randint(1950, 2023),
            }

    def _owner(self, rng: random.Random) -> int:
        return rng.randint(1, self.sizes.organizations)

    def people(self) -> Iterator[dict[str, Any]]:
        rng, src = self._rng("people"), self.src
        for n in range(1, self.sizes.people + 1):
            org = self._owner(rng)
            paper = rng.choice(src.papers)
            yield {
                "id": n, "external_id": f"syn-person-{n:07d}", "visibility": self._visibility(rng),
                "owner_org_id": org, "source": "synthetic", "organization_id": org,
                "name_zh": rng.choice(src.surnames) + self._text(rng, src.given_chars, rng.choice((1, 2))),
                "title_zh": rng.choice(("教授", "研究员", "副教授", "高级工程师", "工程师")),
                "birth_year": rng.randint(1955, 1998), "region_code": self.org_region[org],
                "discipline_codes": [paper[2]] if paper[2] else [], "keywords_zh": paper[1][:4],
                "bio_zh": rng.choice(src.sentences_zh), "created_at": self._stamp(n),
                "updated_at": self._stamp(n),
            }

    def achievements(self) -> Iterator[dict[str, Any]]:
        rng, src = self._rng("achievements"), self.src
        for n in range(1, self.sizes.achievements + 1):
            title, keywords, discipline = rng.choice(src.papers)
            if rng.random() < 0.6:
                title = rng.choice(src.titles)
            low = round(rng.lognormvariate(12, 1.2), -3)
            english = rng.random() < 0.3
            yield {
                "id": n, "external_id": f"syn-ach-{n:07d}", "visibility": self._visibility(rng),
                "owner_org_id": self._owner(rng), "source": "synthetic", "title_zh": title[:500],
                "abstract_zh": "".join(rng.choice(src.sentences_zh) for _ in range(rng.randint(2, 4))),
                "abstract_en": " ".join(rng.choice(src.sentences_en) for _ in range(2)) if english else "",
                "kind": rng.choice(ACHIEVEMENT_KINDS), "trl": rng.randint(1, 9),
                "ip_status": rng.choice(IP_STATUS),
                "transfer_modes": [rng.choice(TRANSFER_MODES)], "asking_price_min": low,
                "asking_price_max": low * rng.choice((1, 1.5, 2, 3)), "keywords_zh": keywords[:5],
                "discipline_codes": [discipline or rng.choice(src.disciplines)],
                "industry_codes": [rng.choice(src.industries)], "region_code": rng.choice(src.regions),
                "year": rng.randint(2005, 2025), "status": "open" if rng.random() < 0.85 else "closed",
                "created_at": self._stamp(n), "updated_at": self._stamp(n),
            }

    def demands(self) -> Iterator[dict[str, Any]]:
        rng, src = self._rng("demands"), self.src
        for n in range(1, self.sizes.demands + 1):
            _, keywords, discipline = rng.choice(src.papers)
            topic = "、".join(keywords[:2]) or rng.choice(src.titles)[:20]
            low = round(rng.lognormvariate(12.5, 1.0), -3)
            yield {
                "id": n, "external_id": f"syn-dem-{n:07d}", "visibility": self._visibility(rng),
                "owner_org_id": self._owner(rng), "source": "synthetic",
                "title_zh": f"{rng.choice(DEMAND_OPENERS)}{topic}{rng.choice(DEMAND_CLOSERS)}"[:500],
                "description_zh": "".join(rng.choice(src.sentences_zh) for _ in range(2)),
                "budget_min": low, "budget_max": low * 2, "required_trl": rng.randint(3, 9),
                "deadline": date(2025, 1, 1) + timedelta(days=rng.randrange(900)),
                "cooperation_modes": [rng.choice(TRANSFER_MODES)], "keywords_zh": keywords[:5],
                "discipline_codes": [discipline] if discipline else [],
                "industry_codes": [rng.choice(src.industries)],
                "status": "open" if rng.random() < 0.8 else "closed", "created_at": self._stamp(n),
                "updated_at": self._stamp(n),
            }

    def contracts(self) -> Iterator[dict[str, Any]]:
        rng, src = self._rng("contracts"), self.src
        first = date(2016, 1, 1)
        for n in range(1, self.sizes.contracts + 1):
            seller, buyer = self._owner(rng), self._owner(rng)
            kind = rng.choice(CONTRACT_TYPES)
            signed = first + timedelta(days=rng.randrange(3650))
            registered = rng.random() < 0.9
            amount = round(rng.lognormvariate(12, 1.5), 2)
            title, _, discipline = rng.choice(src.papers)
            yield {
                "id": n, "external_id": f"syn-con-{n:08d}", "contract_type": kind,
                "title": f"{title[:60]}技术{CONTRACT_LABEL[kind]}合同",
                "seller_org_id": seller, "buyer_org_id": buyer,
                "seller_name": self.org_name[seller], "buyer_name": self.org_name[buyer],
                "seller_region_code": self.org_region[seller], "buyer_region_code": self.org_region[buyer],
                "contract_amount": amount, "transaction_amount": round(amount * rng.uniform(0.3, 1.0), 2),
                "signed_on": signed, "starts_on": signed, "ends_on": signed + timedelta(days=365),
                "discipline_codes": [discipline or rng.choice(src.disciplines)],
                "industry_codes": [rng.choice(src.industries)],
                "status": "registered" if registered else rng.choice(("draft", "submitted")),
                "registration_number": (
                    f"{signed.year}{self.org_region[seller][:2]}{n:08d}" if registered else ""
                ),
                "registered_on": signed + timedelta(days=rng.randrange(60)) if registered else None,
                "registrar": "synthetic" if registered else "", "source": "synthetic",
                "created_at": datetime.combine(signed, datetime.min.time()),
            }


def generate(out: Path, sizes: Sizes, seed: int, source: Path,
             progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Write the five tables' CSV files and a manifest.json into `out`; returns rows per table."""
    sizes = sizes.checked()
    out.mkdir(parents=True, exist_ok=True)
    generator = Generator(load_sources(source), sizes, seed)
    written: dict[str, int] = {}
    for name in TABLES:  # organizations first: later tables read their names and regions
        written[name] = _write(out, name, getattr(generator, name)())
        if progress is not None:
            progress(name, written[name])
    manifest = {"seed": seed, "rows": written, "null": NULL, "format": "csv"}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return written
