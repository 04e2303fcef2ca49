"""One step of a case, run and saved: `run_step` for every live step (start, task, message,
termination, timer). It runs `steps.execute` on the case's snapshot and writes the new snapshot,
the ready tasks and the audit events in the caller's unit of work; the caller commits.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, delete, func, insert, select, union_all, update
from sqlalchemy.orm.attributes import set_committed_value
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

    The case row's UPDATE is version-checked: a concurrent step on the same case waits for it
    (PostgreSQL row lock) or finds the version moved, and becomes a Conflict that writes nothing.
    """
    if existing is None:
        with session.no_autoflush:
            existing = case_tasks(session, case.id)
    rows = {t.id: t for t in existing}
    events = audit.chain(audit.case_stream(case.id), result.events, at=now, head=(case.last_seq, case.head_hash),
                         state_hash=result.state_hash, case_id=case.id)
    changes = {"snapshot": result.snapshot, "state_hash": result.state_hash, "status": result.status,
               "outcome": result.outcome, "data": result.data, "warnings": result.warnings,
               "next_due_at": result.next_due_at, "updated_at": now,
               "last_seq": events[-1].seq, "head_hash": events[-1].hash}
    wanted = {t["id"]: t for t in result.tasks}
    gone = sorted(set(rows) - set(wanted))
    added = [CaseTask(case_id=case.id, created_at=now, **t) for i, t in wanted.items() if i not in rows]
    if session.get_bind().dialect.name == "postgresql":
        _write_at_once(session, case, changes, gone, added, events)
    else:
        _write_in_turn(session, case, changes, gone, added, events)
    kept = [t for t in existing if t.id in wanted]
    return sorted(kept + added, key=lambda t: t.element_id)


def _conflict() -> Conflict:
    return Conflict("the case changed while this step was running; reload and try again",
                    message_zh="案件在办理期间已被他人更改，请刷新后重试")


def _write_in_turn(session, case: Case, changes: dict, gone: list[str], added: list[CaseTask], events) -> None:
    """SQLite (where a statement is a call inside the process): the ORM's version-checked UPDATE
    first, then one bulk statement per table (the ORM's unit of work was a fifth of a step's CPU)."""
    for key, value in changes.items():
        setattr(case, key, value)
    try:
        session.flush()
    except StaleDataError as exc:
        raise _conflict() from exc
    if gone:
        session.execute(delete(CaseTask).where(CaseTask.id.in_(gone)))
    if added:
        session.execute(insert(CaseTask), [_values(t) for t in added])
    session.execute(insert(AuditEvent), [_values(e) for e in events])


def _write_at_once(session, case: Case, changes: dict, gone: list[str], added: list[CaseTask], events) -> None:
    """PostgreSQL: the whole step in one statement (one round trip), data-modifying CTEs that all
    run on one snapshot: the version-checked UPDATE of the case row, and the DELETE and INSERTs
    each conditioned on that UPDATE having matched. A concurrent step waits for the row lock, then
    finds the version moved: no row, nothing written, a Conflict. The case object is then told
    the new column values as stored, so the session has nothing left to flush for it."""
    version = case.row_version
    stepped = (update(Case).where(Case.id == case.id, Case.row_version == version)
               .values(**changes, row_version=version + 1).returning(Case.id).cte("stepped"))
    matched = select(stepped.c.id).exists()
    writes = [_insert_if(AuditEvent, [_values(e) for e in events], matched, "events")]
    if added:
        writes.append(_insert_if(CaseTask, [_values(t) for t in added], matched, "added"))
    if gone:
        writes.append(delete(CaseTask).where(CaseTask.id.in_(gone), matched).cte("gone"))
    statement = select(func.count()).select_from(stepped).add_cte(*writes)
    if not session.execute(statement).scalar_one():
        raise _conflict()
    for key, value in {**changes, "row_version": version + 1}.items():
        set_committed_value(case, key, value)


def _insert_if(model, rows: list[dict], condition, name: str):
    """INSERT of `rows` into `model`'s table when `condition` holds, as a CTE: a SELECT of bound
    parameters per row (UNION ALL), so that a statement of the same shape (rows per table) is
    compiled once and cached (a VALUES list of data is compiled anew every time)."""
    columns = [c for c in model.__table__.columns if c.key in rows[0]]
    selects = [select(*[bindparam(f"{name}{i}_{c.key}", row[c.key], type_=c.type).label(c.key) for c in columns])
               .where(condition) for i, row in enumerate(rows)]
    source = union_all(*selects) if len(selects) > 1 else selects[0]
    return insert(model).from_select([c.key for c in columns], source).cte(name)


def _values(row) -> dict:
    """A new row's column values, for a bulk INSERT (the id, if generated, is left to the database)."""
    return {c.key: getattr(row, c.key) for c in row.__table__.columns
            if not (c.primary_key and getattr(row, c.key) is None)}
