"""Running sandboxed Python on a work budget: simpleeval for expressions, RestrictedPython's
compiled code under a tracer for scripts, and the environment SpiffWorkflow calls for both."""

from __future__ import annotations

import copy
import functools
import operator
import sys
import time
import types
from collections.abc import Callable, Mapping
from typing import Any

import simpleeval
from RestrictedPython.Guards import full_write_guard, guarded_unpack_sequence
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from .policy import (
    GUARDED_AST_OPS,
    MAX_SCRIPT_WORK,
    READ_ATTRS,
    SAFE_FUNCTIONS,
    SAFE_OPS,
    SCRIPT_ATTRS,
    SCRIPT_BUILTINS,
    Refused,
    SandboxError,
    binop,
    compile_script,
    parse_expression,
    size,
    text_size,
)

MAX_EXPRESSION_WORK = 1_000_000  # an expression's work budget, in the units of policy.MAX_SCRIPT_WORK
# Backstop for steps slow without building anything (`x in big` in a loop).  Unlike the work
# budget it depends on the machine, so it is set far above what any sane script needs.
MAX_SCRIPT_SECONDS = 5.0
_INPLACE = {"+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
            "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow, "<<=": operator.ilshift,
            ">>=": operator.irshift, "&=": operator.iand, "|=": operator.ior, "^=": operator.ixor}


class _Evaluator(simpleeval.EvalWithCompoundTypes):
    """simpleeval charging each node, plus the size of its value, to a work budget."""

    work = 0

    def _eval(self, node):
        result = super()._eval(node)
        self.work += 1 + size(result)
        if self.work > MAX_EXPRESSION_WORK:
            raise Refused(f"needs more than {MAX_EXPRESSION_WORK} units of work")
        return result

    def _eval_formattedvalue(self, node):  # as simpleeval's, after a size check
        value = self._eval(node.value)
        text_size(value)
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
        self.charge(size(value))
        return value

    def text(self, value: Any) -> Any:
        self.charge(text_size(value))
        return value

    def getattr(self, obj: Any, name: str) -> Any:
        if name not in SCRIPT_ATTRS.get(type(obj), ()):
            raise AttributeError(f"'{type(obj).__name__}.{name}' is not available")
        bound = getattr(obj, name)

        def method(*args, **kwargs):
            if name == "join":  # charge the result before building it
                args = (list(args[0]),)
                self.charge(sum(map(size, args[0])) + len(obj) * len(args[0]))
            before = size(obj)
            result = bound(*args, **kwargs)
            self.charge(max(size(obj) - before, 0))  # growth of the list/dict/set itself
            return self.paid(result)
        return method

    def inplacevar(self, op: str, target, value):
        if op[:-1] in SAFE_OPS:
            binop(op[:-1], target, value)  # its checks only: the in-place op keeps list aliasing
        before = size(target)
        result = _INPLACE[op](target, value)
        self.charge(max(size(result) - before, 0))
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
            "__builtins__": {k: paying(f) for k, f in (SCRIPT_BUILTINS | dict(functions)).items()},
            "_getattr_": self.getattr,
            "_getitem_": lambda ob, i: self.paid(ob[i]) if isinstance(i, slice) else ob[i],
            "_getiter_": iter,
            "_write_": full_write_guard,  # item assignment into dicts/lists, no attribute writes
            "_iter_unpack_sequence_": self.iter_unpack,
            "_unpack_sequence_": lambda *a: self.paid(guarded_unpack_sequence(*a)),
            "_inplacevar_": self.inplacevar,
            "_apply_": lambda f, *a, **kw: f(*a, **kw),
            "_binop_": lambda *a: self.paid(binop(*a)),  # these three are added by _Policy
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
        except (Refused, simpleeval.InvalidExpression) as e:  # simpleeval's: from safe_add & co
            raise SandboxError(self.script, str(e), "script") from None
        finally:
            sys.settrace(previous)


_NOT_DATA = (types.ModuleType, range, type({}.keys()), type({}.values()), type({}.items()))


def _is_data(value: Any) -> bool:
    # What a script may leave in task data: no functions, generators, iterators, views.
    return not (callable(value) or isinstance(value, _NOT_DATA) or hasattr(type(value), "__next__"))


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """SpiffWorkflow also calls ``script_engine.environment.evaluate`` directly (process
    completion conditions, message correlations), so the sandbox lives here, not in the engine."""

    def __init__(self, functions: Mapping[str, Callable]) -> None:
        super().__init__({})
        self.functions = dict(functions)
        self.names = frozenset(self.functions)
        self.operators = simpleeval.DEFAULT_OPERATORS | {
            op: functools.partial(binop, sym) for op, sym in GUARDED_AST_OPS.items()}

    def evaluate(self, expression, context, external_context=None):
        node = parse_expression(expression, self.names)
        evaluator = _Evaluator(operators=self.operators, functions=SAFE_FUNCTIONS | self.functions,
                               names={**(external_context or {}), **context}, allowed_attrs=READ_ATTRS)
        try:
            return evaluator.eval(expression, previously_parsed=node)
        except simpleeval.NameNotDefined as e:  # as NameError SpiffWorkflow adds "did you mean"
            raise NameError(f"name '{e.name}' is not defined") from None
        except (Refused, simpleeval.FeatureNotAvailable, simpleeval.NumberTooHigh, simpleeval.IterableTooLong) as e:
            raise SandboxError(expression, str(e)) from None

    def execute(self, script, context, external_context=None):
        code, code_objects = compile_script(script, self.names)
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
