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

The package: `scenarios` (the real cases and users), `cloning` (a copy's rows, in memory),
`bulk` (writing them; the database's admin), `cli` (the steps in order, the command line).
"""

from .cli import generate, main

__all__ = ["generate", "main"]
