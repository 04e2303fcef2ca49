"""The benchmark commands still run (a few steps, no timing asserted): they must not rot."""

from __future__ import annotations

from bench import step_cost


def test_step_cost_benchmark_runs(tmp_path):
    assert len(step_cost.bare(3, with_json=True)) == 3
    phases = {}
    times = step_cost.engine_steps(f"sqlite:///{tmp_path / 'bench.sqlite'}", 3, phases)
    assert len(times) == 3 and phases["load"] > 0 and phases["commit"] > 0
