"""Where a case has been, for its diagram: the elements it passed and the sequence flows it took.

The task tree is compacted after every step (runtime.compact), so the path is rebuilt from the audit
trail. Each recorded step (a user task, service task or timer) is joined to the steps recorded before
it in the same process, and to the process's start, by the shortest path through elements that leave
no record of their own (gateways, message events, scripts, call activities). A call activity counts as
a step of its process when the process it calls records its first step. A loop taken twice is drawn
once; a branch never taken is not drawn, since no recorded step lies behind it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select

from . import audit
from .errors import NotFound
from .procedures.bpmnxml import NS, local, properties
from .storage.models import Case, CaseTask, ProcedureVersion
from .xmlsafe import parse_xml

if TYPE_CHECKING:
    from .context import EngineContext

RECORDED_ACTIONS = ("task_completed", "service_task", "timer_fired")  # their element_id is a flow node
RECORDABLE = {"userTask", "manualTask", "serviceTask"}  # with timer events: passed only when recorded
NODES = RECORDABLE | {
    "task", "scriptTask", "sendTask", "receiveTask", "businessRuleTask", "callActivity", "subProcess", "transaction",
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
    "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway",
}


@dataclass
class Graph:
    """The flow nodes of one BPMN file and how they connect."""

    process_of: dict[str, str] = field(default_factory=dict)  # node -> the process it belongs to
    kind: dict[str, str] = field(default_factory=dict)
    timers: set[str] = field(default_factory=set)
    outgoing: dict[str, list[tuple[str | None, str]]] = field(default_factory=dict)  # node -> [(flow, target)]
    incoming: set[str] = field(default_factory=set)
    caller: dict[str, str] = field(default_factory=dict)  # called process -> the call activity calling it
    outcome: dict[str, str] = field(default_factory=dict)  # end event -> its outcome (property, else id)

    def silent(self, node: str) -> bool:
        return self.kind.get(node) not in RECORDABLE and node not in self.timers

    def fired(self, node: str) -> str:
        """A timer behind an event-based gateway fires as the gateway (runtime.waiting_timers): that timer."""
        if self.kind.get(node) == "eventBasedGateway":
            return next((t for _flow, t in self.outgoing.get(node, []) if t in self.timers), node)
        return node

    def starts(self, process: str) -> list[str]:
        return [n for n, p in self.process_of.items()
                if p == process and self.kind[n] == "startEvent" and n not in self.incoming]


def graph_of(xml: str) -> Graph:
    g = Graph()
    for process in parse_xml(xml).xpath("./bpmn:process", namespaces=NS):
        for el in process.iter(f"{{{NS['bpmn']}}}*"):
            kind, node = local(el), el.get("id")
            if kind in NODES and node:
                g.process_of[node], g.kind[node] = process.get("id"), kind
                if el.xpath("./bpmn:timerEventDefinition", namespaces=NS):
                    g.timers.add(node)
                if kind == "boundaryEvent":  # entered from the task it is attached to
                    g.outgoing.setdefault(el.get("attachedToRef"), []).append((None, node))
                    g.incoming.add(node)
                elif kind == "callActivity":
                    g.caller.setdefault(el.get("calledElement"), node)
                elif kind == "endEvent":
                    g.outcome[node] = properties(el).get("outcome") or node
            elif kind == "sequenceFlow":
                g.outgoing.setdefault(el.get("sourceRef"), []).append((el.get("id"), el.get("targetRef")))
                g.incoming.add(el.get("targetRef"))
    return g


def _path(g: Graph, source: str, target: str) -> tuple[list[str], list[str]] | None:
    """The shortest path source -> target whose inner nodes are all silent: (inner nodes, flows)."""
    queue = deque([(source, [], [])])
    seen = {source}
    while queue:
        node, nodes, flows = queue.popleft()
        for flow, nxt in g.outgoing.get(node, []):
            taken = [*flows, flow] if flow else flows
            if nxt == target:
                return nodes, taken
            if nxt not in seen and g.silent(nxt):
                seen.add(nxt)
                queue.append((nxt, [*nodes, nxt], taken))
    return None


class _Walk:
    def __init__(self, g: Graph):
        self.g = g
        self.done: set[str] = set()
        self.flows: set[str] = set()
        self.left: set[str] = set()  # nodes a later step was reached from
        self.visited: dict[str, list[str]] = {}  # process -> its visited nodes, most recent first

    def reach(self, target: str) -> bool:
        """Join `target` to what its process visited before; True if some path led there."""
        process = self.g.process_of[target]
        reached = False
        for source in self.visited.get(process, []) + self.g.starts(process):
            found = _path(self.g, source, target)
            if found:
                reached = True
                self.left.add(source)
                self.done.update([source, *found[0]])
                self.flows.update(found[1])
        seen = self.visited.setdefault(process, [])
        if target in seen:
            seen.remove(target)
        seen.insert(0, target)
        return reached

    def step(self, element: str, process: str | None) -> None:
        """A recorded step; a step of a called process first enters the call activity calling it."""
        call = self.g.caller.get(process or "")
        if call and call not in self.done and call not in self.visited.get(self.g.process_of[call], []):
            self.step(call, self.g.process_of[call])
        element = self.g.fired(element)
        if element in self.g.process_of:
            self.reach(element)
            self.done.add(element)


def passed(g: Graph, main: str, recorded: list[tuple[str, str | None]], waiting: list[tuple[str, str | None]], *,
           running: bool, outcome: str | None = None) -> dict:
    """The elements passed (`done`), the flows taken, the elements waiting (`current`) and the end event
    reached (`end`) of a case that recorded `recorded` and waits at `waiting` (its ready tasks), each as
    [(element, its process)] in order; `outcome`: the case ended with it."""
    walk = _Walk(g)
    for element, process in recorded:
        walk.step(element, process)
    for element, process in waiting:
        walk.step(element, process)
    current = [element for element, _process in waiting if element in g.process_of]
    for process, call in g.caller.items():
        if call not in walk.done:
            continue  # never called
        if call in walk.left:  # the case went on past the call: the called process ended
            for end in (e for e in g.outcome if g.process_of[e] == process):
                if walk.reach(end):
                    walk.done.add(end)
        elif running:
            current.append(call)  # the case waits inside the called process (a task or a timer there)
    ended = None
    for end in (e for e, value in g.outcome.items() if outcome and value == outcome and g.process_of[e] == main):
        if walk.reach(end):
            walk.done.add(end)
            ended = end
    return {"done": sorted(walk.done - set(current)), "flows": sorted(walk.flows), "current": current, "end": ended}


def case_progress(ctx: EngineContext, case_id: int) -> dict:
    """A case's diagram (its version's main file) and where the case has been there:
    {xml, done, flows, current, end, steps}."""
    with ctx.unit_of_work() as uow:
        case = uow.session.get(Case, case_id)
        if case is None:
            raise NotFound(f"case {case_id} does not exist", message_zh=f"案件 {case_id} 不存在")
        version = uow.session.get(ProcedureVersion, case.version_id)
        bundle = ctx.specs.get(uow.session, case.version_id)
        events = audit.events_of(uow.session, audit.case_stream(case_id))
        waiting = sorted(set(uow.session.scalars(select(CaseTask.element_id).where(CaseTask.case_id == case_id))))
        xml, main, status, outcome = version.files[version.main_file], version.key, case.status, case.outcome
    process_of = {t.bpmn_id: spec.name for spec in [bundle.spec, *bundle.subprocess_specs.values()]
                  for t in spec.task_specs.values() if getattr(t, "bpmn_id", None)}
    recorded = [(e.element_id, process_of.get(e.element_id)) for e in events
                if e.action in RECORDED_ACTIONS and e.element_id]
    path = passed(graph_of(xml), main, recorded, [(w, process_of.get(w)) for w in waiting], running=status == "running",
                  outcome=outcome if status == "completed" else None)
    return {"xml": xml, **path, "steps": [{"seq": e.seq, "action": e.action, "element_id": e.element_id}
                                          for e in events]}
