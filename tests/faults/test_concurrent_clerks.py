"""Many clerks at once on the same ready tasks, over real HTTP to several server processes."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter

import pytest

from engine import cases
from tests.faults.conftest import (
    STEP_USERS,
    Server,
    assert_trail_consistent,
    call,
    completed_events,
    engine_ctx,
    sign_in,
    step_for,
)
from workflows.demo import Driver

pytestmark = pytest.mark.postgres

CLERKS = 12


@pytest.mark.timeout(120)
def test_clerks_racing_for_the_same_tasks_get_one_success_each_and_409_otherwise(served_db, processes, tmp_path):
    ctx = engine_ctx(served_db)
    tasks = []
    for n in range(3):  # inspection and integrity opinion of two candidates: four tasks of one case at once
        driver = Driver(ctx, position=f"岗位{n}")
        driver.to_confirm()
        tasks += driver.confirm(["张三", "李四"])["tasks"]
    for n in range(2):  # a single task of a case
        tasks += Driver(ctx, position=f"动议{n}").case["tasks"]
    assert len(tasks) == 14 and len({t["id"] for t in tasks}) == 14
    server = Server(served_db, tmp_path / "server.log", workers=2, threads=4)
    processes.append(server)
    server.start()
    tokens = sign_in(server.base, *STEP_USERS)

    attempts: list[tuple[str, int, dict | None]] = []  # (task id, status, body)
    errors: list[BaseException] = []
    start = threading.Barrier(CLERKS, timeout=30)
    deadline = time.monotonic() + 75

    def clerk(n: int) -> None:
        rng = random.Random(n)
        mine = tasks[:]
        rng.shuffle(mine)
        try:
            start.wait()
            for task in mine:
                username, data = step_for(task)
                while time.monotonic() < deadline:
                    status, body = call(server.base, "POST", f"/api/v1/tasks/{task['id']}/complete", tokens[username],
                                        {"data": data})
                    attempts.append((task["id"], status, body))
                    if status != 409:
                        break
                    # lost: to a clerk on this task (it is gone), or to one on a sibling task of the same case
                    # (the case moved underneath; the task is still ready and worth another try)
                    still, _ = call(server.base, "GET", f"/api/v1/tasks/{task['id']}", tokens[username])
                    if still == 404:
                        break
                    assert still == 200, still
                    time.sleep(rng.random() * 0.02)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=clerk, args=(n,), name=f"clerk-{n}") for n in range(CLERKS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(1.0, deadline - time.monotonic() + 10))
    assert not errors, errors
    assert not any(t.is_alive() for t in threads) and time.monotonic() < deadline, "the clerks did not finish in time"

    statuses = Counter(status for _, status, _ in attempts)
    assert set(statuses) == {200, 409}, (statuses, [a for a in attempts if a[1] not in (200, 409)][:3])
    wins = Counter(task_id for task_id, status, _ in attempts if status == 200)
    assert wins == dict.fromkeys((t["id"] for t in tasks), 1), "exactly one success per task"
    assert all(body["error"]["code"] == "conflict" for _, status, body in attempts if status == 409)
    assert statuses[409] >= (CLERKS - 1) * len(tasks)  # every clerk tried every task
    for t in tasks:
        events = completed_events(ctx, t["id"])
        assert len(events) == 1, (t, events)
        assert events[0].element_id == t["element_id"]
    assert_trail_consistent(ctx)
    # the three cases with four parallel tasks went on to deliberation (every child merged, none lost)
    for case_id in {t["case_id"] for t in tasks if t["element_id"] == "inspection"}:
        assert [t["element_id"] for t in cases.get_case(ctx, case_id)["tasks"]] == ["deliberation"]
    print(f"\n{len(attempts)} attempts on {len(tasks)} tasks by {CLERKS} clerks: {dict(statuses)}")
