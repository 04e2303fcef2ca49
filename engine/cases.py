"""Case services: start, complete a task, deliver a message, terminate; each one transaction.

Every function here opens a unit of work, runs one step (`stepping.run_step`: the snapshot, the
ready-task rows and the audit events), and commits once. The case row carries an
optimistic version: a step whose case changed underneath it fails with Conflict and writes nothing.
"""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm.exc import StaleDataError

from . import audit
from .actors import Actor
from .errors import Conflict, Forbidden, NotFound, ValidationFailed
from .reference import StepReference
from .reference_records import Reader
from .registry import FormContext
from .retry import retry
from .stepping import case_tasks, run_step
from .steps import Command
from .storage.models import AuditEvent, Case, CaseTask, ProcedureVersion
from .subjects import with_subjects

if TYPE_CHECKING:
    from .context import EngineContext


def start_case(ctx: EngineContext, procedure_key: str, data: dict, actor: Actor, role: str | None = None, *,
               parameters: dict | None = None, may_override: bool = False, locale: str = "zh-CN", then=None) -> dict:
    """Start a case on the latest version; `role`: the role the actor starts it in (default: the
    domain's, Registry.default_roles.start). `then`: as for complete_task."""
    role = role or ctx.registry.default_roles.start
    if not actor.holds(role):
        raise Forbidden(f"{actor.username} does not hold the role '{role}'", message_zh=f"{actor.username} 不具有角色“{role}”")
    with ctx.unit_of_work(write=True) as uow:
        version = uow.session.scalars(
            select(ProcedureVersion).where(ProcedureVersion.key == procedure_key)
            .order_by(ProcedureVersion.version.desc()).limit(1)
        ).first()
        if version is None:
            raise NotFound(f"no procedure '{procedure_key}' is deployed", message_zh=f"未部署流程“{procedure_key}”")
        effective = _parameters(version.parameters, parameters or {}, may_override, ctx.registry.check_parameters)
        bundle = ctx.specs.get(uow.session, version.id)
        start_form = next((t["form"] for t in bundle.tasks.values()
                           if t["type"] == "startEvent" and t["process"] == bundle.key), None)
        now = ctx.clock.now()
        reads = Reader(uow.session)  # what the start form reads (a unit's quota) it records in its cleaned data
        cleaned = _validate(ctx, start_form, data, FormContext(None, "start", {}, {}, effective, actor, role, locale,
                                                               reads, now))
        case = Case(procedure_key=version.key, version_id=version.id, procedure_version=version.version,
                    status="running", data={},
                    parameters=effective, snapshot="", state_hash="", last_seq=0, head_hash=audit.GENESIS, started_by=actor.username,
                    started_at=now, updated_at=now)
        uow.session.add(case)
        uow.session.flush()  # the case id seeds the step's task ids
        command = Command("case_started", actor, role, element_id=version.key,
                          data_in=audit.as_stored({**cleaned, "parameters": effective,
                                                   "started_at": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}))
        tasks = run_step(ctx, uow, case, command, now=now)
        return _commit(uow, case_dict(case, tasks), then)


def complete_task(ctx: EngineContext, task_id: str, actor: Actor, data: dict, *, role: str | None = None,
                  comment: str | None = None, locale: str = "zh-CN", then=None) -> dict:
    """Complete a ready task. `then(session, case)`: more to write in the step's transaction, given
    the case as returned (e.g. the record of its read, reading.step_as_seen), before the commit."""
    try:
        return _complete_task(ctx, task_id, actor, data, role, comment, locale, then)
    except Forbidden as refusal:
        if "case_id" in refusal.details:
            _record_refusal(ctx, refusal, actor, data)
        raise


def _complete_task(ctx: EngineContext, task_id, actor, data, role, comment, locale, then) -> dict:
    with ctx.unit_of_work(write=True) as uow:
        session = uow.session
        # the task, its case's other ready tasks (the step replaces them) and the case, in one query
        found = session.execute(_TASK_AND_SIBLINGS, {"task_id": task_id}).all()
        siblings = [t for t, _case in found]
        row, case = next(((t, c) for t, c in found if c is not None), (None, None))
        if row is None:
            raise _missing_task(session, task_id)
        role = role or row.role
        where = {"case_id": row.case_id, "element_id": row.element_id, "task_id": task_id, "role": role}
        if row.role and (role != row.role or not actor.holds(row.role)):
            raise Forbidden(f"this task is for the role '{row.role}', which {actor.username} does not act in",
                            message_zh=f"该任务须由角色“{row.role}”办理，{actor.username} 无此角色", details=where)
        marked = ctx.specs.get(session, case.version_id).tasks.get(row.element_id, {}).get("subject")
        try:
            task = with_subjects(ctx.registry, task_dict(row), marked, case.data)
            known = guard_records(session, ctx.registry, case) + derived_records(ctx.registry, case.data)
            for guard in ctx.registry.guards:
                guard(case_data=case.data, task=task, actor=actor, role=role, data=data, records=known)
        except Forbidden as exc:
            exc.details.update(where)
            raise
        if not isinstance(data, dict):
            raise ValidationFailed("the data must be an object", fields={"data": "must be an object / 必须是对象"})

        ref = StepReference(session, now=ctx.clock.now())

        def validate(submitted: dict, visible: dict) -> dict:
            form_ctx = FormContext(case.id, row.element_id, visible, row.prefill, case.parameters, actor, role, locale,
                                   ref)
            return audit.as_stored(_validate(ctx, row.form, submitted, form_ctx))

        command = Command("task_completed", actor, role, row.element_id, task_id, data, comment, validate)
        tasks = run_step(ctx, uow, case, command, existing=siblings, ref=ref)
        ref.save(ctx, actor, role)  # entries the form added, in the step's transaction
        return _commit(uow, case_dict(case, tasks), then)


# built once (a statement built per step costs its construction and cache key every time). The
# case's columns come on the task's own row only (the join's condition names the task), so a case
# with parallel tasks does not send its snapshot once per task.
_TASK_AND_SIBLINGS = (select(CaseTask, Case)
                      .outerjoin(Case, and_(Case.id == CaseTask.case_id, CaseTask.id == bindparam("task_id")))
                      .where(CaseTask.case_id == select(CaseTask.case_id).where(CaseTask.id == bindparam("task_id"))
                             .scalar_subquery())
                      .order_by(CaseTask.element_id))


def record_for_guards(ctx: EngineContext, case_id: int, record: dict, actor: Actor, role: str, *,
                      locale: str = "zh-CN", then=None) -> dict:
    """Record the domain's guard record (Registry.guard_record) on a case; guards read it from then
    on. `then`: as for complete_task."""
    kind = ctx.registry.guard_record
    if kind is None:
        raise NotFound("this domain records nothing for its guards", message_zh="本业务不记录此类申报")
    username = record.get("username") if isinstance(record, dict) else None
    may = guard_record_role(ctx.registry, actor, username)
    if may is None or (username != actor.username and not (role in kind.roles and actor.holds(role))):
        raise Forbidden(kind.refusal[0], message_zh=kind.refusal[1])
    with ctx.unit_of_work(write=True) as uow:
        case = _running_case(uow.session, case_id)
        form_ctx = FormContext(case.id, kind.form, case.data, {}, case.parameters, actor, role, locale)
        cleaned = _validate(ctx, kind.form, record, form_ctx)
        kept = guard_records(uow.session, ctx.registry, case)
        _note(uow.session, case, audit.NewEvent(kind.action, actor, role, data_in=cleaned), ctx.clock.now(),
              guard_records=lambda event: [*kept, _guard_record(event)])
        return _commit(uow, {**case_dict(case, case_tasks(uow.session, case.id)), **_guard_records(ctx, uow.session, case)},
                       then)


def _commit(uow, case: dict, then) -> dict:
    """Commit a service's step, after `then(session, case)` wrote what goes with it (complete_task)."""
    if then is not None:
        then(uow.session, case)
    uow.commit()
    return case


def derived_records(registry, case_data: dict) -> list[dict]:
    """The guard records the domain finds in the case data (Registry.derived_records), none without that hook."""
    return list(registry.derived_records(case_data or {})) if registry.derived_records else []


def guard_record_role(registry, actor: Actor, username: str | None) -> str | None:
    """The one rule of who may record a guard record (e.g. declare a relation) about `username`: a
    participant of the procedure for themself (in a role that takes steps), or a holder of one of the
    record's `roles` for anyone. The role they act in, or None."""
    kind = registry.guard_record
    if kind is None:
        return None
    if username == actor.username:
        taking_part = sorted(actor.roles & registry.roles) if registry.roles else sorted(actor.roles)
        if taking_part:
            return taking_part[0]
    for_anyone = sorted(actor.roles & kind.roles)
    return for_anyone[0] if for_anyone else None


def guard_records(session, registry, case: Case) -> list[dict]:
    """The guard records of a case: kept on its row (written with each record's audit event, and
    checked against the trail by audit.verify), or, on a row that does not keep them yet (migrated
    without the domain's action, 0009), read from its audit trail."""
    if registry.guard_record is None:
        return []
    if case.guard_records is not None:
        return list(case.guard_records)
    events = session.scalars(select(AuditEvent).where(AuditEvent.stream == audit.case_stream(case.id),
                                                      AuditEvent.action == registry.guard_record.action)
                             .order_by(AuditEvent.seq))
    return [_guard_record(e) for e in events]


def _guard_record(event: AuditEvent) -> dict:
    """A guard record as its audit event tells it (audit.verify builds it the same way)."""
    return audit.guard_record_of(event.data_in, event.actor_username, event.seq)


def _guard_records(ctx: EngineContext, session, case: Case) -> dict:
    """A case's guard records (recorded, and those the domain finds in its data) under the
    domain's name for them, for a case as read."""
    kind = ctx.registry.guard_record
    if kind is None:
        return {}
    return {kind.listed_as: guard_records(session, ctx.registry, case) + derived_records(ctx.registry, case.data)}


def _record_refusal(ctx: EngineContext, refusal: Forbidden, actor: Actor, data) -> None:
    """A refused step is itself recorded (who tried what), in its own transaction."""
    where = refusal.details
    try:
        attempted = audit.jsonable(data)
    except (TypeError, ValueError):
        attempted = {"unreadable": repr(data)[:500]}
    event = audit.NewEvent("step_refused", actor, where.get("role") or "-", where.get("element_id"),
                           where.get("task_id"), attempted, {"reason": refusal.message, "reason_zh": refusal.message_zh})

    def note() -> None:
        with ctx.unit_of_work(write=True) as uow:
            case = uow.session.get(Case, where["case_id"])
            _note(uow.session, case, event, ctx.clock.now())
            uow.commit()

    # the note bumps the case version: again if a step lands meanwhile
    retry(note, on=(Conflict,), attempts=3, what=f"recording a refused step on case {where['case_id']}")


def _note(session, case: Case, event, now, guard_records=None) -> None:
    """An event that changes nothing in the workflow: chained on the case's stream at its current
    state. `guard_records(row)`: the case's guard records with the event's row, when it records one."""
    rows = audit.chain(audit.case_stream(case.id), [event], at=now, head=(case.last_seq, case.head_hash),
                       state_hash=case.state_hash, case_id=case.id)
    case.last_seq, case.head_hash, case.updated_at = rows[-1].seq, rows[-1].hash, now
    if guard_records is not None:
        case.guard_records = guard_records(rows[-1])
    try:
        session.flush()
    except StaleDataError as exc:
        raise Conflict("the case changed meanwhile; try again", message_zh="案件已被更改，请重试") from exc
    session.add_all(rows)
    session.flush()


def send_message(ctx: EngineContext, case_id: int, name: str, payload: dict, actor: Actor, role: str, *,
                 locale: str = "zh-CN", then=None) -> dict:
    """Deliver a BPMN message; its payload is validated by the form of the same name, if registered.
    `then`: as for complete_task."""
    if not actor.holds(role):
        raise Forbidden(f"{actor.username} does not hold the role '{role}'", message_zh=f"{actor.username} 不具有角色“{role}”")
    with ctx.unit_of_work(write=True) as uow:
        case = _running_case(uow.session, case_id)
        form_ctx = FormContext(case.id, name, case.data, {}, case.parameters, actor, role, locale)
        payload = audit.as_stored(_validate(ctx, name, payload, form_ctx))
        tasks = run_step(ctx, uow, case, Command("message_received", actor, role, name, None, payload))
        return _commit(uow, case_dict(case, tasks), then)


def terminate_case(ctx: EngineContext, case_id: int, actor: Actor, role: str, reason: str, *, then=None) -> dict:
    """End a running case (outcome `terminated`). `then`: as for complete_task."""
    if not actor.holds(role):
        raise Forbidden(f"{actor.username} does not hold the role '{role}'", message_zh=f"{actor.username} 不具有角色“{role}”")
    if not (reason or "").strip():
        raise ValidationFailed("a reason is required", message_zh="必须填写终止原因", fields={"reason": "required / 必须填写终止原因"})
    with ctx.unit_of_work(write=True) as uow:
        case = _running_case(uow.session, case_id)
        tasks = run_step(ctx, uow, case, Command("case_terminated", actor, role, None, None, {"reason": reason}, reason))
        return _commit(uow, case_dict(case, tasks), then)


def get_case(ctx: EngineContext, case_id: int) -> dict:
    with ctx.unit_of_work() as uow:
        case = uow.session.get(Case, case_id)
        if case is None:
            raise NotFound(f"case {case_id} does not exist", message_zh=f"案件 {case_id} 不存在")
        return {**case_dict(case, case_tasks(uow.session, case_id)), **_guard_records(ctx, uow.session, case)}


def list_tasks(ctx: EngineContext, *, roles: set[str] | None = None, case_id: int | None = None) -> list[dict]:
    with ctx.unit_of_work() as uow:
        query = select(CaseTask).order_by(CaseTask.created_at, CaseTask.case_id, CaseTask.element_id)
        if roles is not None:
            query = query.where(CaseTask.role.in_(sorted(roles)))
        if case_id is not None:
            query = query.where(CaseTask.case_id == case_id)
        return [task_dict(t) for t in uow.session.scalars(query)]


def _validate(ctx: EngineContext, form: str | None, data: dict, form_ctx: FormContext) -> dict:
    if not isinstance(data, dict):
        raise ValidationFailed("the data must be an object", fields={"data": "must be an object / 必须是对象"})
    validator = ctx.registry.forms.get(form) if form else None
    return validator(data, form_ctx) if validator else dict(data)


def _parameters(defaults: dict, overrides: dict, may_override: bool, check=None) -> dict:
    if overrides and not may_override:
        raise Forbidden("this user may not override procedure parameters",
                        message_zh="当前用户无权覆盖流程参数")
    unknown = sorted(set(overrides) - set(defaults))
    if unknown:
        raise ValidationFailed("unknown procedure parameters", message_zh="存在本流程未定义的参数",
                               fields={f"parameters.{k}": "not a parameter of this procedure / 本流程无此参数" for k in unknown})
    problems = check(overrides) if check and overrides else {}
    if problems:
        raise ValidationFailed("invalid procedure parameters", message_zh="流程参数取值无效",
                               fields={f"parameters.{k}": f"{v} / 取值无效" for k, v in problems.items()})
    return {**defaults, **overrides}


def _running_case(session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"case {case_id} does not exist", message_zh=f"案件 {case_id} 不存在")
    if case.status != "running":
        raise Conflict(f"case {case_id} is {case.status}", message_zh=f"案件 {case_id} 已结束（{case.status}）")
    return case


def _missing_task(session, task_id: str):
    done = session.scalars(select(AuditEvent).where(AuditEvent.task_id == task_id,
                                                    AuditEvent.action == "task_completed").limit(1)).first()
    if done is not None:
        return Conflict(f"the task was already completed by {done.actor_username} at {audit.iso(done.at)}",
                        message_zh=f"该任务已由 {done.actor_username} 于 {audit.iso(done.at)} 办理")
    return NotFound(f"task {task_id} does not exist", message_zh=f"任务 {task_id} 不存在")


def get_task(ctx: EngineContext, task_id: str) -> dict:
    """One ready task; NotFound when no task of that id is waiting (never was, or done already)."""
    with ctx.unit_of_work() as uow:
        row = uow.session.get(CaseTask, task_id)
        if row is None:
            raise NotFound(f"task {task_id} is not a ready task", message_zh=f"任务 {task_id} 不存在或已办结")
        return task_dict(row)


def task_dict(task: CaseTask) -> dict:
    return {"id": task.id, "case_id": task.case_id, "element_id": task.element_id, "title": task.title,
            "role": task.role, "form": task.form, "prefill": task.prefill}


def list_cases(ctx: EngineContext, *, status: str | None = None, procedure: str | None = None,
               outcome: str | None = None, page: int = 1, per_page: int = 20, where=None) -> tuple[list[dict], int]:
    """A page of cases, newest first, with the total count for the filters; `where`: a condition on
    the cases (engine/reading.py: those the reader may open)."""
    from sqlalchemy import func

    query = select(Case) if where is None else select(Case).where(where)
    for column, value in ((Case.status, status), (Case.procedure_key, procedure), (Case.outcome, outcome)):
        if value is not None:
            query = query.where(column == value)
    with ctx.unit_of_work() as uow:
        total = uow.session.scalar(select(func.count()).select_from(query.subquery()))
        if (page - 1) * per_page >= total:  # past the last page (also an offset too large for the database)
            return [], total
        rows = uow.session.scalars(query.order_by(Case.id.desc()).offset((page - 1) * per_page).limit(per_page))
        return [case_summary(c, ctx.registry.headline) for c in rows], total


def case_summary(case: Case, headline: tuple[str, ...] = ()) -> dict:
    """A case in a list; `headline`: the case data keys that name it (Registry.headline)."""
    return {
        "id": case.id, "procedure": case.procedure_key, "version": case.procedure_version, "status": case.status,
        "outcome": case.outcome, "warnings": case.warnings, "started_by": case.started_by,
        "started_at": audit.iso(case.started_at), "updated_at": audit.iso(case.updated_at),
        "headline": {key: _text((case.data or {}).get(key)) for key in headline},
    }


def _text(value) -> str | None:
    return None if value is None else str(value)


def case_dict(case: Case, tasks: list[CaseTask]) -> dict:
    return {
        "id": case.id, "procedure": case.procedure_key, "version": case.procedure_version,
        "version_id": case.version_id, "status": case.status,
        "outcome": case.outcome, "data": case.data, "parameters": case.parameters, "warnings": case.warnings,
        "tasks": [task_dict(t) for t in tasks], "last_seq": case.last_seq, "started_by": case.started_by,
        "started_at": audit.iso(case.started_at), "updated_at": audit.iso(case.updated_at),
        "next_due_at": audit.iso(case.next_due_at) if case.next_due_at else None,
    }
