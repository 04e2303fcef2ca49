"""Task-tree compaction: a case's snapshot stays the same size however long it loops, and cases
started before compaction (snapshot format 1) still replay exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine import audit, cases, replay, stepping
from engine.actors import Actor
from engine.procedures import deploy_files
from engine.storage.models import Case
from tests.conftest import make_ctx
from workflows import build_registry

LOOP = Path(__file__).parents[2] / "bench" / "loop_case.bpmn"
CLERK = Actor("clerk1", "Clerk", frozenset({"clerk"}))
EDITOR = Actor("editor1", "Editor", frozenset({"editor"}))


@pytest.fixture
def ctx(db_url):
    return make_ctx(db_url, build_registry())


def loop_case(ctx, rounds: int) -> dict:
    deploy_files(ctx, {LOOP.name: LOOP.read_text()}, EDITOR)
    return cases.start_case(ctx, "loop_case", {}, CLERK, parameters={"rounds": rounds}, may_override=True)


def tasks_in_snapshot(ctx, case_id: int) -> int:
    with ctx.unit_of_work() as uow:
        return len(json.loads(uow.session.get(Case, case_id).snapshot)["tasks"])


def run(ctx, case: dict, steps: range) -> dict:
    for _step in steps:
        case = cases.complete_task(ctx, case["tasks"][0]["id"], CLERK, {"decision": "approve"})
    return case


def test_a_looping_case_keeps_a_constant_snapshot_and_replays(ctx):
    case = run(ctx, loop_case(ctx, 40), range(1, 11))
    at_10 = tasks_in_snapshot(ctx, case["id"])
    case = run(ctx, case, range(11, 31))
    assert tasks_in_snapshot(ctx, case["id"]) == at_10 <= 10
    case = run(ctx, case, range(31, 41))
    assert case["status"] == "completed"
    report = replay.replay(ctx, case["id"])
    assert report.ok, report.mismatches
    with ctx.unit_of_work() as uow:
        assert audit.verify(uow.session).ok


def test_a_case_started_before_compaction_keeps_its_format_and_replays(ctx, monkeypatch):
    monkeypatch.setattr(stepping, "SNAPSHOT_FORMAT", 1)
    case = run(ctx, loop_case(ctx, 1000), range(1, 6))
    monkeypatch.undo()  # the engine now compacts new cases; this one stays in format 1
    before = tasks_in_snapshot(ctx, case["id"])
    case = run(ctx, case, range(6, 16))
    assert tasks_in_snapshot(ctx, case["id"]) > before  # not compacted: the tree still grows
    report = replay.replay(ctx, case["id"])
    assert report.ok, report.mismatches


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_loop_deeper_than_spiffworkflows_iterator_limit_still_runs(ctx):
    """SpiffWorkflow's task iterator stops at depth 1000: an uncompacted case looping ~500 times
    loses sight of its own ready task. Compacted, the tree stays shallow."""
    case = run(ctx, loop_case(ctx, 520), range(1, 521))
    assert case["status"] == "completed"
