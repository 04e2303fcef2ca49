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
import time
import types
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

import simpleeval
from RestrictedPython import compile_restricted_exec, safe_builtins
from RestrictedPython.Guards import full_write_guard, guarded_unpack_sequence
from RestrictedPython.transformer import RestrictingNodeTransformer, copy_locations
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.exceptions import SpiffWorkflowException

# Work = bytecode instructions (scripts) or AST nodes (expressions), plus one unit per item
# or character built.  Scripts count "opcode" trace events: Python 3.11 emits no "line"
# event for `while True: pass`.  1M units is roughly 0.3 s.
MAX_SCRIPT_WORK = 1_000_000
MAX_EXPRESSION_WORK = 1_000_000
# Backstop for steps slow without building anything (`x in big` in a loop).  Unlike the work
# budget it depends on the machine, so it is set far above what any sane script needs.
MAX_SCRIPT_SECONDS = 5.0
MAX_INT_BITS = 10_000  # ~3000 digits; simpleeval alone allows 9**3999999, which takes seconds
MAX_TEXT = simpleeval.MAX_STRING_LENGTH  # longest str()/f-string of a container
MAX_SOURCE = 100_000  # characters of one expression or script
_KIND_ZH = {"expression": "表达式", "script": "脚本", "service": "服务调用"}
_SIZED = (str, bytes, list, tuple, dict, set, frozenset)
_UNKNOWN = object()


class SandboxError(Exception):
    """Python from a diagram was refused, or hit a sandbox limit."""

    def __init__(self, source: str, reason: str, kind: str = "expression") -> None:
        self.source, self.reason, self.kind = source, reason, kind
        shown = source if len(source) <= 120 else source[:117] + "..."
        super().__init__(f"{_KIND_ZH.get(kind, kind)} / {kind} {shown!r}: {reason}")


class _Refused(ValueError):
    """A limit hit inside a guard, which does not know the source; becomes a SandboxError."""


def _size(value: Any) -> int:
    return len(value) if type(value) in _SIZED else 0


def _text_size(value: Any) -> int:
    """Items in ``value``, refusing before str() of e.g. ``[s] * 10**5`` builds 10**10 chars."""
    todo, total = [value], 0
    while todo:
        v = todo.pop()
        total += _size(v) + 1
        if total > MAX_TEXT:
            raise _Refused(f"converting a value of more than {MAX_TEXT} items to text is not allowed")
        if isinstance(v, dict):
            todo += [*v.keys(), *v.values()]
        elif type(v) in (list, tuple, set, frozenset):
            todo += v
    return total


def _str(*args):
    if args:
        _text_size(args[0])
    return str(*args)


def _repr(value):
    _text_size(value)
    return repr(value)


def _sum(values, start=0):
    if not isinstance(start, int | float):  # sum(lists, []) is quadratic
        raise _Refused("sum() only adds numbers in the sandbox")
    return sum(values, start)


def _round(number, ndigits=None):
    if ndigits is not None and abs(ndigits) > 100:  # round(5, -10**7) computes 10**10**7
        raise _Refused("round() to more than 100 digits is not allowed")
    return round(number, ndigits)


def _range(*args):
    r = range(*args)
    if len(r) > MAX_SCRIPT_WORK:
        raise _Refused(f"range() of {len(r)} elements is too long")
    return r


_SAFE_OPS = {"+": simpleeval.safe_add, "*": simpleeval.safe_mult, "**": simpleeval.safe_power,
             "<<": simpleeval.safe_lshift, "%": operator.mod}
_GUARDED_AST_OPS = {ast.Add: "+", ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<", ast.Mod: "%"}
_INPLACE = {"+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
            "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow, "<<=": operator.ilshift,
            ">>=": operator.irshift, "&=": operator.iand, "|=": operator.ior, "^=": operator.ixor}


def _binop(symbol: str, a, b):
    """The operators that can build something huge in one step, checked *before* computing."""
    if symbol == "%" and isinstance(a, str | bytes):
        raise _Refused("'%' string formatting is not allowed; use an f-string")
    if isinstance(a, int) and isinstance(b, int):
        bits = {"**": a.bit_length() * max(b, 0), "*": a.bit_length() + b.bit_length(),
                "<<": a.bit_length() + max(b, 0)}.get(symbol, 0)
        if bits > MAX_INT_BITS:
            raise _Refused(f"the result of '{symbol}' would exceed {MAX_INT_BITS} bits")
    # simpleeval's checks: exponent <= MAX_POWER, sequences <= MAX_STRING_LENGTH, shift width.
    return _SAFE_OPS[symbol](a, b)


# Functions callable from expressions and scripts: pure, output bounded by input.
SAFE_FUNCTIONS: dict[str, Callable] = {
    f.__name__: f for f in (len, min, max, abs, int, float, bool, sorted, any, all, list, dict, set, tuple)
} | {"sum": _sum, "str": _str, "round": _round}
# Methods, per exact type of the object.  Expressions only read; scripts may also mutate.
# Absent on purpose: format/format_map (they read attributes: '{0.__class__}'), and methods
# that multiply their input (ljust, center, zfill, expandtabs, replace, translate).
_READ_ATTRS: dict[type, set[str]] = {
    str: {"lower", "upper", "strip", "lstrip", "rstrip", "startswith", "endswith", "split", "count", "find",
          "isdigit", "isalpha", "isalnum", "casefold", "title"},
    dict: {"get", "keys", "values", "items"}, list: {"count", "index"}, tuple: {"count", "index"},
    set: {"issubset", "issuperset", "union", "intersection", "difference"},
}
_SCRIPT_ATTRS = _READ_ATTRS | {
    str: _READ_ATTRS[str] | {"join"},  # checked in _ScriptRun.getattr
    list: _READ_ATTRS[list] | {"append", "extend", "insert", "pop", "remove", "sort", "reverse", "copy", "clear"},
    dict: _READ_ATTRS[dict] | {"update", "pop", "setdefault", "copy", "clear"},
    set: _READ_ATTRS[set] | {"add", "discard", "remove", "update", "copy", "clear"},
}
# The node types simpleeval implements; anything else is refused at deploy time.
_EXPR_NODES = (*simpleeval.EvalWithCompoundTypes().nodes, *simpleeval.DEFAULT_OPERATORS, ast.Expression,
               ast.And, ast.Or, ast.Load, ast.Store, ast.comprehension)
# try/with could swallow the work-limit error and go on untraced; classes need __build_class__;
# generators keep frames alive; print's output goes nowhere and would accumulate.
_SCRIPT_FORBIDDEN = {ast.ClassDef: "class definitions", ast.Try: "try/except", ast.With: "'with'",
                     ast.Yield: "'yield'", ast.YieldFrom: "'yield'", ast.Global: "'global'",
                     ast.Nonlocal: "'nonlocal'"}
# RestrictedPython's safe builtins minus: class creation; BaseException, SystemExit & co (the
# first would catch the work-limit error, the others stop the server); pow (pow(9, 10**9) runs
# in C); isinstance/issubclass (the types are wrapped, see _ScriptRun.scope).
_SCRIPT_BUILTINS = {k: v for k, v in safe_builtins.items() if k not in {
    "__build_class__", "pow", "isinstance", "issubclass", "_getattr_", "setattr", "delattr"}
    and not (isinstance(v, type) and issubclass(v, BaseException) and not issubclass(v, Exception))
} | SAFE_FUNCTIONS | {"range": _range, "enumerate": enumerate, "zip": zip, "reversed": reversed,
                     "repr": _repr}


def _static_check(tree: ast.AST, source: str, kind: str, callable_names: set[str]) -> None:
    def fail(node: ast.AST, reason: str):
        where = f" (line {node.lineno})" if kind == "script" and hasattr(node, "lineno") else ""
        raise SandboxError(source, reason + where, kind)

    attrs = set().union(*(_READ_ATTRS if kind == "expression" else _SCRIPT_ATTRS).values())
    nodes = list(ast.walk(tree))
    list_items = {id(e) for n in nodes if isinstance(n, ast.List) for e in n.elts}
    operands = {id(c) for n in nodes if isinstance(n, ast.BinOp | ast.UnaryOp) for c in ast.iter_child_nodes(n)}
    for node in nodes:  # first the checks with the most telling messages
        if isinstance(node, ast.Import | ast.ImportFrom):
            fail(node, "import is not allowed")
        elif isinstance(node, ast.Name) and node.id.startswith("_"):
            fail(node, f"access to '{node.id}' is not allowed")
        elif isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            fail(node, f"access to '{node.attr}' is not allowed")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and hasattr(builtins, node.func.id) \
                and node.func.id not in callable_names:
            fail(node, f"function '{node.func.id}' is not available")
    for node in nodes:
        if isinstance(node, ast.Attribute) and node.attr not in attrs:
            fail(node, f"method '{node.attr}' is not available")
        elif isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            values = node.format_spec.values  # f"{x:>999999999}": constant, narrow specs only
            if not all(isinstance(v, ast.Constant) for v in values) or re.search(
                    r"\d{5}", "".join(str(v.value) for v in values)):
                fail(node, "format spec is too complex or too wide")
        elif isinstance(node, ast.BinOp) and id(node) not in operands:
            _fold(node, fail)
        if kind == "expression":
            if not isinstance(node, _EXPR_NODES) and not (isinstance(node, ast.Starred) and id(node) in list_items):
                fail(node, f"{type(node).__name__} is not allowed in an expression")
        elif type(node) in _SCRIPT_FORBIDDEN:
            fail(node, f"{_SCRIPT_FORBIDDEN[type(node)]} is not allowed in a script")
        elif isinstance(node, ast.Name) and node.id in ("print", "printed"):
            fail(node, "print is not available in a script (its output goes nowhere)")
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
        symbol, left, right = _GUARDED_AST_OPS[type(node.op)], _fold(node.left, fail), _fold(node.right, fail)
        if _UNKNOWN not in (left, right) or (symbol == "%" and isinstance(left, str | bytes)):
            try:
                return _binop(symbol, left, right)
            except (ValueError, TypeError, simpleeval.InvalidExpression) as e:
                fail(node, str(e))
    return _UNKNOWN


def _parse_and_check(source: str, kind: str, callable_names: set[str]) -> ast.AST:
    if len(source) > MAX_SOURCE:
        raise SandboxError(source, f"longer than {MAX_SOURCE} characters", kind)
    try:
        tree = ast.parse(source.strip(), mode="eval") if kind == "expression" else ast.parse(source)
        _static_check(tree, source, kind, callable_names)
    except SyntaxError as e:
        where = f" at line {e.lineno}, column {e.offset}" if e.lineno else ""
        raise SandboxError(source, f"syntax error{where}: {e.msg}", kind) from None
    except (RecursionError, MemoryError):
        raise SandboxError(source, "nested too deeply", kind) from None
    return tree


@functools.lru_cache(maxsize=1024)
def _parse_expression(expr: str, functions: frozenset[str]) -> ast.AST:
    return _parse_and_check(expr, "expression", set(SAFE_FUNCTIONS) | functions).body


def _call(name: str, *args: ast.expr, like: ast.AST) -> ast.Call:
    func = ast.Name(name, ast.Load())
    call = ast.Call(func=func, args=list(args), keywords=[])
    for new in (call, func, *(a for a in args if not hasattr(a, "lineno"))):
        copy_locations(new, like)
    return call


class _Policy(RestrictingNodeTransformer):
    """RestrictedPython's policy, plus calls into _ScriptRun where C code could build big things."""

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:  # a * b  ->  _binop_('*', a, b)
        node = self.node_contents_visit(node)
        if type(node.op) not in _GUARDED_AST_OPS:
            return node
        return _call("_binop_", ast.Constant(_GUARDED_AST_OPS[type(node.op)]), node.left, node.right, like=node)

    def visit_FormattedValue(self, node: ast.FormattedValue) -> ast.AST:  # f"{x}"  ->  f"{_text_(x)}"
        node = super().visit_FormattedValue(node)
        node.value = _call("_text_", node.value, like=node.value)
        return node

    def visit_Starred(self, node: ast.Starred) -> ast.AST:  # [*x]  ->  [*_paid_(x)]
        node = super().visit_Starred(node)
        if isinstance(node.ctx, ast.Load):
            node.value = _call("_paid_", node.value, like=node.value)
        return node

    def visit_Dict(self, node: ast.Dict) -> ast.AST:  # {**x}  ->  {**_paid_(x)}
        node = super().visit_Dict(node)
        node.values = [_call("_paid_", v, like=v) if k is None else v
                       for k, v in zip(node.keys, node.values, strict=True)]
        return node


@functools.lru_cache(maxsize=256)
def _compile_script(script: str, functions: frozenset[str]) -> tuple[types.CodeType, frozenset]:
    tree = _parse_and_check(script, "script", set(_SCRIPT_BUILTINS) | functions)
    # Filename '<string>' lets PythonScriptEngine find the failing line in the traceback.
    result = compile_restricted_exec(tree, filename="<string>", policy=_Policy)
    if result.errors:
        raise SandboxError(script, "; ".join(result.errors), "script")
    codes, todo = set(), [result.code]  # all the script's code objects, for the tracer
    while todo:
        codes.add(code := todo.pop())
        todo.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
    return result.code, frozenset(codes)


def check_expression(expr: str, functions: Iterable[str] = ()) -> None:
    """Raise SandboxError unless the sandbox accepts ``expr``; ``functions``: extra function names."""
    _parse_expression(expr, frozenset(functions))


def check_script(script: str, functions: Iterable[str] = ()) -> None:
    """Raise SandboxError unless ``script`` compiles in the sandbox."""
    _compile_script(script, frozenset(functions))


class _Evaluator(simpleeval.EvalWithCompoundTypes):
    """simpleeval charging each node, plus the size of its value, to a work budget."""

    work = 0

    def _eval(self, node):
        result = super()._eval(node)
        self.work += 1 + _size(result)
        if self.work > MAX_EXPRESSION_WORK:
            raise _Refused(f"needs more than {MAX_EXPRESSION_WORK} units of work")
        return result

    def _eval_formattedvalue(self, node):  # as simpleeval's, after a size check
        value = self._eval(node.value)
        _text_size(value)
        return ("{:" + self._eval(node.format_spec) + "}").format(value) if node.format_spec else value


class _ScriptRun:
    """One execution of one script: its work budget and the guards that charge it."""

    def __init__(self, script: str, code_objects: frozenset) -> None:
        self.script, self.code_objects, self.work = script, code_objects, 0
        self.deadline, self.next_clock = time.monotonic() + MAX_SCRIPT_SECONDS, 16

    def charge(self, units: int) -> None:
        self.work += units
        if self.work > MAX_SCRIPT_WORK:
            # Raising also uninstalls the tracer; with no try/with in scripts nothing runs after it.
            raise SandboxError(self.script, f"stopped after {MAX_SCRIPT_WORK} units of work "
                               "(endless loop, or data too big?)", "script")
        if self.work >= self.next_clock:
            self.next_clock = self.work + 16
            if time.monotonic() > self.deadline:
                raise SandboxError(self.script, f"stopped after {MAX_SCRIPT_SECONDS} s", "script")

    def paid(self, value: Any) -> Any:
        self.charge(_size(value))
        return value

    def text(self, value: Any) -> Any:
        self.charge(_text_size(value))
        return value

    def getattr(self, obj: Any, name: str) -> Any:
        if name not in _SCRIPT_ATTRS.get(type(obj), ()):
            raise AttributeError(f"'{type(obj).__name__}.{name}' is not available")
        bound = getattr(obj, name)

        def method(*args, **kwargs):
            if name == "join":  # charge the result before building it
                args = (list(args[0]),)
                self.charge(sum(map(_size, args[0])) + len(obj) * len(args[0]))
            before = _size(obj)
            result = bound(*args, **kwargs)
            self.charge(max(_size(obj) - before, 0))  # growth of the list/dict/set itself
            return self.paid(result)
        return method

    def inplacevar(self, op: str, target, value):
        if op[:-1] in _SAFE_OPS:
            _binop(op[:-1], target, value)  # its checks only: the in-place op keeps list aliasing
        before = _size(target)
        result = _INPLACE[op](target, value)
        self.charge(max(_size(result) - before, 0))
        return result

    def iter_unpack(self, it, spec, _getiter_):  # for a, *b in rows: ...
        for ob in _getiter_(it):
            yield self.paid(guarded_unpack_sequence(ob, spec, _getiter_))

    def scope(self, functions: Mapping[str, Callable]) -> dict[str, Any]:
        """The builtins and the guard names RestrictedPython's compiled code calls."""
        def paying(f):  # exception classes stay real types: `raise ValueError(...)` needs them
            if isinstance(f, type) and issubclass(f, BaseException) or not callable(f):
                return f
            return lambda *a, **kw: self.paid(f(*a, **kw))

        return {
            "__builtins__": {k: paying(f) for k, f in (_SCRIPT_BUILTINS | dict(functions)).items()},
            "_getattr_": self.getattr,
            "_getitem_": lambda ob, i: self.paid(ob[i]) if isinstance(i, slice) else ob[i],
            "_getiter_": iter,
            "_write_": full_write_guard,  # item assignment into dicts/lists, no attribute writes
            "_iter_unpack_sequence_": self.iter_unpack,
            "_unpack_sequence_": lambda *a: self.paid(guarded_unpack_sequence(*a)),
            "_inplacevar_": self.inplacevar,
            "_apply_": lambda f, *a, **kw: f(*a, **kw),
            "_binop_": lambda *a: self.paid(_binop(*a)),  # these three are added by _Policy
            "_text_": self.text,
            "_paid_": self.paid,
        }

    def run(self, code: types.CodeType, scope: dict) -> None:
        def count(frame, event, arg):
            if event == "opcode":
                self.charge(1)
            return count

        def on_call(frame, event, arg):
            if frame.f_code in self.code_objects:  # only the script's own frames
                frame.f_trace_opcodes = True
                return count
            return None

        previous = sys.gettrace()
        sys.settrace(on_call)
        try:
            exec(code, scope)
        except (_Refused, simpleeval.InvalidExpression) as e:  # simpleeval's: from safe_add & co
            raise SandboxError(self.script, str(e), "script") from None
        finally:
            sys.settrace(previous)


_NOT_DATA = (types.ModuleType, range, type({}.keys()), type({}.values()), type({}.items()))


def _is_data(value: Any) -> bool:
    # What a script may leave in task data: no functions, generators, iterators, views.
    return not (callable(value) or isinstance(value, _NOT_DATA) or hasattr(type(value), "__next__"))


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
        evaluator = _Evaluator(operators=self.operators, functions=SAFE_FUNCTIONS | self.functions,
                               names={**(external_context or {}), **context}, allowed_attrs=_READ_ATTRS)
        try:
            return evaluator.eval(expression, previously_parsed=node)
        except simpleeval.NameNotDefined as e:  # as NameError SpiffWorkflow adds "did you mean"
            raise NameError(f"name '{e.name}' is not defined") from None
        except (_Refused, simpleeval.FeatureNotAvailable, simpleeval.NumberTooHigh, simpleeval.IterableTooLong) as e:
            raise SandboxError(expression, str(e)) from None

    def execute(self, script, context, external_context=None):
        code, code_objects = _compile_script(script, self.names)
        external = external_context or {}
        run = _ScriptRun(script, code_objects)
        # Run on a copy, so that a failing script leaves task data untouched.
        scope = {**copy.deepcopy(external), **copy.deepcopy(context), **run.scope(self.functions)}
        run.run(code, scope)
        for key in [k for k in context if not k.startswith("_") and k not in scope]:
            del context[key]  # the script did `del key`
        context.update({k: v for k, v in scope.items()
                        if not k.startswith("_") and k not in external and _is_data(v)})
        return True


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

    ``services`` maps a spiff service task's operation name to ``handler(params, ctx)``;
    ``functions`` are extra functions expressions and scripts may call; ``now`` feeds
    ``ServiceContext.now``.  Successful service calls accumulate in ``calls`` for auditing."""

    def __init__(self, services: Mapping[str, Callable] | None = None,
                 functions: Mapping[str, Callable] | None = None,
                 now: Callable[[], datetime] | None = None,
                 reference: Callable[[str], Any] | None = None) -> None:
        super().__init__(environment=_SandboxEnvironment(functions or {}))
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
            ctx = ServiceContext(element_id, data, self.now() if self.now else None, reference, entry)
            result = handler(copy.deepcopy(params), ctx)
            encoded = json.dumps(result)
        except Exception as e:
            raise WorkflowTaskException(f"service task '{element_id}', operation '{operation_name}': {e}",
                                        task=task, exception=e) from e
        self.calls.append(ServiceCall(str(task.id), element_id, operation_name, params, result, used))
        return encoded
