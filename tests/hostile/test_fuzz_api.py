"""Fuzzing the REST API beyond the regular suite: `make fuzz` (CADREFLOW_FUZZ=1) runs this file along
with tests/api/test_openapi_schemathesis.py, CADREFLOW_FUZZ_EXAMPLES (default 200) examples each.

* every operation, valid and invalid requests, on PostgreSQL (the regular file runs SQLite only, and
  PostgreSQL refuses what SQLite stores: U+0000 in text, strings wider than a VARCHAR);
* stateful sequences on both databases: schemathesis infers links between the operations (a case's
  `id` and its tasks' `id`s from POST /cases feed GET /cases/{case_id}, POST /tasks/{task_id}/complete,
  messages, declarations, terminate ...) and chains them, so steps run on cases the fuzzer started.

Each response must pass the regular file's checks: no 5xx, a documented status and content type, the
documented schema, and no success without the bearer token. Skipped in the regular suite.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from api import engine_context
from engine.access import issue_token
from tests.api.test_openapi_schemathesis import CHECKS, EVERY_ROLE, OPERATIONS, app_to_fuzz
from tests.conftest import START

pytestmark = pytest.mark.skipif(os.environ.get("CADREFLOW_FUZZ") != "1",
                                reason="fuzzing runs with `make fuzz` (CADREFLOW_FUZZ=1)")
EXAMPLES = int(os.environ.get("CADREFLOW_FUZZ_EXAMPLES", "200"))
STEPS = int(os.environ.get("CADREFLOW_FUZZ_STEPS", "12"))  # calls per stateful scenario
FUZZ_SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))


def _app(request, tmp_path_factory, kind: str):
    return app_to_fuzz(kind, request, tmp_path_factory)


@pytest.fixture(scope="module")
def pg_app(request, tmp_path_factory):
    return _app(request, tmp_path_factory, "postgresql")


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_app(request, tmp_path_factory):
    if request.param == "postgresql":
        return request.getfixturevalue("pg_app")
    return _app(request, tmp_path_factory, "sqlite")


def _headers(language: str, token: str) -> dict:
    return {"Authorization": f"Bearer {token}", "Accept-Language": language}


def _sign_in(app) -> str:
    return issue_token(engine_context(app), EVERY_ROLE, EVERY_ROLE, "schemathesis")["token"]


@pytest.mark.postgres
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation_conforms_on_postgresql(pg_app, method, path, mode):
    ctx = engine_context(pg_app)
    operation = schemathesis.openapi.from_wsgi("/api/openapi.json", pg_app)[path][method]
    language = "zh-CN" if mode is GenerationMode.POSITIVE else "en"
    token = _sign_in(pg_app)

    @FUZZ_SETTINGS
    @given(case=operation.as_strategy(generation_mode=mode))
    def example(case):
        # signing out revokes the token it is sent with: a fresh one each time
        headers = _headers(language, _sign_in(pg_app) if path.endswith("/auth/logout") else token)
        try:
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS, headers=headers)
        finally:
            ctx.clock.set(START)

    example()


def test_stateful_sequences(any_app):
    ctx = engine_context(any_app)
    token = _sign_in(any_app)
    base = schemathesis.openapi.from_wsgi("/api/openapi.json", any_app).as_state_machine()

    class Workflow(base):
        def get_call_kwargs(self, case):
            logout = case.path.endswith("/auth/logout")  # it revokes the token it is sent with
            return {"headers": _headers("zh-CN", _sign_in(any_app) if logout else token)}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            try:
                case.validate_response(response, checks=CHECKS, headers=kwargs.get("headers"))
            finally:
                ctx.clock.set(START)  # a generated POST /admin/clock must not expire the token

    Workflow.run(settings=settings(FUZZ_SETTINGS, max_examples=max(EXAMPLES // 4, 10), stateful_step_count=STEPS))
