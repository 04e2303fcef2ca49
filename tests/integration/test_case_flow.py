"""The example procedure end to end through the engine, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine import audit, cases, timers
from engine.errors import Conflict, Forbidden, NotFound
from engine.replay import replay
from engine.storage.models import Case
from tests.engine_helpers import (
    CLERK,
    HEAD,
    INSPECTOR,
    run_to_end,
    run_to_timer,
    start_example,
    task,
)


def test_full_case_runs_every_kind_of_element(ctx, clock_start):
    case = start_example(ctx)
    assert case["status"] == "running"
    assert case["parameters"] == {"wait_days": 5, "pass_share": "1/2"}
    assert [t["element_id"] for t in case["tasks"]] == ["review"]
    assert task(case, "review")["role"] == "clerk"

    case = cases.complete_task(ctx, task(case, "review")["id"], CLERK, {"decision": "approve"})
    assessments = [t for t in case["tasks"] if t["element_id"] == "assess"]
    assert sorted(t["prefill"]["candidate"] for t in assessments) == ["乙", "甲"]
    assert {t["role"] for t in assessments} == {"inspector"}

    case = run_to_timer(ctx, start_example(ctx))
    assert case["tasks"] == []
    due = clock_start + timedelta(days=5)
    assert case["next_due_at"] == audit.iso(due)
    assert timers.fire_due(ctx) == []  # not yet due

    ctx.clock.advance(days=5, minutes=1)
    assert timers.fire_due(ctx) == [case["id"]]
    assert timers.fire_due(ctx) == []  # fired once
    with pytest.raises(Conflict):
        cases.send_message(ctx, case["id"], "no_such_message", {}, CLERK, "clerk")
    case = cases.send_message(ctx, case["id"], "confirmation", {"ok": True}, CLERK, "clerk")
    assert case["status"] == "completed"
    assert case["outcome"] == "done"
    assert case["data"]["tally"] == {"passed": 2, "total": 2}


def test_gateway_takes_the_reject_branch(ctx):
    case = start_example(ctx)
    case = cases.complete_task(ctx, task(case, "review")["id"], CLERK, {"decision": "reject"})
    assert case["status"] == "completed"
    assert case["outcome"] == "rejected"


def test_every_step_is_audited_and_replays_to_the_same_state(ctx):
    case = run_to_end(ctx, start_example(ctx))
    with ctx.unit_of_work() as uow:
        events = audit.events_of(uow.session, audit.case_stream(case["id"]))
    actions = [e.action for e in events]
    assert actions[0] == "case_started"
    assert actions.count("task_completed") == 4
    assert "service_task" in actions and "timer_fired" in actions and "message_received" in actions
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    completed = [e for e in events if e.action == "task_completed"]
    assert {(e.actor_username, e.actor_role) for e in completed} == {
        ("clerk1", "clerk"), ("inspector1", "inspector"), ("orghead1", "org_head")}
    tally = next(e for e in events if e.action == "service_task")
    assert tally.element_id == "tally" and tally.data_out == {"result": {"passed": 2, "total": 2}}

    report = replay(ctx, case["id"])
    assert report.ok, report.mismatches
    inputs = [e for e in events if e.action != "service_task"]
    assert [s["seq"] for s in report.steps] == [e.seq for e in inputs]
    assert [s["state_hash"] for s in report.steps] == [e.state_hash for e in inputs]
    with ctx.unit_of_work() as uow:
        assert audit.verify(uow.session).ok


def test_wrong_role_is_refused_and_only_the_refusal_is_recorded(ctx):
    case = start_example(ctx)
    with pytest.raises(Forbidden):
        cases.complete_task(ctx, task(case, "review")["id"], INSPECTOR, {"decision": "approve"})
    with pytest.raises(Forbidden):
        cases.complete_task(ctx, task(case, "review")["id"], CLERK, {"decision": "approve"}, role="org_head")
    after = cases.get_case(ctx, case["id"])
    assert (after["tasks"], after["data"]) == (case["tasks"], case["data"])
    with ctx.unit_of_work() as uow:
        events = audit.events_of(uow.session, audit.case_stream(case["id"]))
        assert [(e.action, e.actor_username, e.actor_role) for e in events] == [
            ("case_started", "clerk1", "clerk"), ("step_refused", "inspector1", "clerk"),
            ("step_refused", "clerk1", "org_head")]
        assert events[1].data_in == {"decision": "approve"} and "clerk" in events[1].data_out["reason"]
        assert audit.verify(uow.session).ok
    assert replay(ctx, case["id"]).ok


def test_completed_task_gives_conflict_naming_who_did_it(ctx):
    case = start_example(ctx)
    review = task(case, "review")["id"]
    cases.complete_task(ctx, review, CLERK, {"decision": "approve"})
    with pytest.raises(Conflict, match="clerk1"):
        cases.complete_task(ctx, review, CLERK, {"decision": "reject"})
    with pytest.raises(NotFound):
        cases.complete_task(ctx, "00000000-0000-4000-8000-000000000000", CLERK, {})


def test_terminate_ends_the_case_and_clears_its_tasks(ctx):
    case = start_example(ctx)
    case = cases.terminate_case(ctx, case["id"], HEAD, "org_head", "post abolished")
    assert (case["status"], case["outcome"], case["tasks"]) == ("terminated", "terminated", [])
    with pytest.raises(Conflict):
        cases.terminate_case(ctx, case["id"], HEAD, "org_head", "again")
    assert replay(ctx, case["id"]).ok


def test_inbox_lists_ready_tasks_by_role_and_case(ctx):
    first, second = start_example(ctx), start_example(ctx)
    assert len(cases.list_tasks(ctx, roles={"clerk"})) == 2
    assert cases.list_tasks(ctx, roles={"inspector"}) == []
    assert [t["case_id"] for t in cases.list_tasks(ctx, case_id=second["id"])] == [second["id"]]
    assert first["tasks"][0]["id"] != second["tasks"][0]["id"]


def test_declared_relations_reach_the_guards_and_refusals_are_recorded(ctx):
    def recusal(*, task, actor, records, **_):
        related = {d["nominee"] for d in records if d["username"] == actor.username}
        if task["prefill"].get("candidate") in related:
            raise Forbidden(f"{actor.username} declared a relation to {task['prefill']['candidate']}")

    ctx.registry.guards.append(recusal)  # example_registry's guard record: a declared relation
    case = start_example(ctx)
    with pytest.raises(Forbidden):  # someone else's relation, declared by a clerk
        cases.record_for_guards(ctx, case["id"], {"username": "inspector1", "nominee": "甲", "relation": "spouse"},
                                  CLERK, "clerk")
    cases.record_for_guards(ctx, case["id"], {"username": "inspector1", "nominee": "甲", "relation": "spouse"},
                              INSPECTOR, "inspector")
    case = cases.complete_task(ctx, task(case, "review")["id"], CLERK, {"decision": "approve"})
    jia = next(t for t in case["tasks"] if t["prefill"].get("candidate") == "甲")
    yi = next(t for t in case["tasks"] if t["prefill"].get("candidate") == "乙")
    with pytest.raises(Forbidden, match="甲"):
        cases.complete_task(ctx, jia["id"], INSPECTOR, {"pass": True})
    cases.complete_task(ctx, yi["id"], INSPECTOR, {"pass": True})
    with ctx.unit_of_work() as uow:
        assert [d["nominee"] for d in cases.guard_records(uow.session, ctx.registry, uow.session.get(Case, case["id"]))] == ["甲"]
        actions = [e.action for e in audit.events_of(uow.session, audit.case_stream(case["id"]))]
    assert actions[:4] == ["case_started", "relation_declared", "task_completed", "step_refused"]
    assert replay(ctx, case["id"]).ok
