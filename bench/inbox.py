"""The inbox's latency on a large database: the engine query alone and GET /api/v1/tasks over HTTP.

    python -m bench.inbox --db postgresql+psycopg://postgres@127.0.0.1:5432/cadreflow_bench [--json FILE]

Make the database with `python -m bench.generate` first. For several users (one role each, and
`multi1` with every task role) it times, in one run:

  engine      engine.inbox.inbox_page: COUNT + one page (first, middle, last page; one case), p50/p95/p99
  count       its COUNT alone (the total for X-Pagination)
  no index    the same SQL with ix_case_tasks_inbox dropped inside a transaction that is rolled back
  old         what the inbox did before: engine.cases.list_tasks (every ready task) sliced in Python
  http        GET /api/v1/tasks with a bearer token, against gunicorn started as a subprocess
              (no timer worker: the generated copies have overdue timers a worker would fire)

with ratios against baselines measured in the same run: `SELECT 1` in a unit of work for the
engine rows, GET /health for the HTTP rows. It prints EXPLAIN ANALYZE of the queries (checking the
index is used) and writes everything to --json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from bench.served import gunicorn
from engine import cases
from engine.context import EngineContext
from engine.inbox import count_query, inbox_page, page_for, page_query
from engine.storage.models import Case, CaseTask, User

INDEX = "ix_case_tasks_inbox"
USERS = ["clerk1", "orghead1", "inspector1", "discipline1", "secretary1", "multi1"]
TARGET_MS = 50.0
VENV_BIN = Path(sys.executable).parent


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def timed(fn, repeat: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return times


def stats(times: list[float]) -> dict:
    return {"n": len(times), "p50_ms": statistics.median(times), "p95_ms": percentile(times, 95),
            "p99_ms": percentile(times, 99), "max_ms": max(times)}


# --- what is measured ---------------------------------------------------------------------------------
def scenarios(ctx, per_page: int) -> list[dict]:
    """For each user: the first, middle and last page, and page 1 of one case holding one of their tasks.
    (The middle page is the deepest read: engine/inbox.py reads the back half from the end.)"""
    found = []
    with ctx.unit_of_work() as uow:
        users = {u.username: set(u.roles) for u in uow.session.scalars(select(User).where(User.username.in_(USERS)))}
        for username in USERS:
            roles = users.get(username)
            if not roles:
                continue
            total = uow.session.scalar(count_query(roles, None))
            if not total:
                continue
            last = -(-total // per_page)
            middle = uow.session.scalars(page_query(roles, None, total // 2, 1, merge=False)).first()
            for label, page, case_id in (("first page", 1, None), (f"middle page {(last + 1) // 2}", (last + 1) // 2, None),
                                         (f"last page {last}", last, None), ("one case", 1, middle.case_id)):
                found.append({"user": username, "roles": sorted(roles), "what": label, "page": page,
                              "case_id": case_id, "per_page": per_page, "total": total if case_id is None else None})
    return found


def engine_call(ctx, s: dict):
    return lambda: inbox_page(ctx, roles=s["roles"], case_id=s["case_id"], page=s["page"], per_page=s["per_page"])


def count_call(ctx, s: dict):
    def call():
        with ctx.unit_of_work() as uow:
            return uow.session.scalar(count_query(s["roles"], s["case_id"]))
    return call


def old_call(ctx, s: dict):
    """The inbox before engine/inbox.py: every ready task of the roles, sliced in Python."""
    def call():
        found = cases.list_tasks(ctx, roles=set(s["roles"]), case_id=s["case_id"])
        start = (s["page"] - 1) * s["per_page"]
        return found[start:start + s["per_page"]], len(found)
    return call


class _ConnectionContext:
    """An engine context whose units of work all run on one connection (inside its transaction)."""

    def __init__(self, conn):
        self.conn = conn

    @contextmanager
    def unit_of_work(self, write: bool = False):
        session = Session(bind=self.conn, join_transaction_mode="create_savepoint")
        try:
            yield SimpleNamespace(session=session)
        finally:
            session.close()


def explain(conn, statement, postgres: bool) -> str:
    compiled = statement.compile(conn, compile_kwargs={"literal_binds": True})
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgres else "EXPLAIN QUERY PLAN "
    rows = conn.execute(text(prefix + str(compiled))).all()
    return "\n".join(str(r[0]) if postgres else " ".join(str(c) for c in r) for r in rows)


def plans(conn, scenario_list: list[dict], postgres: bool) -> dict:
    picked = {}
    for s in scenario_list:
        if s["user"] in ("clerk1", "multi1") and s["case_id"] is None:
            where = page_for(s["total"], s["page"], s["per_page"], merge=postgres)
            picked[f"{s['user']} {s['what']}"] = page_query(s["roles"], None, **where)
            if s["page"] == 1:
                picked[f"{s['user']} count"] = count_query(s["roles"], None)
    return {name: explain(conn, statement, postgres) for name, statement in picked.items()}


# --- HTTP ------------------------------------------------------------------------------------------------
def get(base: str, path: str, token: str | None = None) -> bytes:
    request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"} if token else {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()


def token_for(base: str, username: str) -> str:
    body = json.dumps({"username": username, "password": username}).encode()
    request = urllib.request.Request(base + "/api/v1/auth/token", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["token"]


def http_path(s: dict) -> str:
    path = f"/api/v1/tasks?page={s['page']}&per_page={s['per_page']}"
    return path + (f"&case={s['case_id']}" if s["case_id"] else "")


# --- the run ----------------------------------------------------------------------------------------------
def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()}-core {platform.machine()} ({cpu}), Python {platform.python_version()}"


def facts(ctx) -> dict:
    with ctx.unit_of_work() as uow:
        s = uow.session
        out = {"cases": s.scalar(select(func.count()).select_from(Case)),
               "running": s.scalar(select(func.count()).select_from(Case).where(Case.status == "running")),
               "ready_tasks": s.scalar(select(func.count()).select_from(CaseTask)),
               "ready_by_role": dict(s.execute(select(CaseTask.role, func.count()).group_by(CaseTask.role)).all())}
        if ctx.db_engine.dialect.name == "postgresql":
            out["database"] = "PostgreSQL " + s.scalar(text("SHOW server_version"))
        else:
            out["database"] = "SQLite " + s.scalar(text("SELECT sqlite_version()"))
    return out


def run(url: str, repeat: int, http_repeat: int, old_repeat: int, per_page: int, http: bool,
        http_workers: int) -> dict:
    from workflows import build_registry

    ctx = EngineContext.from_url(url, registry=build_registry())
    postgres = ctx.db_engine.dialect.name == "postgresql"
    result = {"machine": machine(), "load_before": os.getloadavg(), "data": facts(ctx), "per_page": per_page,
              "rows": [], "baselines": {}}
    scenario_list = scenarios(ctx, per_page)

    def select_one():
        with ctx.unit_of_work() as uow:
            uow.session.execute(text("SELECT 1")).scalar()

    result["baselines"]["engine"] = {"what": "SELECT 1 in a unit of work", **stats(timed(select_one, repeat))}
    bar = _progress(len(scenario_list) * (3 + http))  # engine, old, no index (+ http)
    for s in scenario_list:
        rows, total = engine_call(ctx, s)()
        s["returned"], s["total"] = len(rows), total
        result["rows"].append({"kind": "engine", **s, **stats(timed(engine_call(ctx, s), repeat))})
        bar.update()
    for s in scenario_list:  # the total alone: COUNT over the role filter
        if s["page"] == 1 and s["case_id"] is None:
            result["rows"].append({"kind": "count", **s, "returned": 1, **stats(timed(count_call(ctx, s), repeat))})
    for s in scenario_list:  # before: every ready task of the roles loaded, then sliced (the page hardly matters)
        if s["page"] == 1:
            result["rows"].append({"kind": "old", **s, **stats(timed(old_call(ctx, s), old_repeat, warmup=1))})
        bar.update()

    if http:
        with gunicorn(url, http_workers) as base:
            result["baselines"]["http"] = {"what": "GET /health", **stats(timed(lambda: get(base, "/health"),
                                                                               http_repeat))}
            tokens = {}
            for s in scenario_list:
                token = tokens.setdefault(s["user"], token_for(base, s["user"]))
                path = http_path(s)
                result["rows"].append({"kind": "http", **s, "path": path,
                                       **stats(timed(lambda p=path, t=token: get(base, p, t), http_repeat))})
                bar.update()

    # without the index: dropped in a transaction that is rolled back
    with ctx.db_engine.connect() as conn, conn.begin() as transaction:
        result["plans"] = plans(conn, scenario_list, postgres)
        conn.execute(text(f"DROP INDEX {INDEX}"))
        unindexed = _ConnectionContext(conn)
        for s in scenario_list:
            result["rows"].append({"kind": "no index", **s,
                                   **stats(timed(engine_call(unindexed, s), max(10, repeat // 4), warmup=1))})
            bar.update()
        result["plans_without_index"] = plans(conn, [s for s in scenario_list if s["user"] == "clerk1"
                                                     and s["page"] == 1 and s["case_id"] is None], postgres)
        transaction.rollback()
    bar.close()
    ctx.db_engine.dispose()
    result["load_after"] = os.getloadavg()
    result["index_used"] = {name: INDEX in plan for name, plan in result["plans"].items() if "page" in name}
    worst = {kind: max((r["p95_ms"] for r in result["rows"] if r["kind"] == kind), default=None)
             for kind in ("engine", "http")}
    result["target"] = {"p95_ms": TARGET_MS, "worst_engine_p95_ms": worst["engine"],
                        "worst_http_p95_ms": worst["http"],
                        "met": all(v is None or v <= TARGET_MS for v in worst.values())}
    return result


def _progress(total: int):
    from tqdm import tqdm

    return tqdm(total=total, desc="inbox scenarios", unit="scenario", file=sys.stderr)


def table(result: dict) -> str:
    d = result["data"]
    base = result["baselines"]
    lines = [f"inbox at {d['cases']:,} cases ({d['running']:,} running, {d['ready_tasks']:,} ready tasks), "
             f"{d['database']}, {result['per_page']} per page",
             f"machine: {result['machine']}; load average before/after "
             f"{result['load_before'][0]:.2f}/{result['load_after'][0]:.2f}",
             "ratios: engine/count/no-index/old rows against `SELECT 1` in a unit of work (p50 "
             f"{base['engine']['p50_ms']:.3f} ms)" + (f"; http rows against GET /health (p50 {base['http']['p50_ms']:.3f} ms)"
                                                    if "http" in base else ""),
             f"{'kind':<9}{'user':<12}{'page':<18}{'rows':>5}{'total':>8}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}"
             f"{'p50 x base':>12}"]
    for kind in ("engine", "count", "http", "no index", "old"):
        for r in (r for r in result["rows"] if r["kind"] == kind):
            baseline = base["http" if kind == "http" else "engine"]["p50_ms"]
            what = r["what"] if r["case_id"] is None else f"case {r['case_id']}"
            lines.append(f"{kind:<9}{r['user']:<12}{what:<18}{r['returned']:>5}{r['total']:>8}{r['p50_ms']:>10.2f}"
                         f"{r['p95_ms']:>10.2f}{r['p99_ms']:>10.2f}{r['p50_ms'] / baseline:>12.1f}")
    t = result["target"]
    lines.append(f"target p95 <= {t['p95_ms']:.0f} ms: {'met' if t['met'] else 'NOT met'} (worst engine p95 "
                 f"{t['worst_engine_p95_ms']:.2f} ms" + (f", worst http p95 {t['worst_http_p95_ms']:.2f} ms)"
                                                         if t["worst_http_p95_ms"] is not None else ")"))
    lines.append("index used by the page queries: " + ", ".join(f"{k}: {'yes' if v else 'NO'}"
                                                             for k, v in result["index_used"].items()))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True)
    parser.add_argument("--json", dest="json_path")
    parser.add_argument("--repeat", type=int, default=200, help="timed calls per engine scenario")
    parser.add_argument("--http-repeat", type=int, default=100, help="timed requests per HTTP scenario")
    parser.add_argument("--old-repeat", type=int, default=5, help="timed calls of the old list_tasks inbox")
    parser.add_argument("--per-page", type=int, default=20)
    parser.add_argument("--http-workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--plans", action="store_true", help="print every EXPLAIN ANALYZE in full")
    args = parser.parse_args(argv)
    result = run(args.db, args.repeat, args.http_repeat, args.old_repeat, args.per_page, not args.no_http,
                 args.http_workers)
    print(table(result))
    for name, plan in {**result["plans"], **{f"WITHOUT {INDEX}, {k}": v
                                             for k, v in result["plans_without_index"].items()}}.items():
        shown = plan.splitlines() if args.plans else plan.splitlines()[:14]
        print(f"\nEXPLAIN ANALYZE {name}:\n  " + "\n  ".join(shown))
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
