"""Every outcome of the standard procedure, driven through the real BPMN, and each case replays."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engine import audit, cases
from engine.replay import replay
from workflows.demo import HEAD, Driver


def finished(driver: Driver, outcome: str) -> None:
    case = driver.refresh()
    assert (case["status"], case["outcome"], case["tasks"]) == ("completed", outcome, [])
    report = replay(driver.ctx, driver.id)
    assert report.ok, report.mismatches
    with driver.ctx.unit_of_work() as uow:
        assert audit.verify(uow.session, streams=[audit.case_stream(driver.id)]).ok


def test_appointed_without_probation(ctx):
    d = Driver(ctx)
    d.to_publicity()
    assert d.ready() == [] and d.case["next_due_at"]
    assert d.case["data"]["publicity"]["working_days"] == ["2026-03-30", "2026-03-31", "2026-04-01", "2026-04-02",
                                                           "2026-04-03"]
    d.wait_for_timer()
    assert d.ready() == ["appoint"]
    d.appoint()
    finished(d, "appointed")


@pytest.mark.parametrize(("result", "outcome"), [("competent", "appointed"), ("not_competent", "probation_failed")])
def test_probation_review_after_twelve_months(ctx, result, outcome):
    d = Driver(ctx)
    d.to_publicity()
    d.wait_for_timer()
    d.appoint(probation=True)
    assert d.ready() == []
    assert d.case["next_due_at"].startswith("2027-04-03")  # twelve months after the appointment step
    d.wait_for_timer()
    assert d.ready() == ["probation_review"]
    d.probation_review(result)
    finished(d, outcome)


def test_a_decision_recorded_after_what_would_have_been_its_period_gets_a_period_of_its_own(ctx):
    """Issue 13: this used to move straight to appointment (a period computed from the meeting date
    was over before anyone could see the notice). Day 1 is now the first working day from the
    recording, here after the Labour Day holiday (2026-05-01 to 05-05; Saturday 05-09 is worked)."""
    d = Driver(ctx)
    ctx.clock.set(datetime(2026, 5, 1, tzinfo=UTC))  # the committee met on 2026-03-30
    d.to_publicity()
    publicity = d.case["data"]["publicity"]
    assert (publicity["start"], publicity["end"], publicity["recorded_on"]) == ("2026-05-06", "2026-05-11", "2026-05-01")
    assert d.ready() == [] and d.case["next_due_at"] == "2026-05-11T16:00:00.000000Z"
    d.wait_for_timer()
    assert d.ready() == ["appoint"]


def test_motion_rejected(ctx):
    d = Driver(ctx)
    d.approve("reject")
    finished(d, "motion_rejected")


def test_recommendation_failed_when_everyone_is_under_half(ctx):
    d = Driver(ctx)
    d.approve()
    d.nominate()
    d.meeting({"张三": 14, "李四": 10, "王五": 3})  # 30 present: everyone below 15
    d.talk()
    assert d.case["data"]["tally"]["remaining"] == 0
    finished(d, "recommendation_failed")


def test_no_qualified_candidate(ctx):
    d = Driver(ctx)
    d.to_confirm()
    d.confirm(["张三", "李四"])
    d.inspect("张三", archive_review="fail")
    d.opinion("张三")
    d.inspect("李四")
    d.opinion("李四", "disqualifying")
    assessment = d.case["data"]["assessment"]
    assert assessment["qualified"] == []
    finished(d, "no_qualified_candidate")


def test_not_approved(ctx):
    d = Driver(ctx)
    d.to_deliberation()
    d.deliberate(["张三"])
    d.committee({"张三": {"agree": 4, "disagree": 5, "defer": 0}})
    assert d.case["data"]["decision"]["rejected"] == ["张三"]
    finished(d, "not_approved")


def test_withdrawn_after_a_serious_report(ctx):
    d = Driver(ctx)
    d.to_publicity()
    d.report()
    assert d.ready() == ["investigate_report"]
    d.investigate("serious")
    finished(d, "withdrawn_after_publicity")


def test_terminated_by_the_org_head(ctx):
    d = Driver(ctx)
    d.to_confirm()
    case = cases.terminate_case(ctx, d.id, HEAD, "org_head", "岗位撤销")
    assert (case["status"], case["outcome"], case["tasks"]) == ("terminated", "terminated", [])
    assert replay(ctx, d.id).ok


@pytest.mark.parametrize("procedure", ["cadre_selection", "competitive_selection"])
def test_every_step_is_recorded_with_user_and_role(ctx, procedure):
    if procedure == "competitive_selection":
        from tests.procedures.test_competitive import run_competitive_to_publicity

        d = run_competitive_to_publicity(ctx)
    else:
        d = Driver(ctx)
        d.to_publicity()
    d.wait_for_timer()
    d.appoint()
    finished(d, "appointed")
    with ctx.unit_of_work() as uow:
        events = audit.events_of(uow.session, audit.case_stream(d.id))
    people = {(e.element_id, e.actor_username, e.actor_role) for e in events if e.action == "task_completed"}
    assert ("confirm_candidates", "orghead1", "org_head") in people
    assert ("committee_decision", "secretary1", "committee_secretary") in people
    assert ("appoint", "clerk1", "clerk") in people
    assert {e.action for e in events} >= {"case_started", "task_completed", "service_task", "timer_fired"}
