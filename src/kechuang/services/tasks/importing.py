"""Import a plan's tasks from the office XLSX layout (see `columns`): every row checked, all rows or none.

Department names are resolved to government organizations by name, English name or alias; a name that
is not found gets the nearest names as suggestions. Re-importing a file skips the tasks already there
(same number and title) and refuses a number that now names a different task.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.domain.access import Actor
from kechuang.domain.entities import Organization
from kechuang.domain.enums import OrgKind
from kechuang.domain.errors import ImportRejected, KechuangError, PermissionDenied, RowError
from kechuang.domain.limits import shown
from kechuang.engine.names import fold
from kechuang.store.db import RehearsalUnitOfWork, UnitOfWork

from .. import audit
from .base import Orgs, Tasks, is_supervisor, load_plan, refresh_status
from .columns import (
    MILESTONE_COLUMNS,
    MILESTONE_SHEETS,
    OUTPUT_COLUMNS,
    TASK_COLUMNS,
    TASK_SHEETS,
    find_due,
    header_map,
    key,
    split_milestones,
    split_names,
)
from .plans import insert_task

MAX_ROWS = 5000
MAX_COLUMNS = 50


@dataclass
class ImportOutcome:
    """What an accepted import did."""

    filename: str
    created: int = 0
    unchanged: int = 0
    task_ids: list[int] = field(default_factory=list)


@dataclass
class _Row:
    file: str  # the workbook's name, with the sheet's for the milestone sheet
    number: int  # as the user sees it in the sheet
    values: dict[str, Any]
    data: dict[str, Any] = field(default_factory=dict)


def _sheet_rows(
    name: str, sheet: Any, columns: dict[str, Any], errors: list[RowError], label: str
) -> list[_Row]:
    """Rows keyed by column; unknown headers are row-1 errors (output columns of the export are ignored)."""
    accepted = header_map(columns)
    ignored = {key(h) for pair in OUTPUT_COLUMNS.values() for h in pair}
    rows = sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
    head = next(rows, None)
    if head is None:
        errors.append(RowError(name, 1, "", f"sheet {label} is empty: its first row must hold the headers"))
        return []
    headers: list[str | None] = []
    for raw in head:
        text = str(raw or "").strip()
        column = accepted.get(key(text)) if text else None
        if text and column is None and key(text) not in ignored:
            errors.append(
                RowError(name, 1, shown(text), f"unknown column of sheet {label}; see the template")
            )
        headers.append(column)
    found = []
    for number, values in enumerate(rows, start=2):
        cells = {
            c: v for c, v in zip(headers, values, strict=False) if c is not None and str(v or "").strip()
        }
        if cells:
            found.append(_Row(name, number, cells))
        if len(found) > MAX_ROWS:
            raise ImportRejected([RowError(name, number, "", f"more than {MAX_ROWS} rows; split the file")])
    return found


def _open(filename: str, content: bytes) -> Any:
    from openpyxl import load_workbook

    if Path(filename).suffix.lower() not in (".xlsx", ".xlsm"):
        raise ImportRejected([RowError(filename, 0, "", "use an .xlsx workbook (see the template)")])
    try:
        return load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise ImportRejected([RowError(filename, 0, "", f"not a readable XLSX workbook: {exc}")]) from None


def _sheet(workbook: Any, names: tuple[str, ...], *, first_if_missing: bool) -> Any:
    """The sheet called by one of `names`; the task sheet may also simply be the first one."""
    for sheet in workbook.worksheets:
        if sheet.title.strip().lower() in {n.lower() for n in names}:
            return sheet
    return workbook.worksheets[0] if first_if_missing else None


class _Departments:
    """Government organizations by every name they go by, with near-miss suggestions."""

    def __init__(self, session: Session) -> None:
        self.by_name: dict[str, Organization] = {}
        self.others: dict[str, Organization] = {}
        for org in session.scalars(select(Orgs).where(Orgs.merged_into_id.is_(None))):
            target = self.by_name if org.kind == OrgKind.GOVERNMENT else self.others
            for name in (org.name_zh, org.name_en, *(org.aliases or [])):
                if name:
                    target.setdefault(fold(name).lower(), org)
        self.choices = list(self.by_name)

    def resolve(self, name: str) -> tuple[Organization | None, str]:
        folded = fold(name).lower()
        if folded in self.by_name:
            return self.by_name[folded], ""
        if folded in self.others:
            kind = self.others[folded].kind.value
            return None, f"'{shown(name)}' is a {kind}, not a government department or district"
        near = process.extract(folded, self.choices, scorer=fuzz.WRatio, limit=3, score_cutoff=60)
        names = list(dict.fromkeys(self.by_name[c].name_zh or self.by_name[c].name_en for c, _, _ in near))
        hint = f"; did you mean {' / '.join(names)}?" if names else ""
        return None, f"no government department or district is called '{shown(name)}'{hint}"

    def resolve_cell(self, cell: object) -> tuple[list[Organization], list[str]]:
        """Every department a cell names. Names may themselves hold 、 (市科委、中关村管委会 is one body), so
        the longest run of parts that is a known name is taken first; problems are given per name."""
        parts, found, problems, start = split_names(cell), [], [], 0
        while start < len(parts):
            for end in range(len(parts), start, -1):
                joined = "、".join(parts[start:end])
                if fold(joined).lower() in self.by_name:
                    found.append(self.by_name[fold(joined).lower()])
                    start = end
                    break
            else:
                org, problem = self.resolve(parts[start])
                if org is None:
                    problems.append(problem)
                start += 1
        return list(dict.fromkeys(found)), problems


def import_tasks(actor: Actor, uow: UnitOfWork, plan_id: int, filename: str, content: bytes) -> ImportOutcome:
    """Import the workbook into a plan (supervisors only); any bad row rejects the file with every error."""
    workbook = _open(filename, content)
    name = Path(filename).name
    errors: list[RowError] = []
    try:
        task_sheet = _sheet(workbook, TASK_SHEETS, first_if_missing=True)
        rows = _sheet_rows(name, task_sheet, TASK_COLUMNS, errors, task_sheet.title)
        extra = _sheet(workbook, MILESTONE_SHEETS, first_if_missing=False)
        milestone_rows = (
            _sheet_rows(f"{name}/{extra.title}", extra, MILESTONE_COLUMNS, errors, extra.title)
            if extra is not None
            else []
        )
    finally:
        workbook.close()
    outcome = ImportOutcome(name)
    with uow() as session:
        head = audit.lock_chain(session)
        plan = load_plan(session, actor, plan_id)
        if not is_supervisor(actor, plan):
            raise PermissionDenied("only the plan's supervising officers may import its tasks")
        existing = {
            t.number: t for t in session.scalars(select(Tasks).where(Tasks.plan_id == plan.id)) if t.number
        }
        departments = _Departments(session)
        todo = list(_check_rows(name, rows, milestone_rows, plan.year, departments, existing, errors))
        if errors:
            raise ImportRejected(sorted(errors, key=lambda e: (e.file, e.row, e.column)))
        created: dict[str, int] = {n: t.id for n, t in existing.items() if t.id is not None}
        for row in sorted(todo, key=lambda r: r.data["number"].count(".")):
            parent = row.data.pop("parent_number", None)
            row.data["parent_id"] = created.get(parent) if parent else None
            try:
                task = insert_task(session, actor, plan, row.data)
            except KechuangError as exc:  # a rule of the task service the row checks did not foresee
                errors.append(RowError(name, row.number, exc.field or "", exc.message))
                continue
            created[row.data["number"]] = task.id or 0
            outcome.task_ids.append(task.id or 0)
            refresh_status(session, plan, task)
        if errors:
            raise ImportRejected(errors)
        outcome.created = len(outcome.task_ids)
        outcome.unchanged = len(rows) - len(todo)
        audit.append(
            session,
            head,
            actor,
            "tasks.import",
            "task_plan",
            plan.id,
            {
                "file": name,
                "created": outcome.created,
                "unchanged": outcome.unchanged,
                "task_ids": outcome.task_ids,
            },
        )
    return outcome


def preview_tasks(
    actor: Actor, uow: UnitOfWork, plan_id: int, filename: str, content: bytes
) -> ImportOutcome:
    """What `import_tasks` would do (or its every row error), with nothing written."""
    return import_tasks(actor, RehearsalUnitOfWork(uow.engine), plan_id, filename, content)


def _check_rows(
    name: str,
    rows: list[_Row],
    milestone_rows: list[_Row],
    year: int,
    departments: _Departments,
    existing: dict[str, Any],
    errors: list[RowError],
) -> Iterator[_Row]:
    """Yield the rows to create, each with its task data; append an error for every problem found."""
    numbers: dict[str, int] = {}
    for index, row in enumerate(rows, start=1):
        number = _number(row.values.get("number"), index)
        if number in numbers:
            errors.append(
                RowError(name, row.number, "序号", f"number {number} is used twice (row {numbers[number]})")
            )
        numbers[number] = row.number
        row.data["number"] = number
    extra: dict[str, list[tuple[str, int, dict[str, Any]]]] = {}
    for row in milestone_rows:
        task_number = _number(row.values.get("number"), 0)
        if task_number not in numbers:
            errors.append(
                RowError(
                    row.file,
                    row.number,
                    "序号",
                    f"milestone of task {task_number}, which is not in the task sheet",
                )
            )
            continue
        extra.setdefault(task_number, []).append((row.file, row.number, row.values))
    for row in rows:
        before = len(errors)
        data = _task_data(name, row, year, departments, errors)
        number = row.data["number"]
        parent = number.rsplit(".", 1)[0] if "." in number else None
        if parent is not None and parent not in numbers and parent not in existing:
            errors.append(
                RowError(
                    name,
                    row.number,
                    "序号",
                    f"subtask of {parent}, which is neither in the file nor in the plan",
                )
            )
        for sheet_file, sheet_row, values in extra.get(number, []):
            milestone = _milestone_row(sheet_file, sheet_row, values, year, errors)
            if milestone is not None:
                data["milestones"].append(milestone)
        if data.get("deadline"):
            for milestone in data["milestones"]:
                if milestone["due"] > data["deadline"]:
                    errors.append(
                        RowError(
                            name,
                            row.number,
                            "里程碑/工作要求",
                            f"milestone '{shown(milestone['title'])}'"
                            f" is due {milestone['due']}, after the deadline {data['deadline']}",
                        )
                    )
        same = existing.get(number)
        if same is not None:
            if same.title != data.get("title"):
                errors.append(
                    RowError(
                        name,
                        row.number,
                        "序号",
                        f"task {number} of this plan is '{shown(same.title)}', not this task",
                    )
                )
            continue
        if len(errors) == before:
            row.data.update(data, parent_number=parent)
            yield row


def _number(raw: Any, fallback: int) -> str:
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = str(raw if raw is not None else "").strip().rstrip(".、")
    return text or str(fallback)


def _task_data(
    name: str, row: _Row, year: int, departments: _Departments, errors: list[RowError]
) -> dict[str, Any]:
    values = row.values
    data: dict[str, Any] = {
        "title": str(values.get("title", "")).strip(),
        "milestones": [],
        "title_en": str(values.get("title_en", "")).strip(),
        "description": str(values.get("description", "")).strip(),
        "co_departments": [],
    }
    if not data["title"]:
        errors.append(RowError(name, row.number, "任务名称", "the task has no name"))
    leads, problems = departments.resolve_cell(values.get("lead"))
    for problem in problems:
        errors.append(RowError(name, row.number, "牵头单位", problem))
    if not problems and len(leads) != 1:
        reason = (
            "name the lead department" if not leads else "name one lead department (others go to 配合单位)"
        )
        errors.append(RowError(name, row.number, "牵头单位", reason))
    elif not problems:
        data["lead_department"] = leads[0].id
    partners, problems = departments.resolve_cell(values.get("partners"))
    errors.extend(RowError(name, row.number, "配合单位", problem) for problem in problems)
    data["co_departments"] = [org.id for org in partners]
    due = find_due(values.get("deadline"), year)
    if due is None:
        errors.append(
            RowError(
                name,
                row.number,
                "完成时限",
                f"'{shown(values.get('deadline', ''))}' is not a deadline (e.g. 2026-06-30, 6月底前, "
                "三季度, 年底前)",
            )
        )
    else:
        data["deadline"] = due[0]
    for part in split_milestones(values.get("milestones")):
        found = find_due(part, year)
        if found is None or not found[1]:
            errors.append(
                RowError(
                    name,
                    row.number,
                    "里程碑/工作要求",
                    f"milestone '{shown(part)}' needs a title and a due date, e.g. '2026-06-30 完成方案'",
                )
            )
        else:
            data["milestones"].append({"title": found[1], "due": found[0]})
    return data


def _milestone_row(
    name: str, number: int, values: dict[str, Any], year: int, errors: list[RowError]
) -> dict[str, Any] | None:
    title = str(values.get("title", "")).strip()
    due = find_due(values.get("due"), year)
    if not title:
        errors.append(RowError(name, number, "里程碑", "the milestone has no title"))
    if due is None:
        errors.append(
            RowError(name, number, "完成时限", f"'{shown(values.get('due', ''))}' is not a due date")
        )
    if not title or due is None:
        return None
    return {"title": title, "due": due[0], "deliverable": str(values.get("deliverable", "")).strip()}
