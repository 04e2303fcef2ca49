"""Hostile BPMN is refused by deployment with a structured problem, within bounded time and memory.

Every document here goes through `engine.procedures.deploy_files` (the REST API, the web upload, the
modeler and `cadreflow deploy` all call it) and must raise `ProcedureInvalid` — a ValidationFailed —
whose problems name the file, the element or the line, in English and Chinese; within TIME_LIMIT
seconds (timed without tracemalloc, which slows Python several times over) and with a tracemalloc
peak under MEMORY_LIMIT. Measured on the 2-CPU runner: every refusal within 0.25 s and a tracemalloc
peak of at most 22 MB (the largest: a 90k-character expression parsed by the sandbox, 21 MB; a
1.5M-character text, 18 MB); the slowest document that *is* deployed (300 flow nodes, 1000 flows,
45k extension elements) in 0.4 s, 3 MB.
libxml2's own memory is not seen by tracemalloc: the streamed parse stops at the element and depth
limits, so a 4.8 MB file of a million elements costs about 7 MB of RSS instead of 150 MB.
"""

from __future__ import annotations

import time
import tracemalloc

import pytest

from engine.actors import Actor
from engine.errors import ProcedureInvalid, ValidationFailed
from engine.procedures import deploy_files
from tests.conftest import fresh_database, make_ctx
from workflows import build_registry

from . import bpmn_docs as docs
from .conftest import CJK, V1, Api, assert_api_error

TIME_LIMIT = 2.0
MEMORY_LIMIT = 64 * 1024 * 1024
EDITOR = Actor("editor1", "流程设计员", frozenset({"editor"}))


@pytest.fixture(scope="module")
def ctx(request, tmp_path_factory):
    return make_ctx(fresh_database("sqlite", request, tmp_path_factory.mktemp("bpmn")), registry=build_registry())


def refused(ctx, document: str | bytes, filename: str = "hostile.bpmn", *, whole_file: bool = False) -> list[dict]:
    """The problems deployment reports, after checking the refusal's time, memory and languages. Each
    problem names its element or line, unless it is about the `whole_file` (its size, its name)."""
    start = time.perf_counter()
    with pytest.raises(ProcedureInvalid) as timed:
        deploy_files(ctx, {filename: document}, EDITOR)
    elapsed = time.perf_counter() - start
    tracemalloc.start()
    try:
        with pytest.raises(ProcedureInvalid):
            deploy_files(ctx, {filename: document}, EDITOR)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < TIME_LIMIT, f"refused in {elapsed:.2f} s"
    assert peak < MEMORY_LIMIT, f"tracemalloc peak {peak / 1e6:.1f} MB"
    error = timed.value
    assert isinstance(error, ValidationFailed) and error.problems
    assert error.fields and error.fields_zh and set(error.fields) == set(error.fields_zh)
    assert CJK.search(error.message_zh) and error.localized("en") == error.message
    for problem in error.problems:
        assert problem["file"] and (whole_file or problem["element"] or problem["line"]), problem
        assert problem["message"] and CJK.search(problem["message_zh"]), problem
        assert len(problem["message"]) < 1000 and len(problem["element"] or "") <= 65, problem  # nothing echoed whole
    return error.problems


def one(problems: list[dict], text: str) -> dict:
    found = [p for p in problems if text in p["message"]]
    assert found, problems
    return found[0]


def test_the_base_document_deploys(ctx):
    [result] = deploy_files(ctx, {"hostile.bpmn": docs.valid()}, EDITOR)
    assert result.key == "hostile" and result.created


# --- XML level (engine/xmlsafe.py) ----------------------------------------------------------------------


@pytest.mark.parametrize("levels", [65, 300, 100_000])
def test_deep_nesting(ctx, levels):
    problem = one(refused(ctx, docs.deeply_nested(levels)), "nested more than 64 levels")
    assert problem["line"] == 7 and "64" in problem["message_zh"]


def test_thousands_of_nested_subprocesses(ctx):
    problem = one(refused(ctx, docs.nested_subprocesses(5000)), "nested more than 64 levels")
    assert problem["line"] == 8


@pytest.mark.parametrize("document", [docs.billion_laughs(), docs.external_entity(), docs.external_dtd(),
                                      docs.external_entity("http://127.0.0.1:9/secret")],
                         ids=["billion laughs", "external entity", "external DTD", "network entity"])
def test_dtds_and_entities(ctx, document):
    problem = one(refused(ctx, document), "declares a DOCTYPE")
    assert problem["line"] == 1 and "root:" not in str(problem) and "DOCTYPE" in problem["message_zh"]


def test_a_million_elements(ctx):
    document = docs.many_elements(1_200_000)
    assert 4_500_000 < len(document) < 5_000_000
    problem = one(refused(ctx, document), "more than 50000 elements")
    assert problem["line"] == 7 and "50000" in problem["message_zh"]


def test_a_huge_attribute(ctx):
    problem = one(refused(ctx, docs.huge_attribute(1_000_000)), "attribute name of <userTask id='approve'>")
    assert problem["line"] == 7 and "100000" in problem["message"] and "属性 name" in problem["message_zh"]


def test_a_huge_text(ctx):
    problem = one(refused(ctx, docs.huge_text(1_500_000)), "text of <documentation> is longer than 100000")
    assert problem["line"] == 7


def test_a_file_over_5_mb(ctx):
    problem = one(refused(ctx, docs.gateway_cycle(50_000), whole_file=True), "larger than the limit of 5000000 bytes")
    assert problem["line"] is None and problem["file"] == "hostile.bpmn"


# --- structure (engine/procedures/validation.py) -------------------------------------------------------------


def test_a_sequence_flow_cycle_of_20000_gateways(ctx):
    """50k gateways do not fit in 5 MB; 20k do, and the flow-node limit refuses them before SpiffWorkflow's
    recursive parser (which overflowed the stack at ~490 nodes in a row, after 27 s of quadratic lookups)."""
    document = docs.gateway_cycle(20_000)
    assert len(document) < 5_000_000
    problems = refused(ctx, document)
    nodes = one(problems, "more than 300 flow elements")
    assert nodes["element"] == "g298" and nodes["line"] == 8 and "300" in nodes["message_zh"]
    assert one(problems, "more than 1000 sequence flows")["element"] == "c998"


def test_thousands_of_subprocesses_in_a_row(ctx):
    one(refused(ctx, docs.many_subprocesses(3000)), "more than 300 flow elements")


def test_the_largest_procedure_validation_allows_deploys_in_bounded_time(ctx):
    document = docs.worst_within_limits()
    start = time.perf_counter()
    [result] = deploy_files(ctx, {"worst.bpmn": document}, EDITOR)
    assert result.created and time.perf_counter() - start < 5 * TIME_LIMIT


@pytest.mark.parametrize(("document", "message"), [
    (docs.long_id(200), "the id of this userTask is 200 characters long; at most 128"),
    (docs.document("", process_id="p" * 129), "the id of this process is 129 characters long"),
    (docs.huge_attribute(257), "the name of this userTask is 257 characters long; at most 256"),
    # a lane without a role property: its name is its role (issue 13 moved the role to a property)
    (docs.valid().replace('name="clerk"', f'name="{"c" * 65}"'), "a lane's role (its property 'role', else its name) is at most 64"),
    (docs.valid().replace('<bpmn:lane id="lane_clerk" name="clerk">',
                          '<bpmn:lane id="lane_clerk" name="干部科经办人"><bpmn:extensionElements><spiffworkflow:properties>'
                          f'<spiffworkflow:property name="role" value="{"c" * 65}" /></spiffworkflow:properties>'
                          '</bpmn:extensionElements>'), "a lane's role (its property 'role', else its name) is at most 64"),
    (docs.valid().replace('"end"', '"' + "e" * 65 + '"'), "an end event's outcome"),
], ids=["task id", "process id", "task name", "lane name", "lane role", "outcome"])
def test_what_the_storage_cannot_hold(ctx, document, message):
    """Each of these was stored (SQLite does not check VARCHAR widths) and broke PostgreSQL, at deployment
    or when a case reached the element."""
    one(refused(ctx, document), message)


def test_a_file_name_the_storage_cannot_hold(ctx):
    problem = one(refused(ctx, docs.valid(), "x" * 300 + ".bpmn", whole_file=True), "file name must be at most 256")
    assert problem["file"].endswith("…")


# --- Python in the diagram (engine/sandbox.py, checked at deployment) ----------------------------------------


@pytest.mark.parametrize(("document", "message"), [
    (docs.script("x = 1\n" * 20_000), "text of <script> is longer than 100000"),
    (docs.script("x = " + "(" * 49_000 + "1" + ")" * 49_000), "the script is not allowed"),
    (docs.script("x = " + "not " * 20_000 + "True"), "the script is not allowed"),
    (docs.condition("1+" * 45_000 + "1"), "the condition is not allowed"),
    (docs.condition("x" + "[0]" * 20_000), "the condition is not allowed"),
    (docs.condition(" and ".join(["True"] * 30_000)), "text of <conditionExpression> is longer than 100000"),
    (docs.timer("1+" * 45_000 + "1"), "the timer is not allowed"),
], ids=["gigantic script", "nested parentheses", "nested not", "long sum", "long subscript chain",
        "expression over 100k", "timer expression"])
def test_gigantic_scripts_and_long_expressions(ctx, document, message):
    problem = one(refused(ctx, document), message)
    assert problem["element"] in ("glue", "f_yes", "wait_timer", None)


# --- over HTTP, on SQLite and PostgreSQL ---------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_rest_deploy_endpoint_refuses_hostile_bpmn_in_both_languages(app, lang):
    api = Api(app)
    for document, text in [(docs.deeply_nested(100_000), ("nested more than 64", "嵌套层数超过 64")),
                           (docs.document("", process_id="p" * 129), ("at most 128", "上限为 128")),
                           (docs.gateway_cycle(20_000), ("more than 300 flow elements", "超过 300 个"))]:
        start = time.perf_counter()
        response = api.call("POST", f"{V1}/procedures?filename=hostile.bpmn", "editor1", lang=lang,
                            data=document.encode(), content_type="application/xml")
        assert time.perf_counter() - start < TIME_LIMIT
        error = assert_api_error(response, 422, "procedure_invalid", lang)
        assert text[0 if lang == "en" else 1] in error["message"]
        assert all(p["line"] or p["element"] for p in error["errors"]) and error["fields"]
    listed = api.call("GET", f"{V1}/procedures", "editor1").json
    assert "hostile" not in {p["key"] for p in listed} and "p" * 129 not in {p["key"] for p in listed}
