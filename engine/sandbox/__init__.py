"""Sandboxed evaluation of the Python found in uploaded BPMN diagrams.

Diagrams are untrusted.  SpiffWorkflow's default engine ``eval``s conditions and ``exec``s
scripts with full Python, and RestrictedPython's ``safe_globals`` under a plain ``eval`` was
escaped via ``().__class__.__base__.__subclasses__()``.  Hence:

* expressions (gateway conditions, service parameters, ...) run in simpleeval's tree-walking
  interpreter with whitelisted functions and per-type methods; they never reach ``eval``;
* scripts are compiled by RestrictedPython and run with reduced builtins and whitelisted methods;
* both pass the same static check when a diagram is deployed, so bad diagrams never run;
* both run on a work budget: steps, plus the size of everything they build, so neither a
  loop nor repeated doubling (``l.extend(l)``) can exhaust CPU or memory.

The package: ``policy`` (limits, allowed functions and methods, the static check, compiling),
``evaluator`` (the run-time budgets and the environment SpiffWorkflow evaluates in), ``adapter``
(the SpiffWorkflow script engine and the service-handler protocol).
"""

from .adapter import SandboxedScriptEngine, ServiceCall, ServiceContext, ServiceHandler, data_objects
from .evaluator import MAX_EXPRESSION_WORK, MAX_SCRIPT_SECONDS
from .policy import (
    MAX_INT_BITS,
    MAX_SCRIPT_WORK,
    MAX_SOURCE,
    MAX_TEXT,
    SAFE_FUNCTIONS,
    SandboxError,
    check_expression,
    check_script,
)

__all__ = ["MAX_EXPRESSION_WORK", "MAX_INT_BITS", "MAX_SCRIPT_SECONDS", "MAX_SCRIPT_WORK", "MAX_SOURCE",
           "MAX_TEXT", "SAFE_FUNCTIONS", "SandboxError", "SandboxedScriptEngine", "ServiceCall",
           "ServiceContext", "ServiceHandler", "check_expression", "check_script", "data_objects"]
