"""Replay finds what changed; the test clock; the worker loop."""

from __future__ import annotations

import threading

from engine import cases, timers
from engine.clock import SettableClock, SystemClock
from engine.context import EngineContext
from engine.replay import replay
from tests.engine_helpers import (
    CLERK,
    INSPECTOR,
    run_to_end,
    run_to_timer,
    start_example,
    task,
)


def test_replay_reports_a_decision_that_no_longer_follows(ctx):
    case = run_to_end(ctx, start_example(ctx))
    assert replay(ctx, case["id"]).ok
    # a handler that now decides differently from the one that ran: the replay shows where
    ctx.registry.services["count_passes"] = lambda params, _ctx: {"passed": 0, "total": len(params["assessments"])}
    report = replay(ctx, case["id"])
    assert not report.ok
    first = report.mismatches[0]
    assert first["action"] == "task_completed" and "decision differs" in " ".join(m["problem"] for m in report.mismatches)
    assert any("state hash" in m["problem"] for m in report.mismatches)


def test_replay_of_a_case_with_parallel_instances_in_any_order(ctx):
    case = start_example(ctx, candidates=("甲", "乙", "丙"))
    case = cases.complete_task(ctx, task(case, "review")["id"], CLERK, {"decision": "approve"})
    for t in reversed([t for t in case["tasks"] if t["element_id"] == "assess"]):
        ctx.clock.advance(hours=1)
        case = cases.complete_task(ctx, t["id"], INSPECTOR, {"pass": t["prefill"]["candidate"] != "丙"})
    assert case["data"]["tally"] == {"passed": 2, "total": 3}
    assert replay(ctx, case["id"]).ok


def test_timer_fires_from_the_worker_loop(ctx):
    case = run_to_timer(ctx, start_example(ctx))
    ctx.clock.advance(days=6)
    stop = threading.Event()
    worker = threading.Thread(target=timers.run_worker, args=(ctx,), kwargs={"interval": 0.05, "stop": stop})
    worker.start()
    try:
        for _ in range(100):
            if cases.get_case(ctx, case["id"])["next_due_at"] is None:
                break
            stop.wait(0.05)
    finally:
        stop.set()
        worker.join(5)
    after = cases.get_case(ctx, case["id"])
    assert after["next_due_at"] is None and after["last_seq"] == case["last_seq"] + 1
    with ctx.unit_of_work() as uow:
        from engine.storage.models import AuditCheckpoint

        assert uow.session.query(AuditCheckpoint).count() == 1  # the loop also took a checkpoint


def test_test_clock_only_with_the_environment_switch(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    monkeypatch.delenv("CADREFLOW_TEST_CLOCK", raising=False)
    assert isinstance(EngineContext.from_url(url).clock, SystemClock)
    monkeypatch.setenv("CADREFLOW_TEST_CLOCK", "1")
    clock = EngineContext.from_url(url).clock
    assert isinstance(clock, SettableClock) and clock.settable


def test_reference_data_read_by_a_handler_is_recorded_and_replayed(ctx):
    from engine import audit, reference
    from engine.actors import Actor

    admin = Actor("admin1", "Admin", frozenset({"admin"}))
    reference.put_entries(ctx, "bonus", {"extra": {"passes": 10}}, admin, "admin")

    def count_with_bonus(params, service_ctx):
        extra = service_ctx.reference("bonus").get("extra", {}).get("passes", 0)
        return {"passed": extra + sum(1 for a in params["assessments"] if a["pass"]),
                "total": len(params["assessments"])}

    ctx.registry.services["count_passes"] = count_with_bonus
    case = run_to_timer(ctx, start_example(ctx))
    assert case["data"]["tally"]["passed"] == 12
    reference.put_entries(ctx, "bonus", {"extra": {"passes": 0}}, admin, "admin")  # changed afterwards
    assert replay(ctx, case["id"]).ok  # the replay used what the handler read at the time
    with ctx.unit_of_work() as uow:
        tally = next(e for e in audit.events_of(uow.session, audit.case_stream(case["id"]))
                     if e.action == "service_task")
        assert tally.data_in["reference"] == {"bonus": {"extra": {"passes": 10}}}
        changes = audit.events_of(uow.session, "reference/bonus")
        assert [e.data_out["replaced"] for e in changes] == [{}, {"extra": {"passes": 10}}]


def test_an_entry_read_by_key_is_recorded_and_replayed_after_it_changed(ctx):
    from engine import audit, reference
    from engine.actors import Actor

    admin = Actor("admin1", "Admin", frozenset({"admin"}))
    reference.put_entries(ctx, "bonus", {"7": {"passes": 10}, "8": {"passes": 100}}, admin, "admin")

    def count_with_entry(params, service_ctx):
        extra = (service_ctx.entry("bonus", 7) or {}).get("passes", 0)
        absent = service_ctx.entry("bonus", "nobody")
        return {"passed": extra + sum(1 for a in params["assessments"] if a["pass"]),
                "total": len(params["assessments"]), "absent": absent}

    ctx.registry.services["count_passes"] = count_with_entry
    case = run_to_timer(ctx, start_example(ctx))
    assert case["data"]["tally"]["passed"] == 12
    reference.put_entries(ctx, "bonus", {"7": {"passes": 0}, "nobody": {"passes": 5}}, admin, "admin")
    assert replay(ctx, case["id"]).ok  # the entry as the step read it, not as it is now
    with ctx.unit_of_work() as uow:
        tally = next(e for e in audit.events_of(uow.session, audit.case_stream(case["id"]))
                     if e.action == "service_task")
        # only the entries read, each with its value then (None: there was none)
        assert tally.data_in["reference"] == {"bonus": {"7": {"passes": 10}, "nobody": None}}
    # a handler now reading a different entry than the recorded step did: the replay says so
    ctx.registry.services["count_passes"] = lambda params, sctx: {**count_with_entry(params, sctx),
                                                                  "other": sctx.entry("bonus", 8)}
    assert not replay(ctx, case["id"]).ok


def test_a_step_reference_stages_new_entries_under_the_next_number(ctx):
    from engine import audit, reference
    from engine.actors import Actor

    admin = Actor("admin1", "Admin", frozenset({"admin"}))
    reference.put_entries(ctx, "thing", {"9": {"n": 9}, "x": {"n": 0}}, admin, "admin")
    with ctx.unit_of_work(write=True) as uow:
        ref = reference.StepReference(uow.session)
        assert ref.entry("thing", 9) == {"n": 9} and ref.entry("thing", "10") is None
        assert [ref.add("thing", {"n": 10}), ref.add("thing", {"n": 11})] == [10, 11]
        assert ref.entry("thing", 11) == {"n": 11}
        ref.save(ctx, admin, "admin")
        uow.commit()
    with ctx.unit_of_work() as uow:
        assert reference.load(uow.session, "thing")["11"] == {"n": 11}
        assert audit.events_of(uow.session, "reference/thing")[-1].data_in == {"10": {"n": 10}, "11": {"n": 11}}


def test_an_entry_number_taken_meanwhile_is_a_conflict_and_nothing_is_kept(ctx):
    import pytest

    from engine import reference
    from engine.actors import Actor
    from engine.errors import Conflict

    admin = Actor("admin1", "Admin", frozenset({"admin"}))
    with ctx.unit_of_work() as uow:
        if uow.session.get_bind().dialect.name == "sqlite":
            pytest.skip("SQLite runs writing steps one at a time (BEGIN IMMEDIATE): no two can race")
        ref = reference.StepReference(uow.session)
        assert ref.add("thing", {"n": "mine"}) == 1
        reference.put_entries(ctx, "thing", {"1": {"n": "theirs"}}, admin, "admin")  # another step, committed first
        with pytest.raises(Conflict):
            ref.save(ctx, admin, "admin")
    with ctx.unit_of_work() as uow:
        assert reference.load(uow.session, "thing") == {"1": {"n": "theirs"}}


def test_replay_collects_less_often_while_it_runs_and_puts_the_threshold_back(ctx):
    import gc

    case = run_to_end(ctx, start_example(ctx))
    before = gc.get_threshold()
    seen = []
    count_passes = ctx.registry.services["count_passes"]

    def watching(params, service):  # runs inside the replay's steps
        seen.append(gc.get_threshold()[0])
        return count_passes(params, service)

    ctx.registry.services["count_passes"] = watching
    reports = []
    threads = [threading.Thread(target=lambda: reports.append(replay(ctx, case["id"]))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert [r.ok for r in reports] == [True] * 3
    assert seen and all(s >= 50_000 for s in seen)
    assert gc.get_threshold() == before  # the last replay to end put it back


def test_replay_of_a_trail_with_rows_deleted_says_where_and_never_that_the_case_is_missing(ctx):
    import pytest

    from engine.errors import NotFound
    from tests.integration.test_audit_trail import tamper

    case = run_to_end(ctx, start_example(ctx))
    kept = run_to_end(ctx, start_example(ctx))
    tamper(ctx, f"DELETE FROM audit_events WHERE case_id = {case['id']} AND seq = 1")
    report = replay(ctx, case["id"])  # the case row comes with the lowest seq left
    assert not report.ok and report.mismatches[0]["seq"] == 2
    tamper(ctx, f"DELETE FROM audit_events WHERE case_id = {case['id']}")
    report = replay(ctx, case["id"])
    assert not report.ok and report.steps == []
    assert report.mismatches == [{"seq": 0, "action": "case_started", "problem": "the case has no events on its trail"}]
    assert replay(ctx, kept["id"]).ok  # the other case's trail is whole
    with pytest.raises(NotFound):
        replay(ctx, 10**6)
