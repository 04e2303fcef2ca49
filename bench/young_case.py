"""The young-case step (steps 1-10 of a new case) over many cases, interleaved with its floor, and
the database round trips of one completion.

A young case's step is a few milliseconds, so one case's ten steps on a shared machine say little:
five runs of that gave 2.8x-6.7x for the same code. Here every row starts `rounds` new cases and
times their steps 1-10, the rows taking turns (the order rotating every round), so that a busy
moment of the machine falls on all of them alike; the floor (bare SpiffWorkflow with its JSON save
and load, on a new in-memory workflow) is sampled the same way. The spread printed is the ratio
computed over each fifth of the rounds alone: how much a run of a fifth the length varies.

Two ways of taking turns, both printed:
- by case (the figure the issue's target is read against): each row runs its new case's ten steps,
  then the next row. The server answers ten steps in a row, as it does for a clerk working through
  a case or under steady work, with its caches warm.
- by step: each row's step k, then every other row's step k. Between two of its steps a row waits
  for five others (two more gunicorn servers, three more databases), so every sample starts with
  the CPU caches holding the other rows' work: the rows in other processes (gunicorn, PostgreSQL)
  pay it more than the floor, which runs in this process. Kept to show that cost.

The round trips are counted with SQLAlchemy's events on the engine in this process (statements,
BEGIN, COMMIT, ROLLBACK, pool pre-pings), over the engine's service and over the full web stack
(the WSGI app gunicorn serves, called through Flask's test client), not in the product.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from contextlib import ExitStack, contextmanager

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import event

from engine import cases
from engine.actors import Actor
from engine.clock import SettableClock
from engine.context import EngineContext
from engine.sandbox import SandboxedScriptEngine
from workflows import build_registry

from .served import LOOP, PASSWORD, USER, Client, gunicorn, prepare, scratch_database

STEPS = 10
CLERK = Actor(USER, USER, frozenset({"clerk"}))
FORM = {"decision": "approve"}


class Bare:
    """The floor: a new in-memory workflow per case; with_json adds SpiffWorkflow's own save and load."""

    def __init__(self, with_json: bool):
        parser = SpiffBpmnParser()
        parser.add_bpmn_file(str(LOOP))
        self.spec, self.subs = parser.get_spec("loop_case"), parser.get_subprocess_specs("loop_case")
        self.serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
        self.with_json = with_json

    def new_case(self) -> None:
        self.workflow = BpmnWorkflow(self.spec, self.subs, script_engine=SandboxedScriptEngine())
        self.workflow.task_tree.data.update({"parameters": {"rounds": 10**6}})
        self.workflow.do_engine_steps()
        self.text = self.serializer.serialize_json(self.workflow)

    def step(self) -> None:
        if self.with_json:
            self.workflow = self.serializer.deserialize_json(self.text)
            self.workflow.script_engine = SandboxedScriptEngine()
        task = self.workflow.get_tasks(state=TaskState.READY, manual=True)[0]
        task.data["work"] = {"decision": "approve", "comment": None}
        task.run()
        self.workflow.do_engine_steps()
        if self.with_json:
            self.text = self.serializer.serialize_json(self.workflow)


class Engine:
    """cadreflow's service `complete_task` in this process (the database prepared by served.prepare)."""

    def __init__(self, url: str):
        self.ctx = EngineContext.from_url(url, registry=build_registry(), clock=SettableClock())

    def new_case(self) -> None:
        self.case = cases.start_case(self.ctx, "loop_case", {}, CLERK, parameters={"rounds": 10**6},
                                     may_override=True)

    def step(self) -> None:
        self.case = cases.complete_task(self.ctx, self.case["tasks"][0]["id"], CLERK, FORM)


class Http:
    """POST /api/v1/tasks/<id>/complete to a gunicorn server, through one keep-alive client."""

    def __init__(self, base: str):
        self.client = Client(base)
        self.client.sign_in()

    def new_case(self) -> None:
        self.case = self.client.start_loop_case()

    def step(self) -> None:
        self.case = self.client.complete(self.case["tasks"][0]["id"])


@contextmanager
def sources(postgres_admin: str | None):
    """Every row's source, each on its own scratch database (and gunicorn for the HTTP rows)."""
    with ExitStack() as stack:
        found = {"bare SpiffWorkflow (memory)": Bare(False), "bare SpiffWorkflow + JSON save/load": Bare(True)}
        for db, admin in (("SQLite", None), ("PostgreSQL", postgres_admin)):
            if db == "PostgreSQL" and not admin:
                continue
            engine_url, http_url = (stack.enter_context(scratch_database(admin)) for _ in range(2))
            prepare(engine_url)
            prepare(http_url)
            found[f"cadreflow on {db}"] = Engine(engine_url)
            stack.callback(found[f"cadreflow on {db}"].ctx.db_engine.dispose)
            found[f"cadreflow over HTTP, {db}"] = Http(stack.enter_context(gunicorn(http_url, workers=1)))
        yield found


FLOOR = "bare SpiffWorkflow + JSON save/load"


INTERLEAVINGS = ("case", "step")


def measure(postgres_admin: str | None, rounds: int, by: str = "case") -> list[dict]:
    """Steps 1-10 of `rounds` new cases per row, the rows taking turns `by` case or by step; one
    summary per row."""
    with sources(postgres_admin) as found:
        names = list(found)
        samples: dict[str, list[list[float]]] = {name: [] for name in names}  # per round, its ten steps
        for r in range(rounds):
            order = names[r % len(names):] + names[:r % len(names)]
            for name in order:
                found[name].new_case()
                samples[name].append([])
            turns = ([(name, STEPS) for name in order] if by == "case"  # a row's ten steps, then the next row
                     else [(name, 1) for _step in range(STEPS) for name in order])  # step k of every row, then k+1
            for name, steps in turns:
                for _step in range(steps):
                    t0 = time.perf_counter()
                    found[name].step()
                    samples[name][-1].append(time.perf_counter() - t0)
    return [summarize(name, samples[name], samples[FLOOR], by) for name in names]


def summarize(name: str, rounds: list[list[float]], floor_rounds: list[list[float]], by: str) -> dict:
    flat, floor = [t for r in rounds for t in r], [t for r in floor_rounds for t in r]
    fifth = max(1, len(rounds) // 5)
    parts = [(sum(rounds[i:i + fifth], []), sum(floor_rounds[i:i + fifth], []))
             for i in range(0, len(rounds) - fifth + 1, fifth)]
    ratios = [statistics.median(mine) / statistics.median(base) for mine, base in parts]
    q1, _q2, q3 = statistics.quantiles(flat, n=4)
    return {"name": name, "interleaved_by": by, "samples": len(flat), "cases": len(rounds), "p50_ms": statistics.median(flat) * 1e3,
            "p25_ms": q1 * 1e3, "p75_ms": q3 * 1e3, "vs_floor": statistics.median(flat) / statistics.median(floor),
            "vs_floor_fifths": ratios}


def print_table(rows: list[dict]) -> None:
    print(f"\nyoung case: steps 1-{STEPS} of {rows[0]['cases']} new cases per row, rows taking turns "
          f"{'case by case' if rows[0]['interleaved_by'] == 'case' else 'step by step'} "
          f"(floor = {FLOOR}, sampled the same way)")
    print(f"{'':38} {'samples':>7} {'p50 ms':>8} {'p25 ms':>8} {'p75 ms':>8} {'vs floor':>9}  ratio in each fifth")
    for r in rows:
        fifths = " ".join(f"{x:.2f}" for x in r["vs_floor_fifths"])
        print(f"{r['name']:38} {r['samples']:7d} {r['p50_ms']:8.3f} {r['p25_ms']:8.3f} {r['p75_ms']:8.3f} "
              f"{r['vs_floor']:9.2f}  {fifths}")


# --- round trips per completion ---------------------------------------------------------------------


class RoundTrips:
    """Counts what goes to the database through an engine: statements (before_cursor_execute), BEGIN,
    COMMIT, ROLLBACK (including the pool's reset of a connection still in a transaction) and pings."""

    def __init__(self, engine):
        self.counts: Counter = Counter()
        self.engine = engine
        postgres = engine.dialect.name == "postgresql"
        event.listen(engine, "before_cursor_execute", lambda *a: self.counts.update(["statements"]))
        if postgres:  # psycopg sends BEGIN itself before a transaction's first statement (SQLite: a statement)
            event.listen(engine, "begin", lambda conn: self.counts.update(["begin"]))
        event.listen(engine, "commit", lambda conn: self.counts.update(["commit"]))
        event.listen(engine, "rollback", lambda conn: self.counts.update(["rollback"]))
        event.listen(engine.pool, "reset", self._reset)
        ping = engine.dialect.do_ping

        def counted_ping(dbapi_connection):
            self.counts.update(["ping"])
            return ping(dbapi_connection)

        engine.dialect.do_ping = counted_ping

    def _reset(self, dbapi_connection, _record, _reset_state):
        busy = getattr(dbapi_connection, "in_transaction", None)  # sqlite3
        if busy is None:  # psycopg: 0 = idle
            busy = dbapi_connection.info.transaction_status != 0
        if busy:
            self.counts.update(["rollback"])

    def per(self, n: int) -> dict:
        out = {k: self.counts[k] / n for k in ("statements", "begin", "commit", "rollback", "ping")}
        out["round trips"] = sum(out.values())
        return out


def round_trips(postgres_admin: str | None, completions: int = 20) -> dict:
    """Per completion, on each database: the engine's service alone, and the whole web request."""
    from api import create_app, engine_context

    found = {}
    for db, admin in (("SQLite", None), ("PostgreSQL", postgres_admin)):
        if db == "PostgreSQL" and not admin:
            continue
        with scratch_database(admin) as url:
            prepare(url)
            engine = Engine(url)
            engine.new_case()
            counter = RoundTrips(engine.ctx.db_engine)
            for _ in range(completions):
                engine.step()
            found[f"{db}, engine.cases.complete_task"] = counter.per(completions)
            engine.ctx.db_engine.dispose()

            app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-" + "k" * 32})
            web = app.test_client()
            token = web.post("/api/v1/auth/token", json={"username": USER, "password": PASSWORD}).get_json()["token"]
            headers = {"Authorization": f"Bearer {token}"}
            case = web.post("/api/v1/cases", headers=headers,
                            json={"procedure": "loop_case", "data": {}, "parameters": {"rounds": 10**6}}).get_json()
            counter = RoundTrips(engine_context(app).db_engine)
            for _ in range(completions):
                response = web.post(f"/api/v1/tasks/{case['tasks'][0]['id']}/complete", headers=headers,
                                    json={"data": FORM})
                assert response.status_code == 200, response.get_json()
                case = response.get_json()
                response.close()  # as the WSGI server does once the body is sent: work deferred to then runs
            found[f"{db}, POST /api/v1/tasks/<id>/complete"] = counter.per(completions)
            engine_context(app).db_engine.dispose()
    return found


def print_round_trips(found: dict) -> None:
    print("\ndatabase round trips per completion (counted with SQLAlchemy events in this process)")
    keys = ("statements", "begin", "commit", "rollback", "ping", "round trips")
    print(f"{'':50}" + "".join(f"{k:>12}" for k in keys))
    for name, counts in found.items():
        print(f"{name:50}" + "".join(f"{counts[k]:12.1f}" for k in keys))
