"""XLSX out: a plan with its statuses (in the import layout, so it reads back in) and the blank template."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from kechuang.domain.access import Actor
from kechuang.domain.limits import clean_text
from kechuang.domain.tasks import TaskStatus
from kechuang.store.db import UnitOfWork

from .base import org_names
from .columns import MILESTONE_COLUMNS, OUTPUT_COLUMNS, header
from .plans import list_tasks, org_ids_of

LAYOUT = ("number", "title", "lead", "partners", "deadline", "milestones")
FILLS = {
    TaskStatus.DONE.value: "D9EAD3",
    TaskStatus.ON_TRACK.value: "FFFFFF",
    TaskStatus.AT_RISK.value: "FFF2CC",
    TaskStatus.OVERDUE.value: "F4CCCC",
}
GUIDE = {
    "zh": [
        ("第一个工作表「任务」", "每行一项任务；子任务的序号写在上级任务之下，如 1.1、1.2。"),
        ("牵头单位", "一个政府部门或区，按名称、英文名或简称填写；名称不符时导入报告会给出相近的名称。"),
        ("配合单位", "可填多个，用顿号、逗号、分号或换行分隔。"),
        ("完成时限", "2026-06-30、2026年6月30日、6月底前、三季度、上半年、年底前（未写年份即计划年度）。"),
        (
            "里程碑/工作要求",
            "每行一个里程碑（或用；分隔），写明完成时限和内容，如「2026-03-31 完成实施方案」。",
        ),
        (
            "第二个工作表「里程碑」",
            "可选：每行一个里程碑（序号、里程碑、完成时限、成果形式），与上一列可并用。",
        ),
        (
            "导入规则",
            "逐行检查，任何一行有误则整个文件不写入，并列出每个出错的行和列；重复导入同一文件不会重复建任务。",
        ),
    ],
    "en": [
        ("First sheet 'Tasks'", "One task per row; a subtask is numbered under its task, e.g. 1.1, 1.2."),
        (
            "Lead department",
            "One government department or district, by name, English name or alias; a name "
            "not found is reported with the nearest names.",
        ),
        ("Co-responsible", "Any number, separated by 、 , ; or line breaks."),
        (
            "Deadline",
            "2026-06-30, 2026年6月30日, 6月底前, Q3, 上半年, 年底前 (no year means the plan's year).",
        ),
        (
            "Milestones / requirements",
            "One milestone per line (or separated by ;), with its due date and "
            "title, e.g. '2026-03-31 Implementation plan adopted'.",
        ),
        (
            "Second sheet 'Milestones'",
            "Optional: one milestone per row (No., Milestone, Due, Deliverable); may "
            "be used together with the column.",
        ),
        (
            "Rules",
            "Every row is checked; if any row is wrong nothing is written and every bad row and column "
            "is listed. Importing the same file again creates no duplicates.",
        ),
    ],
}


def _lang(lang: str) -> str:
    return "zh" if lang.startswith("zh") else "en"


def template(lang: str = "zh") -> bytes:
    """The blank workbook offices fill in: the task sheet, the optional milestone sheet and a guide."""
    lang = _lang(lang)
    workbook = Workbook()
    tasks = workbook.active
    tasks.title = "任务" if lang == "zh" else "Tasks"
    tasks.append([header(c, lang) for c in LAYOUT])
    milestones = workbook.create_sheet("里程碑" if lang == "zh" else "Milestones")
    milestones.append([header(c, lang, MILESTONE_COLUMNS) for c in MILESTONE_COLUMNS])
    guide = workbook.create_sheet("说明" if lang == "zh" else "Guide")
    for row in GUIDE[lang]:
        guide.append(list(row))
    for sheet in (tasks, milestones):
        _style_header(sheet)
    guide.column_dimensions["A"].width, guide.column_dimensions["B"].width = 26, 100
    return _save(workbook)


def _style_header(sheet: Any) -> None:
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDEFGHIJ", (8, 48, 30, 36, 14, 60, 10, 12, 60, 40), strict=False):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"


def _save(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def export_plan(
    actor: Actor, uow: UnitOfWork, plan_id: int, lang: str = "zh", *, on: date | None = None
) -> bytes:
    """The plan's tasks with progress, status and its reason, coloured by status; re-imports unchanged."""
    lang = _lang(lang)
    plan, views = list_tasks(actor, uow, plan_id, on=on)
    with uow() as session:
        orgs = org_names(session, org_ids_of(views))

    def name(org_id: int) -> str:
        org = orgs.get(org_id)
        return "" if org is None else (org.name_zh if lang == "zh" else org.name_en or org.name_zh)

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "任务" if lang == "zh" else "Tasks"
    sheet.append(
        [header(c, lang) for c in LAYOUT]
        + [pair[0 if lang == "zh" else 1] for pair in OUTPUT_COLUMNS.values()]
    )
    for view in views:
        task, report = view.task, view.latest_report
        milestones = "\n".join(f"{m.due.isoformat()} {m.title}" for m in view.milestones if m.due)
        title = task.title if lang == "zh" or not task.title_en else task.title_en
        sheet.append(
            [
                clean_text(str(v)) if isinstance(v, str) else v
                for v in (
                    task.number,
                    title,
                    name(task.lead_org_id),
                    "、".join(name(o) for o in view.partners),
                    task.deadline,
                    milestones,
                    round(view.progress, 1),
                    view.verdict.status.label(lang),
                    view.verdict.reason(lang),
                    report.note if report is not None else "",
                )
            ]
        )
        fill = PatternFill("solid", fgColor=FILLS[view.status])
        for cell in sheet[sheet.max_row]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.cell(sheet.max_row, len(LAYOUT) + 2).fill = fill
        sheet.cell(sheet.max_row, len(LAYOUT)).number_format = "@"
        sheet.cell(sheet.max_row, 5).number_format = "yyyy-mm-dd"
    _style_header(sheet)
    info = workbook.create_sheet("计划" if lang == "zh" else "Plan")
    info.append(["年度" if lang == "zh" else "Year", plan.year])
    info.append(
        [
            "计划" if lang == "zh" else "Plan",
            plan.title if lang == "zh" or not plan.title_en else plan.title_en,
        ]
    )
    info.append(["任务数" if lang == "zh" else "Tasks", len(views)])
    for status in TaskStatus:
        info.append([status.label(lang), sum(1 for v in views if v.status == status.value)])
    return _save(workbook)
