"""What Python from a diagram may contain: the limits, the functions and methods it may call,
the static check every expression and script passes at deployment, and RestrictedPython's
compilation of scripts with calls into the run-time guards (``evaluator.py``)."""

from __future__ import annotations

import ast
import builtins
import functools
import operator
import re
import types
from collections.abc import Callable, Iterable
from typing import Any

import simpleeval
from RestrictedPython import compile_restricted_exec, safe_builtins
from RestrictedPython.transformer import RestrictingNodeTransformer, copy_locations

# Work = bytecode instructions (scripts) or AST nodes (expressions), plus one unit per item
# or character built.  Scripts count "opcode" trace events: Python 3.11 emits no "line"
# event for `while True: pass`.  1M units is roughly 0.3 s.  (Also the longest range().)
MAX_SCRIPT_WORK = 1_000_000
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


class Refused(ValueError):
    """A limit hit inside a guard, which does not know the source; becomes a SandboxError."""


def size(value: Any) -> int:
    return len(value) if type(value) in _SIZED else 0


def text_size(value: Any) -> int:
    """Items in ``value``, refusing before str() of e.g. ``[s] * 10**5`` builds 10**10 chars."""
    todo, total = [value], 0
    while todo:
        v = todo.pop()
        total += size(v) + 1
        if total > MAX_TEXT:
            raise Refused(f"converting a value of more than {MAX_TEXT} items to text is not allowed")
        if isinstance(v, dict):
            todo += [*v.keys(), *v.values()]
        elif type(v) in (list, tuple, set, frozenset):
            todo += v
    return total


def _str(*args):
    if args:
        text_size(args[0])
    return str(*args)


def _repr(value):
    text_size(value)
    return repr(value)


def _sum(values, start=0):
    if not isinstance(start, int | float):  # sum(lists, []) is quadratic
        raise Refused("sum() only adds numbers in the sandbox")
    return sum(values, start)


def _round(number, ndigits=None):
    if ndigits is not None and abs(ndigits) > 100:  # round(5, -10**7) computes 10**10**7
        raise Refused("round() to more than 100 digits is not allowed")
    return round(number, ndigits)


def _range(*args):
    r = range(*args)
    if len(r) > MAX_SCRIPT_WORK:
        raise Refused(f"range() of {len(r)} elements is too long")
    return r


SAFE_OPS = {"+": simpleeval.safe_add, "*": simpleeval.safe_mult, "**": simpleeval.safe_power,
             "<<": simpleeval.safe_lshift, "%": operator.mod}
GUARDED_AST_OPS = {ast.Add: "+", ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<", ast.Mod: "%"}


def binop(symbol: str, a, b):
    """The operators that can build something huge in one step, checked *before* computing."""
    if symbol == "%" and isinstance(a, str | bytes):
        raise Refused("'%' string formatting is not allowed; use an f-string")
    if isinstance(a, int) and isinstance(b, int):
        bits = {"**": a.bit_length() * max(b, 0), "*": a.bit_length() + b.bit_length(),
                "<<": a.bit_length() + max(b, 0)}.get(symbol, 0)
        if bits > MAX_INT_BITS:
            raise Refused(f"the result of '{symbol}' would exceed {MAX_INT_BITS} bits")
    # simpleeval's checks: exponent <= MAX_POWER, sequences <= MAX_STRING_LENGTH, shift width.
    return SAFE_OPS[symbol](a, b)


# Functions callable from expressions and scripts: pure, output bounded by input.
SAFE_FUNCTIONS: dict[str, Callable] = {
    f.__name__: f for f in (len, min, max, abs, int, float, bool, sorted, any, all, list, dict, set, tuple)
} | {"sum": _sum, "str": _str, "round": _round}
# Methods, per exact type of the object.  Expressions only read; scripts may also mutate.
# Absent on purpose: format/format_map (they read attributes: '{0.__class__}'), and methods
# that multiply their input (ljust, center, zfill, expandtabs, replace, translate).
READ_ATTRS: dict[type, set[str]] = {
    str: {"lower", "upper", "strip", "lstrip", "rstrip", "startswith", "endswith", "split", "count", "find",
          "isdigit", "isalpha", "isalnum", "casefold", "title"},
    dict: {"get", "keys", "values", "items"}, list: {"count", "index"}, tuple: {"count", "index"},
    set: {"issubset", "issuperset", "union", "intersection", "difference"},
}
SCRIPT_ATTRS = READ_ATTRS | {
    str: READ_ATTRS[str] | {"join"},  # checked in _ScriptRun.getattr
    list: READ_ATTRS[list] | {"append", "extend", "insert", "pop", "remove", "sort", "reverse", "copy", "clear"},
    dict: READ_ATTRS[dict] | {"update", "pop", "setdefault", "copy", "clear"},
    set: READ_ATTRS[set] | {"add", "discard", "remove", "update", "copy", "clear"},
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
SCRIPT_BUILTINS = {k: v for k, v in safe_builtins.items() if k not in {
    "__build_class__", "pow", "isinstance", "issubclass", "_getattr_", "setattr", "delattr"}
    and not (isinstance(v, type) and issubclass(v, BaseException) and not issubclass(v, Exception))
} | SAFE_FUNCTIONS | {"range": _range, "enumerate": enumerate, "zip": zip, "reversed": reversed,
                     "repr": _repr}


def _static_check(tree: ast.AST, source: str, kind: str, callable_names: set[str]) -> None:
    def fail(node: ast.AST, reason: str):
        where = f" (line {node.lineno})" if kind == "script" and hasattr(node, "lineno") else ""
        raise SandboxError(source, reason + where, kind)

    attrs = set().union(*(READ_ATTRS if kind == "expression" else SCRIPT_ATTRS).values())
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
    if isinstance(node, ast.BinOp) and type(node.op) in GUARDED_AST_OPS:
        symbol, left, right = GUARDED_AST_OPS[type(node.op)], _fold(node.left, fail), _fold(node.right, fail)
        if _UNKNOWN not in (left, right) or (symbol == "%" and isinstance(left, str | bytes)):
            try:
                return binop(symbol, left, right)
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
def parse_expression(expr: str, functions: frozenset[str]) -> ast.AST:
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
        if type(node.op) not in GUARDED_AST_OPS:
            return node
        return _call("_binop_", ast.Constant(GUARDED_AST_OPS[type(node.op)]), node.left, node.right, like=node)

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
def compile_script(script: str, functions: frozenset[str]) -> tuple[types.CodeType, frozenset]:
    tree = _parse_and_check(script, "script", set(SCRIPT_BUILTINS) | functions)
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
    parse_expression(expr, frozenset(functions))


def check_script(script: str, functions: Iterable[str] = ()) -> None:
    """Raise SandboxError unless ``script`` compiles in the sandbox."""
    compile_script(script, frozenset(functions))

