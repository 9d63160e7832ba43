"""Industry chains (三链联动) as staged sets of GB/T 4754 codes, and the chains Kechuang ships.

A chain runs upstream to downstream through four stages (materials → components → systems →
applications); each node names the industries (GB/T 4754 code prefixes) and keywords that identify its
suppliers, achievements, demands and contracts. Officers edit chains; these three ship as a start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from .enums import LabelledEnum, add_labels
from .errors import InvalidFields

CHAIN_CODE = re.compile(r"^[a-z][a-z0-9-]{1,59}$")
INDUSTRY_CODE = re.compile(r"^(?:[A-T]|\d{2,4})$")
MAX_NODES = 60
MAX_CODES = 20
MAX_KEYWORDS = 30


class ChainStage(LabelledEnum):
    MATERIALS = "materials"
    COMPONENTS = "components"
    SYSTEMS = "systems"
    APPLICATIONS = "applications"


add_labels(
    [
        (ChainStage.MATERIALS, ("上游材料与装备", "Materials and equipment")),
        (ChainStage.COMPONENTS, ("核心部件", "Components")),
        (ChainStage.SYSTEMS, ("系统集成", "Systems")),
        (ChainStage.APPLICATIONS, ("应用与服务", "Applications")),
    ]
)
STAGE_ORDER = {stage: index for index, stage in enumerate(ChainStage)}


@dataclass(kw_only=True, eq=False)
class Chain:
    """An industry chain an officer watches, e.g. integrated circuits."""

    id: int | None = None
    code: str = ""
    name_zh: str = ""
    name_en: str = ""
    description_zh: str = ""
    description_en: str = ""
    version: int = 1
    is_sample: bool = False
    updated_by: str = ""
    updated_at: datetime | None = None


@dataclass(kw_only=True, eq=False)
class ChainNode:
    """One link of a chain: a stage, a bilingual name, the industries and keywords that identify it."""

    id: int | None = None
    chain_id: int = 0
    stage: ChainStage = ChainStage.MATERIALS
    position: int = 0
    name_zh: str = ""
    name_en: str = ""
    industry_codes: list[str] = field(default_factory=list)
    keywords_zh: list[str] = field(default_factory=list)
    keywords_en: list[str] = field(default_factory=list)


def industry_matches(node_codes: list[str], record_codes: list[str]) -> bool:
    """A record belongs to a node when one of its codes falls under one of the node's codes ('3841' is under
    '384'), or is a group (3+ digits) above a finer node's code: an organization coded '384' may supply
    '3841'; a division ('38') is too broad to say so."""
    return any(
        code.startswith(wanted) or (len(code) >= 3 and wanted.startswith(code))
        for wanted in node_codes
        for code in record_codes
        if code
    )


def check_chain(code: str, name_zh: str, name_en: str, nodes: list[dict[str, object]]) -> None:
    """Refuse a malformed chain with every problem named by field."""
    problems: dict[str, str] = {}
    if not CHAIN_CODE.fullmatch(code or ""):
        problems["code"] = "2-60 lowercase letters, digits and hyphens, starting with a letter"
    if not (name_zh or name_en).strip():
        problems["name_zh"] = "a chain needs a name in Chinese or English"
    if not 1 <= len(nodes) <= MAX_NODES:
        problems["nodes"] = f"a chain needs 1 to {MAX_NODES} nodes"
    for index, node in enumerate(nodes):
        prefix = f"nodes[{index}]"
        if str(node.get("stage")) not in {s.value for s in ChainStage}:
            problems[f"{prefix}.stage"] = "one of: " + ", ".join(s.value for s in ChainStage)
        if not (str(node.get("name_zh") or "") + str(node.get("name_en") or "")).strip():
            problems[f"{prefix}.name_zh"] = "a node needs a name"
        codes = node.get("industry_codes") or []
        if (
            not isinstance(codes, list)
            or len(codes) > MAX_CODES
            or not all(isinstance(c, str) and INDUSTRY_CODE.fullmatch(c) for c in codes)
        ):
            problems[f"{prefix}.industry_codes"] = f"up to {MAX_CODES} GB/T 4754 codes (letter or 2-4 digits)"
        for lang in ("zh", "en"):
            words = node.get(f"keywords_{lang}") or []
            if (
                not isinstance(words, list)
                or len(words) > MAX_KEYWORDS
                or not all(isinstance(w, str) and 0 < len(w.strip()) <= 60 for w in words)
            ):
                problems[f"{prefix}.keywords_{lang}"] = f"up to {MAX_KEYWORDS} keywords of 1-60 characters"
        if not codes and not (node.get("keywords_zh") or node.get("keywords_en")):
            problems[f"{prefix}.industry_codes"] = "a node needs industry codes or keywords to be found by"
    if problems:
        raise InvalidFields(problems)


def _node(
    stage: str, zh: str, en: str, codes: list[str], kw_zh: list[str], kw_en: list[str]
) -> dict[str, object]:
    return {
        "stage": stage,
        "name_zh": zh,
        "name_en": en,
        "industry_codes": codes,
        "keywords_zh": kw_zh,
        "keywords_en": kw_en,
    }


SHIPPED_CHAINS: list[dict[str, object]] = [
    {
        "code": "nev-battery",
        "name_zh": "新能源汽车与动力电池",
        "name_en": "New-energy vehicles and batteries",
        "description_zh": "从电池材料、电芯与功率器件，到电池管理与整车，再到充换电、储能与回收。",
        "description_en": "From battery materials, cells and power devices to battery management and "
        "vehicles, then charging, storage and recycling.",
        "nodes": [
            _node(
                "materials",
                "正负极与电解质材料",
                "Cathode, anode and electrolyte materials",
                ["2613", "3091", "2662"],
                ["正极材料", "负极材料", "电解质", "电解液", "隔膜"],
                ["cathode", "anode", "electrolyte", "separator"],
            ),
            _node(
                "components",
                "动力电池电芯",
                "Battery cells",
                ["3841", "3842", "3849"],
                ["锂电池", "固态电池", "钠离子电池", "电芯"],
                ["lithium battery", "solid-state battery", "sodium-ion battery", "battery cell"],
            ),
            _node(
                "components",
                "车规功率半导体",
                "Automotive power semiconductors",
                ["3824", "3972"],
                ["碳化硅", "功率器件", "IGBT"],
                ["silicon carbide", "power device", "IGBT"],
            ),
            _node(
                "systems",
                "电池管理与电驱系统",
                "Battery management and e-drives",
                ["367"],
                ["电池管理", "电驱", "热失控"],
                ["battery management", "e-drive", "thermal runaway"],
            ),
            _node(
                "systems",
                "新能源整车",
                "New-energy vehicles",
                ["3612"],
                ["新能源汽车", "电动汽车"],
                ["electric vehicle", "new-energy vehicle"],
            ),
            _node(
                "applications",
                "充换电与储能",
                "Charging and energy storage",
                ["4419"],
                ["储能", "充电", "换电"],
                ["energy storage", "charging", "battery swapping"],
            ),
            _node(
                "applications",
                "动力电池回收",
                "Battery recycling",
                ["4220"],
                ["电池回收", "梯次利用"],
                ["battery recycling", "second-life battery"],
            ),
        ],
    },
    {
        "code": "integrated-circuits",
        "name_zh": "集成电路",
        "name_en": "Integrated circuits",
        "description_zh": "从电子材料与半导体装备，到芯片设计与制造、封装器件，再到整机与智能应用。",
        "description_en": "From electronic materials and semiconductor equipment to chip design and "
        "fabrication, packaged devices, systems and intelligent applications.",
        "nodes": [
            _node(
                "materials",
                "电子专用材料",
                "Electronic materials",
                ["3985"],
                ["光刻胶", "硅片", "电子材料"],
                ["photoresist", "wafer", "electronic materials"],
            ),
            _node(
                "materials",
                "半导体专用设备",
                "Semiconductor equipment",
                ["3562"],
                ["刻蚀", "光刻机", "半导体设备"],
                ["etching", "lithography", "semiconductor equipment"],
            ),
            _node(
                "components",
                "芯片设计",
                "Chip design",
                ["652"],
                ["芯片设计", "存算一体", "AI芯片", "RISC-V"],
                ["chip design", "compute-in-memory", "AI chip", "RISC-V"],
            ),
            _node(
                "components",
                "晶圆制造与器件",
                "Wafer fabrication and devices",
                ["3972", "3973", "3976"],
                ["集成电路制造", "流片", "光电子"],
                ["fabrication", "tape-out", "optoelectronics"],
            ),
            _node(
                "systems",
                "显示与模组",
                "Displays and modules",
                ["3974"],
                ["显示", "模组"],
                ["display", "module"],
            ),
            _node(
                "applications",
                "智能终端与边缘计算",
                "Smart devices and edge computing",
                ["3964", "6513"],
                ["边缘计算", "机器人", "智能终端"],
                ["edge computing", "robot", "smart device"],
            ),
        ],
    },
    {
        "code": "biomedicine",
        "name_zh": "生物医药",
        "name_en": "Biomedicine",
        "description_zh": "从原料药与医用材料，到生物药与制剂、医疗器械，再到临床研究与医疗服务。",
        "description_en": "From active ingredients and medical materials to biologics, formulations and "
        "medical devices, then clinical research and care.",
        "nodes": [
            _node(
                "materials",
                "原料药与医用材料",
                "Active ingredients and medical materials",
                ["271", "2770"],
                ["原料药", "医用材料"],
                ["active pharmaceutical ingredient", "medical material"],
            ),
            _node(
                "components",
                "生物药与疫苗",
                "Biologics and vaccines",
                ["276"],
                ["抗体", "疫苗", "基因治疗"],
                ["antibody", "vaccine", "gene therapy"],
            ),
            _node(
                "components",
                "化学药制剂",
                "Chemical formulations",
                ["272"],
                ["制剂", "缓释"],
                ["formulation", "sustained release"],
            ),
            _node(
                "systems",
                "医疗器械与诊断设备",
                "Medical devices and diagnostics",
                ["358"],
                ["医疗器械", "诊断", "影像"],
                ["medical device", "diagnostics", "imaging"],
            ),
            _node(
                "applications",
                "医学研究与临床试验",
                "Medical research and clinical trials",
                ["734"],
                ["临床试验", "医学研究"],
                ["clinical trial", "medical research"],
            ),
            _node(
                "applications",
                "医疗服务",
                "Hospital care",
                ["841"],
                ["医院", "临床"],
                ["hospital", "clinical"],
            ),
        ],
    },
]
