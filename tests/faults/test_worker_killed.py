"""A `cadreflow worker` SIGKILLed while it fires a timer: the timer fires exactly once, later."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import psycopg
import pytest
from sqlalchemy import select

from engine import cases
from engine.storage.models import AuditEvent
from tests.faults.conftest import (
    BIN,
    Process,
    admin_connect,
    assert_trail_consistent,
    engine_ctx,
    wait_for_lock_waiter,
)
from workflows.demo import Driver

pytestmark = pytest.mark.postgres


def timer_events(ctx, case_id: int) -> list[AuditEvent]:
    with ctx.unit_of_work() as uow:
        return list(uow.session.scalars(select(AuditEvent).where(
            AuditEvent.case_id == case_id, AuditEvent.action == "timer_fired").order_by(AuditEvent.seq)))


def worker(url: str, log) -> Process:
    return Process([str(BIN / "cadreflow"), "worker", "--interval", "0.3"], url, log)


@pytest.mark.timeout(120)
def test_a_worker_killed_mid_fire_leaves_nothing_and_the_timer_fires_once(served_db, processes, tmp_path):
    ctx = engine_ctx(served_db)
    case = Driver(ctx, position="区审计局局长").to_publicity()
    # waiting on the publicity timer, which the workers' system clock sees as due (March 2026 is past)
    assert case["tasks"] == [] and case["next_due_at"]
    assert datetime.fromisoformat(case["next_due_at"].replace("Z", "+00:00")) < datetime.now(UTC)
    before = cases.get_case(ctx, case["id"])

    with admin_connect(served_db) as admin:
        # the worker claims the case (FOR UPDATE SKIP LOCKED), runs the step and waits here: the
        # step's one statement (stepping.py) carries the INSERT of the timer_fired event, which needs
        # a lock we hold
        admin.execute("LOCK TABLE audit_events IN EXCLUSIVE MODE")
        first = worker(served_db, tmp_path / "worker-1.log")
        processes.append(first)
        first.start()
        blocked = wait_for_lock_waiter(served_db, "%INSERT INTO audit_events%", 60)
        with admin_connect(served_db, autocommit=True) as probe, \
                pytest.raises(psycopg.errors.LockNotAvailable):  # the case row is the worker's
            probe.execute("SELECT id FROM cases WHERE id = %s FOR UPDATE NOWAIT", (case["id"],))
        first.kill9()
        assert not first.alive()
        # its transaction is still open in PostgreSQL: nothing of it is visible
        assert cases.get_case(ctx, case["id"])["last_seq"] == before["last_seq"]
        admin.rollback()  # release the lock: the orphaned session finishes its INSERT and finds no client

    # the orphaned session ends without committing (it never received COMMIT)
    deadline = time.monotonic() + 30
    with admin_connect(served_db, autocommit=True) as probe:
        while probe.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (blocked,)).fetchone():
            assert time.monotonic() < deadline, "the killed worker's session did not end"
            time.sleep(0.05)
    after = cases.get_case(ctx, case["id"])
    assert (after["last_seq"], after["tasks"], after["next_due_at"]) == (
        before["last_seq"], before["tasks"], before["next_due_at"])
    assert timer_events(ctx, case["id"]) == []

    # two workers now: the timer fires, once
    restarted = [worker(served_db, tmp_path / f"worker-{n}.log") for n in (2, 3)]
    for w in restarted:
        processes.append(w)
        w.start()
    deadline = time.monotonic() + 60
    while not timer_events(ctx, case["id"]):
        assert time.monotonic() < deadline, "the restarted workers did not fire the timer:\n" + "\n".join(
            w.output()[-2000:] for w in restarted)
        assert all(w.alive() for w in restarted), [w.output()[-2000:] for w in restarted]
        time.sleep(0.1)
    fired = cases.get_case(ctx, case["id"])
    assert [t["element_id"] for t in fired["tasks"]] == ["appoint"] and fired["next_due_at"] is None
    # let the workers run a few more passes before stopping them: nothing fires twice
    passes_after = time.monotonic() + 1.5
    while time.monotonic() < passes_after:
        assert all(w.alive() for w in restarted)
        time.sleep(0.1)
    for w in restarted:
        w.stop()
    events = timer_events(ctx, case["id"])
    assert len(events) == 1, events
    assert events[0].seq == before["last_seq"] + 1 and events[0].actor_username == "system"
    assert cases.get_case(ctx, case["id"])["last_seq"] >= events[0].seq
    assert_trail_consistent(ctx)
