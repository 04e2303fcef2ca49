"""The responsibility record, the demo data, the admin calendar, and the diagrams in bpmn-js's model."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from api import create_app, engine_context
from api.web.csvexport import record_csv
from engine import cases, reference
from engine.records import responsibility_record
from tests.conftest import IN_CI, TEST_KEY
from workflows.demo import BPMN, HEAD, Driver, user

JS = Path(__file__).resolve().parents[1] / "js"


def test_the_record_names_who_did_each_step_and_what_the_engine_decided(ctx):
    d = Driver(ctx)
    d.to_confirm({"张三": 25, "李四": 14, "王五": 20})
    reason = "李四在谈话调研中认可度高，实绩突出，经集体研究作为考察对象"
    d.confirm(["张三", "李四"], overrides=[{"name": "李四", "justification": reason}])
    record = responsibility_record(ctx, d.id)
    by_step = {}
    for entry in record["entries"]:
        by_step.setdefault(entry["element_id"], []).append(entry)
    nominate = by_step["nominate"][0]
    assert (nominate["user"], nominate["role"], nominate["step"]) == ("clerk1", "clerk", "提名")
    assert [n["name"] for n in nominate["entered"]["nominees"]] == ["张三", "李四", "王五"]
    meeting = by_step["meeting_recommendation"][0]
    assert meeting["entered"]["votes"] == {"张三": 25, "李四": 14, "王五": 20}
    tally = by_step["tally_recommendation"][0]
    assert (tally["user"], tally["action_label"]) == ("system", "系统判定")
    assert [n["name"] for n in tally["decided"]["result"]["nominees"] if n["excluded"]] == ["李四"]
    override = next(e for e in record["entries"] if e["action"] == "override")
    assert (override["user"], override["role"], override["decided"]["justification"]) == ("orghead1", "org_head", reason)
    assert record["outcome"] is None and record["procedure"] == "cadre_selection" and record["version"] == 1
    rows = record_csv(record).splitlines()
    assert rows[0].startswith("序号,时间（北京时间）,办理人") and len(rows) == 1 + len(record["entries"])


def test_demo_leaves_cases_at_different_steps(ctx):
    from workflows.demo import seed_demo

    ctx.clock.set(datetime(2026, 5, 11, 2, 0, tzinfo=UTC))
    made = seed_demo(ctx)
    assert seed_demo(ctx) == []  # only once
    steps = {}
    for case_id in made:
        case = cases.get_case(ctx, case_id)
        steps[case_id] = (case["status"], sorted({t["element_id"] for t in case["tasks"]}))
    assert sorted(steps.values()) == sorted([
        ("running", ["approve_motion"]), ("running", ["meeting_recommendation"]),
        ("running", ["confirm_candidates"]), ("running", ["inspection", "integrity_opinion"]),
        ("running", ["committee_decision"]), ("running", ["investigate_report"]),
        ("completed", []), ("running", ["exam_scores"])])


def test_admin_calendar_days_apply_to_a_year_the_package_lacks(ctx):
    admin = user("admin1", "admin")
    reference.put_entries(ctx, "calendar", {"2027-01-04": {"working": False, "note": "元旦调休"}}, admin, "admin")
    ctx.clock.set(datetime(2026, 12, 1, tzinfo=UTC))
    d = Driver(ctx)
    d.to_deliberation()
    d.deliberate(["张三"])
    d.committee({"张三": {"agree": 8, "disagree": 1, "defer": 0}}, meeting_date="2026-12-29")
    # 12-29, 12-30, 12-31 (2026: from the package), then 2027: 01-01 (weekday guess), 01-04 is a holiday
    assert d.case["data"]["publicity"]["working_days"] == ["2026-12-29", "2026-12-30", "2026-12-31", "2027-01-01",
                                                           "2027-01-05"]
    assert d.case["warnings"] == ["calendar_unverified", "quota_unchecked"]


def test_terminate_needs_a_reason(ctx):
    from engine.errors import ValidationFailed

    d = Driver(ctx)
    with pytest.raises(ValidationFailed):
        cases.terminate_case(ctx, d.id, HEAD, "org_head", " ")


def test_make_run_commands_give_a_living_system(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite'}", "SECRET_KEY": TEST_KEY})
    runner = app.test_cli_runner()
    for args in (["db", "upgrade"], ["deploy", str(BPMN)], ["demo"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    assert "created demo cases" in result.output
    result = runner.invoke(args=["calendar", "set", "2027-02-08", "--holiday", "--note", "春节"])
    assert result.exit_code == 0 and "1 day(s)" in result.output
    assert runner.invoke(args=["calendar", "set", "2027-13-01", "--holiday"]).exit_code == 2
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    with engine_context(app).unit_of_work() as uow:
        assert reference.load(uow.session, "calendar")["2027-02-08"]["working"] is False


def test_the_diagrams_open_in_bpmn_js_without_warnings():
    node = shutil.which("node")
    if node is None or not (JS / "node_modules" / "bpmn-moddle").exists():
        if IN_CI:
            pytest.fail("node and tests/js/node_modules are required in CI (make test installs them)")
        pytest.skip("node or bpmn-moddle missing (make test installs bpmn-moddle)")
    files = sorted(str(p) for p in BPMN.glob("*.bpmn"))
    out = subprocess.run([node, str(JS / "check_bpmn.mjs"), *files], capture_output=True, text=True, timeout=60,
                         check=True, env={**os.environ, "NODE_NO_WARNINGS": "1"})
    results = [json.loads(line) for line in out.stdout.splitlines()]
    assert [Path(r["file"]).name for r in results] == ["cadre_selection.bpmn", "competitive_selection.bpmn"]
    for r in results:
        assert "error" not in r and r["warnings"] == [] and r["withoutShape"] == [], r
        assert r["elements"] > 50
