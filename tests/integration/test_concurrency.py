"""One transaction per step: concurrent steps conflict cleanly, failed steps leave nothing behind."""

from __future__ import annotations

import contextlib
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import event, func, select

from engine import audit, cases, stepping, steps, timers
from engine.errors import Conflict
from engine.steps import StepFailed
from engine.storage.models import AuditEvent, CaseTask
from tests.conftest import make_ctx
from tests.engine_helpers import CLERK, deploy_example, example_registry, run_to_timer, start_example, task


def event_count(ctx, case_id):
    with ctx.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).where(AuditEvent.case_id == case_id))


def test_two_clerks_complete_the_same_task_at_once(ctx, monkeypatch):
    case = start_example(ctx)
    review = task(case, "review")["id"]
    # Both steps load the case before either writes (on PostgreSQL; SQLite serialises at BEGIN IMMEDIATE,
    # so there the second waits for the first and then finds the task gone).
    both_loaded = threading.Barrier(2, timeout=1)
    real_execute = steps.execute

    def execute_in_lockstep(*args, **kwargs):
        with contextlib.suppress(threading.BrokenBarrierError):
            both_loaded.wait()
        return real_execute(*args, **kwargs)

    monkeypatch.setattr(stepping, "execute", execute_in_lockstep)

    def attempt(decision):
        try:
            return cases.complete_task(ctx, review, CLERK, {"decision": decision})
        except Conflict as exc:
            return exc

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(attempt, ["approve", "reject"]))
    successes = [r for r in results if isinstance(r, dict)]
    conflicts = [r for r in results if isinstance(r, Conflict)]
    assert (len(successes), len(conflicts)) == (1, 1), results
    with ctx.unit_of_work() as uow:
        completed = uow.session.scalars(select(AuditEvent).where(AuditEvent.case_id == case["id"],
                                                                 AuditEvent.action == "task_completed")).all()
        assert len(completed) == 1
        assert completed[0].data_in["decision"] == successes[0]["data"]["review"]["decision"]
        assert audit.verify(uow.session).ok


def test_a_task_row_the_workflow_no_longer_holds_gives_a_conflict(ctx):
    """On PostgreSQL a step reads the task rows, then the case: a step committed in between may have
    moved the case past the task and compacted it out of the snapshot (seen in tests/faults with 12
    racing clerks). That is a 409 like any lost race, not a broken procedure (422)."""
    case = start_example(ctx)
    review = task(case, "review")
    with ctx.unit_of_work(write=True) as uow:  # a ready-task row for a task the snapshot does not hold
        row = uow.session.get(CaseTask, review["id"])
        gone = str(uuid.uuid4())
        uow.session.add(CaseTask(**{**{c.key: getattr(row, c.key) for c in CaseTask.__table__.columns}, "id": gone}))
        uow.commit()
    with pytest.raises(Conflict):
        cases.complete_task(ctx, gone, CLERK, {"decision": "approve"})
    assert cases.get_case(ctx, case["id"])["last_seq"] == case["last_seq"]  # nothing was written


def test_a_step_that_raises_midway_leaves_no_trace(ctx):
    case = start_example(ctx)
    case = cases.complete_task(ctx, task(case, "review")["id"], CLERK, {"decision": "approve"})
    before = cases.get_case(ctx, case["id"])

    def broken(params, _ctx):
        raise RuntimeError("handler crashed")

    ctx.registry.services["count_passes"] = broken
    from tests.engine_helpers import INSPECTOR

    first, second = [t for t in case["tasks"] if t["element_id"] == "assess"]
    cases.complete_task(ctx, first["id"], INSPECTOR, {"pass": True})
    with pytest.raises(StepFailed, match="tally"):
        cases.complete_task(ctx, second["id"], INSPECTOR, {"pass": True})
    after = cases.get_case(ctx, case["id"])
    assert after["last_seq"] == before["last_seq"] + 1
    assert [t["id"] for t in after["tasks"]] == [second["id"]]
    assert event_count(ctx, case["id"]) == after["last_seq"]


def test_a_database_failure_after_the_snapshot_write_rolls_back_everything(ctx):
    case = start_example(ctx)
    before = cases.get_case(ctx, case["id"])
    written = []

    def failing_insert(connection, cursor, statement, parameters, context, executemany):
        if "INSERT INTO audit_events" in statement:
            # SQLite: by now the case row's UPDATE (snapshot, version) has been sent to the database;
            # PostgreSQL: the UPDATE is part of this one statement (engine/stepping.py)
            written.append(("UPDATE cases" in statement,
                            cursor.connection.execute(f"SELECT last_seq FROM cases WHERE id = {case['id']}")
                            .fetchone()[0]))
            raise RuntimeError("disk full")

    event.listen(ctx.db_engine, "before_cursor_execute", failing_insert)
    try:
        with pytest.raises(RuntimeError):
            cases.complete_task(ctx, task(case, "review")["id"], CLERK, {"decision": "approve"})
    finally:
        event.remove(ctx.db_engine, "before_cursor_execute", failing_insert)
    at_once = ctx.db_engine.dialect.name == "postgresql"
    assert written == [(at_once, before["last_seq"] + (0 if at_once else 1))]
    after = cases.get_case(ctx, case["id"])
    assert (after["last_seq"], after["tasks"], after["data"]) == (before["last_seq"], before["tasks"], before["data"])
    with ctx.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(CaseTask)) == 1
        assert audit.verify(uow.session).ok


@pytest.mark.postgres
def test_two_workers_on_postgresql_fire_each_timer_once(postgres_url):
    setup = make_ctx(postgres_url, example_registry())
    deploy_example(setup)
    ids = [run_to_timer(setup, start_example(setup))["id"] for _ in range(12)]
    setup.clock.advance(days=6)
    workers = [make_ctx(postgres_url, example_registry()) for _ in range(2)]
    for worker in workers:
        worker.clock.set(setup.clock.now())
    start = threading.Barrier(2)

    def run(worker):
        start.wait()
        return timers.fire_due(worker)

    with ThreadPoolExecutor(2) as pool:
        fired = list(pool.map(run, workers))
    assert sorted(fired[0] + fired[1]) == sorted(ids)
    with setup.unit_of_work() as uow:
        counts = uow.session.execute(select(AuditEvent.case_id, func.count()).where(
            AuditEvent.action == "timer_fired").group_by(AuditEvent.case_id)).all()
    assert sorted(counts) == [(i, 1) for i in sorted(ids)]


def _complete_in_process(url, task_id, decision, barrier, results):
    ctx = make_ctx(url, example_registry())
    barrier.wait(timeout=30)
    try:
        cases.complete_task(ctx, task_id, CLERK, {"decision": decision})
        results.put("ok")
    except Conflict:
        results.put("conflict")


def test_two_processes_complete_the_same_task(ctx, db_url):
    import multiprocessing

    case = start_example(ctx)
    review = task(case, "review")["id"]
    mp = multiprocessing.get_context("spawn")
    barrier, results = mp.Barrier(2), mp.Queue()
    procs = [mp.Process(target=_complete_in_process, args=(db_url, review, d, barrier, results))
             for d in ("approve", "reject")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert sorted(results.get(timeout=5) for _ in procs) == ["conflict", "ok"]
    with ctx.unit_of_work() as uow:
        completed = uow.session.scalars(select(AuditEvent).where(AuditEvent.case_id == case["id"],
                                                                 AuditEvent.action == "task_completed")).all()
        assert len(completed) == 1
