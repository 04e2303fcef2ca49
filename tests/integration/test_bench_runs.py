"""The benchmark commands still run (a few steps, no timing asserted): they must not rot."""

from __future__ import annotations

from bench import step_cost


def test_step_cost_benchmark_runs(tmp_path):
    assert len(step_cost.bare(3, with_json=True)) == 3
    phases = {}
    times = step_cost.engine_steps(f"sqlite:///{tmp_path / 'bench.sqlite'}", 3, phases)
    assert len(times) == 3 and phases["load"] > 0 and phases["commit"] > 0


def test_replay_verify_benchmark_runs(tmp_path):
    import json
    import os

    from bench import replay_verify

    out = tmp_path / "replay_verify.json"
    rows = replay_verify.main(["--cases", "3", "--repeat", "1", "--postgres", "", "--json", str(out)])
    names = [r["name"].split(" (")[0] for r in rows]
    assert names == ["verify floor", "verify", "replay floor", "replay", f"replay --jobs {os.cpu_count()}", "live steps"]
    assert all(r["db"] == "SQLite" and r["events"] > 20 and r["events_per_s"] > 0 for r in rows)
    assert json.loads(out.read_text())["builds"]["SQLite"]["outcomes"] == {"appointed": 2, "not_approved": 1}


def test_http_benchmarks_run():
    """The HTTP rows of step_cost and one throughput measurement, against gunicorn on SQLite."""
    from bench import throughput
    from bench.served import gunicorn, prepare, scratch_database

    assert len(step_cost.http_steps(None, 3)) == 3
    with scratch_database(None) as url:
        prepare(url)
        with gunicorn(url, workers=1) as base:
            measured = throughput.measure(base, clients=2, seconds=1, warmup=0.2)
    assert measured["completions"] > 0 and measured["p50_ms"] > 0


def test_young_case_figure_and_round_trips_run():
    """bench.step_cost's young-case rows (2 cases each, SQLite) and its count of round trips."""
    from bench import young_case

    for by in young_case.INTERLEAVINGS:
        rows = young_case.measure(None, rounds=2, by=by)
        assert [r["samples"] for r in rows] == [20] * 4 and rows[1]["vs_floor"] == 1.0
        assert {r["interleaved_by"] for r in rows} == {by}
    trips = young_case.round_trips(None, completions=2)
    engine, web = trips["SQLite, engine.cases.complete_task"], trips["SQLite, POST /api/v1/tasks/<id>/complete"]
    assert engine["commit"] == 1 and engine["rollback"] == 0  # the step commits once
    assert web["commit"] >= 1
    assert web["round trips"] > engine["round trips"] >= engine["statements"] > 0


def test_read_cost_benchmark_runs(capsys):
    """bench.read_cost on SQLite with one case and a few reads: four rows, each with its p95 ratio."""
    from bench import read_cost

    rows = read_cost.main(["--cases", "1", "--reads", "2"])
    assert [(r["door"], r["reader"]) for r in rows] == [("REST", "clerk1"), ("REST", "inspector1"),
                                                         ("page", "clerk1"), ("page", "inspector1")]
    assert all(r["p95_ratio"] > 0 for r in rows) and "p95 ratio" in capsys.readouterr().out
