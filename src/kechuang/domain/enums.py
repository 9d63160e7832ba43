"""Controlled vocabularies of the registry, each value with a Chinese and an English label."""

from __future__ import annotations

from enum import StrEnum


class LabelledEnum(StrEnum):
    """A string enum whose members carry `zh` and `en` labels for the interface."""

    @property
    def zh(self) -> str:
        return _LABELS[(type(self), self.value)][0]

    @property
    def en(self) -> str:
        return _LABELS[(type(self), self.value)][1]

    def label(self, lang: str) -> str:
        return self.zh if lang.startswith("zh") else self.en

    @classmethod
    def parse(cls, raw: str) -> LabelledEnum:
        """Accept the value, the Chinese label or the English label (case-insensitive)."""
        text = raw.strip()
        key = text.lower().replace(" ", "_").replace("-", "_")
        for member in cls:
            if key == member.value or text == member.zh or text.lower() == member.en.lower():
                return member
        allowed = ", ".join(m.value for m in cls)
        raise ValueError(f"'{raw}' is not one of: {allowed}")


class Visibility(LabelledEnum):
    PUBLIC = "public"
    MEMBERS = "members"
    CONFIDENTIAL = "confidential"


class OrgKind(LabelledEnum):
    UNIVERSITY = "university"
    INSTITUTE = "institute"
    ENTERPRISE = "enterprise"
    INVESTOR = "investor"
    TECH_TRANSFER = "tech_transfer"
    GOVERNMENT = "government"
    PARK = "park"
    FOREIGN_INSTITUTION = "foreign_institution"
    THINK_TANK = "think_tank"
    HOSPITAL = "hospital"
    OTHER = "other"


class AchievementKind(LabelledEnum):
    PATENT = "patent"
    PAPER = "paper"
    SOFTWARE = "software"
    KNOW_HOW = "know_how"
    NEW_VARIETY = "new_variety"
    STANDARD = "standard"
    PROTOTYPE = "prototype"
    DATASET = "dataset"
    OTHER = "other"


class IPStatus(LabelledEnum):
    NONE = "none"
    FILED = "filed"
    GRANTED = "granted"
    COPYRIGHT = "copyright"
    TRADE_SECRET = "trade_secret"
    EXPIRED = "expired"


class TransferMode(LabelledEnum):
    """How an achievement may change hands (技术转让、许可、作价入股、合作开发...)."""

    LICENSE = "license"
    ASSIGNMENT = "assignment"
    EQUITY = "equity"
    JOINT_DEVELOPMENT = "joint_development"
    COMMISSIONED_DEVELOPMENT = "commissioned_development"
    CONSULTING = "consulting"
    SERVICE = "service"


class ListingStatus(LabelledEnum):
    DRAFT = "draft"
    OPEN = "open"
    IN_NEGOTIATION = "in_negotiation"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


class InvestmentStage(LabelledEnum):
    SEED = "seed"
    ANGEL = "angel"
    SERIES_A = "series_a"
    SERIES_B = "series_b"
    SERIES_C_PLUS = "series_c_plus"
    GROWTH = "growth"
    PRE_IPO = "pre_ipo"


class AffiliationRole(LabelledEnum):
    EMPLOYEE = "employee"
    PRINCIPAL_INVESTIGATOR = "principal_investigator"
    STUDENT = "student"
    VISITING = "visiting"
    ADVISOR = "advisor"


class Role(LabelledEnum):
    """What a user does on the platform; decides which actions the services allow."""

    ADMIN = "admin"
    OFFICER = "officer"
    ENTERPRISE = "enterprise"
    INSTITUTION = "institution"
    RESEARCHER = "researcher"
    INVESTOR = "investor"
    FOREIGN_PARTNER = "foreign_partner"
    REGISTRAR = "registrar"


class NotificationKind(LabelledEnum):
    NEW_MATCH = "new_match"
    MESSAGE = "message"
    ACCOUNT = "account"
    DEAL = "deal"
    SAVED_SEARCH = "saved_search"
    FEEDBACK = "feedback"  # a listing's owner found one of your records useful
    REMINDER = "reminder"  # your listing expires soon: confirm it is still current


class MergeStatus(LabelledEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


# pairs, not a dict literal: StrEnum members of different enums with one value (OrgKind.ENTERPRISE,
# Role.ENTERPRISE) are equal as strings and would overwrite each other as keys
_LABEL_PAIRS: list[tuple[StrEnum, tuple[str, str]]] = [
    (Visibility.PUBLIC, ("公开", "Public")),
    (Visibility.MEMBERS, ("会员可见", "Members only")),
    (Visibility.CONFIDENTIAL, ("保密", "Confidential")),
    (OrgKind.UNIVERSITY, ("高校", "University")),
    (OrgKind.INSTITUTE, ("科研院所", "Research institute")),
    (OrgKind.ENTERPRISE, ("企业", "Enterprise")),
    (OrgKind.INVESTOR, ("投资机构", "Investor")),
    (OrgKind.TECH_TRANSFER, ("技术转移机构", "Tech-transfer agency")),
    (OrgKind.GOVERNMENT, ("政府部门", "Government department")),
    (OrgKind.PARK, ("园区/孵化器", "Park / incubator")),
    (OrgKind.FOREIGN_INSTITUTION, ("国外机构", "Foreign institution")),
    (OrgKind.THINK_TANK, ("智库", "Think tank")),
    (OrgKind.HOSPITAL, ("医院", "Hospital")),
    (OrgKind.OTHER, ("其他", "Other")),
    (AchievementKind.PATENT, ("专利", "Patent")),
    (AchievementKind.PAPER, ("论文", "Paper")),
    (AchievementKind.SOFTWARE, ("软件", "Software")),
    (AchievementKind.KNOW_HOW, ("技术秘密", "Know-how")),
    (AchievementKind.NEW_VARIETY, ("新品种", "New variety")),
    (AchievementKind.STANDARD, ("标准", "Standard")),
    (AchievementKind.PROTOTYPE, ("样机/原型", "Prototype")),
    (AchievementKind.DATASET, ("数据集", "Dataset")),
    (AchievementKind.OTHER, ("其他", "Other")),
    (IPStatus.NONE, ("无", "None")),
    (IPStatus.FILED, ("已申请", "Filed")),
    (IPStatus.GRANTED, ("已授权", "Granted")),
    (IPStatus.COPYRIGHT, ("已登记著作权", "Copyright registered")),
    (IPStatus.TRADE_SECRET, ("商业秘密", "Trade secret")),
    (IPStatus.EXPIRED, ("已失效", "Expired")),
    (TransferMode.LICENSE, ("许可", "License")),
    (TransferMode.ASSIGNMENT, ("转让", "Assignment")),
    (TransferMode.EQUITY, ("作价入股", "Equity")),
    (TransferMode.JOINT_DEVELOPMENT, ("合作开发", "Joint development")),
    (TransferMode.COMMISSIONED_DEVELOPMENT, ("委托开发", "Commissioned development")),
    (TransferMode.CONSULTING, ("技术咨询", "Consulting")),
    (TransferMode.SERVICE, ("技术服务", "Technical service")),
    (ListingStatus.DRAFT, ("草稿", "Draft")),
    (ListingStatus.OPEN, ("开放", "Open")),
    (ListingStatus.IN_NEGOTIATION, ("洽谈中", "In negotiation")),
    (ListingStatus.CLOSED, ("已关闭", "Closed")),
    (ListingStatus.WITHDRAWN, ("已撤回", "Withdrawn")),
    (InvestmentStage.SEED, ("种子轮", "Seed")),
    (InvestmentStage.ANGEL, ("天使轮", "Angel")),
    (InvestmentStage.SERIES_A, ("A轮", "Series A")),
    (InvestmentStage.SERIES_B, ("B轮", "Series B")),
    (InvestmentStage.SERIES_C_PLUS, ("C轮及以后", "Series C+")),
    (InvestmentStage.GROWTH, ("成长期", "Growth")),
    (InvestmentStage.PRE_IPO, ("Pre-IPO", "Pre-IPO")),
    (AffiliationRole.EMPLOYEE, ("在职", "Employee")),
    (AffiliationRole.PRINCIPAL_INVESTIGATOR, ("负责人", "Principal investigator")),
    (AffiliationRole.STUDENT, ("学生", "Student")),
    (AffiliationRole.VISITING, ("访问", "Visiting")),
    (AffiliationRole.ADVISOR, ("顾问", "Advisor")),
    (Role.ADMIN, ("平台管理员", "Platform administrator")),
    (Role.OFFICER, ("政府工作人员", "Government officer")),
    (Role.ENTERPRISE, ("企业用户", "Enterprise member")),
    (Role.INSTITUTION, ("高校院所/技术转移机构", "Institution / tech-transfer member")),
    (Role.RESEARCHER, ("科研人员", "Researcher")),
    (Role.INVESTOR, ("投资人", "Investor")),
    (Role.FOREIGN_PARTNER, ("国际合作伙伴", "Foreign partner")),
    (Role.REGISTRAR, ("技术合同登记员", "Contract registrar")),
    (NotificationKind.NEW_MATCH, ("新的匹配", "New match")),
    (NotificationKind.MESSAGE, ("新消息", "New message")),
    (NotificationKind.ACCOUNT, ("账户", "Account")),
    (NotificationKind.DEAL, ("交易进展", "Deal update")),
    (NotificationKind.SAVED_SEARCH, ("订阅的搜索", "Saved search")),
    (NotificationKind.FEEDBACK, ("匹配反馈", "Match feedback")),
    (NotificationKind.REMINDER, ("到期提醒", "Expiry reminder")),
    (MergeStatus.PENDING, ("待审核", "Pending review")),
    (MergeStatus.ACCEPTED, ("已合并", "Merged")),
    (MergeStatus.REJECTED, ("已驳回", "Rejected")),
]
_LABELS: dict[tuple[type, str], tuple[str, str]] = {(type(k), k.value): v for k, v in _LABEL_PAIRS}


def add_labels(pairs: list[tuple[StrEnum, tuple[str, str]]]) -> None:
    """Register the labels of enums defined in other domain modules (e.g. the market's)."""
    _LABELS.update({(type(k), k.value): v for k, v in pairs})
