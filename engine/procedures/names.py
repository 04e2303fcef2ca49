"""The names of a version's elements (steps, events, processes), in the diagram's language or another.

A diagram names its elements in one language (`name`); an element may carry its name in another
language as the property `name_<language>` (e.g. `name_en`). A message is named after the event
that catches it (one that waits for it in the flow rather than on a task's boundary), so an event
such as "message received: publicity_report" reads as a step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent

from .specs import SpecBundle

if TYPE_CHECKING:
    from ..context import EngineContext


def element_names(bundle: SpecBundle, language: str | None = None) -> dict[str, str]:
    """Element id -> name. Without `language`: the diagram's names (a process by its name). With one:
    only the elements that have a name in it."""
    names: dict[str, str] = {}
    specs = [bundle.spec, *bundle.subprocess_specs.values()]
    task_specs = [t for spec in specs for t in spec.task_specs.values() if getattr(t, "bpmn_id", None)]
    for spec in specs:
        if language is None:
            names.setdefault(spec.name, getattr(spec, "description", None) or spec.name)
    for task_spec in task_specs:
        if language is None:
            name = task_spec.bpmn_name
        else:
            name = ((getattr(task_spec, "extensions", None) or {}).get("properties") or {}).get(f"name_{language}")
        if name:
            names[task_spec.bpmn_id] = name
    in_flow: dict[str, str] = {}  # message name -> the name of an event that catches it
    on_boundary: dict[str, str] = {}
    for task_spec in task_specs:
        for message, catcher in _messages_caught(task_spec):
            if catcher.bpmn_id in names:
                (on_boundary if isinstance(catcher, BoundaryEvent) else in_flow).setdefault(message, names[catcher.bpmn_id])
    return {**on_boundary, **in_flow, **names}


def _messages_caught(task_spec):
    """(message name, the event spec that catches it) for an event spec; an event-based gateway holds
    the definitions of the events after it, in the order of its outputs."""
    definition = getattr(task_spec, "event_definition", None)
    if isinstance(definition, MessageEventDefinition):
        yield definition.name, task_spec
    for each, output in zip(getattr(definition, "event_definitions", None) or [], task_spec.outputs, strict=False):
        if isinstance(each, MessageEventDefinition):
            yield each.name, output


def step_names(ctx: EngineContext, version_id: int, language: str | None = None) -> dict[str, str]:
    """`element_names` of a deployed version (parsed once per process, from the spec cache)."""
    with ctx.unit_of_work() as uow:
        bundle = ctx.specs.get(uow.session, version_id)
    return element_names(bundle, language)
