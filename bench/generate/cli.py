"""`python -m bench.generate`: the steps in order (see the package's docstring), and a summary."""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter

from sqlalchemy import func, select
from tqdm import tqdm

from engine import audit
from engine.clock import SettableClock
from engine.context import EngineContext
from engine.migrations import upgrade
from engine.storage.models import AuditEvent, Case, CaseTask
from workflows import build_registry
from workflows.demo import deploy

from .bulk import make_copies, recreate, vacuum
from .cloning import load_templates
from .scenarios import START, create_users, run_real_cases


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


