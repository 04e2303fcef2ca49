"""`cadreflow audit replay --all`: every case replayed, in one process or several, with one report."""

from __future__ import annotations

from datetime import timedelta

import pytest

from api import create_app, engine_context
from engine import cases
from engine.clock import SettableClock
from engine.replay_all import replay_all
from tests.conftest import START, TEST_KEY
from tests.engine_helpers import CLERK, deploy_example, example_registry, start_example, task
from tests.integration.test_audit_trail import tamper

CASES = 200


def invoke(app, *args):
    return app.test_cli_runner().invoke(args=list(args), catch_exceptions=False)


@pytest.fixture
def app(db_url):
    """200 cases, half of them one step on (the last 50 started a month later), one tampered with."""
    app = create_app({"DATABASE_URL": db_url, "TESTING": True, "SECRET_KEY": TEST_KEY})
    ctx = engine_context(app)
    ctx.registry = example_registry()  # the engine test procedure, not the cadre domain
    ctx.clock = SettableClock(START)
    deploy_example(ctx)
    for i in range(CASES):
        if i == CASES - 50:
            ctx.clock.advance(days=29, hours=19)  # 20:00 UTC: already the next day in Beijing
        case = start_example(ctx)
        if i % 2 == 0:  # half of them one step further (a decision to replay)
            cases.complete_task(ctx, task(case, "review")["id"], CLERK, {"decision": "approve"})
    tampered = 101  # started and one review approved: the edit turns the decision into a rejection
    tamper(ctx, f"UPDATE audit_events SET data_in = '{{\"decision\": \"reject\"}}' WHERE case_id = {tampered} AND seq = 2")
    app.config["tampered"] = tampered
    return app


def test_jobs_give_the_same_report_and_exit_code_as_one_process_and_since(app):
    single = invoke(app, "audit", "replay", "--all", "--jobs", "1")
    parallel = invoke(app, "audit", "replay", "--all", "--jobs", "2")
    assert single.exit_code == parallel.exit_code == 1
    assert single.stdout == parallel.stdout
    lines = single.stdout.splitlines()
    tampered = app.config["tampered"]
    with engine_context(app).db_engine.connect() as conn:
        events = conn.exec_driver_sql("SELECT count(*) FROM audit_events WHERE case_id IS NOT NULL").scalar()
    assert events == CASES + CASES // 2
    assert lines[-1] == f"{CASES} cases, {events} events replayed: 1 case(s) differ"
    assert all(line.startswith(f"DIFFERS case {tampered} (first at seq 2): ") for line in lines[:-1]) and len(lines) > 1

    report = replay_all(engine_context(app), jobs=2).as_dict()
    assert report == replay_all(engine_context(app), jobs=1).as_dict()
    assert [f["case_id"] for f in report["failures"]] == [tampered]
    assert report["failures"][0]["first_seq"] == 2

    # --since: the cases started on or after that day (Beijing time); the tampered case is older
    ctx = engine_context(app)
    later = (ctx.clock.now() + timedelta(hours=8)).date().isoformat()  # the later cases' day in Beijing
    result = invoke(app, "audit", "replay", "--all", "--since", later, "--jobs", "2")
    assert result.exit_code == 0  # the tampered case started before
    assert result.stdout.splitlines()[-1].startswith("50 cases, ")
    assert "either CASE_ID or --all" in app.test_cli_runner().invoke(args=["audit", "replay"]).output
