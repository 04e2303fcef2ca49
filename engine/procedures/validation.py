"""Checks beyond the BPMN schema: roles, forms, handlers, and that every expression is sandbox-safe.

Each problem names the file, the element and what is wrong, in English and Chinese.
"""

from __future__ import annotations

import re

from ..registry import Registry
from ..sandbox import SandboxError, check_expression, check_script
from ..subjects import subject_problems
from .bpmnxml import NS, lane_role, lanes, local, processes, properties, user_tasks

FOREIGN_DIALECT = re.compile(r"^\s*(\$\{|#\{|=)")
FOREIGN_NS = ("http://camunda.org/schema/", "http://camunda.org/schema/zeebe/")

EXPRESSIONS = {
    "conditionExpression": "condition",
    "timeDuration": "timer",
    "timeDate": "timer",
    "timeCycle": "timer",
    "loopCardinality": "loop cardinality",
    "completionCondition": "completion condition",
}


def problem(filename: str, element, message: str, message_zh: str) -> dict:
    return {
        "file": filename,
        "element": element.get("id") if element is not None else None,
        "line": element.sourceline if element is not None else None,
        "message": message,
        "message_zh": message_zh,
    }


def owner(el):
    """The flow element an expression belongs to (the sequence flow, the task, the event)."""
    while el is not None and (el.get("id") is None or not el.tag.startswith("{" + NS["bpmn"])):
        el = el.getparent()
    return el


# What the storage and SpiffWorkflow can take (engine/storage/models.py column widths; SpiffWorkflow's
# parser follows sequence flows recursively, about two frames per flow node, and looks each target
# up by an XPath over the whole document: a longer chain overflows the stack, more nodes and flows
# make the deployment quadratic). The largest procedure of bpmn/ has 65 flow nodes and 61 flows.
MAX_FLOW_NODES = 300
MAX_SEQUENCE_FLOWS = 1000
MAX_ID = 128  # element ids: procedure key, task and audit element_id columns
MAX_NAME = 256  # names: the procedure's name and a task's title
MAX_ROLE = 64  # a lane's role (its property 'role', else its name): the task's role
MAX_FORM = 128
MAX_OUTCOME = 64  # an end event's outcome (its property, else its id) is the case's outcome
MAX_FILENAME = 256
FLOW_NODES = {
    "task", "userTask", "manualTask", "serviceTask", "scriptTask", "sendTask", "receiveTask", "businessRuleTask",
    "callActivity", "subProcess", "transaction", "adHocSubProcess", "startEvent", "endEvent",
    "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent", "exclusiveGateway", "parallelGateway",
    "inclusiveGateway", "eventBasedGateway", "complexGateway",
}


def _shown(text: str, limit: int = 64) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _limit_problem(filename: str, el, message: str, message_zh: str) -> dict:
    found = problem(filename, el, message, message_zh)
    if found["element"]:
        found["element"] = _shown(found["element"])
    return found


def check_limits(filename: str, root) -> list[dict]:
    """Sizes the storage and the BPMN parser can take; each problem names the element and its line."""
    found = []
    if len(filename) > MAX_FILENAME or any(ord(c) < 32 for c in filename):
        found.append({"file": _shown(filename), "element": None, "line": None,
                      "message": f"the file name must be at most {MAX_FILENAME} characters, without control characters",
                      "message_zh": f"文件名不得超过 {MAX_FILENAME} 个字符，且不得包含控制字符"})
    nodes = flows = 0
    for el in root.iter(f"{{{NS['bpmn']}}}*"):
        kind = local(el)
        for attribute, limit in (("id", MAX_ID), ("name", MAX_NAME)):
            value = el.get(attribute) or ""
            if len(value) > limit:
                found.append(_limit_problem(
                    filename, el, f"the {attribute} of this {kind} is {len(value)} characters long; at most {limit}",
                    f"该 {kind} 元素的 {attribute} 长 {len(value)} 个字符，上限为 {limit}"))
        if kind == "lane" and len(lane_role(el)) > MAX_ROLE:
            found.append(_limit_problem(
                filename, el, f"a lane's role (its property 'role', else its name) is at most {MAX_ROLE} characters",
                f"泳道的角色（属性 role，缺省为泳道名称）不得超过 {MAX_ROLE} 个字符"))
        props = properties(el) if kind in ("userTask", "manualTask", "startEvent", "endEvent") else {}
        if len(props.get("form") or "") > MAX_FORM:
            found.append(_limit_problem(filename, el, f"the form name is longer than {MAX_FORM} characters",
                                        f"表单名称超过 {MAX_FORM} 个字符"))
        if kind == "endEvent" and len(props.get("outcome") or el.get("id") or "") > MAX_OUTCOME:
            found.append(_limit_problem(
                filename, el, f"an end event's outcome (its 'outcome' property, else its id) is at most "
                f"{MAX_OUTCOME} characters", f"结束事件的结果（outcome 属性，缺省为其 id）不得超过 {MAX_OUTCOME} 个字符"))
        if kind in FLOW_NODES:
            nodes += 1
            if nodes == MAX_FLOW_NODES + 1:
                found.append(_limit_problem(
                    filename, el, f"the file has more than {MAX_FLOW_NODES} flow elements (tasks, events, gateways); "
                    "split it into processes called by call activities",
                    f"文件中的流程节点（任务、事件、网关）超过 {MAX_FLOW_NODES} 个，请拆分为由调用活动调用的子流程"))
        elif kind == "sequenceFlow":
            flows += 1
            if flows == MAX_SEQUENCE_FLOWS + 1:
                found.append(_limit_problem(
                    filename, el, f"the file has more than {MAX_SEQUENCE_FLOWS} sequence flows",
                    f"文件中的顺序流超过 {MAX_SEQUENCE_FLOWS} 条"))
        if len(found) >= 20:
            break
    return found


def check_file(filename: str, root, registry: Registry) -> list[dict]:
    found = check_limits(filename, root)
    if found:
        return found  # the other checks walk every element: not on a file of this size
    for process in processes(root):
        found += _check_lanes(filename, process, registry)
        found += _check_user_tasks(filename, process, registry)
        found += _check_expressions(filename, process, registry)
        found += _check_services(filename, process, registry)
    return found


SYSTEM_ROLE = "system"  # the engine's own role (service tasks, timers): a lane for them is no user's


def _check_lanes(filename, process, registry) -> list[dict]:
    """A lane's role must be known: the one its `role` property gives, or (a diagram without the
    property) its name, when the lane holds user tasks."""
    if not registry.roles:
        return []
    found = []
    tasks = {t.get("id") for t in user_tasks(process)}
    known = ", ".join(sorted(registry.roles))
    for lane in process.xpath(".//bpmn:lane", namespaces=NS):
        role, name = lane_role(lane), (lane.get("name") or lane.get("id") or "").strip()
        if role in registry.roles or role == SYSTEM_ROLE:
            continue
        if "role" in properties(lane):
            found.append(problem(filename, lane, f"lane '{name}' has the role '{role}', which is not a known role ({known})",
                                 f"泳道“{name}”的角色“{role}”不是已知角色（{known}）"))
        elif tasks & {(r.text or "").strip() for r in lane.xpath("./bpmn:flowNodeRef", namespaces=NS)}:
            found.append(problem(filename, lane, f"lane '{name}' names no known role: set its property 'role' to one "
                                 f"of {known}", f"泳道“{name}”未指定已知角色：请将其属性 role 设为以下之一：{known}"))
    return found


def _check_user_tasks(filename, process, registry) -> list[dict]:
    found = []
    lane_of = lanes(process)
    for task in user_tasks(process):
        name = task.get("name") or task.get("id")
        role = lane_of.get(task.get("id"))
        if not role:
            found.append(problem(filename, task, f"user task '{name}' is in no lane: its lane names the role that may do it",
                                 f"用户任务“{name}”不在任何泳道中：泳道名称即办理该任务的角色"))
        elif registry.roles and role not in registry.roles:
            found.append(problem(filename, task, f"user task '{name}' is in lane '{role}', which is not a known role "
                                 f"({', '.join(sorted(registry.roles))})", f"用户任务“{name}”所在泳道“{role}”不是已知角色"))
        form = properties(task).get("form")
        if not form:
            found.append(problem(filename, task, f"user task '{name}' has no form (property 'form')",
                                 f"用户任务“{name}”未指定表单（属性 form）"))
        elif registry.forms and form not in registry.forms:
            found.append(problem(filename, task, f"user task '{name}' names form '{form}', which is not registered",
                                 f"用户任务“{name}”引用的表单“{form}”未注册"))
        found += [problem(filename, task, en, zh) for en, zh in subject_problems(task, form, registry)]
    return found


def _check_expressions(filename, process, registry) -> list[dict]:
    found = []
    expression, script = _checkers(registry)
    for tag, what in EXPRESSIONS.items():
        for el in process.xpath(f".//bpmn:{tag}", namespaces=NS):
            found += _check(filename, owner(el), (el.text or "").strip(), what, expression)
    for el in process.xpath(".//bpmn:scriptTask/bpmn:script", namespaces=NS):
        found += _check(filename, owner(el), el.text or "", "script", script)
    for tag in ("preScript", "postScript"):
        for el in process.xpath(f".//spiffworkflow:{tag}", namespaces=NS):
            found += _check(filename, owner(el), el.text or "", tag, script)
    for el in process.iter():
        if isinstance(el.tag, str) and any(k.startswith("{" + ns) for ns in FOREIGN_NS for k in el.attrib):
            found.append(problem(filename, owner(el), "uses Camunda/Zeebe extension attributes, which this engine "
                                 "does not run; use the SpiffWorkflow dialect", "使用了 Camunda/Zeebe 扩展属性，本引擎不支持；请使用 SpiffWorkflow 方言"))
            break
    return found


def _checkers(registry):
    names = tuple(registry.functions)
    return (lambda text: check_expression(text, names)), (lambda text: check_script(text, names))


def _check(filename, element, text, what, checker) -> list[dict]:
    if what != "script" and not text:
        if what == "condition":
            return []  # an empty condition is the modeler's default flow marker
        return [problem(filename, element, f"the {what} expression is empty", f"{what} 表达式为空")]
    if FOREIGN_DIALECT.match(text):
        return [problem(filename, element, f"the {what} '{text}' is a JUEL/FEEL expression (Camunda/Zeebe dialect); "
                        "this engine evaluates Python-dialect expressions such as  votes * 2 >= present",
                        f"{what} 表达式“{text}”是 JUEL/FEEL 语法（Camunda/Zeebe），本引擎使用 Python 方言表达式")]
    try:
        checker(text)
    except SandboxError as exc:
        return [problem(filename, element, f"the {what} is not allowed: {exc}", f"{what} 不被允许：{exc}")]
    return []


def _check_services(filename, process, registry) -> list[dict]:
    found = []
    expression, _script = _checkers(registry)
    for op in process.xpath(".//spiffworkflow:serviceTaskOperator", namespaces=NS):
        task = owner(op)
        name = op.get("id")
        if name not in registry.services:
            known = ", ".join(sorted(registry.services)) or "none"
            found.append(problem(filename, task, f"service task calls '{name}', which is not a registered handler "
                                 f"(registered: {known})", f"服务任务调用的处理程序“{name}”未注册"))
        for param in op.xpath(".//spiffworkflow:parameter", namespaces=NS):
            found += _check(filename, task, (param.get("value") or "").strip(), f"parameter '{param.get('id')}'",
                            expression)
    for task in process.xpath(".//bpmn:serviceTask", namespaces=NS):
        if not task.xpath("./bpmn:extensionElements/spiffworkflow:serviceTaskOperator", namespaces=NS):
            found.append(problem(filename, task, "service task names no handler (spiffworkflow:serviceTaskOperator)",
                                 "服务任务未指定处理程序"))
    return found
