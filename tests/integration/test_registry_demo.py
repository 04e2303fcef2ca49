"""The demo registry `cadreflow demo` loads: 40 persons in five units, loaded once, with the
persons every verdict of the qualification review needs (SQLite: the storage is tested on both
databases elsewhere)."""

from __future__ import annotations

from datetime import date

from api import create_app, engine_context
from tests.conftest import TEST_KEY, fresh_database
from workflows.registry import demo, store
from workflows.registry.qualification import review


def test_cadreflow_demo_loads_the_registry_once(request, tmp_path):
    app = create_app({"DATABASE_URL": fresh_database("sqlite", request, tmp_path), "TESTING": True,
                      "SECRET_KEY": TEST_KEY})
    runner = app.test_cli_runner()
    invoke = lambda: runner.invoke(args=["demo"], catch_exceptions=False).output  # noqa: E731
    assert "deploy bpmn/" in invoke()  # no procedure deployed: the cases need them, the registry waits
    runner.invoke(args=["deploy", "bpmn/"], catch_exceptions=False)
    assert "created the demo registry: 40 persons in 5 units" in invoke()
    assert "demo registry" not in invoke()
    ctx = engine_context(app)
    wang = store.search_persons(ctx, "王伟")
    assert [(p["birth_date"], p["current_post"]) for p in wang] == [("1980-01-01", "区教育局 · 副局长"),
                                                                     ("1985-06-12", "某镇 · 镇长")]
    units = {u["name"]: u for u in store.list_units(ctx)}
    assert units["区发改委"]["vacant"]["county_deputy"] == 0 and units["区教育局"]["vacant"]["county_deputy"] == 1
    assert all(f["filled"] <= f["approved"] for u in units.values() for f in u["levels"].values())
    inspector_kin = [p for p in (store.stored_person(ctx, n) for n in range(1, 41))
                     if any(f.get("username") == "inspector1" for f in p["family"])]
    assert [p["name"] for p in inspector_kin] == ["陈静"]


def test_every_verdict_can_be_seen():
    verdicts = {(check["rule"], check["verdict"])
                for nominee in review([{**p, "person_id": i + 1} for i, p in enumerate(demo.persons(date(2026, 12, 6)))],
                                      "county_deputy", date(2026, 12, 6), None)["nominees"]
                for check in nominee["checks"]}
    assert {("sanction_period", "fail"), ("sanction_period", "pass"), ("education", "fail"), ("education", "missing"),
            ("appraisal", "missing"), ("years_in_lower_post", "fail")} <= verdicts
