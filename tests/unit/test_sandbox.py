"""The sandbox for diagram Python, driven through real SpiffWorkflow where it matters."""

import sys
import time
import uuid
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from engine import sandbox
from engine.sandbox import (
    SandboxedScriptEngine,
    SandboxError,
    ServiceCall,
    ServiceContext,
    check_expression,
    check_script,
)

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="defs" targetNamespace="http://example.org/bpmn">
  <bpmn:process id="proc" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work"/>"""
FOOTER = """
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end"/>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>"""


def gateway_bpmn(condition: str) -> str:
    """start -> exclusive gateway: `condition` to end_yes, default to end_no."""
    return HEADER.replace('targetRef="work"', 'targetRef="gw"') + f"""
    <bpmn:exclusiveGateway id="gw" default="f_no"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f_yes</bpmn:outgoing><bpmn:outgoing>f_no</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="f_yes" sourceRef="gw" targetRef="end_yes">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{escape(condition)}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_no" sourceRef="gw" targetRef="end_no"/>
    <bpmn:endEvent id="end_yes"><bpmn:incoming>f_yes</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="end_no"><bpmn:incoming>f_no</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>"""


def script_bpmn(script: str) -> str:
    return HEADER + f"""
    <bpmn:scriptTask id="work"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>{escape(script)}</bpmn:script></bpmn:scriptTask>""" + FOOTER


def service_bpmn(operation: str = "my_handler", value: str = "a + 1") -> str:
    return HEADER + f"""
    <bpmn:serviceTask id="work"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="{operation}" resultVariable="out">
          <spiffworkflow:parameters>
            <spiffworkflow:parameter id="x" type="int" value="{escape(value, {'"': "&quot;"})}"/>
          </spiffworkflow:parameters>
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
    </bpmn:serviceTask>""" + FOOTER


def start(xml: str, data: dict | None = None, engine: SandboxedScriptEngine | None = None) -> BpmnWorkflow:
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(xml.encode())
    workflow = BpmnWorkflow(parser.get_spec("proc"), script_engine=engine or SandboxedScriptEngine())
    workflow.get_next_task(state=TaskState.READY).data.update(data or {})
    return workflow


def run(xml: str, data: dict | None = None, engine: SandboxedScriptEngine | None = None) -> BpmnWorkflow:
    workflow = start(xml, data, engine)
    workflow.do_engine_steps()
    assert workflow.is_completed()
    return workflow


def run_failing(xml: str, data: dict | None = None, engine: SandboxedScriptEngine | None = None) -> BaseException:
    """Run until the error; return the cause SpiffWorkflow wrapped."""
    workflow = start(xml, data, engine)
    with pytest.raises(WorkflowTaskException) as info:
        workflow.do_engine_steps()
    assert not workflow.is_completed()
    assert info.value.__cause__ is not None
    return info.value.__cause__


def reached(workflow: BpmnWorkflow) -> set[str]:
    return {t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.COMPLETED)} - {None}


# --- legitimate use ---------------------------------------------------------------------------

@pytest.mark.parametrize(("condition", "data", "taken"), [
    ("decision == 'approve'", {"decision": "approve"}, True),
    ("decision == 'approve'", {"decision": "reject"}, False),
    ("3 * present >= 2 * expected", {"present": 2, "expected": 3}, True),
    ("3 * present >= 2 * expected", {"present": 1, "expected": 3}, False),
    ("len(nominees) > post_count", {"nominees": ["张三", "李四"], "post_count": 1}, True),
    ("'x' in d", {"d": {"x": 1}}, True),
    ("'x' in d", {"d": {"y": 1}}, False),
    ("{'a': [1, 2]}['a'][1] == 2 and {1, 2} == {2, 1} and (1, 2)[0] == 1", {}, True),
    ("sum([v['votes'] for v in votes]) > 2 and max(v['votes'] for v in votes) == 2",
     {"votes": [{"votes": 2}, {"votes": 1}]}, True),
    ("d.get('missing', 0) == 0 and name.strip().lower() == 'ok'", {"d": {}, "name": " OK "}, True),
    ("f'{n:>3}' == '  5' and str(n) == '5' and round(2.5) == 2", {"n": 5}, True),
])
def test_gateway_conditions_route(condition, data, taken):
    check_expression(condition)
    workflow = run(gateway_bpmn(condition), data)
    assert reached(workflow) >= ({"end_yes"} if taken else {"end_no"})
    assert not reached(workflow) & ({"end_no"} if taken else {"end_yes"})


def test_script_computes_into_task_data():
    script = """
total = a + b
x['k'] = 1
items.append(3)
items += [4]
count = 0
for n in names:
    count += 1
first, *rest = names
pairs = {n: i for i, n in enumerate(names)}
def double(v):
    return v * 2
doubled = double(total)
label = f"{total:.1f}/{', '.join(names)}"
merged = {**x, 'names': [*names]}
del b
# none of these is data: they must not reach task data
r = range(3)
k = x.keys()
f = lambda: 1
g = (n for n in names)
"""
    check_script(script)
    data = run(script_bpmn(script), {"a": 1, "b": 2, "x": {}, "items": [1], "names": ["p", "q"]}).data
    assert data == {
        "a": 1, "x": {"k": 1}, "items": [1, 3, 4], "names": ["p", "q"], "total": 3, "count": 2, "n": "q",
        "first": "p", "rest": ["q"], "pairs": {"p": 0, "q": 1}, "doubled": 6, "label": "3.0/p, q",
        "merged": {"k": 1, "names": ["p", "q"]},
    }  # no builtins, guards, functions or print collector leaked


def test_failing_script_leaves_task_data_untouched():
    workflow = start(script_bpmn("x['k'] = 1\ny = 1 / 0"), {"x": {}})
    with pytest.raises(WorkflowTaskException) as info:
        workflow.do_engine_steps()
    assert isinstance(info.value.__cause__, ZeroDivisionError)
    assert info.value.line_number == 2
    task = workflow.get_tasks(state=TaskState.ERROR)[0]
    assert task.data == {"x": {}}


def test_service_task_calls_handler_and_records_the_call():
    seen = []

    def handler(params, ctx):
        seen.append((params, ctx))
        ctx.data["a"] = "mutated"  # a copy: must not reach task data
        return {"double": params["x"] * 2}

    now = datetime(2024, 5, 1, 9, 30)
    engine = SandboxedScriptEngine(services={"my_handler": handler}, now=lambda: now)
    workflow = run(service_bpmn(), {"a": 20}, engine)
    assert workflow.data["out"] == {"double": 42}
    assert workflow.data["a"] == 20
    (params, ctx), = seen
    assert params == {"x": 21}
    assert (ctx.element_id, ctx.data, ctx.now) == ("work", {"a": "mutated"}, now)
    assert isinstance(ctx, ServiceContext)
    with pytest.raises(LookupError):  # no reference data was given to this engine
        ctx.reference("calendar")
    (call,) = engine.calls
    assert isinstance(call, ServiceCall)
    task = next(t for t in workflow.get_tasks() if t.task_spec.bpmn_id == "work")
    assert (call.task_id, call.element_id, call.operation) == (str(task.id), "work", "my_handler")
    assert (call.params, call.result) == ({"x": 21}, {"double": 42})


def test_service_unknown_operation_names_it_and_the_known_ones():
    engine = SandboxedScriptEngine(services={"notify": lambda p, c: None, "score": lambda p, c: 1})
    cause = run_failing(service_bpmn(operation="nope"), {"a": 1}, engine)
    assert isinstance(cause, SandboxError)
    assert "'nope'" in str(cause) and "notify, score" in str(cause)
    assert engine.calls == []


def test_service_handler_errors_propagate_with_cause():
    def handler(params, ctx):
        raise LookupError("no such cadre")

    cause = run_failing(service_bpmn(), {"a": 1}, SandboxedScriptEngine(services={"my_handler": handler}))
    assert isinstance(cause, LookupError) and str(cause) == "no such cadre"


def test_service_parameters_are_sandboxed():
    engine = SandboxedScriptEngine(services={"my_handler": lambda p, c: p})
    cause = run_failing(service_bpmn(value="().__class__.__base__.__subclasses__()"), {"a": 1}, engine)
    assert isinstance(cause, SandboxError)
    assert engine.calls == []


def test_extra_functions_and_validate():
    engine = SandboxedScriptEngine(functions={"workdays": lambda a, b: b - a})
    workflow = run(gateway_bpmn("workdays(1, 6) == 5"), engine=engine)
    assert "end_yes" in reached(workflow)
    engine.validate("workdays(1, 2) > 0")
    with pytest.raises(SandboxError, match="'__class__'"):
        engine.validate("x.__class__")  # the parent's validate() only parsed


def test_is_safe_name():
    assert SandboxedScriptEngine.is_safe_name("推荐人数") and SandboxedScriptEngine.is_safe_name("out")
    for bad in ("_x", "__class__", "class", "a-b", "1a", ""):
        assert not SandboxedScriptEngine.is_safe_name(bad)


# --- attacks ----------------------------------------------------------------------------------

def test_gateway_shell_command_does_not_run():
    target = Path(f"/tmp/pwned_{uuid.uuid4().hex}")
    condition = f"__import__('os').system('touch {target}')"
    with pytest.raises(SandboxError, match="__import__"):
        check_expression(condition)
    cause = run_failing(gateway_bpmn(condition))
    assert isinstance(cause, SandboxError) and "__import__" in str(cause)
    assert not target.exists()


EXPRESSION_ATTACKS = [
    ("().__class__.__base__.__subclasses__()", "__"),
    ("[].__class__", "'__class__'"),
    ("getattr(x, '__class__')", "'getattr'"),
    ("'{0.__class__}'.format(1)", "'format'"),
    ("type(1)", "'type'"),
    ("(lambda: 1)()", "Lambda"),
    ("[y := 1]", "NamedExpr"),
    ("open('/etc/passwd')", "'open'"),
    ("eval('1')", "'eval'"),
    ("x.update({})", "'update'"),
    ("'%s' % x", "not allowed"),
    ("9**9**9", "bits"),
    ("'a'*10**9", "long"),
    ("f'{x:>999999999}'", "format spec"),
    ("x\n1", "syntax error"),
    ("+".join(["1"] * 20000), "nested too deeply"),
]


@pytest.mark.parametrize(("expr", "reason"), EXPRESSION_ATTACKS)
def test_expression_attacks_fail_at_check_time(expr, reason):
    with pytest.raises(SandboxError) as info:
        check_expression(expr)
    assert reason in str(info.value) and info.value.kind == "expression"


@pytest.mark.parametrize(("expr", "reason"), [
    *EXPRESSION_ATTACKS,
    ("n ** 99999", "bits"),  # only known at run time
    ("s * n", "long"),
    ("str([s] * 100)", "text"),  # 100 references to one long string: 10**7 characters
    ("[[s for v in w] for w in [s] * 1000]", "work"),
])
def test_expression_attacks_fail_at_run_time(expr, reason):
    engine = SandboxedScriptEngine()
    task = start(gateway_bpmn("True")).get_next_task(state=TaskState.READY)
    task.data.update({"x": 1, "n": 10**9, "s": "s" * 100_000})
    with pytest.raises(WorkflowTaskException) as info:
        engine.evaluate(task, expr)
    assert isinstance(info.value.__cause__, SandboxError)
    assert reason in str(info.value.__cause__)


SCRIPT_ATTACKS = [
    ("x = ().__class__.__base__.__subclasses__()", "__"),
    ("x = [].__class__", "'__class__'"),
    ("import os", "import"),
    ("from os import system", "import"),
    ("data = open('/etc/passwd').read()", "'open'"),
    ("x = getattr(a, '__class__')", "'getattr'"),
    ("x = '{0.__class__}'.format(1)", "'format'"),
    ("x = type(1)", "'type'"),
    ("x = (n for n in [1]).gi_frame", "'gi_frame'"),
    ("x = __builtins__", "'__builtins__'"),
    ("class A:\n    pass", "class"),
    ("try:\n    x = 1\nexcept Exception:\n    pass", "try"),
    ("while True:\n    pass", "endless loop"),
    ("x = 9**9**9", "bits"),
    ("x = 'a'*10**9", "long"),
    ("x = 'ab'.ljust(10**9)", "'ljust'"),
    ("x = pow(9, 10**9)", "'pow'"),
    ("print(a)", "print"),
    ("x = 1 +", "syntax error at line 1"),
]


@pytest.mark.parametrize(("script", "reason"), SCRIPT_ATTACKS)
def test_script_attacks_fail_at_check_time(script, reason):
    with pytest.raises(SandboxError) as info:
        check_script(script)
    assert reason in str(info.value) and info.value.kind == "script"


@pytest.mark.parametrize(("script", "reason"), [
    *SCRIPT_ATTACKS,
    # Only stopped at run time, by the work budget or a guard:
    ("x = True\nwhile x:\n    pass", "units of work"),
    ("l = [1]\nfor i in range(100):\n    l.extend(l)", "units of work"),
    ("big = list(range(100000))\nkeep = []\nfor i in range(100000):\n    keep.append(list(big))", "units of work"),
    ("big = list(range(100000))\nkeep = []\nfor i in range(100000):\n    keep.append([*big])", "units of work"),
    ("s = ['x' * 100000] * 1000\nr = ('y' * 1000).join(s)", "units of work"),
    ("s = 'a'\nfor i in range(100):\n    s += s", "long"),
    ("x = 2\nfor i in range(100):\n    x = x * x", "bits"),
    ("n = sum(range(10**12))", "range()"),
    ("big = list(range(100000))\nkeep = [f'{big}']", "text"),
])
def test_script_attacks_fail_at_run_time(script, reason):
    began = time.monotonic()
    cause = run_failing(script_bpmn(script), {"a": 1})
    assert isinstance(cause, SandboxError) and reason in str(cause)
    assert time.monotonic() - began < 5


def test_scripts_cannot_raise_system_exit():
    cause = run_failing(script_bpmn("raise SystemExit"))
    assert isinstance(cause, NameError)


def test_slow_steps_stop_at_the_deadline(monkeypatch):
    monkeypatch.setattr(sandbox.evaluator, "MAX_SCRIPT_SECONDS", 0.2)
    began = time.monotonic()
    cause = run_failing(script_bpmn("big = list(range(50000))\nx = 1\nwhile x:\n    y = -1 in big"))
    assert isinstance(cause, SandboxError) and "0.2 s" in str(cause)
    assert time.monotonic() - began < 3


def test_step_limit_restores_the_previous_tracer():
    def tracer(frame, event, arg):
        return None

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        run_failing(script_bpmn("x = True\nwhile x:\n    pass"))
        assert sys.gettrace() is tracer
    finally:
        sys.settrace(previous)
