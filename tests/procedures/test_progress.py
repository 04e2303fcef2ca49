"""The finished path of a case on its diagram: elements passed, sequence flows taken, what waits
(issue 13: the case page marks the path, not only the finished steps)."""

from __future__ import annotations

from engine.progress import case_progress
from workflows.demo import Driver

VOTES = {"张三": 25, "李四": 18, "王五": 10}
APPOINTEE = {"张三": {"agree": 8, "disagree": 1, "defer": 0}}


def test_a_new_case_waits_at_its_first_step(ctx):
    d = Driver(ctx)
    progress = case_progress(ctx, d.id)
    assert progress["current"] == ["approve_motion"] and progress["done"] == ["start"]
    assert progress["flows"] == ["flow_start_approve_motion"]
    assert progress["xml"].startswith("<?xml") and progress["steps"][0]["action"] == "case_started"


def test_the_branch_taken_is_marked_and_the_other_is_not(ctx):
    d = Driver(ctx)
    d.approve("reject")
    progress = case_progress(ctx, d.id)
    assert progress["current"] == []
    assert {"approve_motion", "motion_approved", "end_motion_rejected"} <= set(progress["done"])
    assert "flow_motion_approved_end_motion_rejected" in progress["flows"]
    assert "flow_motion_approved_nominate" not in progress["flows"] and "nominate" not in progress["done"]


def test_a_repeated_round_marks_the_loop_back_and_a_single_round_does_not(ctx):
    once = Driver(ctx)
    once.to_confirm(VOTES)
    flows = case_progress(ctx, once.id)["flows"]
    assert "flow_turnout_valid_talk_recommendation" in flows
    assert "flow_turnout_valid_meeting_recommendation" not in flows

    twice = Driver(ctx)
    twice.approve()
    twice.nominate()
    twice.meeting({"张三": 15, "李四": 10, "王五": 5}, expected=30, present=19)  # under two thirds: held again
    twice.meeting(VOTES)
    progress = case_progress(ctx, twice.id)
    assert "flow_turnout_valid_meeting_recommendation" in progress["flows"]
    assert progress["current"] == ["talk_recommendation"]


def test_waiting_inside_a_called_part_marks_the_call_activity_as_waiting(ctx):
    d = Driver(ctx)
    d.to_confirm(VOTES)
    d.confirm(["张三", "李四"])
    d.inspect("张三")
    progress = case_progress(ctx, d.id)
    # 李四's inspection and both integrity opinions wait; in the main pool the case is in the call
    assert progress["current"] == ["inspection", "integrity_opinion", "inspection_and_opinions"]
    assert "flow_prepare_candidates_inspection_and_opinions" in progress["flows"]
    assert {"flow_split_checks_inspection", "flow_split_checks_integrity_opinion"} <= set(progress["flows"])
    assert "flow_inspection_and_opinions_anyone_qualified" not in progress["flows"]


def test_an_appointed_case_shows_the_whole_path_through_the_called_parts_and_the_timer(ctx):
    d = Driver(ctx)
    d.to_publicity()
    waiting = case_progress(ctx, d.id)
    assert waiting["current"] == ["publicity"]  # the publicity timer runs inside the called part
    assert "flow_publicity_period_check_reports" not in waiting["flows"]
    d.wait_for_timer()
    d.appoint()
    progress = case_progress(ctx, d.id)
    assert progress["current"] == [] and progress["end"] == "end_appointed"
    assert {"inspection_end", "decision_end", "publicity_period", "publicity_closed", "end_appointed"} <= set(
        progress["done"])
    assert {"flow_publicity_wait_publicity_period", "flow_publicity_period_check_reports",
            "flow_inspection_and_opinions_anyone_qualified", "flow_needs_probation_end_appointed"} <= set(
        progress["flows"])
    assert "end_withdrawn_after_publicity" not in progress["done"]
    assert "flow_publicity_wait_report_received" not in progress["flows"]


def test_a_competitive_case_waiting_in_a_part_of_another_file(ctx):
    from tests.procedures.test_competitive import competitive_to_inspection

    d = competitive_to_inspection(ctx)
    progress = case_progress(ctx, d.id)
    assert progress["current"] == ["inspection_and_opinions"]  # its inspection tasks are in cadre_selection.bpmn
    assert "flow_prepare_candidates_inspection_and_opinions" in progress["flows"]
