"""The twelve edge cases at the end of domain.md, each through the real BPMN and the engine."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from engine import audit, cases
from engine.errors import Conflict, Forbidden, ValidationFailed
from engine.procedures import deploy_files
from engine.replay import replay
from workflows.demo import BPMN, CLERK, EDITOR, INSPECTOR, INSPECTOR2, Driver


def events(ctx, case_id):
    with ctx.unit_of_work() as uow:
        return audit.events_of(uow.session, audit.case_stream(case_id))


def tally_row(case, name):
    return next(n for n in case["data"]["tally"]["nominees"] if n["name"] == name)


def test_1_exactly_half_of_the_votes_is_not_excluded_one_fewer_is(ctx):
    d = Driver(ctx)
    d.to_confirm({"张三": 15, "李四": 14, "王五": 20})  # 30 present
    assert tally_row(d.case, "张三")["excluded"] is False
    assert tally_row(d.case, "李四")["excluded"] is True
    assert d.case["data"]["tally"]["denominator"] == {"basis": "present", "value": 30}
    (tally,) = [e for e in events(ctx, d.id) if e.element_id == "tally_recommendation"]
    assert tally.action == "service_task" and tally.data_out["result"]["eligible"] == ["王五", "张三"]


def test_2_turnout_at_exactly_two_thirds_counts_one_fewer_repeats_the_round(ctx):
    d = Driver(ctx)
    d.approve()
    d.nominate()
    d.meeting({"张三": 18}, expected=30, present=19)
    assert d.ready() == ["meeting_recommendation"]  # the round does not count
    turnout = next(e for e in reversed(events(ctx, d.id)) if e.element_id == "check_turnout")
    assert turnout.data_out["result"]["valid"] is False and "2/3" in turnout.data_out["result"]["reason"]
    d.meeting({"张三": 18}, expected=30, present=20)
    assert d.ready() == ["talk_recommendation"]


@pytest.mark.parametrize(("due", "present", "agree", "quorum", "approved"), [
    (9, 6, 5, True, True),     # exactly two thirds present; 2 x 5 > 9
    (9, 5, 5, False, False),   # one fewer: no quorum, the meeting may not decide
    (10, 10, 5, True, False),  # exactly half of the members due: not approved
    (10, 10, 6, True, True),   # half plus one: approved
    (10, 8, 5, True, False),   # approval counts members due, not present
])
def test_3_committee_quorum_and_majority(ctx, due, present, agree, quorum, approved):
    d = Driver(ctx)
    d.to_deliberation()
    d.deliberate(["张三"])
    d.committee({"张三": {"agree": agree, "disagree": present - agree, "defer": 0}}, due=due, present=present)
    decision = d.case["data"]["decision"]
    assert decision["quorum"] is quorum
    if not quorum:
        assert d.ready() == ["committee_decision"] and decision["reason_code"] == "no_quorum"
    elif approved:
        assert decision["approved"] == ["张三"] and d.case["status"] == "running"
    else:
        assert d.case["outcome"] == "not_approved"


def test_3b_a_deferred_appointee_comes_back_to_the_committee(ctx):
    d = Driver(ctx)
    d.to_deliberation()
    d.deliberate(["张三"])
    d.committee({"张三": {"agree": 3, "disagree": 1, "defer": 5}})
    assert d.ready() == ["committee_decision"] and d.case["data"]["decision"]["deferred"] == ["张三"]
    d.committee({"张三": {"agree": 7, "disagree": 2, "defer": 0}}, meeting_date="2026-04-07")
    assert d.case["data"]["decision"]["appointees"] == ["张三"] and d.case["data"]["decision"]["round"] == 2
    assert replay(ctx, d.id).ok


def test_4_ties_at_the_cutoff_all_stay_eligible(ctx):
    d = Driver(ctx)
    d.approve()
    d.nominate(["张三", "李四", "王五", "赵六"])
    d.meeting({"张三": 25, "李四": 20, "王五": 18, "赵六": 18})  # ranks 1, 2, 3, 3; cutoff 3 x 1 post
    d.talk()
    assert d.case["data"]["tally"]["eligible"] == ["张三", "李四", "王五", "赵六"]
    d.confirm(["张三", "赵六"])  # the tied nominee needs no override
    assert d.ready() == ["inspection", "inspection", "integrity_opinion", "integrity_opinion"]
    assert not [e for e in events(ctx, d.id) if e.action == "override"]


def test_5_more_ballots_returned_than_issued_voids_the_round_and_records_nothing(ctx):
    d = Driver(ctx)
    d.approve()
    d.nominate()
    before = d.refresh()["last_seq"]
    with pytest.raises(ValidationFailed) as err:
        d.meeting({"张三": 20}, present=30, ballots_issued=30, ballots_returned=31)
    assert "重新" in err.value.fields["ballots_returned"]
    assert d.refresh()["last_seq"] == before and d.ready() == ["meeting_recommendation"]


def test_6_an_excluded_nominee_needs_an_override_which_is_audited(ctx):
    d = Driver(ctx)
    d.to_confirm({"张三": 25, "李四": 14, "王五": 10})
    with pytest.raises(ValidationFailed) as err:
        d.confirm(["张三", "李四"])
    assert any(path.startswith(("candidates", "overrides")) for path in err.value.fields)
    reason = "李四在谈话调研中认可度高，实绩突出，经集体研究作为考察对象"
    d.confirm(["张三", "李四"], overrides=[{"name": "李四", "justification": reason}])
    (override,) = [e for e in events(ctx, d.id) if e.action == "override"]
    assert (override.actor_username, override.actor_role) == ("orghead1", "org_head")
    assert override.data_out == {"step": "confirm_candidates", "rule": "candidate_not_eligible", "name": "李四",
                                 "justification": reason}
    assert replay(ctx, d.id).ok


@pytest.mark.parametrize(("decided", "days", "end"), [
    ("2026-09-28", ["2026-09-28", "2026-09-29", "2026-09-30", "2026-10-08", "2026-10-09"], "2026-10-09"),
    ("2026-09-29", ["2026-09-29", "2026-09-30", "2026-10-08", "2026-10-09", "2026-10-10"], "2026-10-10"),
])
def test_7_publicity_across_national_day_counts_the_adjusted_working_saturday(ctx, decided, days, end):
    ctx.clock.set(datetime(2026, 9, 1, tzinfo=UTC))
    d = Driver(ctx)
    d.to_deliberation()
    d.deliberate(["张三"])
    d.committee({"张三": {"agree": 8, "disagree": 1, "defer": 0}}, meeting_date=decided)
    publicity = d.case["data"]["publicity"]
    assert (publicity["working_days"], publicity["end"]) == (days, end)
    assert d.case["next_due_at"] == f"{end}T16:00:00.000000Z"  # 00:00 in Beijing the next day
    assert d.case["warnings"] == ["quota_unchecked"]  # the Driver types its unit


def test_8_a_period_in_a_year_the_calendar_lacks_warns_instead_of_failing(ctx):
    ctx.clock.set(datetime(2026, 12, 1, tzinfo=UTC))
    d = Driver(ctx)
    d.to_deliberation()
    d.deliberate(["张三"])
    d.committee({"张三": {"agree": 8, "disagree": 1, "defer": 0}}, meeting_date="2026-12-28")
    assert d.case["status"] == "running" and d.case["warnings"] == ["calendar_unverified", "quota_unchecked"]
    assert d.case["data"]["publicity"]["end"] == "2027-01-01"


def test_9_an_unfounded_report_lets_the_appointment_proceed_after_the_period(ctx):
    d = Driver(ctx)
    d.to_publicity()
    d.report()
    d.investigate("unfounded")
    assert d.ready() == [] and d.case["status"] == "running"
    d.wait_for_timer()
    d.appoint()
    assert (d.case["status"], d.case["outcome"]) == ("completed", "appointed")
    reports = [e for e in events(ctx, d.id) if e.element_id == "publicity_report"]
    assert len(reports) == 1 and reports[0].actor_username == "discipline1"
    assert replay(ctx, d.id).ok


def test_10_two_clerks_completing_the_same_task_one_gets_a_conflict(ctx):
    d = Driver(ctx)
    d.approve()
    nominate = d.tasks("nominate")[0]["id"]
    data = {"nominees": [{"name": n, "gender": "女", "birth_date": "1981-01-01", "current_post": "科长",
                          "unit": "区财政局"} for n in ("甲", "乙")]}
    start = threading.Barrier(2)

    def attempt(_):
        start.wait()
        try:
            return cases.complete_task(ctx, nominate, CLERK, data)
        except Conflict as exc:
            return exc

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(attempt, range(2)))
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "dict"]
    assert [e.element_id for e in events(ctx, d.id) if e.action == "task_completed"] == ["approve_motion", "nominate"]


def test_11_a_related_inspector_is_refused_and_only_the_refusal_is_recorded(ctx):
    d = Driver(ctx)
    d.to_confirm()
    cases.record_for_guards(ctx, d.id, {"username": "inspector1", "nominee": "张三", "relation": "spouse"},
                              INSPECTOR, "inspector")
    d.confirm(["张三", "李四"])
    before = d.refresh()
    assert [(x["username"], x["nominee"], x["relation"]) for x in before["declarations"]] == [
        ("inspector1", "张三", "spouse")]  # shown on the case
    with pytest.raises(Forbidden, match="张三"):
        d.inspect("张三")
    with pytest.raises(Forbidden, match="inspector1"):  # nor may they be named in the team
        d.inspect("张三", actor=INSPECTOR2, team=("inspector2", "inspector1"))
    after = d.refresh()
    assert (after["tasks"], after["data"]) == (before["tasks"], before["data"])
    refusals = [e for e in events(ctx, d.id) if e.seq > before["last_seq"]]
    assert [(e.action, e.actor_username) for e in refusals] == [("step_refused", "inspector1"),
                                                                 ("step_refused", "inspector2")]
    d.inspect("张三", actor=INSPECTOR2, team=("inspector2", "inspector3"))  # an unrelated team may
    assert replay(ctx, d.id).ok


def test_12_a_case_keeps_its_version_after_a_new_one_is_deployed(ctx):
    old = Driver(ctx)
    text = (BPMN / "cadre_selection.bpmn").read_text(encoding="utf-8")
    changed = text.replace('name="exclusion_share" value="1/2"', 'name="exclusion_share" value="3/5"')
    assert changed != text
    (v2,) = [r for r in deploy_files(ctx, {"cadre_selection.bpmn": changed}, EDITOR) if r.key == "cadre_selection"]
    assert v2.version == 2
    new = Driver(ctx)
    for d in (old, new):
        d.to_confirm({"张三": 25, "李四": 16, "王五": 10})
    assert old.case["parameters"]["exclusion_share"] == "1/2" and tally_row(old.case, "李四")["excluded"] is False
    assert new.case["parameters"]["exclusion_share"] == "3/5" and tally_row(new.case, "李四")["excluded"] is True
    assert replay(ctx, old.id).ok and replay(ctx, new.id).ok


def test_a_report_outside_the_period_is_refused(ctx):
    d = Driver(ctx)
    d.to_confirm()
    with pytest.raises(Conflict):
        d.report()


def test_an_anonymous_vague_report_is_recorded_only(ctx):
    d = Driver(ctx)
    d.to_publicity()
    d.report(named=False, specific=False)
    assert d.ready() == []
    assert d.case["data"]["reports"][0]["status"] == "recorded"


def test_an_unverifiable_report_defers_and_reopens_after_three_months(ctx):
    d = Driver(ctx)
    d.to_publicity()
    d.report()
    d.investigate("unverifiable")
    assert d.ready() == [] and d.case["data"]["reports"][0]["reopen_at"].startswith("2026-06")
    d.wait_for_timer()  # the period ends; the deferred report still holds the appointment
    assert d.ready() == []
    d.wait_for_timer()  # three months on: the investigation reopens
    assert d.ready() == ["investigate_report"]
    d.investigate("minor")
    d.refresh()
    assert d.ready() == ["appoint"] and d.case["warnings"] == ["publicity_reminder", "quota_unchecked"]
    assert replay(ctx, d.id).ok


def test_a_report_during_an_investigation_is_queued(ctx):
    d = Driver(ctx)
    d.to_publicity()
    d.report(summary="第一件")
    d.report(summary="第二件")  # arrives while the first is being investigated
    d.investigate("unfounded")
    assert d.ready() == ["investigate_report"]
    assert d.tasks("investigate_report")[0]["prefill"]["publicity_check"]["report"]["summary"] == "第二件"
    d.investigate("unfounded")
    d.wait_for_timer()
    assert d.ready() == ["appoint"]


def test_a_candidate_who_withdraws_leaves_the_later_steps(ctx):
    d = Driver(ctx)
    d.to_confirm()
    d.confirm(["张三", "李四"])
    cases.send_message(ctx, d.id, "withdraw", {"name": "李四", "reason": "个人原因"}, CLERK, "clerk")
    for name in ("张三", "李四"):
        d.inspect(name)
        d.opinion(name)
    assessment = d.case["data"]["assessment"]
    assert assessment["qualified"] == ["张三"]
    assert d.case["data"]["withdrawals"][0]["name"] == "李四"
    d.deliberate(["张三"])
    assert replay(ctx, d.id).ok


def test_after_a_withdrawal_the_case_still_shows_what_it_knows_and_takes_another(ctx):
    """A withdrawal is caught by an event subprocess, whose data is only the start data: the case's
    data stays where the main flow stands (the tally, the nominees), so a second withdrawal is checked
    against the nominees instead of being refused for want of them."""
    d = Driver(ctx)
    d.to_confirm()
    after = cases.send_message(ctx, d.id, "withdraw", {"name": "王五", "reason": "个人原因"}, CLERK, "clerk")
    assert {"nominate", "tally", "talk_recommendation"} <= set(after["data"])
    assert [w["name"] for w in after["data"]["withdrawals"]] == ["王五"]
    again = cases.send_message(ctx, d.id, "withdraw", {"name": "李四", "reason": "工作调动"}, CLERK, "clerk")
    assert [w["name"] for w in again["data"]["withdrawals"]] == ["王五", "李四"] and "tally" in again["data"]
    with pytest.raises(ValidationFailed) as refused:
        cases.send_message(ctx, d.id, "withdraw", {"name": "李四", "reason": "再次"}, CLERK, "clerk")
    assert "李四 已经退出" in refused.value.fields["name"]
    d.refresh()
    d.confirm(["张三"], single_candidate_reason="其余被提名人已退出或得票未过半数")
    assert replay(ctx, d.id).ok
