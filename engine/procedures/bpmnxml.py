"""Reading our conventions out of BPMN XML: processes, lanes as roles, forms, parameters."""

from __future__ import annotations

import json

from lxml import etree

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
USER_TASKS = ("userTask", "manualTask")


def local(el) -> str:
    return etree.QName(el).localname


def properties(el) -> dict[str, str]:
    """`<extensionElements><spiffworkflow:properties><spiffworkflow:property name= value=>`."""
    found = el.xpath("./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", namespaces=NS)
    return {p.get("name"): p.get("value", "") for p in found}


def parse_parameter(text: str):
    """Parameters are JSON where they parse as JSON (integers, booleans, null, lists); else text, e.g.
    "2/3". A decimal such as "0.4" stays text too: thresholds are exact, never binary floats."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return text if isinstance(value, float) else value


def processes(root) -> list:
    return root.xpath("./bpmn:process", namespaces=NS)


def called_ids(process) -> set[str]:
    return {c.get("calledElement") for c in process.xpath(".//bpmn:callActivity", namespaces=NS)}


def main_process(root, stem: str):
    """The file's procedure: its only executable process, else the one nothing in the file calls,
    else the one whose id is the file name. Returns (process, problem)."""
    procs = [p for p in processes(root) if p.get("isExecutable", "true") != "false"]
    if len(procs) == 1:
        return procs[0], None
    called = set().union(*(called_ids(p) for p in procs)) if procs else set()
    roots = [p for p in procs if p.get("id") not in called]
    if len(roots) == 1:
        return roots[0], None
    named = [p for p in procs if p.get("id") == stem]
    if named:
        return named[0], None
    ids = ", ".join(p.get("id") for p in procs) or "none"
    return None, f"cannot tell which process is the procedure (executable processes: {ids}); name one after the file"


def lane_role(lane) -> str:
    """The role whose users do a lane's tasks: the lane's `role` property (its name is for people,
    in the diagram's language); a diagram without the property names the role by the lane's name."""
    return (properties(lane).get("role") or lane.get("name") or "").strip()


def lanes(process) -> dict[str, str]:
    """flow node id -> the role of its lane."""
    result = {}
    for lane in process.xpath(".//bpmn:lane", namespaces=NS):
        for ref in lane.xpath("./bpmn:flowNodeRef", namespaces=NS):
            result[(ref.text or "").strip()] = lane_role(lane)
    return result


def user_tasks(process) -> list:
    return [el for name in USER_TASKS for el in process.xpath(f".//bpmn:{name}", namespaces=NS)]


def task_catalogue(process) -> dict[str, dict]:
    """User tasks (and a start event with a form: the case's start form) of one process."""
    lane_of = lanes(process)
    starts = [s for s in process.xpath("./bpmn:startEvent", namespaces=NS) if properties(s).get("form")]
    return {
        t.get("id"): {
            "name": t.get("name") or t.get("id"),
            "type": local(t),
            "role": lane_of.get(t.get("id")) or None,
            "form": properties(t).get("form"),
            "subject": properties(t).get("subject") or None,  # whom the task is about (engine/subjects.py)
            "process": process.get("id"),
        }
        for t in user_tasks(process) + starts
    }


def process_parameters(process) -> dict:
    return {name: parse_parameter(value) for name, value in properties(process).items()}
