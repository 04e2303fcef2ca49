"""What need-to-know costs a case read: redaction and the read record against the same read without them.

    python -m bench.read_cost [--cases 40] [--reads 300] [--postgres ADMIN_URL] [--json out.json]

One run, one database: `--cases` cases driven to publicity (every section filled), read through the
Flask app in process (the test client: the app's own cost, no network) as
  REST   GET /api/v1/cases/{id} with a bearer token
  page   GET /cases/{id}, the case page, signed in
by a clerk (every case: no scope query) and by an inspector (on the team of every case: the scope
is asked in SQL and the inspection findings filtered to their candidates). Each read is timed with
the domain's visibility and the read record on ("need-to-know"), and off ("plain": the engine shows
everything and records nothing, the read as it was before); the two alternate read by read so that
the machine's drift falls on both alike. The time is the reader's: until the answer is complete; the
read record is written when the response closes (api/afterwards.py), after the clock stops, as a
server writes it after sending the body. Prints p50/p95 per row and the p95 ratio (target <= 1.3x).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from .served import scratch_database


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def world(url: str, count: int):
    """The app on a migrated database with `count` cases at publicity; returns (app, case ids)."""
    from api import create_app, engine_context
    from engine.migrations import upgrade
    from workflows.demo import Driver, demo_users, deploy

    upgrade(url)
    app = create_app({"DATABASE_URL": url, "TESTING": True, "WTF_CSRF_ENABLED": False,
                      "SECRET_KEY": "bench-read-cost-" + "x" * 32})
    ctx = engine_context(app)
    deploy(ctx)
    demo_users(ctx)
    ids = []
    for _ in range(count):
        driver = Driver(ctx)
        driver.to_publicity()
        ids.append(driver.id)
    return app, ids


def switch(app, on: bool, saved: dict) -> None:
    """Need-to-know on (the domain's visibility, the read record) or off (none: everything, no record)."""
    import engine.readtrail as readtrail
    from api import engine_context

    registry = engine_context(app).registry
    if not saved:
        saved.update(visibility=registry.visibility, note=readtrail.note)
    registry.visibility = saved["visibility"] if on else None
    readtrail.note = saved["note"] if on else (lambda *args, **kwargs: None)


def measure(app, ids: list[int], reads: int) -> list[dict]:
    clients = {}
    for username in ("clerk1", "inspector1"):
        web = app.test_client()
        assert web.post("/login", data={"username": username, "password": username}).status_code == 302
        token = app.test_client().post("/api/v1/auth/token", json={"username": username, "password": username})
        clients[username] = (web, {"Authorization": f"Bearer {token.json['token']}"})
    doors = {
        "REST": lambda user, case: clients[user][0].get(f"/api/v1/cases/{case}", headers=clients[user][1]),
        "page": lambda user, case: clients[user][0].get(f"/cases/{case}"),
    }
    saved: dict = {}
    rows = []
    for door, read in doors.items():
        for user in clients:
            times = {True: [], False: []}
            warm = min(10, reads)
            for i in range(reads + warm):
                case = ids[i % len(ids)]
                for on in ((True, False) if i % 2 else (False, True)):
                    switch(app, on, saved)
                    started = time.perf_counter()
                    response = read(user, case)
                    elapsed = (time.perf_counter() - started) * 1000
                    assert response.status_code == 200, (door, user, response.status_code)
                    response.close()  # as the server does once the answer is sent: the read record is written
                    if i >= warm:  # warm-up reads are left out
                        times[on].append(elapsed)
            switch(app, True, saved)
            rows.append({"door": door, "reader": user, "reads": reads,
                         "plain_p50": statistics.median(times[False]), "plain_p95": percentile(times[False], 95),
                         "ntk_p50": statistics.median(times[True]), "ntk_p95": percentile(times[True], 95)})
            rows[-1]["p95_ratio"] = rows[-1]["ntk_p95"] / rows[-1]["plain_p95"]
    return rows


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=40)
    parser.add_argument("--reads", type=int, default=300)
    parser.add_argument("--postgres", default="", help="an admin URL: run on a scratch PostgreSQL database")
    parser.add_argument("--json", default="")
    args = parser.parse_args(argv)
    with scratch_database(args.postgres or None) as url:
        app, ids = world(url, args.cases)
        rows = measure(app, ids, args.reads)
        from api import engine_context

        engine_context(app).db_engine.dispose()
    storage = "PostgreSQL" if args.postgres else "SQLite"
    print(f"case reads, {storage}, {args.cases} cases at publicity, {args.reads} reads per row (ms)")
    print(f"{'door':6} {'reader':11} {'plain p50':>10} {'plain p95':>10} {'ntk p50':>9} {'ntk p95':>9} {'p95 ratio':>10}")
    for r in rows:
        print(f"{r['door']:6} {r['reader']:11} {r['plain_p50']:10.3f} {r['plain_p95']:10.3f} {r['ntk_p50']:9.3f} "
              f"{r['ntk_p95']:9.3f} {r['p95_ratio']:9.2f}x")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(rows, out, indent=1)
    return rows


if __name__ == "__main__":
    main()
