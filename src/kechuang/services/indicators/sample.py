"""The indicators part of the built-in sample: the default Beijing framework, a SYNTHETIC data set for the
16 districts (2021-2025, generated here from a documented model, labelled synthetic), indicators computed
from the platform sample, and one published edition. See docs/indicators.md for the generator."""

from __future__ import annotations

import math
import random
from typing import Any

from sqlalchemy import select

from kechuang.domain.access import Actor
from kechuang.domain.indicators import Framework, FrameworkNode
from kechuang.store.db import UnitOfWork

from .editions import create_edition, publish_edition
from .files import Values
from .frameworks import save_framework
from .platform import PLATFORM_MEASURES, platform_values
from .values import store_values

Frameworks: Any = Framework
FRAMEWORK_KEY = "beijing-districts"
DATASET = "beijing-districts-synthetic"
PLATFORM_DATASET = "beijing-platform"
YEARS = tuple(range(2021, 2026))
SEED = 20261206
MISSING_SHARE = 0.03

# district code, zh, en, functional zone (Beijing's master plan), capacity on a 0-1 scale
DISTRICTS = (
    ("110101", "东城区", "Dongcheng", "core", 0.55),
    ("110102", "西城区", "Xicheng", "core", 0.62),
    ("110105", "朝阳区", "Chaoyang", "central", 0.78),
    ("110106", "丰台区", "Fengtai", "central", 0.45),
    ("110107", "石景山区", "Shijingshan", "central", 0.40),
    ("110108", "海淀区", "Haidian", "central", 0.98),
    ("110109", "门头沟区", "Mentougou", "ecological", 0.12),
    ("110111", "房山区", "Fangshan", "new_town", 0.28),
    ("110112", "通州区", "Tongzhou", "new_town", 0.42),
    ("110113", "顺义区", "Shunyi", "new_town", 0.50),
    ("110114", "昌平区", "Changping", "new_town", 0.60),
    ("110115", "大兴区", "Daxing", "new_town", 0.52),
    ("110116", "怀柔区", "Huairou", "ecological", 0.35),
    ("110117", "平谷区", "Pinggu", "ecological", 0.10),
    ("110118", "密云区", "Miyun", "ecological", 0.12),
    ("110119", "延庆区", "Yanqing", "ecological", 0.08),
)

# code, parent, weight, direction, zh, en, unit,
# (base, spread on capacity, yearly growth, noise sd, log scale) for the synthetic generator
_Spec = tuple[str, str, float, int | None, str, str, str, tuple[float, float, float, float, bool] | None]
NODES: tuple[_Spec, ...] = (
    ("BJ", "", 1, None, "北京区域科技创新综合指数", "Beijing district innovation index", "", None),
    ("CAP", "BJ", 0.4, None, "创新力", "Innovation capacity", "", None),
    ("CAP.IN", "CAP", 1, None, "创新投入", "Innovation inputs", "", None),
    (
        "rd_intensity",
        "CAP.IN",
        2,
        1,
        "R&D经费投入强度",
        "R&D expenditure / GDP",
        "%",
        (1.0, 9.0, 0.03, 0.08, False),
    ),
    (
        "rd_personnel",
        "CAP.IN",
        1,
        1,
        "每万名从业人员R&D人员",
        "R&D personnel per 10k employed",
        "人",
        (40, 520, 0.04, 0.10, False),
    ),
    (
        "gov_st_share",
        "CAP.IN",
        1,
        1,
        "财政科技支出占比",
        "Science spending / public budget",
        "%",
        (2.0, 12.0, 0.02, 0.12, False),
    ),
    ("CAP.OUT", "CAP", 1, None, "创新产出", "Innovation outputs", "", None),
    (
        "patents_per_10k",
        "CAP.OUT",
        2,
        1,
        "每万人发明专利拥有量",
        "Invention patents per 10k residents",
        "件",
        (8, 480, 0.08, 0.12, True),
    ),
    (
        "papers_per_10k",
        "CAP.OUT",
        1,
        1,
        "每万人科技论文数",
        "Scientific papers per 10k residents",
        "篇",
        (2, 160, 0.05, 0.15, True),
    ),
    ("COMP", "BJ", 0.35, None, "竞争力", "Competitiveness", "", None),
    (
        "hightech_share",
        "COMP",
        2,
        1,
        "高技术产业增加值占GDP比重",
        "High-tech value added / GDP",
        "%",
        (6, 38, 0.03, 0.08, False),
    ),
    (
        "hightech_firms",
        "COMP",
        1,
        1,
        "国家高新技术企业数",
        "National high-tech enterprises",
        "家",
        (150, 11000, 0.07, 0.10, True),
    ),
    (
        "productivity",
        "COMP",
        1,
        1,
        "全员劳动生产率",
        "Labour productivity",
        "万元/人",
        (14, 52, 0.05, 0.06, False),
    ),
    (
        "energy_intensity",
        "COMP",
        1,
        -1,
        "万元GDP能耗",
        "Energy use per 10k yuan of GDP",
        "吨标准煤",
        (0.42, -0.32, -0.03, 0.07, False),
    ),
    ("RAD", "BJ", 0.25, None, "辐射力", "Radiating influence", "", None),
    (
        "contract_turnover",
        "RAD",
        2,
        1,
        "技术合同成交额",
        "Technology contract turnover",
        "亿元",
        (4, 2600, 0.09, 0.15, True),
    ),
    (
        "to_tianjin_hebei",
        "RAD",
        1,
        1,
        "流向津冀技术合同成交额占比",
        "Share of turnover to Tianjin-Hebei",
        "%",
        (1.5, 6.5, 0.06, 0.25, False),
    ),
    (
        "to_abroad",
        "RAD",
        1,
        1,
        "技术出口合同成交额占比",
        "Share of turnover abroad",
        "%",
        (0.3, 7.0, 0.02, 0.30, False),
    ),
)


def default_framework() -> list[FrameworkNode]:
    """The framework shipped for Beijing's districts: 创新力, 竞争力, 辐射力 and their indicators."""
    return [
        FrameworkNode(
            code=c,
            parent=p,
            weight=w,
            direction=d,
            name_zh=zh,
            name_en=en,
            unit=unit,
            source="synthetic sample (see docs/indicators.md)" if d is not None else "",
        )
        for c, p, w, d, zh, en, unit, _ in NODES
    ]


def synthetic_beijing(seed: int = SEED, years: tuple[int, ...] = YEARS) -> Values:
    """SYNTHETIC values: value = base + spread * c, grown yearly, times lognormal noise (seeded), where c is
    the district's capacity plus a district-and-indicator offset (sd 0.12, clipped to 0-1).

    A district's capacity (0-1) stands for its place in the master plan (Haidian highest, the ecological
    conservation districts lowest); the numbers are plausible in scale, not statistics of any year. About
    3% of the values are left out at random, as in real statistical yearbooks, so imputation matters.
    """
    rng = random.Random(seed)
    values = Values()
    for code, zh, en, zone, capacity in DISTRICTS:
        values.names[code] = (zh, en)
        values.groups[code] = zone
        for code_, *_rest, model in NODES:
            if model is None:
                continue
            base, spread, growth, noise, log_scale = model
            own = min(1.0, max(0.0, capacity + rng.gauss(0, 0.12)))
            level = base + spread * (own**2 if log_scale else own)
            for k, year in enumerate(years):
                value = level * (1 + growth) ** k * math.exp(rng.gauss(0, noise))
                if rng.random() < MISSING_SHARE:
                    continue
                values.rows.append((code, year, code_, round(max(value, 0.01), 4)))
    return values


def load_indicators_sample(uow: UnitOfWork) -> dict[str, int]:
    """Load this module's sample on an installation that has none yet; returns counts of what it made."""
    with uow() as session:
        if session.scalar(select(Frameworks.id).where(Frameworks.key == FRAMEWORK_KEY).limit(1)):
            return {}
    system = Actor.system("sample")
    save_framework(
        system,
        uow,
        FRAMEWORK_KEY,
        default_framework(),
        name_zh="北京区域科技创新指标体系",
        name_en="Beijing district innovation framework",
        is_sample=True,
        description_zh="创新力、竞争力、辐射力三大支柱；样例数据为合成数据。",
        description_en="Three pillars: innovation capacity, competitiveness, radiating influence; "
        "the sample values are synthetic.",
    )
    synthetic = store_values(
        system, uow, DATASET, synthetic_beijing(), source="synthetic generator", is_sample=True
    )
    units = [code for code, *_ in DISTRICTS]
    with uow() as session:
        rows = platform_values(session, years=YEARS, units=units, codes=list(PLATFORM_MEASURES))
    platform = Values(rows=rows, names={c: (zh, en) for c, zh, en, *_ in DISTRICTS})
    made = store_values(system, uow, PLATFORM_DATASET, platform, source="platform sample", is_sample=True)
    edition = create_edition(
        system,
        uow,
        framework_key=FRAMEWORK_KEY,
        dataset=DATASET,
        index_options={"normalise": "minmax", "range": (0, 100), "aggregate": "arithmetic"},
        uncertainty_options={"runs": 1000},
        title_zh="北京各区科技创新指数（合成样例）",
        title_en="Beijing districts innovation index (synthetic sample)",
        is_sample=True,
    )
    publish_edition(system, uow, edition.id or 0)
    return {"values": synthetic.created, "platform values": made.created, "editions": 1}
