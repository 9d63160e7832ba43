"""Progress reports: departments report, the supervising officer accepts or returns, evidence is attached.

A report filed by the supervising officer stands as accepted. A returned report no longer counts towards
the task's status; the department files a new one (or revises the returned one, which resubmits it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.domain.access import Actor
from kechuang.domain.clock import now
from kechuang.domain.errors import InvalidInput, NotFound, PermissionDenied
from kechuang.domain.tasks import (
    KeyTask,
    Plan,
    ProgressReport,
    ReportEvidence,
    ReportState,
    review_target,
)
from kechuang.store.db import UnitOfWork

from .. import audit
from .base import (
    Milestones,
    Partners,
    Reports,
    TaskView,
    checked_id,
    is_government,
    is_supervisor,
    load_task,
    long_text,
    refresh_status,
    text,
)

Evidence: Any = ReportEvidence
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
MAX_EVIDENCE_FILES = 20


def _responsible(session: Session, actor: Actor, task: KeyTask) -> bool:
    if not actor.authenticated or actor.organization_id is None:
        return False
    partners = set(session.scalars(select(Partners.org_id).where(Partners.task_id == task.id)))
    return actor.organization_id in {task.lead_org_id, *partners}


def _progress(value: Any) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not 0 <= value <= 100
        or value != value
    ):
        raise InvalidInput("must be a number from 0 to 100", field="progress")
    return float(value)


def _milestones_done(session: Session, task: KeyTask, raw: Any) -> list[int]:
    if not raw:
        return []
    mine = set(session.scalars(select(Milestones.id).where(Milestones.task_id == task.id)))
    if not isinstance(raw, list) or any(isinstance(m, bool) or m not in mine for m in raw):
        raise InvalidInput("must list ids of this task's milestones", field="milestones_done")
    return sorted(set(raw))


def file_report(
    actor: Actor, uow: UnitOfWork, task_id: int, data: dict[str, Any], *, idempotency_key: str | None = None
) -> tuple[ProgressReport, TaskView]:
    """A responsible department (or the supervisor) reports progress; the task's status follows at once."""
    progress = _progress(data.get("progress"))
    note = long_text(data.get("note"), "note")
    blockers = long_text(data.get("blockers"), "blockers")
    with uow() as session:
        head = audit.lock_chain(session)
        task, plan = load_task(session, actor, task_id)
        done = audit.replayed_id(session, actor, idempotency_key, "tasks.report.file")
        if done is not None:
            replay: ProgressReport | None = session.get(Reports, done)
            if replay is None:
                raise NotFound(f"report {done} not found")
            return replay, refresh_status(session, plan, task)
        supervisor = is_supervisor(actor, plan)
        if not supervisor and not _responsible(session, actor, task):
            raise PermissionDenied("only the responsible departments and the supervising officers may report")
        stamp = now()
        report = ProgressReport(
            task_id=task.id or 0,
            progress=progress,
            note=note,
            blockers=blockers,
            milestones_done=_milestones_done(session, task, data.get("milestones_done")),
            state=ReportState.ACCEPTED if supervisor else ReportState.SUBMITTED,
            author=actor.name,
            author_org_id=actor.organization_id,
            created_at=stamp,
            updated_at=stamp,
            reviewed_by=actor.name if supervisor else "",
            reviewed_at=stamp if supervisor else None,
        )
        session.add(report)
        session.flush()
        view = refresh_status(session, plan, task)
        audit.append(
            session,
            head,
            actor,
            "tasks.report.file",
            "key_task",
            task.id,
            {
                "report_id": report.id,
                "progress": progress,
                "state": report.state.value,
                "blockers": bool(blockers),
                "status": view.status,
            },
        )
        audit.remember(session, actor, idempotency_key, "tasks.report.file", "task_report", report.id or 0)
    return report, view


def revise_report(actor: Actor, uow: UnitOfWork, report_id: int, data: dict[str, Any]) -> ProgressReport:
    """The department that filed a report changes it while it awaits review, or resubmits a returned one."""
    with uow() as session:
        head = audit.lock_chain(session)
        report, task, plan = _load_report(session, actor, report_id)
        if report.author_org_id is None or report.author_org_id != actor.organization_id:
            raise PermissionDenied("departments edit only their own reports")
        if report.state == ReportState.ACCEPTED:
            raise InvalidInput("an accepted report stands; file a new one", field="state")
        if "progress" in data:
            report.progress = _progress(data["progress"])
        if "note" in data:
            report.note = long_text(data["note"], "note")
        if "blockers" in data:
            report.blockers = long_text(data["blockers"], "blockers")
        if "milestones_done" in data:
            report.milestones_done = _milestones_done(session, task, data["milestones_done"])
        before = report.state
        report.state, report.return_reason, report.updated_at = ReportState.SUBMITTED, "", now()
        view = refresh_status(session, plan, task)
        audit.append(
            session,
            head,
            actor,
            "tasks.report.revise",
            "key_task",
            task.id,
            {
                "report_id": report.id,
                "from": before.value,
                "progress": report.progress,
                "status": view.status,
            },
        )
    return report


def review_report(
    actor: Actor,
    uow: UnitOfWork,
    report_id: int,
    action: str,
    reason: str = "",
    *,
    idempotency_key: str | None = None,
) -> tuple[ProgressReport, TaskView]:
    """The supervising officer accepts a report, or returns it with a reason (which it must give)."""
    if action not in ("accept", "return"):
        raise NotFound(f"no report action '{action}'")
    why = long_text(reason, "reason")
    with uow() as session:
        head = audit.lock_chain(session)
        report, task, plan = _load_report(session, actor, report_id)
        done = audit.replayed_id(session, actor, idempotency_key, f"tasks.report.{action}")
        if done is not None:
            return report, refresh_status(session, plan, task)
        if not is_supervisor(actor, plan):
            raise PermissionDenied("only the plan's supervising officers review reports")
        if action == "return" and not why:
            raise InvalidInput("say why the report is returned", field="reason")
        before = report.state
        report.state = review_target(action, report.state)
        report.reviewed_by, report.reviewed_at, report.return_reason = actor.name, now(), why
        view = refresh_status(session, plan, task)
        audit.append(
            session,
            head,
            actor,
            f"tasks.report.{action}",
            "key_task",
            task.id,
            {
                "report_id": report.id,
                "from": before.value,
                "to": report.state.value,
                "reason": why,
                "status": view.status,
            },
        )
        audit.remember(
            session, actor, idempotency_key, f"tasks.report.{action}", "task_report", report.id or 0
        )
    return report, view


def _load_report(session: Session, actor: Actor, report_id: int) -> tuple[ProgressReport, KeyTask, Plan]:
    report: ProgressReport | None = session.get(Reports, checked_id(report_id, "report"))
    if report is None:
        raise NotFound(f"report {report_id} not found")
    task, plan = load_task(session, actor, report.task_id)  # NotFound where the plan is hidden
    return report, task, plan


def list_reports(
    actor: Actor, uow: UnitOfWork, task_id: int
) -> list[tuple[ProgressReport, list[ReportEvidence]]]:
    """A task's reports, newest first, each with its evidence files (names and sizes)."""
    with uow() as session:
        task, _ = load_task(session, actor, task_id)
        reports = list(
            session.scalars(select(Reports).where(Reports.task_id == task.id).order_by(Reports.id.desc()))
        )
        files: dict[int, list[ReportEvidence]] = {}
        if reports:
            rows = session.execute(
                select(Evidence.id, Evidence.report_id, Evidence.filename, Evidence.media_type, Evidence.size)
                .where(Evidence.report_id.in_([r.id for r in reports]))
                .order_by(Evidence.id)
            )
            for ident, report_id, name, media, size in rows:
                files.setdefault(report_id, []).append(
                    ReportEvidence(id=ident, report_id=report_id, filename=name, media_type=media, size=size)
                )
    return [(r, files.get(r.id or 0, [])) for r in reports]


@dataclass
class EvidenceFile:
    filename: str
    media_type: str
    content: bytes


def attach_evidence(
    actor: Actor, uow: UnitOfWork, report_id: int, filename: str, media_type: str, content: bytes
) -> ReportEvidence:
    """The report's own department (or the supervisor) attaches a file as evidence."""
    name = text(filename.replace("\\", "/").rsplit("/", 1)[-1], "file", max_length=255, required=True)
    if not content:
        raise InvalidInput("the file is empty", field="file")
    if len(content) > MAX_EVIDENCE_BYTES:
        raise InvalidInput(f"a file may hold at most {MAX_EVIDENCE_BYTES:,} bytes", field="file")
    with uow() as session:
        head = audit.lock_chain(session)
        report, task, plan = _load_report(session, actor, report_id)
        own = report.author_org_id is not None and report.author_org_id == actor.organization_id
        if not own and not is_supervisor(actor, plan):
            raise PermissionDenied("departments attach evidence to their own reports only")
        count = len(list(session.scalars(select(Evidence.id).where(Evidence.report_id == report.id))))
        if count >= MAX_EVIDENCE_FILES:
            raise InvalidInput(f"a report holds at most {MAX_EVIDENCE_FILES} files", field="file")
        item = ReportEvidence(
            report_id=report.id or 0,
            filename=name,
            media_type=text(media_type, "file", max_length=120) or "application/octet-stream",
            size=len(content),
            content=content,
            created_at=now(),
        )
        session.add(item)
        session.flush()
        audit.append(
            session,
            head,
            actor,
            "tasks.evidence.attach",
            "key_task",
            task.id,
            {"report_id": report.id, "evidence_id": item.id, "filename": name, "size": len(content)},
        )
    return item


def get_evidence(actor: Actor, uow: UnitOfWork, evidence_id: int) -> EvidenceFile:
    """An evidence file, for whoever may see its task."""
    with uow() as session:
        item: ReportEvidence | None = session.get(Evidence, checked_id(evidence_id, "evidence"))
        if item is None:
            raise NotFound(f"evidence {evidence_id} not found")
        _, task, _ = _load_report(session, actor, item.report_id)
        if not is_government(session, actor) and not _responsible(session, actor, task):
            raise NotFound(f"evidence {evidence_id} not found")  # evidence stays inside government
        return EvidenceFile(item.filename, item.media_type, item.content)
