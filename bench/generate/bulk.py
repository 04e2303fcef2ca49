"""Writing the copies in bulk (COPY on PostgreSQL, in worker processes; executemany on SQLite) and
the database around it: dropped and created again on request, VACUUM ANALYZEd at the end."""

from __future__ import annotations

import json
import random
import sys
from datetime import timedelta

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from tqdm import tqdm

from engine.storage.db import make_engine
from engine.storage.models import AuditEvent, Case, CaseTask

from .cloning import Template, copy_case
from .columns import CASE_COLUMNS, EVENT_COLUMNS, JSON_COLUMNS, TASK_COLUMNS


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



def vacuum(engine) -> None:
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM (ANALYZE) cases, case_tasks, audit_events"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))


