"""PostgreSQL drops the application's connections (pg_terminate_backend), between requests and in the
middle of one; the running application recovers without a restart and loses no acknowledged step."""

from __future__ import annotations

import threading

import pytest

from api import create_app, engine_context
from engine import cases
from tests.conftest import START, TEST_KEY
from tests.faults.conftest import (
    admin_connect,
    assert_trail_consistent,
    completed_events,
    terminate_backends,
    wait_for_lock_waiter,
)
from workflows.demo import Driver

pytestmark = pytest.mark.postgres

TERMINATE_OTHERS = ("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()")


class Api:
    """The app's REST API through Flask's test client (one per thread)."""

    def __init__(self, app):
        self.app = app
        self.tokens = {}
        for username in ("clerk1", "orghead1", "auditor1"):
            response = app.test_client().post("/api/v1/auth/token", json={"username": username, "password": username})
            assert response.status_code == 200, response.json
            self.tokens[username] = response.json["token"]

    def __call__(self, method: str, path: str, username: str, body=None):
        response = self.app.test_client().open(path, method=method, json=body, headers={
            "Authorization": f"Bearer {self.tokens[username]}", "Accept-Language": "en"})
        return response.status_code, response.get_json(silent=True)


@pytest.fixture
def app(served_db, monkeypatch):
    monkeypatch.setenv("CADREFLOW_TEST_CLOCK", "1")
    app = create_app({"DATABASE_URL": served_db, "SECRET_KEY": TEST_KEY})
    engine_context(app).clock.set(START)
    yield app
    engine_context(app).db_engine.dispose()


def complete(api, case: dict, element: str, username: str, data: dict):
    task = next(t for t in case["tasks"] if t["element_id"] == element)
    return task, *api("POST", f"/api/v1/tasks/{task['id']}/complete", username, {"data": data})


@pytest.mark.timeout(90)
def test_connections_terminated_between_requests_and_mid_request(app, served_db):
    ctx = engine_context(app)
    api = Api(app)
    case = Driver(ctx, position="区审计局局长").case

    # --- between requests: every pooled connection is dead; the next request still succeeds ---------
    status, case = api("GET", f"/api/v1/cases/{case['id']}", "auditor1")
    assert status == 200
    assert terminate_backends(served_db) >= 1
    task, status, case = complete(api, case, "approve_motion", "orghead1", {"decision": "approve", "comment": "同意"})
    assert status == 200, case
    acknowledged = [task["id"]]
    for _ in range(3):
        terminate_backends(served_db)
        status, case = api("GET", f"/api/v1/cases/{case['id']}", "auditor1")
        assert status == 200, case
    assert [t["element_id"] for t in case["tasks"]] == ["nominate"]

    # --- mid-request: the step waits for a lock we hold, then its connection is terminated ----------
    before = cases.get_case(ctx, case["id"])
    nominate = before["tasks"][0]
    data = {"nominees": [{"name": n, "gender": "男", "birth_date": "1980-05-01", "current_post": "副局长",
                          "unit": "区发改委"} for n in ("张三", "李四", "王五")]}
    answer: dict = {}

    def step():
        answer["status"], answer["body"] = api("POST", f"/api/v1/tasks/{nominate['id']}/complete", "clerk1",
                                               {"data": data})

    with admin_connect(served_db) as admin:
        admin.execute("LOCK TABLE audit_events IN EXCLUSIVE MODE")  # reads pass, the step's INSERT waits
        request = threading.Thread(target=step)
        request.start()
        wait_for_lock_waiter(served_db, "%INSERT INTO audit_events%")  # the step is one statement (stepping.py)
        assert admin.execute(TERMINATE_OTHERS).fetchone()[0] >= 1
        admin.rollback()  # release the lock
    request.join(30)
    assert not request.is_alive(), "the request hung after its connection was terminated"
    # a clean JSON error, not a 500 and not a trace: the step did not happen, try again
    assert answer["status"] == 503, answer
    assert answer["body"]["error"]["code"] == "database_unavailable", answer
    # nothing of the step was written: same case row, the task still ready, no event
    after = cases.get_case(ctx, case["id"])
    assert (after["last_seq"], after["tasks"], after["data"]) == (before["last_seq"], before["tasks"], before["data"])
    assert completed_events(ctx, nominate["id"]) == []

    # --- the same request again, on the same running app: it succeeds -------------------------------
    step()
    assert answer["status"] == 200, answer
    acknowledged.append(nominate["id"])
    assert [t["element_id"] for t in answer["body"]["tasks"]] == ["qualification_review"]
    stepped = answer["body"]["last_seq"]  # the nomination and the review it computed

    # --- a read in flight when its connection goes: the same clean error, then the app goes on ----------
    with admin_connect(served_db) as admin:
        admin.execute("LOCK TABLE cases IN ACCESS EXCLUSIVE MODE")

        def read():
            answer["status"], answer["body"] = api("GET", f"/api/v1/cases/{case['id']}", "auditor1")

        reader = threading.Thread(target=read)
        reader.start()
        wait_for_lock_waiter(served_db, "%FROM cases%")
        admin.execute(TERMINATE_OTHERS)
        admin.rollback()
    reader.join(30)
    assert not reader.is_alive()
    assert answer["status"] == 503 and answer["body"]["error"]["code"] == "database_unavailable", answer
    status, case = api("GET", f"/api/v1/cases/{case['id']}", "auditor1")
    assert status == 200 and case["last_seq"] == stepped > after["last_seq"]

    for task_id in acknowledged:  # no acknowledged step lost
        assert len(completed_events(ctx, task_id)) == 1
    assert_trail_consistent(ctx)
