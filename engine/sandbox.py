"""Sandboxed evaluation of the Python found in uploaded BPMN diagrams.

Diagrams are untrusted.  SpiffWorkflow's default engine ``eval``s conditions and ``exec``s
scripts with full Python, and RestrictedPython's ``safe_globals`` under a plain ``eval`` was
escaped via ``().__class__.__base__.__subclasses__()``.  Hence:

* expressions (gateway conditions, service parameters, ...) run in simpleeval's tree-walking
  interpreter, with whitelisted functions and per-type methods; they never reach ``eval``;
* scripts are compiled by RestrictedPython and run with reduced builtins, size-checked
  operators and a bounded number of bytecode steps;
* both pass the same static check when a diagram is deployed, so bad diagrams never run.
"""

from __future__ import annotations

import ast
import builtins
import copy
import dataclasses
import functools
import json
import keyword
import operator
import re
import sys
import types
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import simpleeval
from RestrictedPython import compile_restricted_exec, safe_builtins
from RestrictedPython.Eval import default_guarded_getitem
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from RestrictedPython.PrintCollector import PrintCollector
from RestrictedPython.transformer import INSPECT_ATTRIBUTES, RestrictingNodeTransformer, copy_locations
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.exceptions import SpiffWorkflowException

# Python 3.11 emits no "line" trace event for `while True: pass`, so scripts are bounded in
# bytecode instructions ("opcode" events): 1M is a few hundred thousand lines, ~0.15 s.
MAX_SCRIPT_STEPS = 1_000_000
MAX_INT_BITS = 10_000  # ~3000 digits; simpleeval alone allows 9**3999999, which costs seconds
MAX_RANGE = 100_000
_KIND_ZH = {"expression": "表达式", "script": "脚本", "service": "服务调用"}
_UNKNOWN = object()


class SandboxError(Exception):
    """Python from a diagram was refused, or hit a sandbox limit."""

    def __init__(self, source: str, reason: str, kind: str = "expression") -> None:
        self.source, self.reason, self.kind = source, reason, kind
        shown = source if len(source) <= 120 else source[:117] + "..."
        super().__init__(f"{_KIND_ZH.get(kind, kind)} / {kind} {shown!r}: {reason}")


def _sum(values, start=0):
    # sum(lists, []) is quadratic and unbounded in memory: numbers only.
    if not isinstance(start, int | float):
        raise TypeError("sum() only adds numbers in the sandbox")
    return sum(values, start)


def _range(*args):
    r = range(*args)
    if len(r) > MAX_RANGE:
        raise ValueError(f"range() of {len(r)} elements exceeds the limit of {MAX_RANGE}")
    return r


_SAFE_OPS = {"+": simpleeval.safe_add, "*": simpleeval.safe_mult, "**": simpleeval.safe_power,
             "<<": simpleeval.safe_lshift, "%": operator.mod}
_GUARDED_AST_OPS = {ast.Add: "+", ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<", ast.Mod: "%"}


def _binop(symbol: str, a, b):
    """The operators that can allocate without bound, checked *before* computing."""
    if symbol == "%" and isinstance(a, str | bytes):
        raise ValueError("'%' string formatting is not allowed; use an f-string")
    if isinstance(a, int) and isinstance(b, int):
        bits = {"**": a.bit_length() * max(b, 0), "*": a.bit_length() + b.bit_length(),
                "<<": a.bit_length() + max(b, 0)}.get(symbol, 0)
        if bits > MAX_INT_BITS:
            raise ValueError(f"the result of '{symbol}' would exceed {MAX_INT_BITS} bits")
    # simpleeval's checks: exponent <= MAX_POWER, sequences <= MAX_STRING_LENGTH, shift width.
    return _SAFE_OPS[symbol](a, b)


_INPLACE = {"+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
            "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow, "<<=": operator.ilshift,
            ">>=": operator.irshift, "&=": operator.iand, "|=": operator.ior, "^=": operator.ixor}


def _inplacevar(op: str, target, value):
    if op[:-1] in _SAFE_OPS:
        _binop(op[:-1], target, value)  # run the checks only: the in-place op keeps list aliasing
    return _INPLACE[op](target, value)


# Functions callable from expressions and scripts: pure, and bounded by their input.
SAFE_FUNCTIONS: dict[str, Callable] = {
    f.__name__: f for f in (len, min, max, abs, round, int, float, str, bool, sorted, any, all, list, dict, set, tuple)
} | {"sum": _sum}
# Methods expressions may call, per exact type (simpleeval's allowed_attrs); none mutates.
_EXPR_ATTRS: dict[type, set[str]] = {
    str: {"lower", "upper", "strip", "lstrip", "rstrip", "startswith", "endswith", "split", "count", "find",
          "isdigit", "isalpha", "isalnum", "casefold", "title", "join"},
    dict: {"get", "keys", "values", "items"}, list: {"count", "index"}, tuple: {"count", "index"},
    set: {"issubset", "issuperset", "union", "intersection", "difference"},
}
_EXPR_ATTR_NAMES = set().union(*_EXPR_ATTRS.values())
# Refused everywhere: frame/code introspection, str.format (it reads attributes through
# '{0.__class__}'), and padding methods that turn a small int into a huge string.
_BLOCKED_ATTRS = set(INSPECT_ATTRIBUTES) | set(simpleeval.DISALLOW_METHODS) | {
    "ljust", "rjust", "center", "zfill", "expandtabs"}
# The node types simpleeval implements; anything else is refused at deploy time.
_EXPR_NODES = tuple(getattr(ast, n) for n in """Expression BoolOp And Or BinOp UnaryOp Add Sub Mult Div
    FloorDiv Mod Pow LShift RShift BitOr BitXor BitAnd UAdd USub Not Invert Compare Eq NotEq Lt LtE Gt GtE
    Is IsNot In NotIn IfExp Call keyword Name Load Store Constant Attribute Subscript Slice List Tuple
    Dict Set ListComp DictComp GeneratorExp comprehension JoinedStr FormattedValue""".split())
# try/with could swallow the step-limit error and keep running untraced; classes need
# __build_class__; generators keep frames alive.
_SCRIPT_FORBIDDEN = {ast.ClassDef: "class definitions", ast.Try: "try/except", ast.With: "'with'",
                     ast.Yield: "'yield'", ast.YieldFrom: "'yield'", ast.Global: "'global'",
                     ast.Nonlocal: "'nonlocal'"}


def _script_builtins(extra: Mapping[str, Callable]) -> dict[str, Any]:
    # RestrictedPython's safe set minus class creation, BaseException (it would catch the
    # step-limit error) and pow (pow(9, 10**9) runs in C, unbounded); range is capped.
    drop = {"__build_class__", "BaseException", "pow", "_getattr_", "setattr", "delattr"}
    kept = {k: v for k, v in safe_builtins.items() if k not in drop}
    return kept | SAFE_FUNCTIONS | {"range": _range, "enumerate": enumerate, "zip": zip,
                                    "reversed": reversed} | dict(extra)


def _static_check(tree: ast.AST, source: str, kind: str, callable_names: set[str]) -> None:
    def fail(node: ast.AST, reason: str):
        where = f" (line {node.lineno})" if kind == "script" and hasattr(node, "lineno") else ""
        raise SandboxError(source, reason + where, kind)

    list_items = {id(e) for n in ast.walk(tree) if isinstance(n, ast.List) for e in n.elts}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            fail(node, "import is not allowed")
        elif isinstance(node, ast.Name) and node.id.startswith("_"):
            fail(node, f"access to '{node.id}' is not allowed")
        elif isinstance(node, ast.Attribute) and (node.attr.startswith("_") or node.attr in _BLOCKED_ATTRS):
            fail(node, f"access to '{node.attr}' is not allowed")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if hasattr(builtins, node.func.id) and node.func.id not in callable_names:
                fail(node, f"function '{node.func.id}' is not available")
        elif isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            # f"{x:>999999999}" would build a huge string: constant, narrow specs only.
            values = node.format_spec.values
            if not all(isinstance(v, ast.Constant) for v in values) or re.search(
                    r"\d{5}", "".join(str(v.value) for v in values)):
                fail(node, "format spec is too complex or too wide")
        elif isinstance(node, ast.BinOp):
            _fold(node, fail)
        if kind == "expression":
            if not isinstance(node, _EXPR_NODES) and not (isinstance(node, ast.Starred) and id(node) in list_items):
                fail(node, f"{type(node).__name__} is not allowed in an expression")
            if isinstance(node, ast.Attribute) and node.attr not in _EXPR_ATTR_NAMES:
                fail(node, f"method '{node.attr}' is not available")
        elif type(node) in _SCRIPT_FORBIDDEN:
            fail(node, f"{_SCRIPT_FORBIDDEN[type(node)]} is not allowed in a script")
        elif isinstance(node, ast.While) and isinstance(node.test, ast.Constant) and node.test.value and not any(
                isinstance(n, ast.Break | ast.Return | ast.Raise) for n in ast.walk(node)):
            fail(node, "endless loop: 'while' on a constant without break")


def _fold(node: ast.AST, fail: Callable) -> Any:
    """Evaluate operators on literals at check time, so '9**9**9' is refused at deploy."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _fold(node.operand, fail)
        return -value if isinstance(value, int | float) else _UNKNOWN
    if isinstance(node, ast.BinOp) and type(node.op) in _GUARDED_AST_OPS:
        left, right = _fold(node.left, fail), _fold(node.right, fail)
        if left is not _UNKNOWN and right is not _UNKNOWN:
            try:
                return _binop(_GUARDED_AST_OPS[type(node.op)], left, right)
            except (ValueError, TypeError, simpleeval.InvalidExpression) as e:
                fail(node, str(e))
    return _UNKNOWN


@functools.lru_cache(maxsize=1024)
def _parse_expression(expr: str, functions: frozenset[str]) -> ast.AST:
    try:
        tree = ast.parse(expr.strip(), mode="eval")
    except SyntaxError as e:
        raise SandboxError(expr, f"syntax error at line {e.lineno}, column {e.offset}: {e.msg}") from None
    _static_check(tree, expr, "expression", set(SAFE_FUNCTIONS) | functions)
    return tree.body


class _Policy(RestrictingNodeTransformer):
    """RestrictedPython's policy, plus: size-checked operators become ``_binop_(sym, a, b)``."""

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        node = self.node_contents_visit(node)
        if type(node.op) not in _GUARDED_AST_OPS:
            return node
        func, sym = ast.Name("_binop_", ast.Load()), ast.Constant(_GUARDED_AST_OPS[type(node.op)])
        call = ast.Call(func=func, args=[sym, node.left, node.right], keywords=[])
        for new in (call, func, sym):
            copy_locations(new, node)
        return call


@functools.lru_cache(maxsize=256)
def _compile_script(script: str, functions: frozenset[str]) -> tuple[types.CodeType, frozenset]:
    try:
        tree = ast.parse(script)
    except SyntaxError as e:
        raise SandboxError(script, f"syntax error at line {e.lineno}: {e.msg}", "script") from None
    _static_check(tree, script, "script", set(_script_builtins({})) | {"print"} | functions)
    # Filename '<string>' lets PythonScriptEngine find the failing line in the traceback.
    result = compile_restricted_exec(script, filename="<string>", policy=_Policy)
    if result.errors:
        raise SandboxError(script, "; ".join(result.errors), "script")
    codes, todo = set(), [result.code]  # all the script's code objects, for the tracer
    while todo:
        codes.add(code := todo.pop())
        todo.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
    return result.code, frozenset(codes)


def check_expression(expr: str, functions: frozenset[str] | set[str] = frozenset()) -> None:
    """Raise SandboxError unless ``expr`` is an expression the sandbox accepts.

    ``functions`` names extra functions the engine will provide (see SandboxedScriptEngine)."""
    _parse_expression(expr, frozenset(functions))


def check_script(script: str, functions: frozenset[str] | set[str] = frozenset()) -> None:
    """Raise SandboxError unless ``script`` compiles in the sandbox."""
    _compile_script(script, frozenset(functions))


def _getattr(obj, name, default=None):
    if name in _BLOCKED_ATTRS:
        raise AttributeError(f"access to '{name}' is not allowed")
    return safer_getattr(obj, name, default)


def _is_data(value: Any) -> bool:
    # What a script may leave in task data: no functions, modules, generators or iterators.
    return not (callable(value) or isinstance(value, types.ModuleType) or hasattr(type(value), "__next__"))


def _run_bounded(code: types.CodeType, code_objects: frozenset, scope: dict, script: str) -> None:
    steps = 0

    def count(frame, event, arg):
        nonlocal steps
        if event == "opcode":
            steps += 1
            if steps > MAX_SCRIPT_STEPS:
                # Raising uninstalls the tracer; with no try/with in scripts nothing runs after it.
                raise SandboxError(script, f"stopped after {MAX_SCRIPT_STEPS} steps (endless loop?)", "script")
        return count

    def on_call(frame, event, arg):
        if frame.f_code in code_objects:  # only the script's own frames, not guards or builtins
            frame.f_trace_opcodes = True
            return count
        return None

    previous = sys.gettrace()
    sys.settrace(on_call)
    try:
        exec(code, scope)
    finally:
        sys.settrace(previous)


class _SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """SpiffWorkflow also calls ``script_engine.environment.evaluate`` directly (process
    completion conditions, message correlations), so the sandbox lives here, not in the engine."""

    def __init__(self, functions: Mapping[str, Callable]) -> None:
        super().__init__({})
        self.functions = dict(functions)
        self.names = frozenset(self.functions)
        self.operators = simpleeval.DEFAULT_OPERATORS | {
            op: functools.partial(_binop, sym) for op, sym in _GUARDED_AST_OPS.items()}

    def evaluate(self, expression, context, external_context=None):
        node = _parse_expression(expression, self.names)
        evaluator = simpleeval.EvalWithCompoundTypes(
            operators=self.operators, functions=SAFE_FUNCTIONS | self.functions,
            names={**(external_context or {}), **context}, allowed_attrs=_EXPR_ATTRS)
        try:
            return evaluator.eval(expression, previously_parsed=node)
        except simpleeval.NameNotDefined as e:  # as NameError SpiffWorkflow adds "did you mean"
            raise NameError(f"name '{e.name}' is not defined") from None
        except (simpleeval.FeatureNotAvailable, simpleeval.NumberTooHigh, simpleeval.IterableTooLong) as e:
            raise SandboxError(expression, str(e)) from None

    def execute(self, script, context, external_context=None):
        code, code_objects = _compile_script(script, self.names)
        external = external_context or {}
        # Run on a copy: a failing script leaves task data untouched.
        scope = {**copy.deepcopy(external), **copy.deepcopy(context),
                 "__builtins__": _script_builtins(self.functions), "_getattr_": _getattr,
                 "_getitem_": default_guarded_getitem, "_getiter_": iter, "_write_": full_write_guard,
                 "_iter_unpack_sequence_": guarded_iter_unpack_sequence, "_unpack_sequence_": guarded_unpack_sequence,
                 "_print_": PrintCollector, "_inplacevar_": _inplacevar, "_binop_": _binop,
                 "_apply_": lambda f, *a, **kw: f(*a, **kw)}
        _run_bounded(code, code_objects, scope, script)
        for key in [k for k in context if not k.startswith("_") and k not in scope]:
            del context[key]  # the script did `del key`
        context.update({k: v for k, v in scope.items() if not k.startswith("_") and k not in external and _is_data(v)})
        return True


@dataclasses.dataclass(frozen=True)
class ServiceContext:
    element_id: str
    data: dict  # a deep copy of the task data
    now: datetime | None


@dataclasses.dataclass
class ServiceCall:
    task_id: str
    element_id: str
    operation: str
    params: dict
    result: Any


class SandboxedScriptEngine(PythonScriptEngine):
    """The script engine for every BpmnWorkflow built from an uploaded diagram.

    ``services`` maps a spiff service task's operation name to ``handler(params, ctx)``;
    ``functions`` are extra functions expressions and scripts may call; ``now`` feeds
    ``ServiceContext.now``.  Successful service calls accumulate in ``calls`` for auditing."""

    def __init__(self, services: Mapping[str, Callable] | None = None,
                 functions: Mapping[str, Callable] | None = None,
                 now: Callable[[], datetime] | None = None) -> None:
        super().__init__(environment=_SandboxEnvironment(functions or {}))
        self.services = dict(services or {})
        self.now = now
        self.calls: list[ServiceCall] = []

    @staticmethod
    def is_safe_name(name: str) -> bool:
        """A name diagrams may use for a variable: an identifier, no keyword, no leading '_'."""
        return isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name) \
            and not name.startswith("_")

    def validate(self, expression):
        check_expression(expression, self.environment.names)

    def evaluate(self, task, expression, external_context=None):
        try:
            return self.environment.evaluate(expression, task.data, external_context)
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
            ctx = ServiceContext(element_id, copy.deepcopy(task.data), self.now() if self.now else None)
            result = handler(copy.deepcopy(params), ctx)
            encoded = json.dumps(result)
        except Exception as e:
            raise WorkflowTaskException(f"service task '{element_id}', operation '{operation_name}': {e}",
                                        task=task, exception=e) from e
        self.calls.append(ServiceCall(str(task.id), element_id, operation_name, params, result))
        return encoded
