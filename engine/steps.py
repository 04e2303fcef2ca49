"""One step of a case as a computation: (snapshot, command) -> (new snapshot, audit events).

The live steps (stepping.run_step, for cases.py and timers.py) and the replay (replay.py) both call
`execute`, so a replay runs exactly the code the original step ran. `execute` writes nothing and
changes neither its command nor anything it is given; the one thing it reads from outside is the
reference data its `reference` callable hands to service handlers (recorded in the events, so a
replay hands back the same).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.util.task import TaskState

from .actors import SYSTEM, Actor
from .audit import NewEvent, jsonable
from .errors import Conflict, EngineError
from .procedures.specs import SpecBundle
from .runtime import (
    SNAPSHOT_FORMAT,
    Runner,
    StepRun,
    case_data,
    deliver_message,
    next_due,
    ready_user_tasks,
    state_hash,
)
from .sandbox import data_objects

INPUT_ACTIONS = ("case_started", "task_completed", "message_received", "timer_fired", "case_terminated")
# Actions recorded on a case's stream without changing its state (a replay passes over them):
# Registry.note_actions(), the refused steps and the domain's guard records.


class StepFailed(EngineError):
    """The procedure itself failed during the step (an expression or a handler raised); nothing was saved."""

    code = "step_failed"


@dataclass(frozen=True)
class Command:
    """What the step is asked to do; `execute` reads it and never changes it."""

    action: str  # one of INPUT_ACTIONS
    actor: Actor
    role: str
    element_id: str | None = None
    task_id: str | None = None
    data_in: dict = field(default_factory=dict)
    comment: str | None = None
    # validate(data, visible) -> cleaned data: the task's form, run against the data the task
    # itself sees; None on replay, where data_in is already the cleaned data that was recorded
    validate: Callable[[dict, dict], dict] | None = None


@dataclass
class _Applied:
    """What running a command found out, for its event: the element (a timer's is known only once
    it fired), the input as the form cleaned it, the completed task's form, and the decisions."""

    element_id: str | None
    data_in: dict
    form: str | None = None
    out: dict = field(default_factory=dict)


@dataclass
class StepResult:
    snapshot: str
    state_hash: str
    status: str
    outcome: str | None
    data: dict
    next_due_at: datetime | None
    tasks: list[dict]
    events: list[NewEvent]
    warnings: list[str] = field(default_factory=list)
    run: StepRun | None = field(default=None, repr=False, compare=False)  # the workflow, for a replay to go on from
    form: str | None = None  # the completed task's form (for the domain's effects of a completed task)


def execute(bundle: SpecBundle, registry, case_id: int, seq: int, now: datetime, snapshot: str | StepRun | None,
            command: Command, reference=None, snapshot_format: int = SNAPSHOT_FORMAT,
            case_view: bool = True) -> StepResult | None:
    """Run `command` against the case. Returns None when a timer tick found nothing due.

    `reference(kind)` supplies reference data (e.g. the calendar) to service handlers; what they
    read is recorded in their events' data_in, so a replay can supply exactly the same.
    `snapshot_format` applies to a new case only; a running case keeps the format of its snapshot.
    `case_view=False` (a replay) leaves out what only the case row and its task rows show: the data of
    a case still running, the warnings and the ready tasks (StepResult.data is then {}, .warnings and
    .tasks []; the events name the ready tasks either way). Events and snapshot are
    the same either way.
    """
    runner = Runner(bundle, registry, now, seed=f"{case_id}:{seq}", reference=reference)
    applied = _Applied(command.element_id, command.data_in)
    out = applied.out
    try:
        if command.action == "case_started":
            run = runner.new(command.data_in, snapshot_format)
        else:
            run = runner.step(snapshot, _ACTIONS[command.action](command, applied))
    except EngineError:
        raise
    except Exception as exc:  # SpiffWorkflow's own errors and any error inside the library
        raise StepFailed(f"the procedure failed at {_where(exc)}: {exc}", message_zh=f"流程执行失败：{_where(exc)}：{exc}",
                         details={"element": _where(exc)}) from exc

    workflow = run.workflow
    if command.action == "timer_fired":
        if not run.timers_fired:
            return None
        applied.element_id = run.timers_fired[0]
    elif run.timers_fired:
        out["timers_fired"] = run.timers_fired

    terminated = command.action == "case_terminated"
    text = run.dump()
    data = jsonable(case_data(workflow)) if case_view or workflow.completed else {}  # (the outcome is in it)
    warnings = sorted({w for summarize in registry.warnings for w in summarize(data)}) if case_view else []
    if terminated:
        status, outcome = "terminated", "terminated"
    elif workflow.completed:
        status, outcome = "completed", data.get("outcome") or _end_event(workflow)
    else:
        status, outcome = "running", None
    ready = ready_user_tasks(workflow) if status == "running" else []
    tasks = [task_row(t) for t in ready] if case_view else []
    out["ready"] = sorted({t.task_spec.bpmn_id for t in ready})
    if status != "running":
        out.update(status=status, outcome=outcome)
    if command.action == "timer_fired":
        out["fired"] = run.timers_fired

    events = [NewEvent(command.action, command.actor, command.role, applied.element_id, command.task_id,
                       applied.data_in, out, command.comment)]
    if command.action == "task_completed":
        for annotate in registry.annotators:
            for action, data_out in annotate(applied.form, applied.element_id, applied.data_in):
                events.append(NewEvent(action, command.actor, command.role, applied.element_id, command.task_id,
                                       data_out=data_out))
    for call in run.engine.calls:
        data_in = {"operation": call.operation, "params": call.params}
        if call.references:
            data_in["reference"] = call.references
        events.append(NewEvent("service_task", SYSTEM, "system", call.element_id, call.task_id,
                               data_in=data_in, data_out={"result": call.result}))
    return StepResult(text, state_hash(text), status, outcome, data,
                      next_due(workflow) if status == "running" else None, tasks, events, warnings, run,
                      applied.form)


def task_row(task) -> dict:
    spec = task.task_spec
    return {
        "id": str(task.id),
        "element_id": spec.bpmn_id,
        "title": spec.bpmn_name or spec.bpmn_id,
        "role": spec.lane,
        "form": spec_property(spec, "form"),
        "prefill": jsonable(_prefill(task)),
    }


def spec_property(spec, name: str) -> str | None:
    """A task spec's `spiffworkflow:property` (form, prefill, outcome)."""
    return (spec.extensions or {}).get("properties", {}).get(name)


def _prefill(task) -> dict:
    """What the task is about: a multi-instance child's own item (the candidate of a per-candidate
    task) and the variables its `prefill` property names (comma-separated)."""
    found = {}
    parent = task.parent
    item = getattr(parent.task_spec, "input_item", None) if parent else None
    if item is not None and item.bpmn_id in task.data:
        found[item.bpmn_name or item.bpmn_id] = task.data[item.bpmn_id]
    names = spec_property(task.task_spec, "prefill") or ""
    for name in filter(None, (n.strip() for n in names.split(","))):
        if name in task.data:
            found[name] = task.data[name]
    return found


def _end_event(workflow) -> str | None:
    """The `outcome` property of the end event reached (else its id), for a case without `outcome` data."""
    ends = [t for t in workflow.get_tasks(state=TaskState.COMPLETED) if type(t.task_spec).__name__ == "EndEvent"
            and t.workflow is workflow]
    if not ends:
        return None
    spec = max(ends, key=lambda t: t.last_state_change).task_spec
    return spec_property(spec, "outcome") or spec.bpmn_id


def output_key(task) -> str:
    """Where a user task's form data goes: under its element id, or a per-candidate task's output item."""
    parent = task.parent
    item = getattr(parent.task_spec, "output_item", None) if parent else None
    return item.bpmn_id if item is not None else task.task_spec.bpmn_id


def _where(exc) -> str:
    task = getattr(exc, "task", None)
    return task.task_spec.bpmn_id if task is not None else "?"


# --- what each input action does to the workflow --------------------------------------------------


def _complete(command: Command, applied: _Applied):
    def act(workflow):
        try:
            task = workflow.get_task_from_id(UUID(command.task_id))  # also searches called processes
        except TaskNotFoundException:  # the case moved on between reading the task row and the case
            task = None  # (another step committed in between): a conflict, not a broken procedure
        if task is None or task.state != TaskState.READY:
            raise Conflict("the task is no longer ready (someone else completed it)",
                           message_zh="该任务已不再待办（可能已被他人办理）")
        applied.form = spec_property(task.task_spec, "form")
        if command.validate is not None:
            applied.data_in = command.validate(command.data_in, {**data_objects(task), **task.data})
        task.data[output_key(task)] = applied.data_in
        task.run()

    return act


def _message(command: Command, applied: _Applied):
    def act(workflow):
        if not deliver_message(workflow, command.element_id, command.data_in):
            raise Conflict(f"the case is not waiting for message '{command.element_id}'",
                           message_zh=f"案件当前不接收消息“{command.element_id}”")

    return act


def _timers(command: Command, applied: _Applied):
    return lambda workflow: workflow.refresh_timers()


def _terminate(command: Command, applied: _Applied):
    def act(workflow):
        applied.out["cancelled_tasks"] = sorted({task_row(t)["element_id"] for t in ready_user_tasks(workflow)})
        workflow.cancel()

    return act


_ACTIONS = {
    "task_completed": _complete,
    "message_received": _message,
    "timer_fired": _timers,
    "case_terminated": _terminate,
}
