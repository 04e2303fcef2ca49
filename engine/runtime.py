"""Running SpiffWorkflow for one step: load a case without its spec, act, run, dump, hash.

The spec lives once per procedure version (see procedures.specs); a case's snapshot holds only its
own tasks and data. The sandboxed script engine is attached on every load (SpiffWorkflow does not
serialize it) and collects the service calls the step made, for the audit trail.
"""

from __future__ import annotations

import json
import pickle
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from json.encoder import encode_basestring as _str  # a str as the encoder spells it (no ASCII escapes)
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState

from . import determinism
from .hashing import sha256_text
from .procedures.specs import SpecBundle
from .sandbox import SandboxedScriptEngine


class SpecFreeWorkflowConverter(BpmnWorkflowConverter):
    """Like SpiffWorkflow's converter, but the spec is passed in instead of being stored per case."""

    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


_config = dict(SPIFF_CONFIG)
_config[BpmnWorkflow] = SpecFreeWorkflowConverter
SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_config))


# Snapshot formats: 1 kept SpiffWorkflow's whole task tree; 2 (since issue 6) is compacted after every
# step (see `compact`). A case keeps the format it started with, so old cases still replay exactly.
SNAPSHOT_FORMAT = 2


def dump(workflow: BpmnWorkflow, snapshot_format: int = 1) -> str:
    registry = SERIALIZER.registry
    registry._encoder_mode = True
    try:
        dct = SERIALIZER.to_dict(workflow)
    finally:
        registry._encoder_mode = False
    if snapshot_format > 1:
        dct["snapshot_format"] = snapshot_format
        return _dumps_with_sorted_task_data(dct)
    # No sort_keys: task order matters (a task's data is stored as a delta from its parent's, so
    # parents must load first); the order is deterministic anyway, so the text hashes reproducibly.
    return _dumps(dct)


def _dumps(value, sort_keys: bool = False) -> str:
    return json.dumps(value, cls=SERIALIZER._encoder_cls, separators=(",", ":"), ensure_ascii=False,
                      sort_keys=sort_keys)


# A task's data stands in the snapshot's skeleton as a marker string, replaced by the data's own text
# afterwards. The random token keeps a marker from ever matching a string of the skeleton itself.
_TOKEN = secrets.token_hex(8)
_HELD = re.compile(r'"\\u0000' + _TOKEN + r':(\d+)"')


def _dumps_with_sorted_task_data(dct: dict) -> str:
    """The snapshot text with every task's data in key order: a workflow loaded from a snapshot and
    one kept in memory hold the same data with keys inserted in different orders, and must dump to
    the same text (a replay keeps its workflow in memory between steps; a live step loads it).

    Only the data is dumped with sorted keys, the rest keeps SpiffWorkflow's order (tasks, parents
    first). Each data value is dumped once, sorted, and spliced into the text of the rest: the same
    text as sorting it in place and dumping everything (as before), at about half the cost, which
    the profile of a replay showed as its largest item after SpiffWorkflow's own run."""
    texts: list[str] = []

    def held(value):
        if value == {}:  # most deltas are empty: nothing to sort
            return value
        texts.append(_sorted_text(value))
        return f"\x00{_TOKEN}:{len(texts) - 1}"

    for workflow in (dct, *dct.get("subprocesses", {}).values()):
        for task in workflow.get("tasks", {}).values():
            if "data" in task:
                task["data"] = held(task["data"])
            delta = task.get("delta")
            if isinstance(delta, dict):  # a task's data as changes to its parent's (SpiffWorkflow >= 3.1)
                delta["updates"] = held(delta.get("updates", {}))
                delta["deletions"] = sorted(delta.get("deletions", []), key=str)
        if "data" in workflow:
            workflow["data"] = held(workflow["data"])
    return _HELD.sub(lambda m: texts[int(m.group(1))], _dumps(dct))


# The sorted text of task data already dumped, by the data's pickle: most of a snapshot's data (a
# finished subprocess's, a finished task's) is the same from one step to the next and repeats within
# a snapshot, and pickling it is about four times cheaper than dumping it sorted. Equal pickles mean
# the same values of the same types in the same structure, so the same text (a value that does not
# pickle is dumped as before). Bounded by size; emptied when full.
_texts: dict[bytes, str] = {}
_texts_size = 0
_TEXTS_MAX_BYTES = 8_000_000


def _sorted_text(data) -> str:
    """_dumps(data, sort_keys=True). A dict with string keys (task data: variable -> value) is
    spelled here from its values' texts, joined as the encoder joins them (items sorted, no spaces),
    so that a step changing one variable dumps only that variable again."""
    if data.__class__ is not dict or not all(key.__class__ is str for key in data):
        return _cached_text(data)
    return "{" + ",".join(f"{_str(key)}:{_str(value) if value.__class__ is str else _cached_text(value)}"
                          for key, value in sorted(data.items())) + "}"


def _cached_text(value) -> str:
    global _texts_size
    try:
        key = pickle.dumps(value, protocol=5)
    except Exception:  # noqa: BLE001 (not picklable: no cache; the dump decides as before)
        return _dumps(value, sort_keys=True)
    text = _texts.get(key)
    if text is None:
        text = _dumps(value, sort_keys=True)
        if _texts_size > _TEXTS_MAX_BYTES:
            _texts.clear()
            _texts_size = 0
        _texts[key] = text
        _texts_size += len(key) + len(text)
    return text


def load(snapshot: str, bundle: SpecBundle) -> tuple[BpmnWorkflow, int]:
    """The workflow of a snapshot and the snapshot's format."""
    dct = json.loads(snapshot)
    snapshot_format = dct.pop("snapshot_format", 1)
    return SERIALIZER.from_dict(dct, spec=bundle.spec, subprocess_specs=bundle.subprocess_specs), snapshot_format


def state_hash(snapshot: str) -> str:
    return sha256_text(snapshot)


@dataclass
class StepRun:
    """What one step did inside SpiffWorkflow."""

    workflow: BpmnWorkflow
    engine: SandboxedScriptEngine
    timers_fired: list[str] = field(default_factory=list)  # element ids of the timers that fired
    snapshot_format: int = SNAPSHOT_FORMAT

    def dump(self) -> str:
        return dump(self.workflow, self.snapshot_format)


def _is_timer(task_spec) -> bool:
    return isinstance(task_spec, CatchingEvent) and isinstance(
        getattr(task_spec, "event_definition", None), TimerEventDefinition)


MAX_ENGINE_ROUNDS = 100


def run_engine(workflow: BpmnWorkflow) -> None:
    """Run engine tasks until only user tasks and waits remain. SpiffWorkflow refreshes timers at the
    end of `do_engine_steps`, and a timer already due (e.g. a deadline that passed before the step was
    recorded) becomes ready there; run again so it is not left waiting for the next step."""
    for _round in range(MAX_ENGINE_ROUNDS):
        workflow.do_engine_steps()
        if not any(not t.task_spec.manual for t in workflow.get_tasks(state=TaskState.READY)):
            return
    raise RuntimeError(f"the engine did not settle after {MAX_ENGINE_ROUNDS} rounds (a timer loop?)")


class Runner:
    """Runs one step of one case deterministically at `now` with ids seeded by (case, seq)."""

    def __init__(self, bundle: SpecBundle, registry, now: datetime, seed: str, reference=None):
        self.bundle = bundle
        self.now = now
        self.seed = seed
        self.engine = SandboxedScriptEngine(services=registry.services, functions=registry.functions,
                                            now=lambda: now, reference=reference)

    def new(self, data: dict, snapshot_format: int = SNAPSHOT_FORMAT) -> StepRun:
        with determinism.step_context(self.now, self.seed):
            workflow = BpmnWorkflow(self.bundle.spec, self.bundle.subprocess_specs, script_engine=self.engine)
            workflow.task_tree.data.update(data)
            return self._run(workflow, lambda wf: None, snapshot_format)

    def step(self, snapshot: str | StepRun, action) -> StepRun:
        """Act on the case's state: a snapshot's text, or (a replay, format 2 on) the previous
        step's workflow still in memory, which dumps to the same text as loading it would give."""
        with determinism.step_context(self.now, self.seed):
            if isinstance(snapshot, StepRun):
                workflow, snapshot_format = snapshot.workflow, snapshot.snapshot_format
            else:
                workflow, snapshot_format = load(snapshot, self.bundle)
            workflow.script_engine = self.engine
            return self._run(workflow, action, snapshot_format)

    def _run(self, workflow, action, snapshot_format: int) -> StepRun:
        before = waiting_timers(workflow)
        action(workflow)
        run_engine(workflow)
        after = waiting_timers(workflow)
        # a timer that stopped waiting once it was due fired (a cancelled one was not yet due)
        fired = [element for task_id, (element, due) in before.items()
                 if task_id not in after and due is not None and due <= self.now]
        if snapshot_format > 1:
            normalize_subprocesses(workflow)
            if not workflow.completed:
                compact(workflow)
        return StepRun(workflow, self.engine, fired, snapshot_format)


# --- keeping the task tree small -------------------------------------------------------------------


def normalize_subprocesses(workflow: BpmnWorkflow) -> None:
    """Keep the subprocesses as loading a snapshot would rebuild them: in the order of their tasks,
    and only those whose task is still in the tree (SpiffWorkflow drops such a task, e.g. a
    finished event subprocess's, but keeps its entry). A workflow kept in memory (a replay) then
    dumps the same text as one loaded from the previous step's snapshot."""
    ordered: dict = {}

    def visit(current) -> None:
        for task_id, task in current.tasks.items():
            sub = workflow.subprocesses.get(task_id)
            if sub is not None and task_id not in ordered and isinstance(task.task_spec, SubWorkflowTask):
                ordered[task_id] = sub
                visit(sub)

    visit(workflow)
    if list(ordered) != list(workflow.subprocesses):
        workflow.subprocesses.clear()
        workflow.subprocesses.update(ordered)


def compact(workflow: BpmnWorkflow) -> int:
    """Splice finished stretches out of the task tree; returns how many tasks were dropped.

    SpiffWorkflow keeps every task a case ever ran, as a chain from the root: a loop grows the tree
    (and every load, dump and `do_engine_steps` walk) by its length on each pass, and its iterators
    stop at depth 1000. Only a task in the middle of a finished chain goes: COMPLETED, with a
    COMPLETED parent and exactly one child that is COMPLETED too. So every unfinished task keeps its
    parent (data is inherited from it; joins read it) and its children (multi-instance children,
    boundary events); leaves, branch points, the last task, subprocess owners and the root stay.
    The audit trail, not the tree, is the record of what ran.
    """
    owners = set(workflow.subprocesses)
    dropped = 0
    for wf in (workflow, *workflow.subprocesses.values()):
        keep = owners | {wf.task_tree.id}
        if wf.last_task is not None:
            keep.add(wf.last_task.id)
        tasks = wf.tasks
        for task in list(tasks.values()):
            if task.id in keep or task._state != TaskState.COMPLETED or len(task._children) != 1:
                continue
            parent, child = tasks.get(task._parent), tasks.get(task._children[0])
            if parent is None or child is None or parent._state != TaskState.COMPLETED \
                    or child._state != TaskState.COMPLETED:
                continue
            parent._children[parent._children.index(task.id)] = child.id
            child._parent = parent.id
            del tasks[task.id]
            dropped += 1
    return dropped


# --- reading a workflow --------------------------------------------------------------------------


def ready_user_tasks(workflow: BpmnWorkflow) -> list:
    return [t for t in workflow.get_tasks(state=TaskState.READY, manual=True)]


def waiting_timers(workflow: BpmnWorkflow) -> dict:
    """task id -> (element id of the timer, due time or None) for every waiting timer, including
    the timer behind an event-based gateway."""
    found = {}
    for task in workflow.event_manager.tasks.values():
        definition = task.task_spec.event_definition
        definitions = getattr(definition, "event_definitions", None) or [definition]
        if not any(isinstance(d, TimerEventDefinition) for d in definitions):
            continue
        element = task.task_spec.bpmn_id
        if len(definitions) > 1:  # an event-based gateway: name the timer event behind it
            timers = [o.bpmn_id for o in task.task_spec.outputs if _is_timer(o)]
            element = timers[0] if timers else element
        value = task.internal_data.get("event_value")
        if isinstance(value, dict):  # a cycle timer
            value = value.get("next") if value.get("cycles") != 0 else None
        found[task.id] = (element, TimerEventDefinition.get_datetime(value) if isinstance(value, str) else None)
    return found


def next_due(workflow: BpmnWorkflow) -> datetime | None:
    """The earliest due time of any waiting timer, for the indexed `next_due_at` column."""
    due = [d for _element, d in waiting_timers(workflow).values() if d is not None]
    return min(due) if due else None


def deliver_message(workflow: BpmnWorkflow, name: str, payload: dict) -> bool:
    """Deliver to whatever catches it (a waiting catch event or an event subprocess start).
    Returns False, changing nothing, when nothing in the case catches this message now."""
    return workflow.event_manager.catch(BpmnEvent(MessageEventDefinition(name), payload), internal=False) > 0


def case_data(workflow: BpmnWorkflow) -> dict:
    """The case's data as shown: the latest task's data of the case and of each running called
    process (innermost last), plus every data object."""
    latest = _main_flow_task(workflow)
    data = dict(latest.data) if latest else {}
    objects = dict(workflow.data.get("data_objects") or {})
    for sub in workflow.subprocesses.values():
        if not sub.completed and sub.last_task is not None:
            data.update(sub.last_task.data)
        for name, value in (sub.data.get("data_objects") or {}).items():
            objects.setdefault(name, value)
    data.update(objects)
    return data


def _event_subprocess(task) -> bool:
    """A task of an event subprocess: SpiffWorkflow hangs it off the process start (no flow leads to it)."""
    spec = task.task_spec
    return isinstance(spec, SubWorkflowTask) and [i.name for i in spec.inputs] == ["Start"]


def _main_flow_task(workflow: BpmnWorkflow):
    """The latest task, unless an event subprocess (a message caught at any time) ran last: its data
    is only the process's start data, so the case's data is then where the main flow waits."""
    last = workflow.last_task
    if last is None or not _event_subprocess(last):
        return last
    waiting = [t for t in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING | TaskState.STARTED)
               if not _event_subprocess(t) and t.task_spec.name != "Start"]
    return waiting[-1] if waiting else last
