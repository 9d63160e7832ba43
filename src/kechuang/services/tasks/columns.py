"""The XLSX layout offices use for key tasks: headers in Chinese or English, and how cells are read.

Sheet 1 (任务 / Tasks) has one row per task: 序号, 任务名称, 牵头单位, 配合单位, 完成时限, 里程碑/工作要求.
Subtasks are numbered under their task (1.1 under 1). Milestones go either in the last column, one per
line (or separated by ；), each with its due date ("2026-06-30 完成方案" or "6月底前完成方案"), or in an
optional second sheet 里程碑 / Milestones (序号, 里程碑, 完成时限, 成果形式), one row per milestone.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime

# column -> (Chinese header, English header, other accepted spellings)
TASK_COLUMNS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "number": ("序号", "No.", ("编号", "number", "no", "#")),
    "title": ("任务名称", "Task", ("重点任务", "任务", "工作任务", "title", "task name")),
    "lead": ("牵头单位", "Lead department", ("牵头部门", "责任单位", "lead", "lead unit")),
    "partners": (
        "配合单位",
        "Co-responsible",
        ("配合部门", "协同单位", "参与单位", "co-responsible departments", "partners"),
    ),
    "deadline": ("完成时限", "Deadline", ("完成时间", "时限", "截止时间", "due")),
    "milestones": (
        "里程碑/工作要求",
        "Milestones / requirements",
        ("里程碑", "工作要求", "milestones", "requirements"),
    ),
    "title_en": ("任务名称（英文）", "Task (English)", ("英文名称", "task (en)")),
    "description": ("说明", "Description", ("备注", "notes")),
}
# written by the export beside the layout; read back without complaint and ignored
OUTPUT_COLUMNS: dict[str, tuple[str, str]] = {
    "progress": ("进度(%)", "Progress (%)"),
    "status": ("状态", "Status"),
    "status_reason": ("状态说明", "Why this status"),
    "latest_report": ("最新报告", "Latest report"),
}
MILESTONE_COLUMNS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "number": ("序号", "No.", ("任务序号", "task no.", "number", "task")),
    "title": ("里程碑", "Milestone", ("里程碑名称", "title")),
    "due": ("完成时限", "Due", ("完成时间", "deadline", "due date")),
    "deliverable": ("成果形式", "Deliverable", ("预期成果", "deliverable", "expected deliverable")),
}
TASK_SHEETS = ("任务", "Tasks")
MILESTONE_SHEETS = ("里程碑", "Milestones")
SEPARATORS = re.compile(r"[、，,；;／/\n]+")
MILESTONE_SEPARATORS = re.compile(r"[\n；;]+")


def key(header: str) -> str:
    """A header as compared: case, spaces, full-width brackets and punctuation do not matter."""
    text = header.strip().lower().replace("（", "(").replace("）", ")").replace("：", ":")
    return re.sub(r"[\s*]+", "", text)


def header_map(columns: dict[str, tuple[str, str, tuple[str, ...]]]) -> dict[str, str]:
    found: dict[str, str] = {}
    for column, (zh, en, others) in columns.items():
        for name in (zh, en, *others):
            found[key(name)] = column
    return found


def header(
    column: str, lang: str, columns: dict[str, tuple[str, str, tuple[str, ...]]] = TASK_COLUMNS
) -> str:
    zh, en, _ = columns[column]
    return zh if lang.startswith("zh") else en


_ISO = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_MONTH_END = re.compile(r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月(?:底|末|份|中旬|上旬|下旬)?")
_QUARTER = re.compile(r"(?:(\d{4})\s*年\s*)?(?:第)?([一二三四1-4])\s*季度")
_Q_EN = re.compile(r"(?:(\d{4})\s*)?q([1-4])", re.I)
_HALF = re.compile(r"(?:(\d{4})\s*年\s*)?([上下])半年")
_YEAR_END = re.compile(
    r"(?:(\d{4})\s*年\s*)?(?:年底|年末|年内|全年|持续推进|长期坚持|end of (?:the )?year)", re.I
)
_QUARTERS = {"一": 1, "二": 2, "三": 3, "四": 4}


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def find_due(value: object, year: int) -> tuple[date, str] | None:
    """The first due date a cell or phrase states, with the text left around it; None if there is none.

    Reads dates (2026-06-30, 2026/6/30, 2026年6月30日), month ends (6月底前, 2026年6月), quarters
    (二季度, Q2), half years (上半年) and the year end (年底前, 持续推进); a year left out is the plan's.
    """
    if isinstance(value, datetime):
        return value.date(), ""
    if isinstance(value, date):
        return value, ""
    text = str(value or "").strip()
    if not text:
        return None
    try:
        if m := _ISO.search(text):
            found = date(int(m[1]), int(m[2]), int(m[3]))
        elif m := _QUARTER.search(text):
            quarter = _QUARTERS.get(m[2]) or int(m[2])
            found = _month_end(int(m[1] or year), quarter * 3)
        elif m := _Q_EN.search(text):
            found = _month_end(int(m[1] or year), int(m[2]) * 3)
        elif m := _HALF.search(text):
            found = _month_end(int(m[1] or year), 6 if m[2] == "上" else 12)
        elif m := _YEAR_END.search(text):
            found = date(int(m[1] or year), 12, 31)
        elif m := _MONTH_END.search(text):
            found = _month_end(int(m[1] or year), int(m[2]))
        else:
            return None
    except ValueError:  # 2026-02-30, month 13
        return None
    rest = (text[: m.start()] + " " + text[m.end() :]).strip(" ：:，,。前-—()（）\t")
    rest = re.sub(r"^(前|之前|以前)\s*", "", rest).strip()
    return found, rest


def split_names(value: object) -> list[str]:
    return [part.strip() for part in SEPARATORS.split(str(value or "")) if part.strip()]


def split_milestones(value: object) -> list[str]:
    return [part.strip() for part in MILESTONE_SEPARATORS.split(str(value or "")) if part.strip()]
