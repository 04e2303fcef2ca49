"""The SpiffWorkflow side of the sandbox: the script engine every workflow built from an uploaded
diagram runs with, and the protocol of the service-task handlers a domain registers."""

from __future__ import annotations

import copy
import dataclasses
import json
import keyword
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.exceptions import SpiffWorkflowException

from .evaluator import SandboxEnvironment
from .policy import SandboxError, check_expression


@dataclasses.dataclass(frozen=True)
class ServiceContext:
    element_id: str
    data: dict  # a deep copy of the task data
    now: datetime | None
    # reference(kind) -> reference data such as an admin-maintained calendar; entry(kind, key) -> one
    # entry of it (None when there is none); what a handler reads is recorded with its call, and a
    # replay hands it back the recorded value
    reference: Callable[[str], Any] | None = None
    entry: Callable[[str, Any], Any] | None = None


class ServiceHandler(Protocol):
    """A service task's handler, registered by the domain under its operation name: it gets the
    task's parameters (a copy) and its ServiceContext, and returns JSON-serialisable data."""

    def __call__(self, params: dict, service: ServiceContext) -> Any: ...


@dataclasses.dataclass
class ServiceCall:
    task_id: str
    element_id: str
    operation: str
    params: dict
    result: Any
    references: dict = dataclasses.field(default_factory=dict)


def data_objects(task) -> dict:
    """The BPMN data objects visible from a task: its own process's, then its callers'."""
    found: dict = {}
    workflow = task.workflow
    while workflow is not None:
        for name, value in (workflow.data.get("data_objects") or {}).items():
            found.setdefault(name, value)
        workflow = workflow.parent_workflow
    return found


class SandboxedScriptEngine(PythonScriptEngine):
    """The script engine for every BpmnWorkflow built from an uploaded diagram.

    ``services`` maps a spiff service task's operation name to ``handler(params, service)``;
    ``functions`` are extra functions expressions and scripts may call; ``now`` feeds
    ``ServiceContext.now``.  Successful service calls accumulate in ``calls`` for auditing."""

    def __init__(self, services: Mapping[str, ServiceHandler] | None = None,
                 functions: Mapping[str, Callable] | None = None,
                 now: Callable[[], datetime] | None = None,
                 reference: Callable[[str], Any] | None = None) -> None:
        super().__init__(environment=SandboxEnvironment(functions or {}))
        self.services = dict(services or {})
        self.now = now
        self.reference = reference
        self.calls: list[ServiceCall] = []

    @staticmethod
    def is_safe_name(name: str) -> bool:
        """A name diagrams may use for a variable: an identifier, no keyword, no leading '_'."""
        return isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name) \
            and not name.startswith("_")

    def validate(self, expression):
        check_expression(expression, self.environment.names)

    def evaluate(self, task, expression, external_context=None):
        # Data objects (process-wide variables) are readable by name; task data wins on a clash.
        context = {**data_objects(task), **(external_context or {})}
        try:
            return self.environment.evaluate(expression, task.data, context)
        except SpiffWorkflowException as se:
            se.add_note(f"Error evaluating expression '{expression}'")
            raise
        except Exception as e:
            raise WorkflowTaskException(f"Error evaluating expression '{expression}': {e}",
                                        task=task, exception=e) from e

    def execute(self, task, script, external_context=None):
        try:
            return self.environment.execute(script, task.data, external_context)
        except Exception as e:
            line, text = self.get_error_line_number_and_content(script, e)
            raise WorkflowTaskException(f"{type(e).__name__}: {e}", task=task, exception=e,
                                        line_number=line, error_line=text) from e

    def call_service(self, task, operation_name, operation_params):
        element_id = task.task_spec.bpmn_id or task.task_spec.name
        handler = self.services.get(operation_name)
        try:
            if handler is None:
                known = ", ".join(sorted(self.services)) or "none"
                raise SandboxError(operation_name, f"unknown service operation; known: {known}", "service")
            params = copy.deepcopy({name: p["value"] for name, p in operation_params.items()})
            used: dict = {}

            def reference(kind: str):
                if self.reference is None:
                    raise LookupError(f"no reference data is available (asked for '{kind}')")
                used[kind] = {**used.get(kind, {}), **self.reference(kind)}
                return copy.deepcopy(used[kind])

            def entry(kind: str, key):
                if self.reference is None or not hasattr(self.reference, "entry"):
                    raise LookupError(f"no reference data is available (asked for '{kind}' {key!r})")
                value = self.reference.entry(kind, key)
                used.setdefault(kind, {})[str(key)] = value
                return copy.deepcopy(value)

            data = copy.deepcopy({**data_objects(task), **task.data})
            service = ServiceContext(element_id, data, self.now() if self.now else None, reference, entry)
            result = handler(copy.deepcopy(params), service)
            encoded = json.dumps(result)
        except Exception as e:
            raise WorkflowTaskException(f"service task '{element_id}', operation '{operation_name}': {e}",
                                        task=task, exception=e) from e
        self.calls.append(ServiceCall(str(task.id), element_id, operation_name, params, result, used))
        return encoded
