"""A step run by a process that did not run the case's earlier steps (another server process, a
restarted server, the timer worker) behaves exactly as in the process that did.

Found by the kill -9 test: SpiffWorkflow wires a multi-instance task to its children only in the
process that creates them, so a fresh process completed the children without merging them: the
outputs were lost and the case stopped with no ready task. Each EngineContext has its own spec
cache, so two contexts stand for two processes here.
"""

from __future__ import annotations

import pytest

from engine import cases
from engine.replay import replay
from tests.conftest import make_ctx
from tests.engine_helpers import CLERK, INSPECTOR, deploy_example, example_registry, start_example, task


@pytest.mark.timeout(60)
def test_a_fresh_process_completes_multi_instance_children_started_elsewhere(db_url):
    first = make_ctx(db_url, example_registry())
    deploy_example(first)
    case = start_example(first, candidates=("甲", "乙", "丙"))
    case = cases.complete_task(first, task(case, "review")["id"], CLERK, {"decision": "approve"})  # creates them
    assessments = [t for t in case["tasks"] if t["element_id"] == "assess"]
    assert len(assessments) == 3
    # the first child in the process that created them, the others each in a new process
    for n, t in enumerate(assessments):
        ctx = first if n == 0 else make_ctx(db_url, example_registry())
        ctx.clock.set(first.clock.now())
        case = cases.complete_task(ctx, t["id"], INSPECTOR, {"candidate": t["prefill"]["candidate"],
                                                              "pass": n != 1})
    assert [t["element_id"] for t in case["tasks"]] == ["sign"], case["tasks"]
    assert case["data"]["tally"] == {"passed": 2, "total": 3}
    assert sorted(a["candidate"] for a in case["data"]["assessments"]) == ["丙", "乙", "甲"]
    # and a replay in yet another process agrees with every recorded state
    report = replay(make_ctx(db_url, example_registry()), case["id"])
    assert report.ok, report.mismatches
