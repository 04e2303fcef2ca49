"""Parsing BPMN into SpiffWorkflow specs, once per immutable version (cached by version id)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from sqlalchemy.orm import Session

from ..errors import NotFound, ProcedureInvalid
from ..storage.models import ProcedureVersion
from ..xmlsafe import BpmnXmlError, parse_xml
from .bpmnxml import lane_role


@dataclass(frozen=True)
class SpecBundle:
    version_id: int
    key: str
    version: int
    spec: object
    subprocess_specs: dict
    parameters: dict
    tasks: dict  # element id -> {name, type, role, form, subject, process}


class LaneRoleParser(SpiffBpmnParser):
    """SpiffWorkflow's parser, with a task's lane being its lane's *role* (`bpmnxml.lane_role`): the
    `role` property, else the lane's name, so a lane may carry a name for people.
    (SpiffWorkflow 3.2 indexes lanes by name in `_add_diagram_indexes`; the version is pinned.)"""

    def _add_diagram_indexes(self, bpmn):
        super()._add_diagram_indexes(bpmn)
        by_node = self.document_lanes[self._document_key(bpmn)]
        for lane in bpmn.xpath(".//bpmn:lane", namespaces=self.namespaces):
            for ref in lane.xpath("./bpmn:flowNodeRef", namespaces=self.namespaces):
                if ref.text is not None:
                    by_node[ref.text] = lane_role(lane)


def build_parser(files: dict[str, str], *, validate: bool = True) -> SpiffBpmnParser:
    """Parse every file safely; raise ProcedureInvalid naming the file and line of any problem."""
    parser = LaneRoleParser(validator=VALIDATOR if validate else None)
    problems = []
    for filename, content in files.items():
        try:
            parser.add_bpmn_xml(parse_xml(content, filename), filename)
        except BpmnXmlError as exc:
            problems.append({"file": filename, "element": None, "line": exc.line, "message": exc.message_en,
                             "message_zh": exc.message_zh})
        except ValidationException as exc:
            problems.append(spiff_problem(exc, filename))
    if problems:
        raise ProcedureInvalid(problems)
    return parser


def spiff_problem(exc: ValidationException, filename: str | None = None) -> dict:
    message = str(exc.args[0]) if exc.args else str(exc)
    return {
        "file": exc.file_name or filename,
        "element": exc.id or None,
        "line": exc.line_number or None,
        "message": f"BPMN schema/structure: {message}",
        "message_zh": f"BPMN 结构错误：{message}",
    }


def specs_for(parser: SpiffBpmnParser, key: str, filename: str):
    try:
        return parser.get_spec(key), parser.get_subprocess_specs(key)
    except ValidationException as exc:
        raise ProcedureInvalid([spiff_problem(exc, filename)]) from exc


def freeze_event_subprocess_links(spec) -> None:
    """Make a spec safe to share between cases.

    SpiffWorkflow links an event subprocess with a message start into its process the first time
    the message arrives (`BpmnStartTask.trigger_wf` connects it to the process's start and end),
    so a shared spec would change under every later case, and a replay in a fresh process would
    differ from the original run. We make those links up front, except Start -> subprocess (which
    would start the subprocess in every new case): trigger_wf then finds them made and changes
    nothing, and the end still waits for a triggered subprocess as BPMN requires.
    """
    start = spec.start
    for name in getattr(start, "trigger_specs", []):
        sub = spec.task_specs[name]
        if start not in sub.inputs:
            sub._inputs.append(start.name)  # `inputs` is a view built from these names
        if spec.end not in sub.outputs:
            sub.connect(spec.end)


def connect_loop_children(spec) -> None:
    """Make loop and multi-instance tasks work in a process that did not start them.

    SpiffWorkflow connects a loop task's `merge_child` to its child spec's `completed_event` only
    when it creates a child, on the shared spec. A process that loads a case whose children were
    created elsewhere (another server process, a restarted server, the timer worker) never merged
    them: the outputs were lost and the task never finished. Connect them once, up front.
    """
    for task_spec in list(spec.task_specs.values()):
        child = spec.task_specs.get(getattr(task_spec, "task_spec", None)) if isinstance(task_spec, LoopTask) else None
        if child is not None and not child.completed_event.is_connected(task_spec.merge_child):
            child.completed_event.connect(task_spec.merge_child)


class SpecCache:
    """Version rows never change, so a parsed version can be kept for the life of the process."""

    def __init__(self):
        self._bundles: dict[int, SpecBundle] = {}
        self._lock = threading.Lock()

    def get(self, session: Session, version_id: int) -> SpecBundle:
        bundle = self._bundles.get(version_id)
        if bundle is None:
            row = session.get(ProcedureVersion, version_id)
            if row is None:
                raise NotFound(f"procedure version {version_id} does not exist", message_zh="流程版本不存在")
            bundle = self.load(row)
        return bundle

    def load(self, row: ProcedureVersion) -> SpecBundle:
        # Stored files were validated at deploy time; skip the XSD pass on reload.
        parser = build_parser(row.files, validate=False)
        spec, subprocess_specs = specs_for(parser, row.key, row.main_file)
        for each in [spec, *subprocess_specs.values()]:
            freeze_event_subprocess_links(each)
            connect_loop_children(each)
        bundle = SpecBundle(row.id, row.key, row.version, spec, subprocess_specs, dict(row.parameters),
                            dict(row.tasks))
        with self._lock:
            self._bundles.setdefault(row.id, bundle)
        return self._bundles[row.id]
