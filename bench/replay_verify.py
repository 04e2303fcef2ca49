"""Replay and verify speed in audit events per second, each against a floor measured in the same run.

    python -m bench.replay_verify [--cases 200] [--postgres ADMIN_URL] [--json FILE] [--profile DIR]

Builds a database (a temporary SQLite file, and a scratch PostgreSQL database when the server is
reachable; it is created and dropped here) holding `--cases` real cases of bpmn/cadre_selection.bpmn,
each driven to one of its outcomes by workflows/demo.py's Driver through the engine's services, plus
one stored checkpoint. Then it measures:

  verify        engine.trail.verify_all (what `cadreflow audit verify` runs) over the whole database
                (every stream, the case rows, the checkpoint, the guard records); events/s = events
                checked / seconds (median of --repeat runs)
  verify floor  the same event rows read with the bare DB-API cursor (JSON columns as text) and a
                sha256 of each row's text in a tight loop: what reading and hashing alone cost
  replay        engine.replay.replay of every case; events/s = events in the replayed cases / seconds
  replay --jobs engine.replay_all over every case in one process per CPU (cpu s: with the workers')
  replay floor  the same steps in memory: SpiffWorkflow with the engine's sandbox, the recorded
                inputs and the same deterministic ids and clock, one workflow object kept across a
                case's steps (no snapshot load/dump, no hashing, no SQL): what the procedure itself
                costs to run
  live steps    for context: the engine's own steps as they were first run while building (every
                start, completion, message, timer and termination, SQL and commit included)

and prints a table with events, wall seconds, this process's CPU seconds (on a shared machine the
wall time is what the others left), events/s (wall), the target and the ratio to the floor.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import platform
import resource
import statistics
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from SpiffWorkflow.bpmn import BpmnWorkflow
from sqlalchemy import func, select

from engine import audit, cases, determinism, reference, runtime, steps, trail
from engine.clock import SettableClock, utc
from engine.context import EngineContext
from engine.migrations import upgrade
from engine.replay import replay
from engine.replay_all import replay_all
from engine.sandbox import SandboxedScriptEngine
from engine.storage.models import AuditEvent, Case
from workflows import build_registry
from workflows.demo import HEAD, Driver, EngineBackend, deploy

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # a Monday, 09:00 in Beijing
TARGETS = {"verify": 50_000, "replay": 2_000}
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"


# --- building the database ----------------------------------------------------------------------


class Timed:
    """Wall and CPU seconds (of this process) of each pass through a block. With `collect_first`,
    the cyclic garbage left by what ran before (the floor's 200 workflows, say) is collected before
    the clock starts, so that no pass pays for the one before it."""

    def __init__(self, collect_first: bool = False):
        self.wall, self.cpu = [], []
        self.collect_first = collect_first

    @contextmanager
    def __call__(self):
        if self.collect_first:
            gc.collect()
        w0, c0 = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.wall.append(time.perf_counter() - w0)
            self.cpu.append(time.process_time() - c0)

    def median(self) -> tuple[float, float]:
        return statistics.median(self.wall), statistics.median(self.cpu)


class TimedBackend(EngineBackend):
    """The engine's services, with the time spent inside them added up (the live steps)."""

    def __init__(self, ctx):
        super().__init__(ctx)
        self.timed = Timed()

    def start(self, *args, **kw):
        with self.timed():
            return super().start(*args, **kw)

    def complete(self, *args, **kw):
        with self.timed():
            return super().complete(*args, **kw)

    def message(self, *args, **kw):
        with self.timed():
            return super().message(*args, **kw)

    def fire_timers(self):
        with self.timed():
            return super().fire_timers()

    def terminate(self, case_id: int) -> None:
        with self.timed():
            cases.terminate_case(self.ctx, case_id, HEAD, "org_head", "岗位撤销")


def _appointed(d):
    d.to_publicity()
    d.wait_for_timer()
    d.appoint()


def _probation(d):
    d.to_publicity()
    d.wait_for_timer()
    d.appoint(probation=True)
    d.wait_for_timer()
    d.probation_review()


def _not_approved(d):
    d.to_deliberation()
    d.deliberate(["张三"])
    d.committee({"张三": {"agree": 4, "disagree": 5, "defer": 0}})


def _withdrawn(d):
    d.to_publicity()
    d.report()
    d.investigate("serious")


def _no_qualified(d):
    d.to_confirm()
    d.confirm(["张三", "李四"])
    d.inspect("张三", archive_review="fail")
    d.opinion("张三")
    d.inspect("李四")
    d.opinion("李四", "disqualifying")


def _recommendation_failed(d):
    d.approve()
    d.nominate()
    d.meeting({"张三": 14, "李四": 10, "王五": 3})
    d.talk()


def _terminated(d):
    d.to_confirm()
    d.backend.terminate(d.id)


# Mostly appointments, as in practice; every outcome of the procedure appears.
SCENARIOS = [
    ("appointed", _appointed), ("appointed", _probation), ("not_approved", _not_approved),
    ("appointed", _appointed), ("withdrawn_after_publicity", _withdrawn),
    ("no_qualified_candidate", _no_qualified), ("appointed", _appointed),
    ("recommendation_failed", _recommendation_failed), ("motion_rejected", lambda d: d.approve("reject")),
    ("terminated", _terminated),
]  # fmt: skip


def build(url: str, n_cases: int) -> tuple[EngineContext, dict]:
    """Migrate `url`, deploy bpmn/, drive `n_cases` cases to their outcomes, store a checkpoint."""
    upgrade(url)
    ctx = EngineContext.from_url(url, registry=build_registry(), clock=SettableClock(START))
    deploy(ctx)
    backend = TimedBackend(ctx)
    t0 = time.perf_counter()
    outcomes: dict[str, int] = {}
    for i in range(n_cases):
        ctx.clock.set(START)  # every case runs the same calendar (timers move the clock on)
        expected, scenario = SCENARIOS[i % len(SCENARIOS)]
        driver = Driver(backend)
        scenario(driver)
        case = driver.refresh()
        if case["outcome"] != expected:
            raise RuntimeError(f"case {driver.id} ended {case['status']}/{case['outcome']}, expected {expected}")
        outcomes[expected] = outcomes.get(expected, 0) + 1
    with ctx.unit_of_work(write=True) as uow:
        audit.create_checkpoint(uow.session, ctx.clock.now())
        uow.commit()
    with ctx.unit_of_work() as uow:
        case_events = uow.session.scalar(select(func.count()).select_from(AuditEvent)
                                         .where(AuditEvent.stream.like("case/%")))
    return ctx, {"build_seconds": time.perf_counter() - t0, "live_seconds": sum(backend.timed.wall),
                 "live_cpu_seconds": sum(backend.timed.cpu), "case_events": case_events, "outcomes": outcomes}


# --- verify and its floor -----------------------------------------------------------------------


def measure_verify(ctx, repeat: int) -> tuple[int, float, float]:
    """engine.trail.verify_all, the service `cadreflow audit verify` and the REST and web doors call."""
    timed, checked = Timed(collect_first=True), 0
    for _ in range(repeat):
        with timed():
            report = trail.verify_all(ctx)
        if not report.ok:
            raise RuntimeError(f"verify found problems in a freshly built database: {report.problems[:3]}")
        checked = report.events_checked
    return checked, *timed.median()


def verify_floor(ctx, repeat: int) -> tuple[int, float, float]:
    """Read every event row through the bare DB-API cursor and sha256 its text; no checks, no JSON."""
    postgres = ctx.db_engine.dialect.name == "postgresql"
    as_text = "::text" if postgres else ""
    sql = ("SELECT stream, case_id, seq, at, actor_username, actor_display_name, actor_role, action, element_id, "
           f"task_id, data_in{as_text}, data_out{as_text}, comment, state_hash, prev_hash, hash "
           "FROM audit_events ORDER BY stream, seq")
    sha256 = hashlib.sha256
    timed, count = Timed(collect_first=True), 0
    for _ in range(repeat):
        raw = ctx.db_engine.raw_connection()
        try:
            with timed():
                if postgres:  # a server-side cursor, as verify streams its rows
                    cursor = raw.driver_connection.cursor(name=f"floor_{uuid.uuid4().hex[:8]}")
                    cursor.itersize = 5000
                else:
                    cursor = raw.cursor()
                cursor.execute(sql)
                count = 0
                for row in cursor:
                    sha256("\x1f".join(map(str, row)).encode()).hexdigest()
                    count += 1
                cursor.close()
            raw.rollback()
        finally:
            raw.close()
    return count, *timed.median()


# --- replay and its floor -----------------------------------------------------------------------


def case_ids(ctx) -> list[int]:
    with ctx.unit_of_work() as uow:
        return list(uow.session.scalars(select(Case.id).order_by(Case.id)))


def measure_replay(ctx) -> tuple[int, float, float]:
    ids = case_ids(ctx)
    with ctx.unit_of_work() as uow:
        events = uow.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.case_id.in_(ids)))
    timed = Timed(collect_first=True)
    with timed():
        bad = [r for r in (replay(ctx, case_id) for case_id in ids) if not r.ok]
    if bad:
        raise RuntimeError(f"{len(bad)} cases did not replay: case {bad[0].case_id}: {bad[0].mismatches[:2]}")
    return events, *timed.median()


def measure_replay_jobs(ctx, jobs: int) -> tuple[int, float, float]:
    """engine.replay_all over every case in `jobs` processes; cpu = this process's and its workers'."""
    def cpu() -> float:
        mine, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return mine.ru_utime + mine.ru_stime + children.ru_utime + children.ru_stime

    gc.collect()
    w0, c0 = time.perf_counter(), cpu()
    report = replay_all(ctx, jobs=jobs)
    wall, used = time.perf_counter() - w0, cpu() - c0
    if not report.ok:
        raise RuntimeError(f"{len(report.failures)} cases did not replay in {jobs} processes: {report.failures[0]}")
    return report.events, wall, used


def _in_memory(bundle, registry, case_id: int, events: list) -> BpmnWorkflow:
    """Run a case's recorded inputs on one in-memory workflow, as the live steps did, minus load and dump."""
    workflow = None
    groups: list[list] = []
    notes = registry.note_actions()
    for event in events:
        if event.action in steps.INPUT_ACTIONS or event.action in notes or not groups:
            groups.append([event])
        else:
            groups[-1].append(event)
    for group in groups:
        first = group[0]
        if first.action in notes:
            continue
        now = utc(first.at)
        engine = SandboxedScriptEngine(services=registry.services, functions=registry.functions,
                                       now=lambda now=now: now, reference=reference.recorded(group))
        with determinism.step_context(now, f"{case_id}:{first.seq}"):
            if first.action == "case_started":
                workflow = BpmnWorkflow(bundle.spec, bundle.subprocess_specs, script_engine=engine)
                workflow.task_tree.data.update(first.data_in)
            else:
                workflow.script_engine = engine
                if first.action == "task_completed":
                    task = workflow.get_task_from_id(uuid.UUID(first.task_id))
                    task.data[steps.output_key(task)] = dict(first.data_in)
                    task.run()
                elif first.action == "message_received":
                    runtime.deliver_message(workflow, first.element_id, dict(first.data_in))
                elif first.action == "timer_fired":
                    workflow.refresh_timers()
                elif first.action == "case_terminated":
                    workflow.cancel()
            runtime.run_engine(workflow)
    return workflow


def replay_floor(ctx) -> tuple[int, float, float]:
    """The replay's work without the engine around it: every case's steps on one in-memory workflow.
    Reading the events happens before the clock starts; the final case data is checked after it stops."""
    loaded = []
    with ctx.unit_of_work() as uow:
        for case_id in case_ids(ctx):
            case = uow.session.get(Case, case_id)
            events = audit.events_of(uow.session, audit.case_stream(case_id))
            loaded.append((case_id, case.data, ctx.specs.get(uow.session, case.version_id), events))
    timed = Timed(collect_first=True)
    with timed():
        finals = [(case_id, expected, _in_memory(bundle, ctx.registry, case_id, events))
                  for case_id, expected, bundle, events in loaded]
    for case_id, expected, workflow in finals:  # the floor did the same work: it ended with the same data
        if not workflow.completed or audit.jsonable(runtime.case_data(workflow)) != expected:
            raise RuntimeError(f"case {case_id}: the in-memory run did not end where the recorded case did")
    return sum(len(e) for *_, e in loaded), *timed.median()


# --- the run ------------------------------------------------------------------------------------


@contextmanager
def profiled(folder: Path | None, name: str):
    """With --profile: a pyinstrument profile of the block, as text and HTML in `folder`."""
    if folder is None:
        yield
        return
    from pyinstrument import Profiler  # a dev extra: pip install -e '.[dev]'

    profiler = Profiler(interval=0.0005)
    profiler.start()
    try:
        yield
    finally:
        profiler.stop()
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.txt").write_text(profiler.output_text(unicode=True, show_all=False))
        (folder / f"{name}.html").write_text(profiler.output_html())
        print(f"  profile: {folder / name}.txt / .html")


def row(db: str, name: str, events: int, seconds: float, cpu: float, target: int | None, floor: dict | None) -> dict:
    rate = events / seconds if seconds else float("inf")
    return {"db": db, "name": name, "events": events, "seconds": seconds, "cpu_seconds": cpu, "events_per_s": rate,
            "events_per_cpu_s": events / cpu if cpu else float("inf"), "target": target,
            "vs_floor": rate / floor["events_per_s"] if floor else None}


def run_database(db: str, url: str, n_cases: int, repeat: int, profile: Path | None) -> tuple[list[dict], dict]:
    print(f"{db}: building {n_cases} cases ...", flush=True)
    ctx, built = build(url, n_cases)
    print(f"  built in {built['build_seconds']:.1f} s ({built['case_events']} case events)", flush=True)
    try:
        floor_v = row(db, "verify floor (DB-API read + sha256)", *verify_floor(ctx, repeat), None, None)
        verify_row = row(db, "verify (engine.trail.verify_all)", *measure_verify(ctx, repeat), TARGETS["verify"], floor_v)
        floor_r = row(db, "replay floor (SpiffWorkflow in memory)", *replay_floor(ctx), None, None)
        replay_row = row(db, "replay (engine.replay.replay)", *measure_replay(ctx), TARGETS["replay"], floor_r)
        jobs = os.cpu_count() or 1
        jobs_row = row(db, f"replay --jobs {jobs} (engine.replay_all)", *measure_replay_jobs(ctx, jobs), None,
                       floor_r)
        jobs_row["vs_one_process"] = jobs_row["events_per_s"] / replay_row["events_per_s"]
        live = row(db, "live steps (engine services, SQL)", built["case_events"], built["live_seconds"],
                   built["live_cpu_seconds"], None, floor_r)
        if profile is not None:
            with profiled(profile, f"verify-{db.lower()}"):
                trail.verify_all(ctx)
            with profiled(profile, f"replay-{db.lower()}"):
                measure_replay(ctx)
    finally:
        ctx.db_engine.dispose()
    return [floor_v, verify_row, floor_r, replay_row, jobs_row, live], built


def postgres_reachable(admin_url: str) -> bool:
    try:
        with psycopg.connect(admin_url, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def print_table(rows: list[dict], n_cases: int) -> None:
    print(f"\naudit events per second over {n_cases} cases of cadre_selection (ratio = events/s against the floor;"
          " cpu = this process's CPU seconds)")
    print(f"{'':11}{'':40}{'events':>7}{'seconds':>9}{'cpu s':>8}{'events/s':>10}{'target':>8}{'ratio':>7}  ok")
    for r in rows:
        target = f"{r['target']:,}" if r["target"] else ""
        ratio = f"{r['vs_floor']:.2f}" if r["vs_floor"] is not None else ""
        ok = ("yes" if r["events_per_s"] >= r["target"] else "NO") if r["target"] else ""
        print(f"{r['db']:11}{r['name']:40}{r['events']:7d}{r['seconds']:9.3f}{r['cpu_seconds']:8.3f}"
              f"{r['events_per_s']:10,.0f}{target:>8}{ratio:>7}  {ok}")


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--postgres", default=DEFAULT_PG,
                        help="admin URL; a scratch database is created and dropped ('' to skip)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of verify and of its floor (the median counts)")
    parser.add_argument("--json", dest="json_path")
    parser.add_argument("--profile", type=Path, help="write pyinstrument profiles of verify and replay here")
    args = parser.parse_args(argv)

    rows, builds, load = [], {}, [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory() as tmp:
        found, builds["SQLite"] = run_database("SQLite", f"sqlite:///{tmp}/bench.sqlite", args.cases, args.repeat,
                                               args.profile)
        rows += found
    if args.postgres and postgres_reachable(args.postgres):
        name = f"cadreflow_rvbench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(args.postgres, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        try:
            url = args.postgres.rsplit("/", 1)[0] + "/" + name
            found, builds["PostgreSQL"] = run_database("PostgreSQL", url, args.cases, args.repeat, args.profile)
            rows += found
        finally:
            with psycopg.connect(args.postgres, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    elif args.postgres:
        print(f"PostgreSQL not reachable at {args.postgres}: measured on SQLite only")

    load.append(os.getloadavg()[0])
    print_table(rows, args.cases)
    for r in rows:
        if "vs_one_process" in r:
            print(f"{r['db']}: {r['name']} gives {r['vs_one_process']:.2f}x the events/s of one process")
    print(f"load average (1 min) {load[0]:.1f} at the start, {load[1]:.1f} at the end, on {os.cpu_count()} CPUs")
    if args.json_path:
        machine = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
                   "load_average_start_end": load}
        Path(args.json_path).write_text(json.dumps({"cases": args.cases, "repeat": args.repeat, "machine": machine,
                                                    "builds": builds, "rows": rows}, indent=1, ensure_ascii=False))
    return rows


if __name__ == "__main__":
    main()
