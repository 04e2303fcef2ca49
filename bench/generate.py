"""A database of realistic cases for benchmarks (the inbox at 100,000 cases), with a progress bar.

    python -m bench.generate --cases 100000 --db postgresql+psycopg://postgres@127.0.0.1:5432/cadreflow_bench \
        [--real 200] [--seed 1] [--recreate] [--verify]

1. Migrate the database, deploy bpmn/, create the demo users (password = user name) and `multi1`,
   who holds every task role.
2. Real cases: `--real` cases (default 200) run through the engine with workflows/demo.py's Driver,
   each stopped at one of the stages in SCENARIOS (weighted), so the ready tasks spread over the
   roles and some cases have ended. These are ordinary cases: replay verifies them.
3. Copies: the rest, up to `--cases`, copied in bulk from the real cases (round robin) with
   - a new case id and every time (start, steps, ready tasks, events, next timer) shifted back by
     a random offset of up to --spread-days, so the inbox's created_at order mixes them;
   - every task id (SpiffWorkflow's, in the snapshot, the ready tasks and the events) replaced by a
     new random one, so a copy's tasks can be completed like any other;
   - the audit events re-chained on the copy's own stream with the engine's event hash; the last
     step's state hash is the hash of the copy's snapshot, so `cadreflow audit verify` passes.
   A copy's earlier events keep the state hashes of its real case, and its snapshot holds the real
   case's times: replaying a copy reports differences. Replay is meaningful for the real cases only
   (the first `--real` case ids after the users; `bench_copies` in the printed summary says which).

On PostgreSQL the copies go in with COPY, and the database is VACUUM ANALYZEd at the end, as
autovacuum would leave a settled database. Cases whose time limit falls in the copies' shifted
past are overdue: a timer worker on this database would fire them, so serve it without one
(bench/inbox.py uses gunicorn).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import JSON, func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from tqdm import tqdm

from engine import audit, cases
from engine.clock import SettableClock
from engine.context import EngineContext
from engine.hashing import GENESIS, canonical_json, event_body, sha256_text
from engine.migrations import upgrade
from engine.storage.db import make_engine
from engine.storage.models import AuditEvent, Case, CaseTask, User
from engine.users import create_user
from workflows import DEMO_USERS, TASK_ROLES, build_registry
from workflows.demo import CLERK, HEAD, Driver, EngineBackend, deploy, nominee

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # the demo driver's dates are in March 2026
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
MULTI_USER = ("multi1", "多岗位经办人", sorted(TASK_ROLES))
POSITIONS = [("区发改委主任", "区发改委"), ("区财政局局长", "区财政局"), ("区教育局副局长", "区教育局"),
             ("区卫健委主任", "区卫健委"), ("区住建局局长", "区住建局"), ("区商务局局长", "区商务局"),
             ("区统计局局长", "区统计局"), ("区审计局局长", "区审计局"), ("区民政局副局长", "区民政局"),
             ("区司法局局长", "区司法局"), ("区水务局副局长", "区水务局"), ("区文旅局局长", "区文旅局")]
APPLICANTS = ["赵一", "钱二", "孙三"]
EVALUATION = {"excellent": 20, "competent": 5, "basically_competent": 2, "incompetent": 1}


# --- the stages real cases stop at ----------------------------------------------------------------
def _inspection(d: Driver):
    d.to_confirm()
    d.confirm(["张三", "李四"])


def _half_inspected(d: Driver):
    _inspection(d)
    d.inspect("张三")
    d.opinion("李四")


def _committee(d: Driver):
    d.to_deliberation()
    d.deliberate(["张三"])


def _appoint(d: Driver):
    d.to_publicity()
    d.wait_for_timer()


def _appointed(d: Driver, probation=False):
    _appoint(d)
    d.appoint(probation=probation)


def _probation_review(d: Driver):
    _appointed(d, probation=True)
    d.wait_for_timer()


def _not_approved(d: Driver):
    _committee(d)
    d.committee({"张三": {"agree": 3, "disagree": 6, "defer": 0}})


def _withdrawn(d: Driver):
    d.to_publicity()
    d.report()
    d.investigate("serious")


def _terminated(d: Driver):
    d.approve()
    d.nominate()
    d.case = cases.terminate_case(d.ctx, d.id, HEAD, "org_head", "机构改革，岗位撤销")


def _c_registered(d: Driver):
    d.do("registration", CLERK, {"applicants": [nominee(n) for n in APPLICANTS]})


def _c_eligible(d: Driver):
    _c_registered(d)
    d.do("eligibility_review", HEAD, {"eligible": APPLICANTS, "rejected": []})


def _c_inspection(d: Driver):
    _c_eligible(d)
    d.do("exam_scores", CLERK, {"scores": {"赵一": "90", "钱二": "80", "孙三": "85.5"}})
    d.do("interview_scores", CLERK, {"scores": {"赵一": "80", "钱二": "95", "孙三": "70"}})
    d.do("competitive_evaluation", CLERK, {"evaluations": {n: EVALUATION for n in APPLICANTS}})
    d.confirm(["钱二", "赵一"])


def _c_appointed(d: Driver):
    _c_inspection(d)
    for name in ("钱二", "赵一"):
        d.inspect(name)
        d.opinion(name)
    d.deliberate(["钱二"])
    d.committee({"钱二": {"agree": 7, "disagree": 2, "defer": 0}})
    d.wait_for_timer()
    d.appoint()


@dataclass(frozen=True)
class Scenario:
    name: str
    weight: int
    run: object
    procedure: str = "cadre_selection"
    fires: int = 0  # 1: moves the clock to fire its own timer; 2: and leaves a later timer waiting


# ~60% of the cases running (at every step of both procedures), ~40% ended with the outcomes' mix
SCENARIOS = [
    Scenario("motion", 7, lambda d: None),                                           # org_head
    Scenario("nominate", 5, lambda d: d.approve()),                                  # clerk
    Scenario("meeting", 5, lambda d: (d.approve(), d.nominate())),                   # clerk
    Scenario("talk", 3, lambda d: (d.approve(), d.nominate(), d.meeting({"张三": 25, "李四": 18, "王五": 10}))),
    Scenario("confirm", 5, lambda d: d.to_confirm()),                                # org_head
    Scenario("inspection", 6, _inspection),                                          # inspector x2, discipline x2
    Scenario("half_inspected", 3, _half_inspected),                                  # inspector, discipline
    Scenario("deliberation", 4, lambda d: d.to_deliberation()),                      # org_head
    Scenario("committee", 3, _committee),                                            # committee_secretary
    Scenario("publicity", 3, lambda d: d.to_publicity()),                            # waits for its timer
    Scenario("publicity_report", 2, lambda d: (d.to_publicity(), d.report())),       # discipline
    Scenario("appoint", 3, _appoint, fires=1),                                       # clerk
    Scenario("probation", 2, lambda d: _appointed(d, probation=True), fires=2),      # waits for its timer
    Scenario("probation_review", 2, _probation_review, fires=1),                     # org_head
    Scenario("c_registration", 2, lambda d: None, "competitive_selection"),          # clerk
    Scenario("c_eligibility", 2, _c_registered, "competitive_selection"),            # org_head
    Scenario("c_exam", 1, _c_eligible, "competitive_selection"),                     # clerk
    Scenario("c_inspection", 2, _c_inspection, "competitive_selection"),             # inspector, discipline
    Scenario("appointed", 22, _appointed, fires=1),
    Scenario("motion_rejected", 5, lambda d: d.approve("reject")),
    Scenario("not_approved", 3, _not_approved),
    Scenario("withdrawn", 2, _withdrawn),
    Scenario("terminated", 3, _terminated),
    Scenario("c_appointed", 3, _c_appointed, "competitive_selection", fires=1),
]


def plan(count: int) -> list[Scenario]:
    """`count` scenarios in proportion to their weights (largest remainder), in the order they must run:
    those that fire their own timer first (each moves the clock past its publicity period, and the
    worker fires every due timer), then those that leave a timer waiting, then the rest."""
    total = sum(s.weight for s in SCENARIOS)
    quotas = [(count * s.weight / total, i) for i, s in enumerate(SCENARIOS)]
    counts = {i: int(q) for q, i in quotas}
    for _q, i in sorted(quotas, key=lambda qi: qi[0] - int(qi[0]), reverse=True)[:count - sum(counts.values())]:
        counts[i] += 1
    chosen = [SCENARIOS[i] for i in sorted(counts) for _ in range(counts[i])]
    return sorted(chosen, key=lambda s: {1: 0, 2: 1, 0: 2}[s.fires])


class PacedBackend(EngineBackend):
    """The engine's services, with the clock moved on by minutes to hours before each step."""

    def __init__(self, ctx, rng: random.Random):
        super().__init__(ctx)
        self.rng = rng

    def _pace(self):
        self.ctx.clock.advance(minutes=self.rng.randint(5, 180))

    def complete(self, task_id, actor, data, **kw):
        self._pace()
        return super().complete(task_id, actor, data, **kw)

    def message(self, case_id, name, payload, actor, role):
        self._pace()
        return super().message(case_id, name, payload, actor, role)


def run_real_cases(ctx, count: int, rng: random.Random) -> list[tuple[int, str]]:
    """The real cases, through the engine; returns (case id, scenario name)."""
    made = []
    for i, scenario in enumerate(tqdm(plan(count), desc="real cases (engine)", unit="case", file=sys.stderr)):
        ctx.clock.set(START + timedelta(minutes=37 * i))  # fresh start: no other case's timer is due
        position, unit = POSITIONS[i % len(POSITIONS)]
        start = {"position": position, "unit": unit}
        driver = Driver(PacedBackend(ctx, rng), scenario.procedure, **start)
        driver.ctx = ctx
        scenario.run(driver)
        made.append((driver.id, scenario.name))
    return made


# --- copies ---------------------------------------------------------------------------------------
class Segments:
    """A text with its task ids cut out: rebuilt with new ids by one join."""

    def __init__(self, text_: str, slots: dict[str, int]):
        self.parts, self.ids = [], []
        last = 0
        for match in UUID_RE.finditer(text_):
            self.parts.append(text_[last:match.start()])
            self.ids.append(slots.setdefault(match.group(), len(slots)))
            last = match.end()
        self.tail = text_[last:]

    def fill(self, new_ids: list[str]) -> str:
        if not self.ids:
            return self.tail
        out = []
        for part, slot in zip(self.parts, self.ids, strict=True):
            out.append(part)
            out.append(new_ids[slot])
        out.append(self.tail)
        return "".join(out)


@dataclass
class Template:
    """A real case as the copies are made of it; JSON values as canonical JSON text with the ids cut out."""

    case: dict
    snapshot: Segments
    json: dict[str, Segments]
    tasks: list[dict]
    events: list[dict]
    slots: dict[str, int] = field(default_factory=dict)


def load_templates(ctx, ids: list[int]) -> list[Template]:
    templates = []
    with ctx.unit_of_work() as uow:
        for case_id in ids:
            case = uow.session.get(Case, case_id)
            slots: dict[str, int] = {}
            snapshot = Segments(case.snapshot, slots)
            row = {c: getattr(case, c) for c in CASE_COLUMNS if c not in ("id", "snapshot", *JSON_COLUMNS)}
            values = {c: Segments(canonical_json(getattr(case, c)), slots) for c in CASE_COLUMNS if c in JSON_COLUMNS}
            tasks = []
            for t in uow.session.scalars(select(CaseTask).where(CaseTask.case_id == case_id)):
                tasks.append({"slot": slots.setdefault(t.id, len(slots)), "element_id": t.element_id, "title": t.title,
                              "role": t.role, "form": t.form, "prefill": Segments(canonical_json(t.prefill), slots),
                              "created_at": t.created_at})
            events = []
            for e in uow.session.scalars(select(AuditEvent).where(AuditEvent.stream == audit.case_stream(case_id))
                                         .order_by(AuditEvent.seq)):
                events.append({
                    "seq": e.seq, "at": e.at, "actor_username": e.actor_username,
                    "actor_display_name": e.actor_display_name, "actor_role": e.actor_role, "action": e.action,
                    "element_id": e.element_id,
                    "task_slot": None if e.task_id is None else slots.setdefault(e.task_id, len(slots)),
                    "data_in": Segments(canonical_json(e.data_in), slots),
                    "data_out": Segments(canonical_json(e.data_out), slots),
                    "comment": e.comment, "head_state": e.state_hash == case.state_hash, "state_hash": e.state_hash,
                })
            templates.append(Template(row, snapshot, values, tasks, events, slots))
    return templates


# The event hash is engine.hashing's: sha256 of canonical_json(event_body(event)). The data of a copy's
# event is already canonical JSON text, so it is spliced into the body's canonical text at markers
# instead of being parsed and serialised again (canonical JSON of a nested value is its own).
_MARK = {key: f"@cadreflow-{key}-{uuid.uuid4().hex}@" for key in ("data_in", "data_out")}


def spliced_event_hash(row: SimpleNamespace, data: dict[str, str]) -> str:
    body = canonical_json(event_body(SimpleNamespace(**{**vars(row), **_MARK})))
    for key, mark in _MARK.items():
        quoted = canonical_json(mark)
        if body.count(quoted) != 1:
            raise RuntimeError("the event body no longer has data_in/data_out where expected")
        body = body.replace(quoted, data[key])
    return sha256_text(body)


def copy_case(template: Template, case_id: int, shift: timedelta, rng: random.Random):
    """The rows of one copy (JSON columns as text): (case, tasks, events); nothing is written."""
    new_ids = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(len(template.slots))]
    snapshot = template.snapshot.fill(new_ids)
    state = sha256_text(snapshot)
    c = template.case
    case = {**c, **{k: v.fill(new_ids) for k, v in template.json.items()}, "id": case_id, "snapshot": snapshot,
            "state_hash": state, "started_at": c["started_at"] - shift, "updated_at": c["updated_at"] - shift,
            "next_due_at": c["next_due_at"] - shift if c["next_due_at"] else None}
    tasks = [{"id": new_ids[t["slot"]], "case_id": case_id, "element_id": t["element_id"], "title": t["title"],
              "role": t["role"], "form": t["form"], "prefill": t["prefill"].fill(new_ids),
              "created_at": t["created_at"] - shift} for t in template.tasks]
    stream, prev = audit.case_stream(case_id), GENESIS
    events = []
    for e in template.events:
        data = {"data_in": e["data_in"].fill(new_ids), "data_out": e["data_out"].fill(new_ids)}
        row = SimpleNamespace(
            stream=stream, case_id=case_id, seq=e["seq"], at=e["at"] - shift, actor_username=e["actor_username"],
            actor_display_name=e["actor_display_name"], actor_role=e["actor_role"], action=e["action"],
            element_id=e["element_id"], task_id=None if e["task_slot"] is None else new_ids[e["task_slot"]],
            data_in=None, data_out=None, comment=e["comment"],
            state_hash=state if e["head_state"] else e["state_hash"], prev_hash=prev)
        row.hash = prev = spliced_event_hash(row, data)
        events.append({**vars(row), **data})
    case["head_hash"] = prev
    return case, tasks, events


CASE_COLUMNS = [c.name for c in Case.__table__.columns]
TASK_COLUMNS = [c.name for c in CaseTask.__table__.columns]
EVENT_COLUMNS = [c.name for c in AuditEvent.__table__.columns if c.name != "id"]
JSON_COLUMNS = {c.name for t in (Case, CaseTask, AuditEvent) for c in t.__table__.columns if isinstance(c.type, JSON)}


class Writer:
    """Bulk inserts of rows whose JSON columns are JSON text: COPY on PostgreSQL, executemany elsewhere."""

    def __init__(self, engine):
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"

    def write(self, cases_, tasks, events) -> None:
        tables = ((Case.__table__, CASE_COLUMNS, cases_), (CaseTask.__table__, TASK_COLUMNS, tasks),
                  (AuditEvent.__table__, EVENT_COLUMNS, events))
        if self.postgres:
            raw = self.engine.raw_connection()
            try:
                with raw.driver_connection.cursor() as cur:
                    for table, columns, rows in tables:
                        with cur.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                            for row in rows:
                                copy.write_row([row[c] for c in columns])
                raw.driver_connection.commit()
            finally:
                raw.close()
            return
        with self.engine.begin() as conn:
            for table, _columns, rows in tables:
                if rows:
                    conn.execute(insert(table), [{k: json.loads(v) if k in JSON_COLUMNS else v for k, v in row.items()}
                                                 for row in rows])


def copy_chunk(url: str, templates: list[Template], first_id: int, first: int, count: int, seed: int,
               spread_days: float, engine=None) -> int:
    """Copies number `first` .. `first + count - 1` (copy k is case `first_id + k`, of template k mod n)."""
    rng = random.Random(seed * 1_000_003 + first)
    owned = engine is None
    engine = engine or make_engine(url, poolclass=NullPool)
    try:
        rows = ([], [], [])
        for k in range(first, first + count):
            shift = timedelta(seconds=rng.uniform(0, spread_days * 86400))
            case, tasks, events = copy_case(templates[k % len(templates)], first_id + k, shift, rng)
            rows[0].append(case)
            rows[1].extend(tasks)
            rows[2].extend(events)
        Writer(engine).write(*rows)
    finally:
        if owned:
            engine.dispose()
    return count


_WORKER: dict = {}


def _init_worker(url: str, templates: list[Template]) -> None:
    _WORKER.update(url=url, templates=templates, engine=make_engine(url))


def _copy_in_worker(args) -> int:
    return copy_chunk(_WORKER["url"], _WORKER["templates"], *args, engine=_WORKER["engine"])


def make_copies(ctx, url: str, templates: list[Template], count: int, seed: int, spread_days: float,
                workers: int = 2, batch: int = 500) -> None:
    with ctx.unit_of_work() as uow:
        first_id = (uow.session.scalar(select(func.max(Case.id))) or 0) + 1
    postgres = ctx.db_engine.dialect.name == "postgresql"
    chunks = [(first_id, k, min(batch, count - k), seed, spread_days) for k in range(0, count, batch)]
    with tqdm(total=count, desc="copies (bulk)", unit="case", file=sys.stderr, smoothing=0.05) as progress:
        if postgres and workers > 1 and len(chunks) > 1:
            import multiprocessing

            with multiprocessing.get_context("spawn").Pool(workers, _init_worker, (url, templates)) as pool:
                for done in pool.imap_unordered(_copy_in_worker, chunks):
                    progress.update(done)
        else:  # SQLite has one writer at a time: in this process
            for chunk in chunks:
                progress.update(copy_chunk(url, templates, *chunk, engine=ctx.db_engine))
    if postgres:
        with ctx.db_engine.begin() as conn:
            conn.execute(text("SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases))"))


# --- the database -----------------------------------------------------------------------------------
def recreate(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        from pathlib import Path

        for suffix in ("", "-wal", "-shm"):
            Path(f"{parsed.database}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{parsed.database}"')


def create_users(ctx) -> None:
    """The demo users and the one holding several roles; passwords are their names (demo accounts)."""
    with ctx.unit_of_work() as uow:
        existing = set(uow.session.scalars(select(User.username)))
    for username, (display, roles) in [*DEMO_USERS.items(), (MULTI_USER[0], MULTI_USER[1:])]:
        if username not in existing:
            create_user(ctx, username, list(roles), username, display, demo=True)


def vacuum(engine) -> None:
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM (ANALYZE) cases, case_tasks, audit_events"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def summary(ctx, real: list[tuple[int, str]], seconds: dict) -> dict:
    with ctx.unit_of_work() as uow:
        s = uow.session
        by_role = dict(s.execute(select(CaseTask.role, func.count()).group_by(CaseTask.role)).all())
        by_status = dict(s.execute(select(Case.status, func.count()).group_by(Case.status)).all())
        total = s.scalar(select(func.count()).select_from(Case))
        events = s.scalar(select(func.count()).select_from(AuditEvent))
    return {"cases": total, "by_status": by_status, "ready_tasks": sum(by_role.values()), "ready_by_role": by_role,
            "audit_events": events, "real_cases": [min(i for i, _ in real), max(i for i, _ in real)] if real else [],
            "real_by_stage": dict(Counter(name for _, name in real)),
            "bench_copies": f"case ids > {max(i for i, _ in real)}" if real else "none", "seconds": seconds}


def generate(url: str, count: int, real: int = 200, seed: int = 1, spread_days: float = 1000,
             do_recreate: bool = False, verify: bool = False, workers: int = 2, batch: int = 500) -> dict:
    real = max(1, min(real, count))
    rng = random.Random(seed)
    seconds = {}
    t0 = time.perf_counter()
    if do_recreate:
        recreate(url)
    upgrade(url)
    ctx = EngineContext.from_url(url, registry=build_registry(), clock=SettableClock(START))
    try:
        with ctx.unit_of_work() as uow:
            if uow.session.scalar(select(func.count()).select_from(Case)):
                raise SystemExit(f"{url} already has cases: use a fresh database (or --recreate)")
        deploy(ctx)
        create_users(ctx)
        seconds["setup"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        made = run_real_cases(ctx, real, rng)
        seconds["real"] = time.perf_counter() - t1
        t2 = time.perf_counter()
        make_copies(ctx, url, load_templates(ctx, [i for i, _ in made]), count - real, seed, spread_days,
                    workers, batch)
        seconds["copies"] = time.perf_counter() - t2
        t3 = time.perf_counter()
        vacuum(ctx.db_engine)
        seconds["vacuum"] = time.perf_counter() - t3
        if verify:
            t4 = time.perf_counter()
            with ctx.unit_of_work() as uow, tqdm(desc="verify", unit="event", file=sys.stderr) as bar:
                report = audit.verify(uow.session, progress=bar.update)
            seconds["verify"] = time.perf_counter() - t4
            if not report.ok:
                raise SystemExit(f"audit verify failed: {report.problems[:5]}")
        seconds["total"] = time.perf_counter() - t0
        return summary(ctx, made, {k: round(v, 1) for k, v in seconds.items()})
    finally:
        ctx.db_engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, required=True, help="how many cases in all")
    parser.add_argument("--db", required=True, help="database URL (sqlite:///file or postgresql+psycopg://...)")
    parser.add_argument("--real", type=int, default=200, help="cases run through the engine (the rest are copies)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--spread-days", type=float, default=1000, help="copies are shifted back by up to this")
    parser.add_argument("--workers", type=int, default=2, help="processes making copies (PostgreSQL)")
    parser.add_argument("--batch", type=int, default=500, help="copies per COPY transaction")
    parser.add_argument("--recreate", action="store_true", help="drop and create the database (or SQLite file) first")
    parser.add_argument("--verify", action="store_true", help="run the audit trail's verification at the end")
    args = parser.parse_args(argv)
    result = generate(args.db, args.cases, args.real, args.seed, args.spread_days, args.recreate, args.verify,
                      args.workers, args.batch)
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
