"""Lanes named for people with the role as a property; steps named in two languages (issue 13)."""

from __future__ import annotations

import re

import pytest

from engine import cases
from engine.errors import Forbidden, ProcedureInvalid
from engine.procedures import deploy_files
from engine.procedures.names import step_names
from engine.records import responsibility_record
from workflows.demo import BPMN, CLERK, EDITOR, HEAD, Driver

TEXT = (BPMN / "cadre_selection.bpmn").read_text(encoding="utf-8")
ROLE = re.compile(r'(<bpmn:lane id="[^"]+" name=")[^"]*(">\s*<bpmn:documentation>[^<]*</bpmn:documentation>)\s*'
                  r'<bpmn:extensionElements>\s*<spiffworkflow:properties>\s*'
                  r'<spiffworkflow:property name="role" value="([^"]+)" />\s*'
                  r"</spiffworkflow:properties>\s*</bpmn:extensionElements>")


def old_style(text: str) -> str:
    """The diagram as it was before issue 13: each lane's name is its role key, no role property."""
    converted, count = ROLE.subn(lambda m: f"{m[1]}{m[3]}{m[2]}", text)
    assert count == 11
    return converted


def test_lanes_carry_chinese_names_and_their_roles_as_properties(ctx):
    assert '<bpmn:lane id="lane_clerk" name="干部科经办人">' in TEXT
    d = Driver(ctx)
    assert [(t["element_id"], t["role"]) for t in d.case["tasks"]] == [("approve_motion", "org_head")]
    d.approve()
    assert [(t["element_id"], t["role"]) for t in d.case["tasks"]] == [("nominate", "clerk")]
    with pytest.raises(Forbidden, match="'clerk'"):  # the role comes from the lane's property, not its name
        cases.complete_task(ctx, d.case["tasks"][0]["id"], HEAD, {})


def test_an_old_diagram_whose_lane_names_are_roles_still_deploys_and_runs(ctx):
    old = old_style(TEXT)
    assert '<bpmn:lane id="lane_org_head" name="org_head">' in old and 'name="role"' not in old
    [result] = deploy_files(ctx, {"cadre_selection.bpmn": old}, EDITOR)
    assert (result.version, result.created) == (2, True)
    d = Driver(ctx)
    assert d.case["version"] == 2 and d.case["tasks"][0]["role"] == "org_head"
    d.approve()
    d.nominate()
    assert [(t["element_id"], t["role"]) for t in d.case["tasks"]] == [("meeting_recommendation", "clerk")]


@pytest.mark.parametrize(("change", "words"), [
    # a role property that names no role
    (('<spiffworkflow:property name="role" value="clerk" />', '<spiffworkflow:property name="role" value="clerkk" />'),
     "泳道“干部科经办人”的角色“clerkk”不是已知角色"),
    # a lane with a name for people but no role property, holding user tasks
    (('<spiffworkflow:property name="role" value="clerk" />', ""), "泳道“干部科经办人”未指定已知角色"),
])
def test_an_unknown_lane_role_is_refused_naming_the_lane(ctx, change, words):
    broken = TEXT.replace(*change, 1)
    with pytest.raises(ProcedureInvalid) as refused:
        deploy_files(ctx, {"cadre_selection.bpmn": broken}, EDITOR)
    lane = [p for p in refused.value.problems if p["element"] == "lane_clerk"]
    assert lane and words in lane[0]["message_zh"] and "lane '干部科经办人'" in lane[0]["message"], refused.value.problems


def test_steps_have_names_in_both_languages(ctx):
    d = Driver(ctx)
    d.approve()
    zh, en = step_names(ctx, d.case["version_id"]), step_names(ctx, d.case["version_id"], "en")
    assert (zh["approve_motion"], en["approve_motion"]) == ("研究动议", "Approve the motion")
    assert (zh["tally_recommendation"], en["tally_recommendation"]) == ("统计推荐票", "Count the recommendation votes")
    assert (zh["publicity_period"], en["publicity_period"]) == ("公示期满或复查到期", "Period over or review due")
    # a message reads as the event that catches it
    assert (zh["publicity_report"], en["publicity_report"]) == ("收到举报", "Report received")
    # every user task and service task of the procedure has an English name
    for element in ("nominate", "meeting_recommendation", "check_turnout", "inspection", "integrity_opinion",
                    "assess_candidates", "deliberation", "committee_decision", "decide_committee", "publicity_window",
                    "check_reports", "investigate_report", "appoint", "probation_review", "record_withdrawal"):
        assert en.get(element) and not re.search(r"[\u4e00-\u9fff]", en[element]), element
    record = responsibility_record(ctx, d.id, "en")
    assert [e["step"] for e in record["entries"] if e["action"] == "task_completed"] == ["Approve the motion"]
    assert [e["step"] for e in responsibility_record(ctx, d.id)["entries"]
            if e["action"] == "task_completed"] == ["研究动议"]


def test_the_competitive_procedure_is_bilingual_too(ctx):
    d = Driver(ctx, "competitive_selection")
    en = step_names(ctx, d.case["version_id"], "en")
    assert en["registration"] == "Registration" and en["inspection"] == "Inspection"  # its own and a called part's
    assert d.case["tasks"][0]["role"] == "clerk"
    cases.complete_task(ctx, d.case["tasks"][0]["id"], CLERK, {"applicants": [
        {"name": n, "gender": "男", "birth_date": "1980-05-01", "current_post": "科长", "unit": "区财政局"}
        for n in ("赵一", "钱二")]})
