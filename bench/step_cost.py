"""Cost of one task completion, and how it grows with a case's history.

    python -m bench.step_cost [--steps 200] [--postgres URL] [--json out.json]

Measures in one run, on the same 'work' task of bench/loop_case.bpmn (form approve_motion):
  bare         SpiffWorkflow in memory: complete the task, run engine steps (the floor)
  bare+json    the same plus SpiffWorkflow's own JSON serialize + deserialize (spec included)
  engine/DB    cadreflow's complete_task: load, validate, run, save snapshot, tasks and audit events, commit
  HTTP         the same step as POST /api/v1/tasks/<id>/complete to gunicorn (one worker), bearer token
and prints p50/p95, the p50 of steps 1-10 and of the last 10 steps (growth = their ratio), with
ratios to the bare+json step (`--steps 0` skips this table).

Then the young-case figure (bench/young_case.py): steps 1-10 of `--young-cases` new cases per row,
the rows taking turns with the floor sampled the same way (case by case, then step by step), with
the spread; and the database round
trips (statements, BEGIN, COMMIT, ROLLBACK, pings) of one completion.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from engine import audit, cases, runtime, steps
from engine.actors import Actor
from engine.clock import SettableClock
from engine.context import EngineContext
from engine.migrations import upgrade
from engine.procedures import deploy_files
from engine.sandbox import SandboxedScriptEngine
from engine.storage.db import UnitOfWork
from workflows import build_registry

from . import young_case
from .served import Client, gunicorn, prepare, scratch_database

BPMN = Path(__file__).with_name("loop_case.bpmn")
CLERK = Actor("clerk1", "Clerk", frozenset({"clerk"}))


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def bare(steps: int, with_json: bool) -> list[float]:
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(BPMN))
    spec, subs = parser.get_spec("loop_case"), parser.get_subprocess_specs("loop_case")
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    workflow = BpmnWorkflow(spec, subs, script_engine=SandboxedScriptEngine())
    workflow.task_tree.data.update({"parameters": {"rounds": 10**6}})
    form = {"decision": "approve", "comment": None}
    workflow.do_engine_steps()
    text = serializer.serialize_json(workflow)
    times = []
    for _step in range(1, steps + 1):
        t0 = time.perf_counter()
        if with_json:
            workflow = serializer.deserialize_json(text)
            workflow.script_engine = SandboxedScriptEngine()
        task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
        task.data["work"] = dict(form)
        task.run()
        workflow.do_engine_steps()
        if with_json:
            text = serializer.serialize_json(workflow)
        times.append(time.perf_counter() - t0)
    return times


class Phases:
    """Wall time spent in each phase of the engine's step, by wrapping the functions that do them."""

    TARGETS = [("load", runtime, "load"), ("dump", runtime, "dump"), ("ready tasks", steps, "ready_user_tasks"),
               ("audit", audit, "chain"), ("commit", UnitOfWork, "commit"), ("run", runtime.Runner, "_run"),
               ("compact", runtime, "compact")]

    def __init__(self):
        self.totals = dict.fromkeys([t[0] for t in self.TARGETS], 0.0)
        self._saved = []

    def __enter__(self):
        for name, owner, attr in self.TARGETS:
            original = getattr(owner, attr)
            self._saved.append((owner, attr, original))
            setattr(owner, attr, self._timed(name, original))
        return self

    def __exit__(self, *exc):
        for owner, attr, original in self._saved:
            setattr(owner, attr, original)

    def _timed(self, name, fn):
        def wrapper(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.totals[name] += time.perf_counter() - t0

        return wrapper


def engine_steps(url: str, steps: int, phases: dict | None = None) -> list[float]:
    upgrade(url)
    ctx = EngineContext.from_url(url, registry=build_registry(), clock=SettableClock())
    deploy_files(ctx, {BPMN.name: BPMN.read_text()}, Actor("bench", "bench", frozenset({"editor"})))
    case = cases.start_case(ctx, "loop_case", {}, CLERK, parameters={"rounds": 10**6}, may_override=True)
    times = []
    with Phases() as measured:
        for _step in range(1, steps + 1):
            task_id = case["tasks"][0]["id"]
            t0 = time.perf_counter()
            case = cases.complete_task(ctx, task_id, CLERK, {"decision": "approve"})
            times.append(time.perf_counter() - t0)
    if phases is not None:
        phases.update({k: v / steps * 1e3 for k, v in measured.totals.items()})
        phases["other (SQL, validation)"] = sum(times) / steps * 1e3 - sum(measured.totals.values()) / steps * 1e3
    ctx.db_engine.dispose()
    return times


def http_steps(admin_url: str | None, steps: int) -> list[float]:
    """The same completions over real HTTP: gunicorn (one sync worker) on a scratch database."""
    with scratch_database(admin_url) as url:
        prepare(url)
        with gunicorn(url, workers=1) as base:
            client = Client(base)
            client.sign_in()
            case = client.start_loop_case()
            times = []
            for _step in range(steps):
                t0 = time.perf_counter()
                case = client.complete(case["tasks"][0]["id"])
                times.append(time.perf_counter() - t0)
            return times


def summarize(name: str, times: list[float]) -> dict:
    early, late = times[:10], times[-10:]
    return {"name": name, "p50_ms": statistics.median(times) * 1e3, "p95_ms": percentile(times, 95) * 1e3,
            "early_p50_ms": statistics.median(early) * 1e3, "late_p50_ms": statistics.median(late) * 1e3,
            "growth": statistics.median(late) / statistics.median(early)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test",
                        help="admin URL; a scratch database is created and dropped ('' to skip)")
    parser.add_argument("--young-cases", type=int, default=40, help="new cases per row for the young-case figure")
    parser.add_argument("--json", dest="json_path")
    args = parser.parse_args()
    rows, breakdown = (growth(args) if args.steps else ([], {}))
    young = {by: young_case.measure(args.postgres or None, args.young_cases, by) for by in young_case.INTERLEAVINGS}
    for rows_by in young.values():
        young_case.print_table(rows_by)
    trips = young_case.round_trips(args.postgres or None)
    young_case.print_round_trips(trips)
    if args.json_path:
        Path(args.json_path).write_text(json.dumps({"steps": args.steps, "rows": rows, "phases": breakdown,
                                                    "young": young, "round_trips": trips}, indent=1))


def growth(args) -> tuple[list[dict], dict]:
    """The 200-step case: every row completes --steps steps of one case."""
    rows = [summarize("bare SpiffWorkflow (memory)", bare(args.steps, False)),
            summarize("bare SpiffWorkflow + JSON save/load", bare(args.steps, True))]
    breakdown = {}
    with tempfile.TemporaryDirectory() as tmp:
        breakdown["SQLite"] = {}
        rows.append(summarize("cadreflow on SQLite",
                              engine_steps(f"sqlite:///{tmp}/bench.sqlite", args.steps, breakdown["SQLite"])))
    rows.append(summarize("cadreflow over HTTP, SQLite", http_steps(None, args.steps)))
    if args.postgres:
        rows.append(summarize("cadreflow over HTTP, PostgreSQL", http_steps(args.postgres, args.steps)))
        name = f"cadreflow_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(args.postgres, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        try:
            url = args.postgres.rsplit("/", 1)[0] + "/" + name
            breakdown["PostgreSQL"] = {}
            rows.append(summarize("cadreflow on PostgreSQL", engine_steps(url, args.steps, breakdown["PostgreSQL"])))
        finally:
            with psycopg.connect(args.postgres, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    floor, early_floor = rows[1]["p50_ms"], rows[1]["early_p50_ms"]
    print(f"one task completion over {args.steps} steps of one case (ratios against bare+JSON p50 = {floor:.3f} ms)")
    print(f"{'':38} {'p50 ms':>8} {'p95 ms':>8} {'vs json':>8} {'steps1-10':>10} {'vs json':>8} {'last 10':>9} "
          f"{'growth':>7}")
    for r in rows:
        r["ratio_vs_bare_json"] = r["p50_ms"] / floor
        r["early_ratio_vs_bare_json"] = r["early_p50_ms"] / early_floor
        print(f"{r['name']:38} {r['p50_ms']:8.3f} {r['p95_ms']:8.3f} {r['ratio_vs_bare_json']:8.2f} "
              f"{r['early_p50_ms']:10.3f} {r['early_ratio_vs_bare_json']:8.2f} {r['late_p50_ms']:9.3f} {r['growth']:7.2f}")
    print("\nmean ms per step by phase (run = SpiffWorkflow work inside the step; other = SQL and the rest)")
    for db, phases in breakdown.items():
        print(f"  {db:<11} " + "  ".join(f"{k} {v:.2f}" for k, v in phases.items()))
    return rows, breakdown


if __name__ == "__main__":
    main()
