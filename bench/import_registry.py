"""A 5,000-person registry import end to end: parse the file and write every record, on SQLite and
PostgreSQL (issue 12: under a minute).

    python -m bench.import_registry [--persons 5000] [--format xlsx|csv] [--postgres ADMIN_URL | --no-postgres]

The file is bench.import_parse's (careers, appraisals, degrees, trainings, family, rewards); the
write is `workflows.registry.store.import_persons` (one transaction: the records, their search
terms and one `person_created` event each on the `registry` stream) into a freshly migrated
database. A second import of the same file (every row matched by its identity-card number,
nothing changed) is timed too.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid

import psycopg

from engine.actors import Actor
from engine.context import EngineContext
from engine.migrations import upgrade
from workflows.registry import store
from workflows.registry.importer import parse

from .import_parse import generate, to_csv, to_xlsx

CLERK = Actor("clerk1", "干部科经办人", frozenset({"clerk"}))


def run(url: str, content: bytes, filename: str) -> dict:
    upgrade(url)
    ctx = EngineContext.from_url(url)
    started, cpu = time.perf_counter(), time.process_time()
    parsed = parse(content, filename)
    assert not parsed.errors, parsed.errors[:3]
    parsed_at = time.perf_counter()
    counts = store.import_persons(ctx, parsed.persons, CLERK, "clerk")
    done, cpu = time.perf_counter(), time.process_time() - cpu
    again = time.perf_counter()
    repeat = store.import_persons(ctx, parse(content, filename).persons, CLERK, "clerk")
    again = time.perf_counter() - again
    ctx.db_engine.dispose()
    return {"parse": parsed_at - started, "write": done - parsed_at, "total": done - started, "cpu": cpu,
            "created": counts["created"], "again": again, "unchanged": repeat["unchanged"]}


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--persons", type=int, default=5000)
    options.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
    options.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    options.add_argument("--no-postgres", action="store_true")
    args = options.parse_args()
    rows = generate(args.persons)
    content = (to_xlsx if args.format == "xlsx" else to_csv)(rows)
    filename = f"registry.{args.format}"
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["SQLite"] = run(f"sqlite:///{tmp}/bench.sqlite", content, filename)
    if not args.no_postgres:
        name = f"cadreflow_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(args.postgres, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        try:
            results["PostgreSQL"] = run(args.postgres.rsplit("/", 1)[0] + "/" + name, content, filename)
        finally:
            with psycopg.connect(args.postgres, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    print(f"{args.persons} persons, {sum(len(r) for r in rows.values())} rows, .{args.format} "
          f"{len(content) / 1e6:.1f} MB; load average {os.getloadavg()[0]:.1f}")
    print(f"{'':11} {'parse s':>8} {'write s':>8} {'total s':>8} {'CPU s':>7} {'created':>8} {'re-import s':>12}")
    for db, r in results.items():
        print(f"{db:11} {r['parse']:8.1f} {r['write']:8.1f} {r['total']:8.1f} {r['cpu']:7.1f} {r['created']:8} "
              f"{r['again']:12.1f}")
        assert r["created"] == args.persons and r["unchanged"] == args.persons


if __name__ == "__main__":
    main()
