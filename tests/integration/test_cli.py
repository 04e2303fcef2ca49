"""The `cadreflow` commands against a real database file, as an operator would use them."""

from __future__ import annotations

import json

import pytest

from api import create_app, engine_context
from tests.conftest import TEST_KEY
from tests.engine_helpers import BPMN_DIR, CLERK, example_registry, start_example, task


@pytest.fixture
def app(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}", "TESTING": True, "SECRET_KEY": TEST_KEY})
    engine_context(app).registry = example_registry()  # the engine test procedure, not the cadre domain
    return app


def invoke(app, *args):
    return app.test_cli_runner().invoke(args=list(args), catch_exceptions=False)


def test_operator_commands_from_empty_database_to_verified_trail(app, tmp_path):
    assert "up to date" in invoke(app, "db", "upgrade").output
    out = invoke(app, "deploy", str(BPMN_DIR), "--as", "editor1").output
    assert "example_case: version 1 deployed" in out
    assert "version 1 unchanged" in invoke(app, "deploy", str(BPMN_DIR)).output
    weak = app.test_cli_runner().invoke(args=["users", "create", "clerk9", "--role", "clerk", "--password", "pw"])
    assert weak.exit_code == 1 and "at least 10 characters" in weak.output  # the password policy (engine/accounts.py)
    assert "created clerk9" in invoke(app, "users", "create", "clerk9", "--role", "clerk",
                                      "--password", "Clerk-nine-2026").output
    assert "created demo user auditor1" in invoke(app, "demo").output

    ctx = engine_context(app)
    case = start_example(ctx)
    from engine import cases

    cases.complete_task(ctx, task(case, "review")["id"], CLERK, {"decision": "approve"})
    exported = tmp_path / "checkpoint.json"
    assert "root" in invoke(app, "audit", "checkpoint", "--export", str(exported)).output
    assert json.loads(exported.read_text())["stream_count"] == 3  # the case, the procedures and the users streams

    result = invoke(app, "audit", "verify", "--checkpoint", str(exported))
    assert result.exit_code == 0 and "OK" in result.output
    result = invoke(app, "audit", "replay", str(case["id"]))
    assert result.exit_code == 0 and "task_completed" in result.output
    csv_out = invoke(app, "audit", "export", str(case["id"]), "--format", "csv").output
    assert csv_out.splitlines()[0].startswith("序号,时间（北京时间）,办理人,用户名,角色,动作")
    assert len(csv_out.splitlines()) == 1 + 2
    pdf = tmp_path / "record.pdf"
    invoke(app, "audit", "export", str(case["id"]), "--format", "pdf", "-o", str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF")
    record = json.loads(invoke(app, "audit", "export", str(case["id"]), "--lang", "en").output)
    assert [(e["user"], e["role"], e["action_label"], e["step"]) for e in record["entries"]] == [
        ("clerk1", "clerk", "started", "Example case"), ("clerk1", "clerk", "completed a step", "Review the motion")]

    with ctx.db_engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER audit_events_no_update")
        conn.exec_driver_sql("UPDATE audit_events SET actor_username = 'someone_else' WHERE seq = 2 AND case_id = 1")
    result = invoke(app, "audit", "verify")
    assert result.exit_code == 1
    assert "TAMPERED case/1 seq 2" in result.output


def test_deploy_reports_each_problem_and_fails(app, tmp_path):
    invoke(app, "db", "upgrade")
    bad = tmp_path / "bad.bpmn"
    bad.write_text((BPMN_DIR / "example_case.bpmn").read_text().replace('review["decision"] == "reject"', "().__class__"))
    result = app.test_cli_runner().invoke(args=["deploy", str(bad)])
    assert result.exit_code == 1
    assert "[f_rejected]" in result.output and "not allowed" in result.output


def test_registry_import_command_all_rows_or_none(app, tmp_path):
    from bench.import_parse import generate, to_csv, to_xlsx
    from workflows.registry import store

    invoke(app, "db", "upgrade")
    invoke(app, "users", "create", "clerk9", "--role", "clerk", "--password", "Clerk-nine-2026")
    rows = generate(4, seed=3)
    good = tmp_path / "registry.xlsx"
    good.write_bytes(to_xlsx(rows))
    rows["posts"][2][4] = "2019-13-01"
    bad = tmp_path / "bad.csv"
    bad.write_bytes(to_csv(rows))
    refused = app.test_cli_runner().invoke(args=["registry", "import", str(bad), "--as", "clerk9"])
    assert refused.exit_code == 1 and "「任职经历」第" in refused.output and "nothing was imported" in refused.output
    assert store.search_persons(engine_context(app), "") == []
    assert "clerk1 is no active clerk" in app.test_cli_runner().invoke(args=["registry", "import", str(good)]).output
    done = invoke(app, "registry", "import", str(good), "--as", "clerk9")
    assert done.exit_code == 0 and "created 4, updated 0, unchanged 0" in done.output
    assert len(store.search_persons(engine_context(app), "")) == 4
    template = tmp_path / "template.xlsx"
    invoke(app, "registry", "template", str(template))
    assert template.read_bytes()[:2] == b"PK"
