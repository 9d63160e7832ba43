"""What a technology-contract registrar (技术合同登记机构) records beyond the amount, as data.

Sub-types follow the contract types of the registration rules (技术合同认定规则, with licences apart from
transfers since the Civil Code); the technical fields are the 技术领域 of the registration form; the
party kinds are the seller and buyer categories of the statistics; tax relief follows the VAT exemption
of technology development, transfer and licensing (and their related consulting and services) and the
income-tax relief of technology-transfer income.
"""

from __future__ import annotations

from dataclasses import dataclass

# contract type -> ((sub-type, zh, en), ...)
CONTRACT_SUBTYPES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "development": (
        ("commissioned", "委托开发", "Commissioned development"),
        ("cooperative", "合作开发", "Cooperative development"),
    ),
    "transfer": (
        ("patent_right", "专利权转让", "Patent assignment"),
        ("patent_application", "专利申请权转让", "Patent application assignment"),
        ("technical_secret", "技术秘密转让", "Technical secret transfer"),
        ("software_copyright", "计算机软件著作权转让", "Software copyright assignment"),
        ("ic_layout", "集成电路布图设计专有权转让", "IC layout-design right assignment"),
        ("plant_variety", "植物新品种权转让", "Plant variety right assignment"),
        ("other_transfer", "其他技术转让", "Other technology transfer"),
    ),
    "license": (
        ("patent_license", "专利实施许可", "Patent licence"),
        ("secret_license", "技术秘密使用许可", "Technical secret licence"),
        ("software_license", "计算机软件著作权许可", "Software copyright licence"),
        ("ic_layout_license", "集成电路布图设计许可", "IC layout-design licence"),
        ("plant_variety_license", "植物新品种权许可", "Plant variety licence"),
        ("other_license", "其他技术许可", "Other technology licence"),
    ),
    "consulting": (
        ("feasibility", "可行性论证", "Feasibility study"),
        ("forecast", "技术预测", "Technology forecast"),
        ("survey", "专题技术调查", "Special technical survey"),
        ("evaluation", "分析评价报告", "Analysis and evaluation report"),
        ("other_consulting", "其他技术咨询", "Other technical consulting"),
    ),
    "service": (
        ("technical_service", "解决特定技术问题", "Solving a specific technical problem"),
        ("training", "技术培训", "Technical training"),
        ("intermediary", "技术中介", "Technology intermediary"),
        ("other_service", "其他技术服务", "Other technical service"),
    ),
}

TECH_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("electronic_information", "电子信息", "Electronic information"),
    ("aerospace", "航空航天", "Aerospace"),
    ("advanced_manufacturing", "先进制造", "Advanced manufacturing"),
    ("biomedicine", "生物、医药和医疗器械", "Biology, medicine and medical devices"),
    ("new_materials", "新材料及其应用", "New materials and their applications"),
    ("new_energy", "新能源与高效节能", "New energy and energy efficiency"),
    ("environment", "环境保护与资源综合利用", "Environmental protection and resource use"),
    ("nuclear", "核应用", "Nuclear applications"),
    ("agriculture", "农业", "Agriculture"),
    ("transport", "现代交通", "Modern transport"),
    ("urban_social", "城市建设与社会发展", "Urban construction and social development"),
)

PARTY_KINDS: tuple[tuple[str, str, str], ...] = (
    ("enterprise", "企业", "Enterprise"),
    ("university", "高等院校", "University"),
    ("research_institute", "科研院所", "Research institute"),
    ("government", "机关", "Government body"),
    ("public_institution", "其他事业单位", "Other public institution"),
    ("social_organization", "社会团体", "Social organization"),
    ("individual", "个人", "Individual"),
    ("other", "其他", "Other"),
)

# The registration form's party kind suggested by an organization's kind in the registry (domain.enums);
# a technology-transfer office may be a company or a university's unit, so it gets no suggestion
PARTY_KIND_OF_ORG: dict[str, str] = {
    "enterprise": "enterprise",
    "investor": "enterprise",
    "university": "university",
    "institute": "research_institute",
    "think_tank": "research_institute",
    "government": "government",
    "park": "public_institution",
    "hospital": "public_institution",
    "foreign_institution": "other",
    "other": "other",
}

# Every type may be VAT-exempt (consulting and services when tied to a development or transfer), but only
# transfers and licences earn technology-transfer income; the flags record eligibility, not the decision.
INCOME_TAX_TYPES = frozenset({"transfer", "license"})


@dataclass(frozen=True)
class Choice:
    """One allowed value with its labels."""

    value: str
    zh: str
    en: str

    def label(self, lang: str) -> str:
        return self.zh if lang.startswith("zh") else self.en


def _choices(rows: tuple[tuple[str, str, str], ...]) -> tuple[Choice, ...]:
    return tuple(Choice(*row) for row in rows)


def subtypes(contract_type: str) -> tuple[Choice, ...]:
    return _choices(CONTRACT_SUBTYPES.get(contract_type, ()))


def all_subtypes() -> tuple[Choice, ...]:
    return tuple(c for kind in CONTRACT_SUBTYPES for c in subtypes(kind))


def tech_fields() -> tuple[Choice, ...]:
    return _choices(TECH_FIELDS)


def party_kinds() -> tuple[Choice, ...]:
    return _choices(PARTY_KINDS)


def registration_choices() -> tuple[Choice, ...]:
    """Every choice of the registration form (sub-types, fields, party kinds), for translating messages."""
    return (*all_subtypes(), *tech_fields(), *party_kinds())


def pick(choices: tuple[Choice, ...], raw: str, what: str) -> str:
    """The value of `raw` given as a value or a label in either language; a clear error otherwise."""
    text = raw.strip()
    key = text.lower().replace(" ", "_").replace("-", "_")
    for choice in choices:
        if key == choice.value or text == choice.zh or text.lower() == choice.en.lower():
            return choice.value
    allowed = ", ".join(c.value for c in choices)
    raise ValueError(f"'{raw}' is not one of: {allowed}")


def label_of(choices: tuple[Choice, ...], value: str | None, lang: str) -> str:
    for choice in choices:
        if choice.value == value:
            return choice.label(lang)
    return value or ""


def registration_errors(
    contract_type: str,
    contract_amount: float,
    *,
    subtype: str | None = None,
    transaction_amount: float | None = None,
    materials_amount: float | None = None,
    other_amount: float | None = None,
    income_tax_relief: bool | None = None,
) -> list[tuple[str, str]]:
    """(field, reason) for every registration rule a contract's values break, all at once."""
    errors: list[tuple[str, str]] = []
    if subtype and subtype not in {c.value for c in subtypes(contract_type)}:
        errors.append(("contract_subtype", f"sub-type '{subtype}' does not belong to contract type "
                                           f"'{contract_type}'"))
    parts = [a for a in (transaction_amount, materials_amount, other_amount) if a is not None]
    if len(parts) > 1 and sum(parts) > contract_amount + 0.005:
        errors.append(
            ("transaction_amount", "the technology and non-technical parts exceed the contract amount")
        )
    if income_tax_relief and contract_type not in INCOME_TAX_TYPES:
        errors.append(("income_tax_relief", "income-tax relief applies to technology transfer and "
                                            "licensing only"))
    return errors
