"""Reading cases on a need-to-know basis: every door (REST, pages, exports, replay) reads through here.

The domain says, through `Registry.visibility`, which cases each role may open (`CaseScope`, turned
into SQL here so that lists are filtered in the query) and what of an opened case a user may see
(a view that redacts the case data, the ready tasks, the events). Without a visibility the engine
shows everything (a bare engine has no secrets of its own).

A case outside the reader's scope is "not found" (404), so its existence is not told either; the
refusal is recorded like every other. A read that shows more than the summary leaves an access
record (engine/readtrail.py), written after the answer is computed and never failing it; the read
of the case a step returns goes into the step's own transaction instead (`step_as_seen`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, exists, false, or_, select, text, true

from . import audit, cases, readtrail
from .access import record_refusal
from .actors import Actor
from .errors import NotFound
from .records import responsibility_record
from .registry import CaseScope
from .storage.models import AuditEvent, Case, CaseTask

if TYPE_CHECKING:
    from .context import EngineContext

_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def scope_clause(scope: CaseScope, username: str, dialect: str, only: int | None = None) -> ColumnElement:
    """A condition on `cases.id` that holds for the cases `scope` opens to `username`; `only`: the one
    case asked about (each lookup then reads that case's rows by its index, not a role's)."""
    if scope.every:
        return true()

    def of(query, column):
        return Case.id.in_(query if only is None else query.where(column == only))

    parts = []
    if scope.task_roles:
        parts.append(of(select(CaseTask.case_id).where(CaseTask.role.in_(sorted(scope.task_roles))), CaseTask.case_id))
    if scope.acted:
        parts.append(of(select(AuditEvent.case_id).where(AuditEvent.actor_username == username,
                                                         AuditEvent.case_id.is_not(None)), AuditEvent.case_id))
    if scope.acted_roles:
        parts.append(of(select(AuditEvent.case_id).where(AuditEvent.actor_role.in_(sorted(scope.acted_roles)),
                                                         AuditEvent.case_id.is_not(None)), AuditEvent.case_id))
    for name in scope.named_in:
        if not _FIELD.match(name):
            raise ValueError(f"not a field name: {name!r}")
        if dialect == "postgresql":
            named = text(f"(audit_events.data_in::jsonb -> '{name}') ? :reader")
        else:
            named = text(f"EXISTS (SELECT 1 FROM json_each(audit_events.data_in, '$.{name}') AS item "
                         "WHERE item.value = :reader)")
        # only the events of the roles this scope holds tasks of (served by ix_audit_events_role_case)
        parts.append(of(select(AuditEvent.case_id).where(AuditEvent.actor_role.in_(sorted(scope.task_roles)),
                                                         named.bindparams(reader=username)), AuditEvent.case_id))
    return or_(*parts) if parts else false()


def visible_clause(ctx: EngineContext, actor: Actor, dialect: str) -> ColumnElement | None:
    """The cases `actor` may open (None: every case, no condition)."""
    visibility = ctx.registry.visibility
    if visibility is None:
        return None
    scopes = visibility.scope(actor.roles)
    if any(s.every for s in scopes):
        return None
    return or_(false(), *(scope_clause(s, actor.username, dialect) for s in scopes))


def list_cases(ctx: EngineContext, actor: Actor, **filters) -> tuple[list[dict], int]:
    """A page of the cases `actor` may open (cases.list_cases' filters), filtered in the query."""
    return cases.list_cases(ctx, where=visible_clause(ctx, actor, _dialect(ctx)), **filters)


def may_open(ctx: EngineContext, actor: Actor, case_id: int) -> bool:
    return bool(_roles_in_scope(ctx, actor, case_id))


def _roles_in_scope(ctx: EngineContext, actor: Actor, case_id: int, session=None) -> set[str]:
    """The actor's roles whose scope holds the case (one EXISTS per role that is not for every case)."""
    visibility = ctx.registry.visibility
    if visibility is None:
        return set(actor.roles) or {"-"}
    if session is None:
        with ctx.unit_of_work() as uow:
            return _roles_in_scope(ctx, actor, case_id, uow.session)
    found = set()
    for role in sorted(actor.roles):
        [scope] = visibility.scope({role}) or [CaseScope()]
        if scope.every or session.scalar(select(exists().where(
                Case.id == case_id, scope_clause(scope, actor.username, _dialect(ctx), only=case_id)))):
            found.add(role)
    return found


def _dialect(ctx: EngineContext) -> str:
    return ctx.db_engine.dialect.name


class Everything:
    """The view of an engine without a domain visibility: all of it."""

    sections = ["all"]
    restricted = True

    def data(self, value):
        return dict(value or {})

    prefill = data

    def event(self, entry):
        return entry

    def records(self, recorded):
        return recorded


def view_of(ctx: EngineContext, actor: Actor, case: dict, door: str):
    """What `actor` may see of `case` (a `cases.get_case` dict): the domain's view. Raises NotFound,
    and records the refusal, when the case is outside the actor's scope."""
    if ctx.registry.visibility is None:
        return Everything(), "-"
    with ctx.unit_of_work() as uow:  # one connection for the scope and the reader's own steps
        view, role = _view_in(ctx, uow.session, actor, case)
        if view is None:
            uow.session.close()
            refuse(ctx, actor, case["id"], door)
    return view, role


def _view_in(ctx: EngineContext, session, actor: Actor, case: dict):
    """view_of's work on `session`: (view, roles as one text), or (None, "") outside the actor's scope."""
    visibility = ctx.registry.visibility
    if visibility is None:
        return Everything(), "-"
    forms = _forms(ctx, case["version_id"], session)
    own: list[dict] = []

    def mine() -> list[dict]:
        """The reader's own steps on the case (read once: they decide the scope, and the domain's view)."""
        if not own:
            rows = session.execute(select(AuditEvent.element_id, AuditEvent.data_in).where(
                AuditEvent.case_id == case["id"], AuditEvent.actor_username == actor.username))
            own.append([{"element_id": r[0], "form": forms.get(r[0]), "data_in": r[1]} for r in rows])
        return own[0]

    roles = _roles_holding(ctx, actor, case, session, mine)
    if not roles:
        return None, ""
    return visibility.view(actor, case, in_scope=roles, mine=mine, forms=forms), ",".join(sorted(roles))


def _roles_holding(ctx: EngineContext, actor: Actor, case: dict, session, mine) -> set[str]:
    """The actor's roles whose scope holds `case`: what the loaded case shows (a ready task of the
    role) and the reader's own steps decide first; the database is asked only for what is left (the
    same conditions as the lists' SQL, restricted to this case)."""
    waiting = {t.get("role") for t in case.get("tasks") or []}
    found = set()
    for role in sorted(actor.roles):
        [scope] = ctx.registry.visibility.scope({role}) or [CaseScope()]
        if scope.every or scope.task_roles & waiting or (scope.acted and mine()) or (scope.acted_roles or scope.named_in) and session.scalar(select(exists().where(
                Case.id == case["id"], scope_clause(scope, actor.username, _dialect(ctx), only=case["id"])))):
            found.add(role)
    return found


def refuse(ctx: EngineContext, actor: Actor, case_id: int, door: str):
    """Record that `actor` tried to open a case outside their work, and answer as for no such case."""
    record_refusal(ctx, actor, "case.read", f"{door} case {case_id}", "not on this case (need to know)")
    raise NotFound(f"case {case_id} does not exist", message_zh=f"案件 {case_id} 不存在")


def _forms(ctx: EngineContext, version_id: int, session) -> dict:
    """Each element of a version with its form (a renamed element keeps its form, so its section)."""
    bundle = ctx.specs.get(session, version_id)
    return {element: (task or {}).get("form") for element, task in bundle.tasks.items()}


def read_case(ctx: EngineContext, actor: Actor, case_id: int, door: str) -> dict:
    """One case as `actor` may see it, with `sections` (what they were shown); the read is recorded."""
    return as_seen(ctx, actor, cases.get_case(ctx, case_id), door)


def as_seen(ctx: EngineContext, actor: Actor, case: dict, door: str) -> dict:
    """A case a service returned (e.g. after a step) as `actor` may see it; recorded as a read."""
    view, role = view_of(ctx, actor, case, door)
    shown = redacted(case, view, ctx.registry.guard_record)
    readtrail.note(ctx, actor, role, [(case["id"], view.sections)], door)
    return shown


def step_as_seen(ctx: EngineContext, actor: Actor, step, door: str) -> dict:
    """The case a step service returns, as `actor` may see it, its read recorded in the step's own
    transaction (one commit for the step and its read, instead of a second transaction after).
    `step(then)` runs the service, which calls `then(session, case)` before it commits. Should the
    step have left the case outside the actor's scope, the read is refused after the commit, as
    `as_seen` does for any read."""
    seen = {}

    def read(session, case: dict) -> None:
        view, role = _view_in(ctx, session, actor, case)
        if view is not None:
            seen["case"] = redacted(case, view, ctx.registry.guard_record)
            readtrail.write_in(session, ctx, actor, role, [(case["id"], view.sections)], door)

    case = step(read)
    return seen["case"] if "case" in seen else as_seen(ctx, actor, case, door)


def redacted(case: dict, view, guard_record=None) -> dict:
    """`case` with its data, its tasks' prefill and its guard records (e.g. declared relations) as
    `view` lets them be seen."""
    shown = {**case, "data": view.data(case["data"]), "sections": list(view.sections),
             "tasks": [{**t, "prefill": view.prefill(t["prefill"])} for t in case["tasks"]]}
    if guard_record is not None and guard_record.listed_as in case:
        shown[guard_record.listed_as] = view.records(case[guard_record.listed_as] or [])
    return shown


def read_task(ctx: EngineContext, actor: Actor, task: dict, door: str) -> tuple[dict, dict]:
    """A ready task and its case as `actor` may see them (the task's prefill redacted like the case)."""
    case = read_case(ctx, actor, task["case_id"], door)
    shown = next((t for t in case["tasks"] if t["id"] == task["id"]), None)
    if shown is None:  # the case moved on between the two reads
        raise NotFound(f"task {task['id']} is not a ready task", message_zh=f"任务 {task['id']} 不存在或已办结")
    return shown, case


def read_events(ctx: EngineContext, actor: Actor, case_id: int, door: str) -> list[dict]:
    """The case's audit events, each blanked where the reader may not see its step."""
    case = cases.get_case(ctx, case_id)
    view, role = view_of(ctx, actor, case, door)
    with ctx.unit_of_work() as uow:
        events = [audit.event_dict(e) for e in audit.events_of(uow.session, audit.case_stream(case_id))]
    shown = [e for e in (view.event(e) for e in events) if e is not None]
    readtrail.note(ctx, actor, role, [(case_id, view.sections)], door)
    return shown


def read_record(ctx: EngineContext, actor: Actor, case_id: int, locale: str, door: str) -> dict:
    """The responsibility record (纪实) as `actor` may see it: entries of steps they may not read keep
    who did what and when, without the data or the words that tell it."""
    case = cases.get_case(ctx, case_id)
    view, role = view_of(ctx, actor, case, door)
    record = responsibility_record(ctx, case_id, locale)
    record["entries"] = [e for e in (view.event(e) for e in record["entries"]) if e is not None]
    record["sections"] = list(view.sections)
    readtrail.note(ctx, actor, role, [(case_id, view.sections)], door)
    return record


def read_replay(ctx: EngineContext, actor: Actor, case_id: int, locale: str, door: str) -> dict:
    """The replay of a case, told as far as the reader's record goes (redact_replay)."""
    from .replay import replay

    record = read_record(ctx, actor, case_id, locale, door)
    return redact_replay(replay(ctx, case_id).as_dict(), record)


def redact_replay(report: dict, record: dict) -> dict:
    """A replay report told only as far as the (already redacted) record goes: the decisions of a
    step whose entry was blanked lose their data, and mismatches say what differs, not the values."""
    hidden = {e["seq"] for e in record["entries"] if e.get("redacted")}
    shown = {e["seq"] for e in record["entries"]}
    for step in report["steps"]:
        for decision in step.get("decisions") or []:
            if decision["seq"] in hidden or decision["seq"] not in shown:
                decision["data_out"] = {}
    if hidden:
        for mismatch in report["mismatches"]:
            if mismatch.get("seq") in hidden:
                mismatch["problem"] = "the replayed step differs from the record"
    return report


def readable_tasks(ctx: EngineContext, actor: Actor, tasks: list[dict], door: str) -> list[dict]:
    """Ready tasks of the caller's roles (an inbox page): prefill through the table of sections, and
    only the summary on a case where a guard record (e.g. a declared relation) keeps the caller out.
    The cases whose prefill told more than the summary are recorded, one batch."""
    visibility, kind = ctx.registry.visibility, ctx.registry.guard_record
    if visibility is None or not tasks:
        return tasks
    ids = sorted({t["case_id"] for t in tasks})
    recorded: dict[int, list] = {}
    if kind is not None:
        with ctx.unit_of_work() as uow:
            for case_id, data_in in uow.session.execute(select(AuditEvent.case_id, AuditEvent.data_in).where(
                    AuditEvent.case_id.in_(ids), AuditEvent.action == kind.action)):
                recorded.setdefault(case_id, []).append(data_in)
    out, read = [], {}
    for task in tasks:
        case = {"id": task["case_id"], "data": {}, **({kind.listed_as: recorded.get(task["case_id"], [])} if kind else {})}
        view = visibility.view(actor, case, in_scope=set(actor.roles), mine=list, forms={})
        prefill = view.prefill(task["prefill"])
        out.append({**task, "prefill": prefill})
        if prefill:
            read.setdefault(task["case_id"], set()).update(view.sections)
    readtrail.note(ctx, actor, ",".join(sorted(actor.roles)), sorted((k, sorted(v)) for k, v in read.items()), door)
    return out
