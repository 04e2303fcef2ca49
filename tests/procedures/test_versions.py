"""The versions as engine services: what the doors read instead of querying (engine/procedures)."""

import pytest

from engine.errors import NotFound
from engine.procedures import deploy_files, versions
from engine.procedures.diff import compare_versions
from tests.engine_helpers import EDITOR

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # pure reads: one database is enough


def test_the_start_form_is_the_start_events_not_the_procedures_key(ctx):
    assert versions.start_form(versions.get_latest(ctx, "cadre_selection")) == "case_start"
    assert versions.start_form(versions.get_latest(ctx, "competitive_selection")) == "announcement"
    # a procedure deployed under a new key keeps its start event's form
    text = versions.get_latest(ctx, "competitive_selection")["bpmn"]
    renamed = text.replace('id="competitive_selection"', 'id="open_selection"')
    deploy_files(ctx, {"open_selection.bpmn": renamed}, EDITOR)
    assert versions.start_form(versions.get_latest(ctx, "open_selection")) == "announcement"
    with pytest.raises(NotFound):
        versions.get_latest(ctx, "no_such_procedure")


def test_versions_are_listed_newest_first_and_compared(ctx):
    first = versions.get_latest(ctx, "cadre_selection")
    changed = first["bpmn"].replace('name="研究动议"', 'name="动议"', 1)
    assert changed != first["bpmn"]
    deploy_files(ctx, {first["main_file"]: changed}, EDITOR)
    listed = versions.list_versions(ctx, "cadre_selection")
    assert [v["version"] for v in listed] == [2, 1]
    assert {v["key"] for v in versions.latest(ctx)} >= {"cadre_selection", "competitive_selection"}
    found = compare_versions(ctx, "cadre_selection", 1, 2)
    assert found["changed"] and not found["added"] and not found["removed"]
    with pytest.raises(NotFound):
        versions.get_version(ctx, "cadre_selection", 3)
