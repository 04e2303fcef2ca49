"""One step of a case, run and saved: `run_step` for every live step (start, task, message,
termination, timer). It runs `steps.execute` on the case's snapshot and writes the new snapshot,
the ready tasks and the audit events in the caller's unit of work; the caller commits.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, insert, select
from sqlalchemy.orm.exc import StaleDataError

from . import audit
from .errors import Conflict
from .reference import StepReference
from .registry import StepEffect
from .runtime import SNAPSHOT_FORMAT
from .steps import Command, StepResult, execute
from .storage.db import UnitOfWork
from .storage.models import AuditEvent, Case, CaseTask

if TYPE_CHECKING:
    from .context import EngineContext


def run_step(ctx: EngineContext, uow: UnitOfWork, case: Case, command: Command, *, now: datetime | None = None,
             existing: list[CaseTask] | None = None, ref: StepReference | None = None) -> list[CaseTask] | None:
    """Run `command` on `case` and save the step; returns the case's ready tasks after it, or None
    when a timer tick found nothing due (then nothing is written). `existing`: the case's task rows,
    if the caller loaded them already. A new case (`case_started`) starts on the current snapshot
    format, and its first event records the version and parameters it runs on. `ref`: the step's
    reference data, when the caller's form reads (or adds) entries through it too."""
    now = now or ctx.clock.now()
    bundle = ctx.specs.get(uow.session, case.version_id)
    starting = command.action == "case_started"
    result = execute(bundle, ctx.registry, case.id, case.last_seq + 1, now, None if starting else case.snapshot,
                     command, ref or StepReference(uow.session), SNAPSHOT_FORMAT)
    if result is None:
        return None
    if command.action == "task_completed":  # what the task changes outside its case (the domain's effects)
        done = result.events[0]  # the completed task's event: its element and the data as the form cleaned it
        effect = StepEffect(uow.session, case.id, result.form, done.element_id, done.data_in, result.data,
                            command.actor, command.role, now)
        result.events += [audit.NewEvent(action, command.actor, command.role, command.element_id, command.task_id,
                                         data_out=data_out)
                          for apply in ctx.registry.effects for action, data_out in apply(effect)]
    if starting:
        first = result.events[0]
        started = {**first.data_out, "procedure": case.procedure_key, "version": case.procedure_version,
                   "parameters": case.parameters, "snapshot_format": SNAPSHOT_FORMAT}
        result = replace(result, events=[replace(first, data_out=started), *result.events[1:]])
    return save_step(uow.session, case, result, now, existing)


def case_tasks(session, case_id: int) -> list[CaseTask]:
    """A case's ready-task rows, by element id."""
    return list(session.scalars(select(CaseTask).where(CaseTask.case_id == case_id).order_by(CaseTask.element_id)))


def save_step(session, case: Case, result: StepResult, now, existing: list[CaseTask] | None = None) -> list[CaseTask]:
    """Snapshot, ready tasks and events of one step; the caller commits. Returns the case's ready
    task rows after the step, by element id. `existing`: the case's task rows, if already loaded.

    The version-checked UPDATE of the case row is flushed first: a concurrent step on the same case
    waits for it (PostgreSQL row lock) or finds the version moved, and becomes a Conflict before
    anything else is written.
    """
    if existing is None:
        with session.no_autoflush:
            existing = case_tasks(session, case.id)
    rows = {t.id: t for t in existing}
    events = audit.chain(audit.case_stream(case.id), result.events, at=now, head=(case.last_seq, case.head_hash),
                         state_hash=result.state_hash, case_id=case.id)
    case.snapshot, case.state_hash = result.snapshot, result.state_hash
    case.status, case.outcome, case.data = result.status, result.outcome, result.data
    case.warnings = result.warnings
    case.next_due_at, case.updated_at = result.next_due_at, now
    case.last_seq, case.head_hash = events[-1].seq, events[-1].hash
    try:
        session.flush()
    except StaleDataError as exc:
        raise Conflict("the case changed while this step was running; reload and try again",
                       message_zh="案件在办理期间已被他人更改，请刷新后重试") from exc
    wanted = {t["id"]: t for t in result.tasks}
    gone = set(rows) - set(wanted)
    if gone:
        session.execute(delete(CaseTask).where(CaseTask.id.in_(gone)))
    added = [CaseTask(case_id=case.id, created_at=now, **t) for i, t in wanted.items() if i not in rows]
    # bulk INSERTs (one statement each): the ORM's unit of work was a fifth of a step's CPU
    if added:
        session.execute(insert(CaseTask), [_values(t) for t in added])
    session.execute(insert(AuditEvent), [_values(e) for e in events])
    kept = [t for t in existing if t.id in wanted]
    return sorted(kept + added, key=lambda t: t.element_id)


def _values(row) -> dict:
    """A new row's column values, for a bulk INSERT (the id, if generated, is left to the database)."""
    return {c.key: getattr(row, c.key) for c in row.__table__.columns
            if not (c.primary_key and getattr(row, c.key) is None)}
