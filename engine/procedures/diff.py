"""What changed from one version of a procedure to another: the BPMN elements added, removed or
changed (by id, the diagram's layout left out) and the parameters whose values differ."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from lxml import etree

from ..xmlsafe import parse_xml
from . import bpmnxml
from .versions import get_version

if TYPE_CHECKING:
    from ..context import EngineContext

MODEL = bpmnxml.NS["bpmn"]
# Elements whose children are compared one by one rather than as part of the parent.
CONTAINERS = {"definitions", "process", "subProcess", "adHocSubProcess", "transaction", "collaboration", "laneSet"}
OWN_CHILDREN = {"dataInputAssociation", "dataOutputAssociation"}
IGNORED = {"incoming", "outgoing"}  # repeat what the sequence flows say


def as_written(value) -> str:
    """A parameter's value as the diagram writes it (parameters are stored parsed: 5, null, "2/3")."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def compare_versions(ctx: EngineContext, key: str, a: int, b: int) -> dict:
    """Elements (by id) added, removed or changed between two versions' main files, ignoring the
    diagram layout (BPMNDI), whitespace and attribute order; and the parameters that changed.
    NotFound when either version does not exist."""
    old, new = get_version(ctx, key, a), get_version(ctx, key, b)
    before, after = signatures(old["bpmn"], old["main_file"]), signatures(new["bpmn"], new["main_file"])
    params_a, params_b = dict(old["parameters"]), dict(new["parameters"])

    def entry(kind, element_id, info):
        return {"id": element_id, "kind": kind, "type": info["type"], "name": info["name"],
                "participant": info.get("participant")}

    elements = ([entry("added", i, after[i]) for i in after if i not in before]
                + [entry("removed", i, before[i]) for i in before if i not in after]
                + [entry("changed", i, after[i]) for i in after if i in before and after[i]["sig"] != before[i]["sig"]])
    parameters = [{"name": name, "a": as_written(params_a[name]) if name in params_a else None,
                   "b": as_written(params_b[name]) if name in params_b else None}
                  for name in sorted(set(params_a) | set(params_b)) if params_a.get(name, ...) != params_b.get(name, ...)]
    by_kind = {kind: sorted(e["id"] for e in elements if e["kind"] == kind) for kind in ("added", "removed", "changed")}
    return {"key": key, "a": a, "b": b, **by_kind, "elements": elements, "parameters": parameters}


def signatures(xml: str, filename: str) -> dict[str, dict]:
    """element id -> {type, name, sig} for every BPMN model element compared on its own."""
    root = parse_xml(xml, filename)
    lane_of, participant_of = {}, {}
    for process in bpmnxml.processes(root):
        lane_of.update(bpmnxml.lanes(process))
    for participant in root.xpath(".//bpmn:participant", namespaces=bpmnxml.NS):
        participant_of[participant.get("processRef")] = participant.get("id")
    found = {}
    for el in root.iter(f"{{{MODEL}}}*"):
        element_id = el.get("id")
        parent = el.getparent()
        if element_id is None or parent is None or not _own(el):
            continue
        sig = _canon(el)
        if element_id in lane_of:  # moving a task to another lane changes who does it
            sig = [sig, lane_of[element_id]]
        found[element_id] = {"type": bpmnxml.local(el), "name": el.get("name") or "",
                             "sig": json.dumps(sig, ensure_ascii=False),
                             "participant": participant_of.get(element_id)}
    return found


def _own(el) -> bool:
    parent = el.getparent()
    return isinstance(parent.tag, str) and parent.tag.startswith(f"{{{MODEL}}}") and (
        bpmnxml.local(parent) in CONTAINERS or bpmnxml.local(el) in OWN_CHILDREN)


def _canon(el) -> list:
    children = []
    for child in el:
        if not isinstance(child.tag, str):
            continue  # comments, processing instructions
        name = etree.QName(child)
        if name.namespace == MODEL and (name.localname in IGNORED or (child.get("id") and _own(child))):
            continue
        children.append(_canon(child))
    if bpmnxml.local(el) == "lane":  # the order of a lane's members means nothing
        children.sort(key=lambda c: json.dumps(c, ensure_ascii=False))
    return [el.tag, sorted(el.attrib.items()), (el.text or "").strip(), children]
