"""One step of a case, run and saved: `run_step` for every live step (start, task, message,
termination, timer). It runs `steps.execute` on the case's snapshot and writes the new snapshot,
the ready tasks and the audit events in the caller's unit of work; the caller commits.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, delete, func, insert, select, union_all, update
from sqlalchemy.orm.attributes import set_committed_value

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
    """SQLite (where a statement is a call inside the process): the version-checked UPDATE of the
    case row, then one statement per table, all as prepared Core statements (the ORM's flush and
    bulk INSERTs were as much of a step's CPU as SpiffWorkflow's run). A concurrent step finds the
    version moved (it waited for BEGIN IMMEDIATE): no row updated, a Conflict, the caller rolls back."""
    connection = session.connection()
    version = case.row_version
    stepped = connection.execute(_CASE_STEPPED, {**changes, "row_version": version + 1,
                                                 "b_id": case.id, "b_version": version})
    if stepped.rowcount != 1:
        raise _conflict()
    for key, value in {**changes, "row_version": version + 1}.items():
        set_committed_value(case, key, value)
    if gone:
        connection.execute(_TASKS_GONE, {"gone": gone})
    if added:
        connection.execute(_TASKS_ADDED, [_values(t) for t in added])
    connection.execute(_EVENTS_ADDED, [_values(e) for e in events])


# built once: a statement built per step costs its construction and cache key every time
_CASE_STEPPED = (update(Case.__table__)
                 .where(Case.__table__.c.id == bindparam("b_id"), Case.__table__.c.row_version == bindparam("b_version")))
_TASKS_GONE = delete(CaseTask.__table__).where(CaseTask.__table__.c.id.in_(bindparam("gone", expanding=True)))
_TASKS_ADDED = insert(CaseTask.__table__)
_EVENTS_ADDED = insert(AuditEvent.__table__)


def _write_at_once(session, case: Case, changes: dict, gone: list[str], added: list[CaseTask], events) -> None:
    """PostgreSQL: the whole step in one statement (one round trip), data-modifying CTEs that all
    run on one snapshot: the version-checked UPDATE of the case row, and the DELETE and INSERTs
    each conditioned on that UPDATE having matched. A concurrent step waits for the row lock, then
    finds the version moved: no row, nothing written, a Conflict. The case object is then told
    the new column values as stored, so the session has nothing left to flush for it."""
    version = case.row_version
    event_rows, task_rows = [_values(e) for e in events], [_values(t) for t in added]
    statement = _step_statement(tuple(changes), tuple(event_rows[0]), len(event_rows),
                                tuple(task_rows[0]) if task_rows else (), len(task_rows), bool(gone))
    params = {"b_id": case.id, "b_version": version, "b_row_version": version + 1,
              **{f"b_{key}": value for key, value in changes.items()},
              **_row_params("events", event_rows), **_row_params("added", task_rows)}
    if gone:
        params["b_gone"] = gone
    if not session.connection().execute(statement, params).scalar_one():
        raise _conflict()
    for key, value in {**changes, "row_version": version + 1}.items():
        set_committed_value(case, key, value)


@lru_cache(maxsize=256)
def _step_statement(changed: tuple[str, ...], event_columns: tuple[str, ...], events: int,
                    task_columns: tuple[str, ...], tasks: int, gone: bool):
    """The step's statement for one shape (which columns change, how many rows go to each table),
    built once: all of its values are bound parameters (b_..., see _write_at_once), so building and
    compiling it is paid once per shape, not at every step."""
    cases = Case.__table__
    stepped = (update(cases).where(cases.c.id == bindparam("b_id"), cases.c.row_version == bindparam("b_version"))
               .values({cases.c[key]: bindparam(f"b_{key}") for key in (*changed, "row_version")})
               .returning(cases.c.id).cte("stepped"))
    matched = select(stepped.c.id).exists()
    writes = [_insert_if(AuditEvent.__table__, event_columns, events, matched, "events")]
    if tasks:
        writes.append(_insert_if(CaseTask.__table__, task_columns, tasks, matched, "added"))
    if gone:
        table = CaseTask.__table__
        writes.append(delete(table).where(table.c.id.in_(bindparam("b_gone", expanding=True)), matched).cte("gone"))
    return select(func.count()).select_from(stepped).add_cte(*writes)


def _insert_if(table, columns: tuple[str, ...], rows: int, condition, name: str):
    """INSERT of `rows` rows into `table` when `condition` holds, as a CTE: a SELECT of bound
    parameters per row (UNION ALL), named as _row_params names them (a VALUES list of data would
    be compiled anew every time)."""
    selects = [select(*[bindparam(f"{name}{i}_{key}", type_=table.c[key].type).label(key) for key in columns])
               .where(condition) for i in range(rows)]
    source = union_all(*selects) if len(selects) > 1 else selects[0]
    return insert(table).from_select(list(columns), source).cte(name)


def _row_params(name: str, rows: list[dict]) -> dict:
    """The bound parameters of _insert_if's rows: {name}{row}_{column}."""
    return {f"{name}{i}_{key}": value for i, row in enumerate(rows) for key, value in row.items()}


def _values(row) -> dict:
    """A new row's column values, for a bulk INSERT (the id, if generated, is left to the database)."""
    return {c.key: getattr(row, c.key) for c in row.__table__.columns
            if not (c.primary_key and getattr(row, c.key) is None)}
