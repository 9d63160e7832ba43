"""The calls part of the built-in sample, played through the real services so the audit chain is genuine.

Five calls on the sample registry's real topics, each left at another stage: one open for applications
(with an invitation), one in review (reviewers assigned; among the suggested experts one co-authored a
2024 paper with an applicant's team member, so he is conflicted, while others are not), one with its
result published (公示) and an appeal answered, one in progress (evidence accepted, a payment made), and
one accepted. The acting officer and organizations are the sample's own (no demo account is needed).
The calls that go past the result have an appeal window of 0 days, so they can be awarded at once.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from kechuang.domain.access import Actor
from kechuang.domain.calls import Call
from kechuang.domain.entities import Organization, Person, Scenario
from kechuang.store.db import UnitOfWork

from .. import audit
from . import applications, awards, calls, candidates, review, review_results, scenarios

Calls: Any = Call
Orgs: Any = Organization
People: Any = Person
Scenarios: Any = Scenario

CRITERIA = [
    {"name_zh": "技术先进性与可行性", "name_en": "Technical merit and feasibility", "weight": 0.4},
    {"name_zh": "团队能力与基础", "name_en": "Team capability and track record", "weight": 0.3},
    {"name_zh": "产业化前景", "name_en": "Prospects for industrial use", "weight": 0.2},
    {"name_zh": "预算合理性", "name_en": "Soundness of the budget", "weight": 0.1},
]

# key: (call fields, applicants: [(org external id, team person external ids)], reviewers, stage)
CALLS: dict[str, dict[str, Any]] = {
    "vision": {
        "title_zh": "工业视觉缺陷检测通用基础模型揭榜攻关",
        "title_en": "Open call: a general foundation model for industrial visual defect inspection",
        "problem_zh": "面向锂电、光伏、钢铁等产线的表面缺陷检测，研发小样本可迁移的视觉基础模型，"
        "在新产线上以不超过50张标注样本达到工业级检出率，并支持边缘端实时推理。",
        "problem_en": "Build a few-shot, transferable vision foundation "
        "model for surface defect inspection on "
        "battery, photovoltaic and steel lines, reaching industrial "
        "detection rates on a new line with at most "
        "50 labelled images, with real-time inference at the edge.",
        "keywords_zh": ["缺陷检测", "机器视觉", "小样本", "基础模型"],
        "keywords_en": ["defect detection", "machine vision", "few-shot", "foundation model"],
        "discipline_codes": ["520"],
        "industry_codes": ["65"],
        "budget": 1500,
        "indicators": [
            {
                "name_zh": "缺陷检出率",
                "name_en": "Defect detection rate",
                "target": 99.5,
                "unit": "%",
                "verification_zh": "第三方检测机构在三条产线上的盲测报告",
                "verification_en": "Blind test report of an accredited lab on three lines",
                "due_months": 12,
            },
            {
                "name_zh": "单帧推理时延",
                "name_en": "Inference latency per frame",
                "target": 20,
                "unit": "ms",
                "higher_is_better": False,
                "verification_zh": "边缘设备现场测试",
                "verification_en": "On-site test on the edge device",
                "due_months": 18,
            },
        ],
        "applicants": [
            ("org-enterprise-a", ["per-huangtao-enta", "per-zhoumin-enta"]),
            ("org-enterprise-b", ["per-shenyue-entb", "per-qiujian-entb"]),
        ],
        "reviewers": ["per-weiran-hebut", "per-zhangchen-bit"],
        "stage": "review",
    },
    "thermal": {
        "title_zh": "储能电站锂电池热失控早期预警揭榜",
        "title_en": "Open call: early warning of thermal runaway in grid storage batteries",
        "problem_zh": "研发多参数融合的储能电站热失控早期预警系统，提前不少于10分钟发出预警，"
        "误报率低于1次/年。",
        "problem_en": "Develop a multi-parameter early warning system "
        "for thermal runaway in battery storage plants "
        "that warns at least 10 minutes ahead with fewer than one false alarm a year.",
        "keywords_zh": ["热失控", "储能", "锂电池", "早期预警"],
        "keywords_en": ["thermal runaway", "energy storage", "lithium battery", "early warning"],
        "discipline_codes": ["470"],
        "industry_codes": ["44"],
        "budget": 800,
        "poster": "org-enterprise-a",
        "indicators": [
            {
                "name_zh": "预警提前量",
                "name_en": "Warning lead time",
                "target": 10,
                "unit": "min",
                "verification_zh": "模组级热滥用试验",
                "verification_en": "Module-level abuse test",
                "due_months": 12,
            },
        ],
        "applicants": [
            ("org-tto", ["per-liuyang-thu", "per-zhaomin-thu"]),
            ("org-enterprise-b", ["per-shenyue-entb"]),
        ],
        "reviewers": ["per-hebo-ipe", "per-guoqing-iop"],
        "stage": "result",
    },
    "sic": {
        "title_zh": "车规级SiC功率模块揭榜攻关",
        "title_en": "Open call: automotive-grade SiC power modules",
        "problem_zh": "研制1200 V车规级SiC MOSFET功率模块，功率密度与可靠性达到国际先进水平，"
        "并完成整车搭载验证。",
        "problem_en": "Develop a 1200 V automotive-grade SiC MOSFET "
        "power module with world-class power density "
        "and reliability, validated in a vehicle.",
        "keywords_zh": ["碳化硅", "功率模块", "车规级"],
        "keywords_en": ["SiC", "power module", "automotive grade"],
        "discipline_codes": ["510"],
        "industry_codes": ["39"],
        "budget": 2000,
        "appeal_days": 0,
        "indicators": [
            {
                "name_zh": "模块功率密度",
                "name_en": "Module power density",
                "target": 40,
                "unit": "kW/L",
                "verification_zh": "台架测试报告",
                "verification_en": "Bench test report",
                "due_months": 6,
            },
            {
                "name_zh": "功率循环寿命",
                "name_en": "Power cycling life",
                "target": 100000,
                "unit": "cycles",
                "verification_zh": "AQG 324 功率循环试验",
                "verification_en": "AQG 324 power cycling test",
                "due_months": 24,
            },
        ],
        "applicants": [
            ("org-enterprise-b", ["per-qiujian-entb", "per-shenyue-entb"]),
            ("org-researcher-inst", ["per-hukai-casia"]),
        ],
        "reviewers": ["per-sunli-hebut", "per-zhoujie-pku"],
        "stage": "in_progress",
    },
    "sodium": {
        "title_zh": "钠离子电池层状氧化物正极材料产业化揭榜",
        "title_en": "Open call: industrial production of layered-oxide cathodes for sodium-ion batteries",
        "problem_zh": "实现层状氧化物钠电正极材料百吨级稳定量产，比容量与循环性能满足储能电芯要求。",
        "problem_en": "Reach stable production of layered-oxide sodium-ion "
        "cathode material at the 100-tonne scale "
        "with capacity and cycle life fit for storage cells.",
        "keywords_zh": ["钠离子电池", "正极材料", "层状氧化物"],
        "keywords_en": ["sodium-ion battery", "cathode", "layered oxide"],
        "discipline_codes": ["150"],
        "industry_codes": ["26"],
        "budget": 600,
        "appeal_days": 0,
        "indicators": [
            {
                "name_zh": "可逆比容量",
                "name_en": "Reversible specific capacity",
                "target": 140,
                "unit": "mAh/g",
                "verification_zh": "第三方电化学测试",
                "verification_en": "Third-party electrochemical test",
                "due_months": 6,
            },
        ],
        "applicants": [
            ("org-tto", ["per-chenhui-nankai", "per-zhaoyu-nankai"]),
            ("org-researcher-inst", ["per-liangyu-casia"]),
        ],
        "reviewers": ["per-guoning-bit", "per-hebo-ipe"],
        "stage": "accepted",
    },
    "robot": {
        "title_zh": "居家养老服务机器人场景化应用揭榜",
        "title_en": "Open call: home elderly-care service robots in real homes",
        "problem_zh": "研发可在普通家庭部署的养老陪护机器人，具备跌倒检测、用药提醒与远程看护功能。",
        "problem_en": "Develop an elderly-care robot deployable in ordinary "
        "homes, with fall detection, medication "
        "reminders and remote care.",
        "keywords_zh": ["养老机器人", "跌倒检测", "服务机器人"],
        "keywords_en": ["elderly care robot", "fall detection", "service robot"],
        "discipline_codes": ["520"],
        "industry_codes": ["34"],
        "budget": 500,
        "indicators": [
            {
                "name_zh": "跌倒检测准确率",
                "name_en": "Fall detection accuracy",
                "target": 98,
                "unit": "%",
                "verification_zh": "养老机构实地测试",
                "verification_en": "Field test in a care home",
                "due_months": 12,
            },
        ],
        "applicants": [],
        "reviewers": [],
        "stage": "published",
        "invite": "org-ent-lingshu",
    },
}
ORDER = ("published", "closed", "review", "result", "awarded", "in_progress", "accepted")


def _ids(uow: UnitOfWork, model: Any, refs: list[str]) -> dict[str, int]:
    with uow() as session:
        rows = session.execute(select(model.external_id, model.id).where(model.external_id.in_(refs)))
        return {ref: ident for ref, ident in rows}


def _actor(name: str, org_id: int | None, role: str) -> Actor:
    return Actor(name=name, organization_id=org_id, roles=frozenset({role}), authenticated=True)


def load_calls_sample(uow: UnitOfWork) -> dict[str, int]:
    """Load this module's sample on an installation that has none yet; returns counts of what it made."""
    with uow() as session:
        if session.scalar(select(func.count()).select_from(Calls)):
            return {}
    org_refs = sorted(
        {
            "org-officer",
            *(ref for c in CALLS.values() for ref, _ in c["applicants"]),
            *(c["poster"] for c in CALLS.values() if "poster" in c),
            *(c["invite"] for c in CALLS.values() if "invite" in c),
        }
    )
    orgs = _ids(uow, Orgs, org_refs)
    person_refs = sorted(
        {p for c in CALLS.values() for _, team in c["applicants"] for p in team}
        | {p for c in CALLS.values() for p in c["reviewers"]}
    )
    people = _ids(uow, People, person_refs)
    if set(org_refs) - set(orgs) or set(person_refs) - set(people):
        return {}  # not the built-in registry: nothing to play the sample on
    officer = _actor("sample-officer", orgs["org-officer"], "officer")
    made = {"calls": 0, "applications": 0}
    for key, spec in CALLS.items():
        _play(uow, officer, key, spec, orgs, people)
        made["calls"] += 1
        made["applications"] += len(spec["applicants"])
    made["scenario_applications"] = _play_scenario(uow, officer, orgs, people)
    return made


def _play_scenario(uow: UnitOfWork, owner: Actor, orgs: dict[str, int], people: dict[str, int]) -> int:
    """The airport's baggage-vision scenario (owned by the commission): two companies apply, one is selected
    by a judge free of conflicts, and its pilot has started."""
    with uow() as session:
        scenario_id = session.scalar(select(Scenarios.id).where(Scenarios.external_id == "scn-0002"))
    if scenario_id is None:
        return 0
    scenarios.set_open(owner, scenario_id, True, uow, closes_on=audit.now().date() + timedelta(days=90))
    a = _actor("sample-org-enterprise-a", orgs["org-enterprise-a"], "enterprise")
    b = _actor("sample-org-enterprise-b", orgs["org-enterprise-b"], "enterprise")
    chosen = scenarios.apply(
        a,
        scenario_id,
        {
            "solution": "基于小样本视觉基础模型的行李X光图像异常识别，边缘一体机部署于分拣线。",
            "team_person_ids": [people["per-huangtao-enta"], people["per-zhoumin-enta"]],
        },
        uow,
        is_sample=True,
    )
    other = scenarios.apply(
        b, scenario_id, {"solution": "分拣线多相机视觉升级与异常行李自动剔除。"}, uow, is_sample=True
    )
    judge = [people["per-weiran-hebut"]]
    scenarios.decide(
        owner,
        scenario_id,
        chosen.id or 0,
        "shortlist",
        uow,
        reason="方案与场景高度契合",
        reviewer_person_ids=judge,
    )
    scenarios.decide(
        owner,
        scenario_id,
        chosen.id or 0,
        "select",
        uow,
        reason="样机实测识别率最高，部署周期最短",
        reviewer_person_ids=judge,
    )
    scenarios.decide(
        owner,
        scenario_id,
        other.id or 0,
        "decline",
        uow,
        reason="未覆盖异形行李与X光图像",
        reviewer_person_ids=judge,
    )
    scenarios.record_pilot(
        owner,
        scenario_id,
        chosen.id or 0,
        uow,
        starts_on=audit.now().date(),
        note="T3航站楼两条分拣线试点 / pilot on two sorting lines at T3",
    )
    return 2


def _play(
    uow: UnitOfWork,
    officer: Actor,
    key: str,
    spec: dict[str, Any],
    orgs: dict[str, int],
    people: dict[str, int],
) -> None:
    data = {
        k: v for k, v in spec.items() if k not in {"applicants", "reviewers", "stage", "poster", "invite"}
    }
    data.update(
        criteria=CRITERIA,
        deadline=(audit.now().date() + timedelta(days=60)).isoformat(),
        eligible_regions=["jingjinji"],
        max_team_size=8,
        award_zh=f"最高支持{spec['budget']}万元",
        award_en=f"Up to {spec['budget']} × 10k CNY",
    )
    if "poster" in spec:
        poster = _actor(f"sample-{spec['poster']}", orgs[spec["poster"]], "enterprise")
        call = calls.create_call(poster, data, uow, is_sample=True)
        calls.transition(poster, call.id or 0, "submit", uow)
        calls.transition(officer, call.id or 0, "approve", uow)
    else:
        call = calls.create_call(officer, data, uow, is_sample=True)
    call_id = call.id or 0
    calls.transition(officer, call_id, "publish", uow)
    target = ORDER.index(spec["stage"])
    if "invite" in spec:
        candidates.invite(
            officer,
            call_id,
            "organization",
            orgs[spec["invite"]],
            uow,
            note="贵单位养老机器人成果与本榜单高度相关，欢迎揭榜。",
            reasons=["居家养老陪护服务机器人 (2025)"],
        )
    submitted = []
    for ref, team in spec["applicants"]:
        applicant = _actor(f"sample-{ref}", orgs[ref], "enterprise")
        submitted.append(_apply(uow, applicant, call_id, [people[p] for p in team], key))
    if target < ORDER.index("closed"):
        return
    calls.transition(officer, call_id, "close", uow)
    calls.transition(officer, call_id, "start_review", uow)
    assignments = [review.assign_reviewer(officer, uow, call_id, people[p]) for p in spec["reviewers"]]
    if target < ORDER.index("result"):
        _score(uow, officer, call_id, assignments[:1], submitted)
        return
    _score(uow, officer, call_id, assignments, submitted)
    review_results.publish_result(officer, uow, call_id)
    if target == ORDER.index("result"):
        loser = submitted[-1]
        appeal = review_results.file_appeal(
            _actor("sample-appellant", loser.lead_org_id, "enterprise"),
            uow,
            call_id,
            loser.id or 0,
            "我方方案的预警提前量已在模组试验中验证，请复核“技术先进性”评分。",
        )
        review_results.answer_appeal(
            officer,
            uow,
            call_id,
            appeal.id or 0,
            "rejected",
            "经复核，两位评审意见一致，评分无误，维持原结果。",
        )
        return
    _after_award(uow, officer, call_id, submitted[0], orgs, finish=target == ORDER.index("accepted"))


def _apply(uow: UnitOfWork, applicant: Actor, call_id: int, team: list[int], key: str) -> Any:
    with uow() as session:
        indicators = calls.indicators_of(session, call_id)
    data = {
        "title": f"揭榜方案（{key}-{applicant.organization_id}）/ Proposal",
        "proposal": "依托既有成果与中试条件，分两阶段完成攻关：第一阶段完成关键指标验证，"
        "第二阶段完成工程化与示范应用。",
        "team_person_ids": team,
        "commitments": [
            {"indicator_id": i.id, "value": i.target, "note": "不低于榜单指标"} for i in indicators
        ],
        "requested_budget": 300.0 + 10 * len(team),
    }
    application = applications.create_application(applicant, call_id, data, uow, is_sample=True)
    return applications.submit_application(applicant, application.id or 0, uow)


def _score(
    uow: UnitOfWork, officer: Actor, call_id: int, assignments: list[Any], submitted: list[Any]
) -> None:
    """Reviewers' paper forms entered by the officer on their behalf (the audit says so)."""
    with uow() as session:
        criteria = calls.criteria_of(session, call_id)
    for reviewer_index, assignment in enumerate(assignments):
        for rank, application in enumerate(submitted):
            base = 8.5 - 1.5 * rank - 0.5 * reviewer_index
            scores = {
                str(c.id): round(max(0.0, min(10.0, base + 0.3 * i)), 1) for i, c in enumerate(criteria)
            }
            comments = {
                str(criteria[0].id): "技术路线清晰，指标论证充分。"
                if rank == 0
                else "关键指标的验证数据不足。"
            }
            review.submit_review(
                officer,
                uow,
                call_id,
                application.id,
                scores,
                comments=comments,
                comment="建议支持。" if rank == 0 else "建议完善后再议。",
                assignment_id=assignment.id,
            )


def _after_award(
    uow: UnitOfWork, officer: Actor, call_id: int, winner: Any, orgs: dict[str, int], *, finish: bool
) -> None:
    awards.award(officer, call_id, [winner.id], uow)
    awardee = _actor("sample-awardee", winner.lead_org_id, "enterprise")
    calls.transition(awardee, call_id, "start", uow)
    views = awards.milestones_of(officer, call_id, uow)
    todo = views if finish else views[:1]
    for view in todo:
        milestone = view.milestone
        awards.report_evidence(
            awardee,
            milestone.id or 0,
            f"{milestone.title_zh}：第三方检测报告已上传，实测值优于指标。",
            uow,
            achieved_value=(milestone.target or 0) * 1.05,
        )
        awards.decide_milestone(officer, milestone.id or 0, True, uow)
        awards.record_payment(
            officer, milestone.id or 0, 100.0, uow, note="按里程碑拨付 / paid on the milestone"
        )
    if finish:
        calls.transition(officer, call_id, "accept", uow)
