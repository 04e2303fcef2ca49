"""Task completions per second with full audit, closed-loop clients over HTTP, gunicorn on PostgreSQL.

    python -m bench.throughput [--workers 1,2,4] [--clients 8] [--seconds 15] [--postgres ADMIN_URL] [--json FILE]

Each client process signs in, starts its own case of bench/loop_case.bpmn and completes its ready
task again and again (the next task id comes back in the response), for `--seconds` after a warm-up.
Every completion is a full step: load, validate, run, snapshot, ready tasks, audit events, commit.
In the same run and with the same clients, `GET /health` (no database, no engine) gives the
HTTP ceiling of the same gunicorn; ratios are against it and against one worker.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import time
from pathlib import Path

from bench.served import Client, gunicorn, prepare, scratch_database


def _client(base: str, seconds: float, warmup: float, health: bool, out) -> None:
    client = Client(base)
    latencies, done = [], 0
    if health:
        step = lambda: client.call("GET", "/health")  # noqa: E731
    else:
        client.sign_in()
        case = client.start_loop_case()

        def step():
            nonlocal case
            case = client.complete(case["tasks"][0]["id"])

    started = time.perf_counter()
    measure_from, stop_at = started + warmup, started + warmup + seconds
    while True:
        t0 = time.perf_counter()
        if t0 >= stop_at:
            break
        step()
        t1 = time.perf_counter()
        if t0 >= measure_from:
            done += 1
            latencies.append(t1 - t0)
    out.put((done, latencies))


def measure(base: str, clients: int, seconds: float, warmup: float, health: bool = False) -> dict:
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_client, args=(base, seconds, warmup, health, queue)) for _ in range(clients)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=seconds + warmup + 120) for _ in procs]
    for p in procs:
        p.join(30)
    done = sum(r[0] for r in results)
    latencies = sorted(x for r in results for x in r[1])
    return {"completions": done, "per_second": done / seconds,
            "p50_ms": statistics.median(latencies) * 1e3 if latencies else None,
            "p95_ms": latencies[int(0.95 * (len(latencies) - 1))] * 1e3 if latencies else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", default="1,2,4", help="gunicorn worker counts, comma-separated")
    parser.add_argument("--threads", default="1", help="threads per worker (gunicorn gthread), comma-separated")
    parser.add_argument("--clients", type=int, default=8, help="closed-loop client processes")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test",
                        help="admin URL; a scratch database is created and dropped")
    parser.add_argument("--json", dest="json_path")
    args = parser.parse_args()
    rows = []
    with scratch_database(args.postgres) as url:
        prepare(url)
        for threads in [int(t) for t in args.threads.split(",")]:
            for workers in [int(w) for w in args.workers.split(",")]:
                with gunicorn(url, workers=workers, threads=threads) as base:
                    ceiling = measure(base, args.clients, min(args.seconds, 5), 1, health=True)
                    steps = measure(base, args.clients, args.seconds, args.warmup)
                rows.append({"workers": workers, "threads": threads, "clients": args.clients, **steps,
                             "health_per_second": ceiling["per_second"]})
                print(f"  {workers} worker(s) x {threads} thread(s): {steps['per_second']:.0f} completions/s",
                      flush=True)
    one = rows[0]["per_second"]
    print(f"\ntask completions over HTTP, {args.clients} closed-loop clients, {args.seconds:.0f} s each, "
          f"PostgreSQL, {os.cpu_count()} CPUs (target >= 250/s)")
    print(f"{'workers':>7} {'threads':>7} {'completions/s':>14} {'p50 ms':>8} {'p95 ms':>8} {'vs 1 worker':>12} "
          f"{'GET /health/s':>14} {'vs health':>10}")
    for r in rows:
        r["vs_one_worker"] = r["per_second"] / one
        r["vs_health"] = r["per_second"] / r["health_per_second"]
        print(f"{r['workers']:>7} {r['threads']:>7} {r['per_second']:14.1f} {r['p50_ms']:8.2f} {r['p95_ms']:8.2f} "
              f"{r['vs_one_worker']:12.2f} {r['health_per_second']:14.1f} {r['vs_health']:10.2f}")
    if args.json_path:
        Path(args.json_path).write_text(json.dumps({"clients": args.clients, "seconds": args.seconds,
                                                    "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
