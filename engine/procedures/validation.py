"""Checks beyond the BPMN schema: roles, forms, handlers, and that every expression is sandbox-safe.

Each problem names the file, the element and what is wrong, in English and Chinese.
"""

from __future__ import annotations

import re

from ..registry import Registry
from ..sandbox import SandboxError, check_expression, check_script
from .bpmnxml import NS, lanes, processes, properties, user_tasks

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


def check_file(filename: str, root, registry: Registry) -> list[dict]:
    found = []
    for process in processes(root):
        found += _check_user_tasks(filename, process, registry)
        found += _check_expressions(filename, process, registry)
        found += _check_services(filename, process, registry)
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
