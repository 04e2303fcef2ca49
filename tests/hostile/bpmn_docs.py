"""Hostile BPMN documents, each built around the same small valid procedure."""

from __future__ import annotations

NS = ('xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
      'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"')
FORM = '<bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="form" value="{}"/>' \
       '</spiffworkflow:properties></bpmn:extensionElements>'


def document(body: str, *, lane_refs: str = "<bpmn:flowNodeRef>approve</bpmn:flowNodeRef>", process_id: str = "hostile",
             name: str = "hostile", prolog: str = "") -> str:
    """A definitions element with one process: a clerk lane, start -> user task `approve` -> `body`."""
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n{prolog}'
            f'<bpmn:definitions {NS} id="defs" targetNamespace="http://cadreflow.example/hostile">\n'
            f'<bpmn:process id="{process_id}" name="{name}" isExecutable="true">\n'
            f'<bpmn:laneSet id="lanes"><bpmn:lane id="lane_clerk" name="clerk">{lane_refs}</bpmn:lane></bpmn:laneSet>\n'
            '<bpmn:startEvent id="start"><bpmn:outgoing>f_start</bpmn:outgoing></bpmn:startEvent>\n'
            '<bpmn:sequenceFlow id="f_start" sourceRef="start" targetRef="approve"/>\n'
            f'<bpmn:userTask id="approve" name="Approve">{FORM.format("approve_motion")}'
            '<bpmn:incoming>f_start</bpmn:incoming><bpmn:outgoing>f_next</bpmn:outgoing></bpmn:userTask>\n'
            f"{body}\n"
            "</bpmn:process>\n</bpmn:definitions>\n")


def valid() -> str:
    return document('<bpmn:sequenceFlow id="f_next" sourceRef="approve" targetRef="end"/>'
                    '<bpmn:endEvent id="end"><bpmn:incoming>f_next</bpmn:incoming></bpmn:endEvent>')


def _in_documentation(content: str) -> str:
    """The valid procedure with `content` inside the user task's documentation (its first child)."""
    return valid().replace('name="Approve">', f'name="Approve"><bpmn:documentation>{content}</bpmn:documentation>', 1)


def deeply_nested(levels: int) -> str:
    """`levels` nested elements inside the user task's documentation (well-formed XML)."""
    return _in_documentation("<x>" * levels + "</x>" * levels)


def nested_subprocesses(levels: int) -> str:
    """Subprocesses inside subprocesses, `levels` deep, each with its own start and end."""
    opening = "".join(f'<bpmn:subProcess id="sub{i}"><bpmn:startEvent id="sub{i}_start"/>' for i in range(levels))
    closing = "".join(f'<bpmn:endEvent id="sub{i}_end"/></bpmn:subProcess>' for i in reversed(range(levels)))
    return document('<bpmn:sequenceFlow id="f_next" sourceRef="approve" targetRef="sub0"/>'
                    + opening.replace('<bpmn:subProcess id="sub0">',
                                      '<bpmn:subProcess id="sub0"><bpmn:incoming>f_next</bpmn:incoming>', 1)
                    + closing)


def many_subprocesses(count: int) -> str:
    """`count` subprocesses one after the other (not nested)."""
    parts = []
    for i in range(count):
        parts.append(f'<bpmn:subProcess id="s{i}"><bpmn:incoming>{"f_next" if i == 0 else f"g{i}"}</bpmn:incoming>'
                     f'<bpmn:outgoing>g{i + 1}</bpmn:outgoing><bpmn:startEvent id="s{i}_a"/><bpmn:endEvent id="s{i}_z"/>'
                     "</bpmn:subProcess>"
                     f'<bpmn:sequenceFlow id="g{i + 1}" sourceRef="s{i}" targetRef="{f"s{i + 1}" if i + 1 < count else "end"}"/>')
    return document('<bpmn:sequenceFlow id="f_next" sourceRef="approve" targetRef="s0"/>' + "".join(parts)
                    + f'<bpmn:endEvent id="end"><bpmn:incoming>g{count}</bpmn:incoming></bpmn:endEvent>')


def chain(count: int) -> str:
    """`count` exclusive gateways one after the other, then the end."""
    parts = ['<bpmn:sequenceFlow id="f_next" sourceRef="approve" targetRef="g0"/>']
    for i in range(count):
        parts.append(f'<bpmn:exclusiveGateway id="g{i}"/>'
                     f'<bpmn:sequenceFlow id="c{i}" sourceRef="g{i}" targetRef="{f"g{i + 1}" if i + 1 < count else "end"}"/>')
    return document("".join(parts) + '<bpmn:endEvent id="end"/>')


def gateway_cycle(count: int) -> str:
    """`count` exclusive gateways in a ring of sequence flows, entered from the user task, never left."""
    parts = ['<bpmn:sequenceFlow id="f_next" sourceRef="approve" targetRef="g0"/>']
    for i in range(count):
        parts.append(f'<bpmn:exclusiveGateway id="g{i}"/>'
                     f'<bpmn:sequenceFlow id="c{i}" sourceRef="g{i}" targetRef="g{(i + 1) % count}"/>')
    return document("".join(parts))


def many_elements(count: int) -> str:
    """`count` extension elements: tiny, so that a 5 MB file holds about a million of them."""
    return _in_documentation("<x/>" * count)


def huge_attribute(size: int) -> str:
    return valid().replace('name="Approve"', f'name="{"长" * size}"')


def huge_text(size: int) -> str:
    return _in_documentation("文" * size)


def long_id(size: int) -> str:
    return valid().replace('"approve"', f'"{"a" * size}"').replace(">approve<", f">{'a' * size}<")


def script(source: str) -> str:
    from xml.sax.saxutils import escape

    return document('<bpmn:sequenceFlow id="f_next" sourceRef="approve" targetRef="glue"/>'
                    f'<bpmn:scriptTask id="glue"><bpmn:incoming>f_next</bpmn:incoming><bpmn:outgoing>f_end</bpmn:outgoing>'
                    f"<bpmn:script>{escape(source)}</bpmn:script></bpmn:scriptTask>"
                    '<bpmn:sequenceFlow id="f_end" sourceRef="glue" targetRef="end"/>'
                    '<bpmn:endEvent id="end"><bpmn:incoming>f_end</bpmn:incoming></bpmn:endEvent>')


def condition(expression: str) -> str:
    from xml.sax.saxutils import escape

    return document('<bpmn:sequenceFlow id="f_next" sourceRef="approve" targetRef="gw"/>'
                    '<bpmn:exclusiveGateway id="gw" default="f_no"><bpmn:incoming>f_next</bpmn:incoming>'
                    "<bpmn:outgoing>f_yes</bpmn:outgoing><bpmn:outgoing>f_no</bpmn:outgoing></bpmn:exclusiveGateway>"
                    '<bpmn:sequenceFlow id="f_yes" sourceRef="gw" targetRef="end">'
                    f"<bpmn:conditionExpression>{escape(expression)}</bpmn:conditionExpression></bpmn:sequenceFlow>"
                    '<bpmn:sequenceFlow id="f_no" sourceRef="gw" targetRef="end"/>'
                    '<bpmn:endEvent id="end"><bpmn:incoming>f_yes</bpmn:incoming><bpmn:incoming>f_no</bpmn:incoming>'
                    "</bpmn:endEvent>")


def billion_laughs() -> str:
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    return document('<bpmn:sequenceFlow id="f_next" sourceRef="approve" targetRef="end"/>'
                    '<bpmn:endEvent id="end" name="&lol9;"><bpmn:incoming>f_next</bpmn:incoming></bpmn:endEvent>',
                    prolog=f"<!DOCTYPE bpmn:definitions [{entities}]>\n")


def external_entity(target: str = "file:///etc/passwd") -> str:
    return document('<bpmn:sequenceFlow id="f_next" sourceRef="approve" targetRef="end"/>'
                    '<bpmn:endEvent id="end" name="&xxe;"><bpmn:incoming>f_next</bpmn:incoming></bpmn:endEvent>',
                    prolog=f'<!DOCTYPE bpmn:definitions [<!ENTITY xxe SYSTEM "{target}">]>\n')


def external_dtd() -> str:
    return valid().replace("<bpmn:definitions", '<!DOCTYPE bpmn:definitions SYSTEM "http://127.0.0.1:9/x.dtd">\n'
                           "<bpmn:definitions", 1)


def worst_within_limits(nodes: int = 298, flows: int = 998, filler: int = 45_000) -> str:
    """As many flow nodes and sequence flows as validation allows, in one chain, in a file padded with
    extension elements up to near the element limit: the slowest document that is deployed."""
    parts = ['<bpmn:sequenceFlow id="f_next" sourceRef="approve" targetRef="g0"/>']
    for i in range(nodes - 3):
        target = f"g{i + 1}" if i + 1 < nodes - 3 else "end"
        parts.append(f'<bpmn:exclusiveGateway id="g{i}" default="c{i}"/><bpmn:sequenceFlow id="c{i}" sourceRef="g{i}" '
                     f'targetRef="{target}"/>')
    for j in range(flows - (nodes - 3) - 2):  # the rest: extra flows back from the last gateway
        parts.append(f'<bpmn:sequenceFlow id="x{j}" sourceRef="g{nodes - 4}" targetRef="g0">'
                     "<bpmn:conditionExpression>False</bpmn:conditionExpression></bpmn:sequenceFlow>")
    doc = document("".join(parts) + '<bpmn:endEvent id="end"/>', process_id="worst", name="worst")
    return doc.replace('isExecutable="true">', 'isExecutable="true"><bpmn:extensionElements>'
                       + "<spiffworkflow:x/>" * filler + "</bpmn:extensionElements>", 1)


def timer(duration: str) -> str:
    from xml.sax.saxutils import escape

    return document('<bpmn:sequenceFlow id="f_next" sourceRef="approve" targetRef="wait"/>'
                    '<bpmn:intermediateCatchEvent id="wait"><bpmn:incoming>f_next</bpmn:incoming>'
                    "<bpmn:outgoing>f_end</bpmn:outgoing><bpmn:timerEventDefinition id=\"wait_timer\">"
                    f"<bpmn:timeDuration>{escape(duration)}</bpmn:timeDuration></bpmn:timerEventDefinition>"
                    "</bpmn:intermediateCatchEvent>"
                    '<bpmn:sequenceFlow id="f_end" sourceRef="wait" targetRef="end"/>'
                    '<bpmn:endEvent id="end"><bpmn:incoming>f_end</bpmn:incoming></bpmn:endEvent>')
