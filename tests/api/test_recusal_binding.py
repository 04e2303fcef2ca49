"""Recusal (回避) and overrides follow what deployment checks, never a BPMN element id: an editor who
renames or adds a task cannot switch them off (issue 11, hole 3). Over REST, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import update

from api import engine_context
from engine import cases
from engine.errors import Forbidden, ProcedureInvalid
from engine.procedures import deploy_files
from engine.storage.models import CaseTask
from workflows.demo import BPMN, EDITOR, HEAD, INSPECTOR, Driver

V1 = "/api/v1"
INSPECTION_DATA = {"team": ["inspector2", "inspector1"], "leader": "inspector2", "archive_review": "pass",
                   "personal_matters": "pass", "petition_check": "none",
                   "evaluation": {"excellent": 20, "competent": 8, "basically_competent": 1, "incompetent": 1},
                   "findings": "政治坚定", "conclusion": "recommend"}
SUBJECT_CANDIDATE = '\n          <spiffworkflow:property name="subject" value="candidate" />'


def version_1(http) -> str:
    return http.call("GET", f"{V1}/procedures/cadre_selection/versions/1", "editor1")["bpmn"]


def renamed(xml: str, old: str, new: str) -> str:
    """The element `old` renamed `new` as a modeler does it: its id and every reference to it (flow
    ends, lanes, diagram shapes, the data its form leaves under its id), its form untouched."""
    text = re.sub(rf'\b(id|sourceRef|targetRef|bpmnElement|attachedToRef)="{old}"', rf'\1="{new}"', xml)
    text = text.replace(f">{old}<", f">{new}<").replace(f'{old}["', f'{new}["')
    assert text.count(f'id="{new}"') == 1 and f'name="form" value="{old}"' in text
    return text


def deploy(http, xml: str):
    """POST /procedures as an editor: (status, body)."""
    response = http.client.post(f"{V1}/procedures?filename=cadre_selection.bpmn", data=xml.encode(),
                                content_type="application/xml",
                                headers={"Authorization": f"Bearer {http.token('editor1')}", "Accept-Language": "en"})
    return response.status_code, response.json


def test_a_renamed_inspection_keeps_recusal(http):
    xml = renamed(version_1(http), "inspection", "inspection_checked")
    status, body = deploy(http, xml)
    assert (status, body["version"]) == (201, 2)
    d = Driver(http)
    assert d.case["version"] == 2
    d.to_confirm()
    d.confirm(["张三", "李四"])
    http.call("POST", f"{V1}/cases/{d.id}/declarations", "inspector1",
              {"username": "inspector1", "nominee": "张三", "relation": "in_law"})
    d.refresh()
    tasks = {t["prefill"]["candidate"]: t["id"] for t in d.tasks("inspection_checked")}
    refused = http.client.post(f"{V1}/tasks/{tasks['张三']}/complete", json={"data": INSPECTION_DATA},
                               headers={"Authorization": f"Bearer {http.token('inspector1')}"})
    assert refused.status_code == 403 and "回避" in refused.json["error"]["message"]
    d.case = http.complete(tasks["李四"], INSPECTOR, INSPECTION_DATA)  # the other candidate's inspection: allowed
    assert [t["prefill"]["candidate"] for t in d.tasks("inspection_checked")] == ["张三"]
    events = http.call("GET", f"{V1}/cases/{d.id}/events", "auditor1")
    assert [(e["action"], e["element_id"]) for e in events if e["action"] in ("step_refused", "task_completed")][-2:] \
        == [("step_refused", "inspection_checked"), ("task_completed", "inspection_checked")]


def in_task(xml: str, element: str, old: str, new: str) -> str:
    """`old` replaced by `new` once, inside the task `element` only."""
    start = xml.index(f'<bpmn:userTask id="{element}"')
    return xml[:start] + xml[start:].replace(old, new, 1)


def test_a_person_bound_task_without_its_marking_is_refused_naming_the_element(http):
    xml = renamed(version_1(http), "inspection", "inspection_checked")
    unmarked = in_task(xml, "inspection_checked", SUBJECT_CANDIDATE, "")
    assert unmarked != xml
    for lang, word in (("en", "about particular people"), ("zh", "涉及具体人员")):
        response = http.client.post(f"{V1}/procedures?filename=cadre_selection.bpmn", data=unmarked.encode(),
                                    content_type="application/xml",
                                    headers={"Authorization": f"Bearer {http.token('editor1')}",
                                             "Accept-Language": lang})
        assert response.status_code == 422
        assert word in response.json["error"]["fields"]["inspection_checked"]
        (problem,) = response.json["error"]["errors"]
        assert (problem["element"], problem["file"]) == ("inspection_checked", "cadre_selection.bpmn")
    wrong = in_task(xml, "inspection_checked", SUBJECT_CANDIDATE, SUBJECT_CANDIDATE.replace("candidate", "appointees"))
    status, body = deploy(http, wrong)
    assert status == 422 and "not 'appointees'" in body["error"]["fields"]["inspection_checked"]
    assert http.call("GET", f"{V1}/procedures", "editor1")[0]["version"] == 1  # nothing was deployed


TALK = """
    <bpmn:userTask id="candidate_talk" name="个别谈话">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="form" value="{form}" />{marking}
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>flow_split_checks_candidate_talk</bpmn:incoming>
      <bpmn:outgoing>flow_candidate_talk_join_checks</bpmn:outgoing>
      {loop}
    </bpmn:userTask>
    <bpmn:sequenceFlow id="flow_split_checks_candidate_talk" sourceRef="split_checks" targetRef="candidate_talk" />
    <bpmn:sequenceFlow id="flow_candidate_talk_join_checks" sourceRef="candidate_talk" targetRef="join_checks" />
"""
LOOP = """<bpmn:multiInstanceLoopCharacteristics>
        <bpmn:loopDataInputRef>candidates</bpmn:loopDataInputRef>
        <bpmn:loopDataOutputRef>talks</bpmn:loopDataOutputRef>
        <bpmn:inputDataItem id="talk_candidate" name="{item}" />
        <bpmn:outputDataItem id="talk_record" name="talk_record" />
      </bpmn:multiInstanceLoopCharacteristics>"""


def with_talk(xml: str, form: str = "inspection", marking: str = "", item: str | None = "candidate") -> str:
    """Version 1 with a new task in the inspection part, for each candidate, in parallel with the others."""
    task = TALK.format(form=form, marking=marking, loop=LOOP.format(item=item) if item else "")
    after = {  # each line of version 1, and what the new task adds after it
        '<bpmn:property id="integrity_opinions" name="integrity_opinions" />': '<bpmn:property id="talks" name="talks" />',
        "<bpmn:flowNodeRef>inspection</bpmn:flowNodeRef>": "<bpmn:flowNodeRef>candidate_talk</bpmn:flowNodeRef>",
        "<bpmn:outgoing>flow_split_checks_integrity_opinion</bpmn:outgoing>":
            "<bpmn:outgoing>flow_split_checks_candidate_talk</bpmn:outgoing>",
        "<bpmn:incoming>flow_integrity_opinion_join_checks</bpmn:incoming>":
            "<bpmn:incoming>flow_candidate_talk_join_checks</bpmn:incoming>",
    }
    for line, added in after.items():
        assert xml.count(line) == 1
        xml = xml.replace(line, f"{line}\n{added}")
    anchor = '    <bpmn:parallelGateway id="join_checks"'
    assert xml.count(anchor) == 1
    return xml.replace(anchor, task + anchor, 1)


def test_a_new_task_bound_to_a_candidate_needs_the_marking(http):
    xml = version_1(http)
    status, body = deploy(http, with_talk(xml))
    assert status == 422 and set(body["error"]["fields"]) == {"candidate_talk"}
    assert "subject = 'candidate'" in body["error"]["fields"]["candidate_talk"]
    status, body = deploy(http, with_talk(xml, marking=SUBJECT_CANDIDATE.replace("candidate", "proposed")))
    assert status == 422 and "not 'proposed'" in body["error"]["fields"]["candidate_talk"]
    # the marking names where the candidate comes from: a task that is not per candidate cannot use it
    status, body = deploy(http, with_talk(xml, marking=SUBJECT_CANDIDATE, item="person"))
    assert status == 422 and "input data item is named 'candidate'" in body["error"]["fields"]["candidate_talk"]
    status, body = deploy(http, with_talk(xml, marking=SUBJECT_CANDIDATE, item=None))
    assert status == 422 and "multi-instance" in body["error"]["fields"]["candidate_talk"]
    # any form may be marked as about people (recusal then applies), but only with a known source
    status, body = deploy(http, with_talk(xml, form="appoint", marking=SUBJECT_CANDIDATE.replace("candidate", "nobody")))
    assert status == 422 and "not a known source" in body["error"]["fields"]["candidate_talk"]
    status, body = deploy(http, with_talk(xml, marking=SUBJECT_CANDIDATE))
    assert (status, body["version"]) == (201, 2)


def test_overrides_follow_the_form_not_the_element_id(app, http):
    xml = renamed(version_1(http), "confirm_candidates", "shortlist")
    assert deploy(http, xml)[0] == 201
    d = Driver(http)
    d.to_confirm()  # 王五 is excluded by the vote
    reason = "群众基础较好，近年实绩突出，经集体研究同意列为考察对象"
    d.do("shortlist", HEAD, {"candidates": ["张三", "王五"], "overrides": [{"name": "王五", "justification": reason}],
                             "comment": ""})
    events = http.call("GET", f"{V1}/cases/{d.id}/events", "auditor1")
    (override,) = [e for e in events if e["action"] == "override"]
    assert override["data_out"] == {"step": "shortlist", "rule": "candidate_not_eligible", "name": "王五",
                                    "justification": reason}
    assert http.call("GET", f"{V1}/cases/{d.id}/replay", "auditor1")["ok"] is True


@pytest.mark.parametrize("who, step", [("secretary1", "committee_decision"), ("discipline1", "investigate_report")])
def test_recusal_covers_the_committee_vote_and_the_investigation(app, http, who, step):
    d = Driver(engine_context(app))
    d.to_deliberation()
    d.deliberate(["张三"])
    http.call("POST", f"{V1}/cases/{d.id}/declarations", who, {"username": who, "nominee": "张三", "relation": "spouse"})
    if step == "investigate_report":
        d.refresh()
        d.committee({"张三": {"agree": 8, "disagree": 1, "defer": 0}})
        d.report()
    task = d.refresh()["tasks"][0]
    assert task["element_id"] == step
    refused = http.client.post(f"{V1}/tasks/{task['id']}/complete", json={"data": {}},
                               headers={"Authorization": f"Bearer {http.token(who)}", "Accept-Language": "en"})
    assert refused.status_code == 403 and "张三" in refused.json["error"]["message"]


def test_a_marked_task_whose_people_cannot_be_told_is_refused(app):
    """A task about people whose people the engine cannot tell (its candidate missing, as a broken
    diagram would leave it) is refused rather than let through unchecked."""
    ctx = engine_context(app)
    d = Driver(ctx)
    d.to_confirm()
    d.confirm(["张三", "李四"])
    with ctx.unit_of_work(write=True) as uow:
        uow.session.execute(update(CaseTask).where(CaseTask.element_id == "inspection").values(prefill={}))
        uow.commit()
    with pytest.raises(Forbidden, match="cannot tell whom"):
        cases.complete_task(ctx, d.refresh()["tasks"][0]["id"], INSPECTOR, INSPECTION_DATA)


def test_the_engine_deploy_reports_a_missing_marking_too(app):
    """The command line and the web modeler deploy through the same check (engine.procedures)."""
    text = (BPMN / "cadre_selection.bpmn").read_text(encoding="utf-8")
    with pytest.raises(ProcedureInvalid) as refused:
        deploy_files(engine_context(app), {"cadre_selection.bpmn": text.replace(SUBJECT_CANDIDATE, "")}, EDITOR)
    assert {p["element"] for p in refused.value.problems} == {"inspection", "integrity_opinion", "exceptional_promotion"}
