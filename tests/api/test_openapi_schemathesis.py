"""Property-based tests of the REST API against its own OpenAPI document (schemathesis).

Every documented operation is called with generated requests, valid ones and invalid ones, as a user
holding every role (so no request is refused for its role), and every response must: not be a server
error, have a status and a content type the document allows, match the documented schema for its
status (errors included), and, where it succeeded, fail without the bearer token.

SQLite only, one app for the whole module and a few examples per operation, so the file stays fast;
`CADREFLOW_FUZZ_EXAMPLES=500` explores further. Why not `schemathesis.pytest.from_fixture`: its lazy
parametrization sets `request.node._nodeid`, which pytest 9.2 no longer has; the strategies of
schemathesis' Python API (`operation.as_strategy`) under a plain `@given` do the same.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_schema_conformance,
    status_code_conformance,
)

from api import create_app, engine_context
from engine.access import issue_token
from tests.conftest import START, TEST_KEY, fresh_database
from workflows import ROLES
from workflows.demo import Driver, deploy

EXAMPLES = int(os.environ.get("CADREFLOW_FUZZ_EXAMPLES", "10"))
EVERY_ROLE = "every_role"
# (negative_data_rejection is left out on purpose: the API ignores unknown query parameters, as HTTP APIs do)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          ignored_auth]
METHODS = ("get", "put", "post", "delete", "patch")


def _test_clock_app(db_url: str):
    with pytest.MonkeyPatch.context() as env:
        env.setenv("CADREFLOW_TEST_CLOCK", "1")  # read once, when the app is created
        return create_app({"DATABASE_URL": db_url, "TESTING": True, "SECRET_KEY": TEST_KEY})


def _documented_operations() -> list[tuple[str, str]]:
    """(METHOD, path) of every operation of the OpenAPI document (producing it needs no database)."""
    spec = _test_clock_app("sqlite://").test_client().get("/api/openapi.json").get_json()
    return sorted((method.upper(), path) for path, item in spec["paths"].items() for method in item
                  if method in METHODS)


OPERATIONS = _documented_operations()


def every_role_user(ctx) -> None:
    """One token for every operation: a user holding every role, written to the database directly,
    since the account rules refuse admin together with auditor (三员分立) at every door."""
    from argon2 import PasswordHasher

    from engine.storage.models import User

    with ctx.unit_of_work(write=True) as uow:
        uow.session.add(User(username=EVERY_ROLE, display_name="全部角色", roles=sorted(ROLES), active=True,
                             password_hash=PasswordHasher().hash(EVERY_ROLE), created_at=ctx.clock.now()))
        uow.commit()


def app_to_fuzz(kind: str, request, tmp_path_factory):
    """The app on a fresh `kind` database with the procedures, a user holding every role and
    cases 1-3 at different steps, so generated ids and filters hit real rows now and then."""
    app = _test_clock_app(fresh_database(kind, request, tmp_path_factory.mktemp(f"fuzz-{kind}")))
    ctx = engine_context(app)
    ctx.clock.set(START)
    deploy(ctx)
    every_role_user(ctx)
    Driver(ctx)
    Driver(ctx).approve()
    Driver(ctx).approve("reject")
    return app


@pytest.fixture(scope="module", params=["sqlite"])  # SQLite only: the ids say so, like db_url's (-k sqlite)
def fuzzed_app(request, tmp_path_factory):
    return app_to_fuzz(request.param, request, tmp_path_factory)


@pytest.fixture(scope="module")
def api_schema(fuzzed_app):
    return schemathesis.openapi.from_wsgi("/api/openapi.json", fuzzed_app)


@pytest.fixture(scope="module")
def sign_in(fuzzed_app):
    ctx = engine_context(fuzzed_app)
    return lambda: issue_token(ctx, EVERY_ROLE, EVERY_ROLE, "schemathesis")["token"]


def test_the_document_lists_the_contract(api_schema):
    """Every endpoint of the contract table (docs/architecture.md) is documented, and nothing else."""
    v1 = "/api/v1"
    served = {(method.upper(), path) for path, item in api_schema.raw_schema["paths"].items() for method in item
              if method in METHODS}
    assert served == set(OPERATIONS) == {
        ("POST", f"{v1}/auth/token"), ("POST", f"{v1}/auth/logout"),
        ("GET", f"{v1}/procedures"), ("POST", f"{v1}/procedures"), ("GET", f"{v1}/procedures/{{key}}/versions/{{number}}"),
        ("POST", f"{v1}/cases"), ("GET", f"{v1}/cases"), ("GET", f"{v1}/cases/{{case_id}}"),
        ("POST", f"{v1}/cases/{{case_id}}/messages"), ("POST", f"{v1}/cases/{{case_id}}/terminate"),
        ("POST", f"{v1}/cases/{{case_id}}/declarations"),
        ("GET", f"{v1}/tasks"), ("GET", f"{v1}/tasks/{{task_id}}"), ("POST", f"{v1}/tasks/{{task_id}}/complete"),
        ("GET", f"{v1}/cases/{{case_id}}/events"), ("GET", f"{v1}/cases/{{case_id}}/replay"),
        ("GET", f"{v1}/cases/{{case_id}}/accountability"), ("GET", f"{v1}/cases/{{case_id}}/access-log"),
        ("GET", f"{v1}/audit/verify"),
        ("POST", f"{v1}/admin/calendar"), ("POST", f"{v1}/admin/timers/run"), ("POST", f"{v1}/admin/clock"),
        # the registry (REST additions 2026-12), and the import template
        ("POST", f"{v1}/persons"), ("GET", f"{v1}/persons"), ("GET", f"{v1}/persons/{{person_id}}"),
        ("PATCH", f"{v1}/persons/{{person_id}}"), ("POST", f"{v1}/persons/import"),
        ("GET", f"{v1}/persons/import/template"),
        ("POST", f"{v1}/units"), ("GET", f"{v1}/units"), ("GET", f"{v1}/units/{{unit_id}}"),
        ("PATCH", f"{v1}/units/{{unit_id}}"), ("GET", f"{v1}/persons/{{person_id}}/access-log"),
        ("GET", f"{v1}/persons/searches"), ("GET", f"{v1}/units/{{unit_id}}/access-log"),
    }


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation_conforms_to_the_openapi_document(fuzzed_app, api_schema, sign_in, method, path, mode):
    ctx = engine_context(fuzzed_app)
    operation = api_schema[path][method]
    language = "zh-CN" if mode is GenerationMode.POSITIVE else "en"
    token = sign_in()

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 10, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def example(case):
        nonlocal token
        if path.endswith("/auth/logout"):
            token = sign_in()  # signing out revokes the token it is sent with
        headers = {"Authorization": f"Bearer {token}", "Accept-Language": language}
        try:
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS, headers=headers)
        finally:
            ctx.clock.set(START)  # a generated POST /admin/clock must not expire the token of the next example

    example()
