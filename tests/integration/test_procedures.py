"""Deploying procedures: validation, versions, identical content, pinning of running cases."""

from __future__ import annotations

import pytest

from engine import cases
from engine.errors import ProcedureInvalid
from engine.procedures import deploy_files, latest_versions
from engine.storage.models import ProcedureVersion
from tests.conftest import make_ctx
from tests.engine_helpers import CLERK, EDITOR, EXAMPLE, deploy_example, example_registry, start_example, task

TEXT = EXAMPLE.read_text(encoding="utf-8")


@pytest.fixture
def ctx(db_url):
    return make_ctx(db_url, example_registry())


def versions(ctx):
    with ctx.unit_of_work() as uow:
        return [(v.key, v.version) for v in uow.session.query(ProcedureVersion).order_by(ProcedureVersion.id)]


def test_identical_content_is_a_noop_and_a_change_is_version_two(ctx):
    first = deploy_example(ctx)
    assert [(r.key, r.version, r.created) for r in first] == [("example_case", 1, True)]
    again = deploy_example(ctx)
    assert [(r.version, r.created, r.sha256) for r in again] == [(1, False, first[0].sha256)]
    changed = deploy_example(ctx, TEXT.replace('name="wait_days" value="5"', 'name="wait_days" value="7"'))
    assert [(r.version, r.created) for r in changed] == [(2, True)]
    assert versions(ctx) == [("example_case", 1), ("example_case", 2)]
    with ctx.unit_of_work() as uow:
        latest = latest_versions(uow.session)
        assert [(v.key, v.version, v.parameters["wait_days"]) for v in latest] == [("example_case", 2, 7)]
        assert "sign_off_part" in latest[0].files["example_case.bpmn"]


def test_running_case_stays_on_its_version(ctx):
    deploy_example(ctx)
    old = start_example(ctx)
    # version 2 renames the review step's gateway condition values
    deploy_example(ctx, TEXT.replace('name="wait_days" value="5"', 'name="wait_days" value="9"')
                   .replace('review["decision"] == "reject"', 'review["decision"] == "refuse"'))
    new = start_example(ctx)
    assert (old["parameters"]["wait_days"], new["parameters"]["wait_days"]) == (5, 9)
    assert old["version_id"] != new["version_id"]
    done = cases.complete_task(ctx, task(old, "review")["id"], CLERK, {"decision": "reject"})
    assert done["outcome"] == "rejected"  # version 1's condition still applies


def test_parameter_overrides_need_permission_and_known_keys(ctx):
    deploy_example(ctx)
    from engine.errors import Forbidden, ValidationFailed

    with pytest.raises(Forbidden):
        cases.start_case(ctx, "example_case", {"candidates": []}, CLERK, parameters={"wait_days": 3})
    with pytest.raises(ValidationFailed) as err:
        cases.start_case(ctx, "example_case", {"candidates": []}, CLERK, parameters={"nope": 1}, may_override=True)
    assert "parameters.nope" in err.value.fields
    case = cases.start_case(ctx, "example_case", {"candidates": []}, CLERK, parameters={"wait_days": 3},
                            may_override=True)
    assert case["parameters"]["wait_days"] == 3


@pytest.mark.parametrize(
    ("change", "element", "words"),
    [
        (('<bpmn:flowNodeRef>review</bpmn:flowNodeRef>', ''), "review", "no lane"),
        (('<spiffworkflow:property name="form" value="review" />', ''), "review", "no form"),
        (('review["decision"] == "reject"', "__import__('os').system('id')"), "f_rejected", "not allowed"),
        (('review["decision"] == "reject"', "().__class__.__base__"), "f_rejected", "not allowed"),
        (('review["decision"] == "reject"', "${decision == 'reject'}"), "f_rejected", "JUEL/FEEL"),
        (('id="count_passes"', 'id="rm_rf"'), "tally", "not a registered handler"),
        (('outcome = "done"', 'import os'), "conclude", "script"),
        (('calledElement="sign_off_part"', 'calledElement="missing_part"'), None, "missing_part"),
        (('<bpmn:incoming>f_start_review</bpmn:incoming>', '<bpmn:bogus/>'), None, "BPMN"),
    ],
)
def test_invalid_diagrams_are_refused_naming_the_element(ctx, change, element, words):
    broken = TEXT.replace(*change)
    assert broken != TEXT
    with pytest.raises(ProcedureInvalid) as err:
        deploy_files(ctx, {"example_case.bpmn": broken}, EDITOR)
    problems = err.value.problems
    assert any(words in p["message"] and (element is None or p["element"] == element) for p in problems), problems
    assert all(p["message_zh"] for p in problems)
    assert versions(ctx) == []  # nothing stored


def test_one_bad_file_deploys_nothing(ctx):
    with pytest.raises(ProcedureInvalid):
        deploy_files(ctx, {"example_case.bpmn": TEXT, "broken.bpmn": "<bpmn:definitions"}, EDITOR)
    assert versions(ctx) == []


def test_hostile_xml_is_refused_with_a_clear_error(ctx):
    xxe = TEXT.replace('<?xml version="1.0" encoding="UTF-8"?>',
                       '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>')
    laughs = ('<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">' +
              "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8)) +
              ']><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&i;</bpmn:definitions>')
    for name, text, words in [("xxe.bpmn", xxe, "DOCTYPE"), ("laughs.bpmn", laughs, "DOCTYPE"),
                              ("bad.bpmn", TEXT[:500], "malformed")]:
        with pytest.raises(ProcedureInvalid) as err:
            deploy_files(ctx, {name: text}, EDITOR)
        assert words in err.value.problems[0]["message"] and err.value.problems[0]["file"] == name
        assert "root:" not in str(err.value)
    assert versions(ctx) == []


def test_deployment_is_audited(ctx):
    deploy_example(ctx)
    from engine import audit

    with ctx.unit_of_work() as uow:
        (event,) = audit.events_of(uow.session, "procedures")
        assert (event.action, event.actor_username, event.data_out["version"]) == ("procedure_deployed", "editor1", 1)
        assert audit.verify(uow.session).ok
