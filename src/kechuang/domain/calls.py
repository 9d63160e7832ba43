"""Open calls for key core technologies (揭榜挂帅) and application-scenario applications, as plain data.

A call runs draft → (approval) → published → closed → review → result (公示) → awarded → in_progress →
accepted / failed, and may be withdrawn with a reason at any step before the award. Who may take which
step in which stage lives here as data (`TRANSITIONS`), so services, API and pages refuse the same moves:
a wrong stage is a 409 naming the allowed stages, a wrong party a 403.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from .enums import LabelledEnum, OrgKind, Visibility, add_labels
from .errors import Conflict, InvalidInput, PermissionDenied


class CallStatus(LabelledEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"
    REVIEW = "review"
    RESULT = "result"
    AWARDED = "awarded"
    IN_PROGRESS = "in_progress"
    ACCEPTED = "accepted"
    FAILED = "failed"
    WITHDRAWN = "withdrawn"


class CallParty(LabelledEnum):
    """The part an actor plays in one call."""

    OFFICER = "officer"  # a programme officer (科委) or an administrator
    POSTER = "poster"  # a member of the organization that posted the call
    AWARDEE = "awardee"  # a member of the lead organization of an awarded application


class ApplicationStatus(LabelledEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    AWARDED = "awarded"
    NOT_AWARDED = "not_awarded"
    WITHDRAWN = "withdrawn"


class MilestoneStatus(LabelledEnum):
    PENDING = "pending"
    REPORTED = "reported"
    ACCEPTED = "accepted"
    RETURNED = "returned"


class ScenarioApplicationStatus(LabelledEnum):
    SUBMITTED = "submitted"
    SHORTLISTED = "shortlisted"
    SELECTED = "selected"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class PilotOutcome(LabelledEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"
    FAILED = "failed"


BEFORE_AWARD = frozenset(
    {CallStatus.DRAFT, CallStatus.PUBLISHED, CallStatus.CLOSED, CallStatus.REVIEW, CallStatus.RESULT}
)
FINAL = frozenset({CallStatus.ACCEPTED, CallStatus.FAILED, CallStatus.WITHDRAWN})
PUBLIC_STAGES = frozenset(CallStatus) - {CallStatus.DRAFT}
"""Stages in which a call's page exists for anyone its visibility admits (a draft is its authors' only)."""

_OFFICER = frozenset({CallParty.OFFICER})
_OFFICER_OR_POSTER = frozenset({CallParty.OFFICER, CallParty.POSTER})


@dataclass(frozen=True)
class Step:
    """One row of the state machine: where an action may start, who may take it, where it leads."""

    stages: frozenset[CallStatus]
    parties: frozenset[CallParty]
    to: CallStatus | None  # None: the action records something without moving the call
    needs_reason: bool = False


TRANSITIONS: dict[str, Step] = {
    "edit": Step(frozenset({CallStatus.DRAFT}), _OFFICER_OR_POSTER, None),
    "submit": Step(frozenset({CallStatus.DRAFT}), frozenset({CallParty.POSTER}), None),
    "approve": Step(frozenset({CallStatus.DRAFT}), _OFFICER, None),
    "publish": Step(frozenset({CallStatus.DRAFT}), _OFFICER, CallStatus.PUBLISHED),
    "close": Step(frozenset({CallStatus.PUBLISHED}), _OFFICER_OR_POSTER, CallStatus.CLOSED),
    "start_review": Step(frozenset({CallStatus.CLOSED}), _OFFICER, CallStatus.REVIEW),
    "publish_result": Step(frozenset({CallStatus.REVIEW}), _OFFICER, CallStatus.RESULT),
    "award": Step(frozenset({CallStatus.RESULT}), _OFFICER, CallStatus.AWARDED),
    "start": Step(
        frozenset({CallStatus.AWARDED}),
        frozenset({CallParty.OFFICER, CallParty.AWARDEE}),
        CallStatus.IN_PROGRESS,
    ),
    "accept": Step(frozenset({CallStatus.IN_PROGRESS}), _OFFICER, CallStatus.ACCEPTED),
    "fail": Step(frozenset({CallStatus.IN_PROGRESS}), _OFFICER, CallStatus.FAILED, needs_reason=True),
    "withdraw": Step(BEFORE_AWARD, _OFFICER_OR_POSTER, CallStatus.WITHDRAWN, needs_reason=True),
    # an awarded call is tied to the annual key task (M6) whose outcome it serves; the stage stays
    "link_key_task": Step(
        frozenset({CallStatus.AWARDED, CallStatus.IN_PROGRESS, CallStatus.ACCEPTED, CallStatus.FAILED}),
        _OFFICER,
        None,
    ),
}
"""action -> Step. An enterprise's call is published by an officer only once approved."""


def allowed_actions(status: CallStatus, parties: frozenset[CallParty]) -> list[str]:
    """The actions open to someone playing `parties` on a call in `status` (what a page offers)."""
    return [name for name, step in TRANSITIONS.items() if status in step.stages and step.parties & parties]


def check_transition(action: str, status: CallStatus, parties: frozenset[CallParty]) -> Step:
    """Refuse an action by the wrong party (403) or in the wrong stage (409 naming the allowed stages)."""
    step = TRANSITIONS.get(action)
    if step is None:
        allowed = ", ".join(TRANSITIONS)
        raise InvalidInput(f"unknown action '{action}' (one of: {allowed})", field="action")
    if not step.parties & parties:
        who = " or ".join(p.en.lower() for p in sorted(step.parties))
        raise PermissionDenied(f"only the {who} may {action.replace('_', ' ')} this call")
    if status not in step.stages:
        allowed = ", ".join(s.value for s in CallStatus if s in step.stages)
        raise Conflict(
            f"cannot {action.replace('_', ' ')} a call in stage '{status.value}' (allowed in: {allowed})",
            field="status",
        )
    return step


@dataclass(kw_only=True, eq=False)
class Call:
    """A challenge put in public (榜单): the problem, quantified indicators, the award and who may apply."""

    id: int | None = None
    title_zh: str = ""
    title_en: str = ""
    problem_zh: str = ""
    problem_en: str = ""
    status: CallStatus = CallStatus.DRAFT
    visibility: Visibility = Visibility.PUBLIC
    poster_org_id: int | None = None  # the enterprise that posted it; None when an officer did
    budget: float | None = None  # 万元
    award_zh: str = ""
    award_en: str = ""
    deadline: date | None = None
    eligible_org_kinds: list[str] = field(default_factory=list)  # empty: any kind
    eligible_regions: list[str] = field(default_factory=list)  # GB/T 2260 prefixes; empty: anywhere
    joint_allowed: bool = True
    max_team_size: int | None = None
    discipline_codes: list[str] = field(default_factory=list)
    industry_codes: list[str] = field(default_factory=list)
    keywords_zh: list[str] = field(default_factory=list)
    keywords_en: list[str] = field(default_factory=list)
    blind_review: bool = True
    appeal_days: int = 7
    submitted_at: datetime | None = None
    approved_by: str = ""
    approved_at: datetime | None = None
    published_at: datetime | None = None
    closed_at: datetime | None = None
    result_at: datetime | None = None
    awarded_at: datetime | None = None
    ended_at: datetime | None = None
    end_reason: str = ""
    ended_by: str = ""
    created_by: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    is_sample: bool = False
    version: int = 1
    key_task_id: int | None = None  # the annual key task (M6) an awarded call serves

    def title(self, lang: str = "zh") -> str:
        first, second = (
            (self.title_zh, self.title_en) if lang.startswith("zh") else (self.title_en, self.title_zh)
        )
        return first or second

    @property
    def needs_approval(self) -> bool:
        """An enterprise's call waits for an officer's approval before it is published."""
        return self.poster_org_id is not None and self.approved_at is None

    def appeal_window_ends(self) -> datetime | None:
        """When appeals against the published result (公示) stop being accepted."""
        return None if self.result_at is None else self.result_at + timedelta(days=self.appeal_days)


@dataclass(kw_only=True, eq=False)
class CallIndicator:
    """A quantified technical target of a call: what, how much, in which unit, verified how."""

    id: int | None = None
    call_id: int = 0
    position: int = 1
    name_zh: str = ""
    name_en: str = ""
    target: float = 0.0
    unit: str = ""
    higher_is_better: bool = True
    verification_zh: str = ""
    verification_en: str = ""
    due_months: int = 12  # months after the award by which the milestone for this indicator is due


@dataclass(kw_only=True, eq=False)
class CallCriterion:
    """One evaluation criterion of a call; the weights of a call's criteria sum to 1."""

    id: int | None = None
    call_id: int = 0
    position: int = 1
    name_zh: str = ""
    name_en: str = ""
    description_zh: str = ""
    description_en: str = ""
    weight: float = 0.0


WEIGHT_TOLERANCE = 1e-6


def check_weights(weights: list[float]) -> None:
    """Criteria weights must each be in (0, 1] and sum to 1, or review scores mean nothing."""
    if not weights:
        raise InvalidInput("a call needs at least one evaluation criterion", field="criteria")
    for index, weight in enumerate(weights):
        if not math.isfinite(weight) or not 0 < weight <= 1:
            raise InvalidInput(
                f"criterion {index + 1}: weight must be above 0 and at most 1", field="criteria"
            )
    total = math.fsum(weights)
    if abs(total - 1) > WEIGHT_TOLERANCE:
        raise InvalidInput(f"criteria weights must sum to 1 (they sum to {total:g})", field="criteria")


@dataclass(kw_only=True, eq=False)
class CallApplication:
    """A team's bid for a call (揭榜): lead and partner organizations, members, proposal, commitments."""

    id: int | None = None
    call_id: int = 0
    lead_org_id: int = 0
    partner_org_ids: list[int] = field(default_factory=list)
    team_person_ids: list[int] = field(default_factory=list)
    title: str = ""
    proposal: str = ""
    commitments: list[dict[str, Any]] = field(default_factory=list)  # {"indicator_id", "value", "note"}
    requested_budget: float | None = None  # 万元
    status: ApplicationStatus = ApplicationStatus.DRAFT
    submitted_at: datetime | None = None
    submitted_by: str = ""
    created_by: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    is_sample: bool = False

    @property
    def organization_ids(self) -> list[int]:
        """Every organization behind the application, lead first."""
        return [self.lead_org_id, *[o for o in self.partner_org_ids if o != self.lead_org_id]]


@dataclass(frozen=True)
class EligibilityFacts:
    """What eligibility is judged on: the applying organizations' kinds and regions and the team size."""

    org_kinds: list[OrgKind]
    org_regions: list[str]
    org_countries: list[str]
    team_size: int
    partner_count: int


def eligibility_refusal(call: Call, facts: EligibilityFacts, on: date) -> str | None:
    """The first eligibility rule the application breaks, as a sentence naming it; None when eligible."""
    if call.deadline is not None and on > call.deadline:
        return f"deadline: applications closed on {call.deadline.isoformat()}"
    if facts.partner_count and not call.joint_allowed:
        return "joint_allowed: this call does not accept joint applications (partner organizations)"
    if call.max_team_size is not None and facts.team_size > call.max_team_size:
        return (
            f"max_team_size: the team has {facts.team_size} members; at most {call.max_team_size} are allowed"
        )
    if facts.team_size == 0:
        return "team: name at least one team member from the registry"
    if call.eligible_org_kinds:
        for kind in facts.org_kinds:
            if kind.value not in call.eligible_org_kinds:
                allowed = ", ".join(call.eligible_org_kinds)
                return (
                    f"eligible_org_kinds: an organization of kind '{kind.value}' may not apply "
                    f"(allowed: {allowed})"
                )
    if call.eligible_regions:
        for region, country in zip(facts.org_regions, facts.org_countries, strict=True):
            inside = (country or "CN") == "CN" and any(region.startswith(p) for p in call.eligible_regions)
            if not inside:
                allowed = ", ".join(call.eligible_regions)
                return (
                    f"eligible_regions: an organization in region '{region or country}' may not apply "
                    f"(allowed: {allowed})"
                )
    return None


REGION_GROUPS: dict[str, list[str]] = {"jingjinji": ["11", "12", "13"]}
"""Named region groups an eligibility rule may use: Beijing-Tianjin-Hebei (京津冀) is 11, 12 and 13."""


def expand_regions(codes: list[str]) -> list[str]:
    """Region prefixes with named groups (e.g. 'jingjinji') replaced by their GB/T 2260 prefixes."""
    out: list[str] = []
    for code in codes:
        for prefix in REGION_GROUPS.get(code.strip().lower(), [code.strip()]):
            if prefix and prefix not in out:
                out.append(prefix)
    return out


@dataclass(kw_only=True, eq=False)
class ApplicationAttachment:
    """A file attached to an application (PDF, DOCX or XLSX), stored under the data directory."""

    id: int | None = None
    application_id: int = 0
    filename: str = ""
    kind: str = ""  # pdf, docx or xlsx, as told by the content
    size: int = 0
    sha256: str = ""
    stored_name: str = ""
    uploaded_by: str = ""
    created_at: datetime | None = None


@dataclass(kw_only=True, eq=False)
class CallInvitation:
    """An officer invited a proposed organization or expert to apply; they were notified."""

    id: int | None = None
    call_id: int = 0
    entity: str = "organization"  # organization or person
    entity_id: int = 0
    score: float | None = None
    reasons: list[str] = field(default_factory=list)
    note: str = ""
    invited_by: str = ""
    created_at: datetime | None = None


@dataclass(kw_only=True, eq=False)
class CallMilestone:
    """A milestone of an awarded application, derived from one indicator of the call."""

    id: int | None = None
    call_id: int = 0
    application_id: int = 0
    indicator_id: int | None = None
    position: int = 1
    title_zh: str = ""
    title_en: str = ""
    target: float | None = None
    unit: str = ""
    evidence_required: str = ""
    due_on: date | None = None
    status: MilestoneStatus = MilestoneStatus.PENDING
    evidence: str = ""
    achieved_value: float | None = None
    reported_by: str = ""
    reported_at: datetime | None = None
    decision_reason: str = ""
    decided_by: str = ""
    decided_at: datetime | None = None
    overdue_at: datetime | None = None  # when the overdue check first flagged it
    created_at: datetime | None = None

    def is_overdue(self, today: date) -> bool:
        """Past its due date and not yet accepted."""
        return self.due_on is not None and today > self.due_on and self.status != MilestoneStatus.ACCEPTED


@dataclass(kw_only=True, eq=False)
class MilestonePayment:
    """Money paid out against one milestone (万元)."""

    id: int | None = None
    milestone_id: int = 0
    amount: float = 0.0
    paid_on: date | None = None
    note: str = ""
    recorded_by: str = ""
    created_at: datetime | None = None


@dataclass(kw_only=True, eq=False)
class ScenarioOpening:
    """The owner of an application scenario opened it for applications (场景清单)."""

    id: int | None = None
    scenario_id: int = 0
    open: bool = True
    closes_on: date | None = None
    opened_by: str = ""
    opened_at: datetime | None = None


@dataclass(kw_only=True, eq=False)
class ScenarioApplication:
    """A company's solution for a scenario; the owner shortlists and selects it, then the pilot runs."""

    id: int | None = None
    scenario_id: int = 0
    applicant_org_id: int = 0
    team_person_ids: list[int] = field(default_factory=list)
    solution: str = ""
    status: ScenarioApplicationStatus = ScenarioApplicationStatus.SUBMITTED
    decision_reason: str = ""
    reviewer_person_ids: list[int] = field(default_factory=list)  # who judged it for the owner
    conflicts: list[dict[str, Any]] = field(default_factory=list)  # overridden conflicts, with evidence
    override_justification: str = ""
    decided_by: str = ""
    decided_at: datetime | None = None
    pilot_starts_on: date | None = None
    pilot_ends_on: date | None = None
    pilot_outcome: PilotOutcome = PilotOutcome.PENDING
    pilot_note: str = ""
    created_by: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    is_sample: bool = False


add_labels(
    [
        (CallStatus.DRAFT, ("草稿", "Draft")),
        (CallStatus.PUBLISHED, ("揭榜中", "Open for applications")),
        (CallStatus.CLOSED, ("已截止", "Closed")),
        (CallStatus.REVIEW, ("评审中", "In review")),
        (CallStatus.RESULT, ("结果公示", "Result published")),
        (CallStatus.AWARDED, ("已授榜", "Awarded")),
        (CallStatus.IN_PROGRESS, ("攻关中", "In progress")),
        (CallStatus.ACCEPTED, ("已验收", "Accepted")),
        (CallStatus.FAILED, ("未通过验收", "Failed")),
        (CallStatus.WITHDRAWN, ("已撤榜", "Withdrawn")),
        (CallParty.OFFICER, ("项目主管", "Officer")),
        (CallParty.POSTER, ("发榜单位", "Poster")),
        (CallParty.AWARDEE, ("揭榜单位", "Awardee")),
        (ApplicationStatus.DRAFT, ("草稿", "Draft")),
        (ApplicationStatus.SUBMITTED, ("已提交", "Submitted")),
        (ApplicationStatus.AWARDED, ("已中榜", "Awarded")),
        (ApplicationStatus.NOT_AWARDED, ("未中榜", "Not awarded")),
        (ApplicationStatus.WITHDRAWN, ("已撤回", "Withdrawn")),
        (MilestoneStatus.PENDING, ("待提交", "Pending")),
        (MilestoneStatus.REPORTED, ("待审核", "Reported")),
        (MilestoneStatus.ACCEPTED, ("已通过", "Accepted")),
        (MilestoneStatus.RETURNED, ("已退回", "Returned")),
        (ScenarioApplicationStatus.SUBMITTED, ("已提交", "Submitted")),
        (ScenarioApplicationStatus.SHORTLISTED, ("入围", "Shortlisted")),
        (ScenarioApplicationStatus.SELECTED, ("入选", "Selected")),
        (ScenarioApplicationStatus.DECLINED, ("未入选", "Declined")),
        (ScenarioApplicationStatus.WITHDRAWN, ("已撤回", "Withdrawn")),
        (PilotOutcome.PENDING, ("试点中", "Pending")),
        (PilotOutcome.SUCCEEDED, ("成功", "Succeeded")),
        (PilotOutcome.PARTIAL, ("部分成功", "Partly succeeded")),
        (PilotOutcome.FAILED, ("未成功", "Failed")),
    ]
)
