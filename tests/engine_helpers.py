"""Helpers for driving the engine directly in tests."""

from __future__ import annotations

from pathlib import Path

from engine import cases, timers
from engine.actors import Actor
from engine.procedures import deploy_directory, deploy_files
from engine.registry import DefaultRoles, GuardRecord, Registry

BPMN_DIR = Path(__file__).parent / "bpmn"
EXAMPLE = BPMN_DIR / "example_case.bpmn"

CLERK = Actor("clerk1", "Clerk One", frozenset({"clerk"}))
INSPECTOR = Actor("inspector1", "Inspector One", frozenset({"inspector"}))
HEAD = Actor("orghead1", "Head", frozenset({"org_head"}))
EDITOR = Actor("editor1", "Editor", frozenset({"editor"}))


def example_registry() -> Registry:
    registry = Registry(default_roles=DefaultRoles(start="clerk", deploy="editor"), guard_record=GuardRecord(
        "relation_declared", "declaration", "declarations", ("申报关系", "relation declared"),
        ("only a participant (for themself) or an org_head may declare a relation", "仅本人或负责人可申报"),
        frozenset({"org_head"})))

    @registry.service("count_passes")
    def count_passes(params, ctx):
        return {"passed": sum(1 for a in params["assessments"] if a["pass"]), "total": len(params["assessments"])}

    return registry


def deploy_example(ctx, text: str | None = None):
    if text is None:
        return deploy_directory(ctx, BPMN_DIR, EDITOR)
    return deploy_files(ctx, {"example_case.bpmn": text}, EDITOR)


def start_example(ctx, candidates=("甲", "乙")):
    return cases.start_case(ctx, "example_case", {"title": "示例", "candidates": list(candidates)}, CLERK)


def task(case: dict, element_id: str, index: int = 0) -> dict:
    found = [t for t in case["tasks"] if t["element_id"] == element_id]
    assert found, f"no ready task {element_id}; ready: {[t['element_id'] for t in case['tasks']]}"
    return found[index]


def run_to_timer(ctx, case: dict) -> dict:
    case = cases.complete_task(ctx, task(case, "review")["id"], CLERK, {"decision": "approve"})
    for t in [t for t in case["tasks"] if t["element_id"] == "assess"]:
        case = cases.complete_task(ctx, t["id"], INSPECTOR, {"candidate": t["prefill"]["candidate"], "pass": True})
    return cases.complete_task(ctx, task(case, "sign")["id"], HEAD, {"signed": True})


def run_to_end(ctx, case: dict) -> dict:
    case = run_to_timer(ctx, case)
    ctx.clock.advance(days=5, minutes=1)
    assert timers.fire_due(ctx) == [case["id"]]
    return cases.send_message(ctx, case["id"], "confirmation", {"ok": True}, CLERK, "clerk")


