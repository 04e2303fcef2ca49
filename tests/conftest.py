"""Shared fixtures: every storage test runs on SQLite and on the real PostgreSQL.

PostgreSQL: the schema is migrated once into a template database; each test gets a fresh copy
(CREATE DATABASE ... TEMPLATE), so tests never see each other's rows. Locally a missing server
skips those tests; in CI (CI=true) it is a failure.
"""

from __future__ import annotations

import os
import secrets
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from engine.clock import SettableClock
from engine.context import EngineContext
from engine.migrations import upgrade

PG_ADMIN = os.environ.get("CADREFLOW_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # a Monday, 09:00 in Beijing
TEST_KEY = secrets.token_hex(32)  # the session key test apps get through test_config (none ships in the code)


def _pg_available() -> bool:
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def _pg_url(dbname: str) -> str:
    base = PG_ADMIN.rsplit("/", 1)[0]
    return f"{base}/{dbname}"


def _admin(sql: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_template():
    if not _pg_available():
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI and is not reachable at {PG_ADMIN}")
        pytest.skip("PostgreSQL not reachable (set CI=true to make this a failure)")
    name = f"cadreflow_tmpl_{os.getpid()}"
    _admin(f"DROP DATABASE IF EXISTS {name}")
    _admin(f"CREATE DATABASE {name}")
    upgrade(_pg_url(name))
    yield name
    _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def fresh_database(kind: str, request, tmp_path) -> str:
    """A migrated, empty database of `kind` for one test; returns its URL."""
    if kind == "sqlite":
        path = tmp_path / "case.sqlite"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    template = request.getfixturevalue("pg_template")
    name = f"cadreflow_t_{uuid.uuid4().hex[:12]}"
    _admin(f"CREATE DATABASE {name} TEMPLATE {template}")
    request.addfinalizer(lambda: _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    return _pg_url(name)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> str:
    return fresh_database(request.param, request, tmp_path)


@pytest.fixture
def postgres_url(request, tmp_path) -> str:
    return fresh_database("postgresql", request, tmp_path)


def make_ctx(url: str, registry=None) -> EngineContext:
    ctx = EngineContext.from_url(url, registry=registry, clock=SettableClock(START))
    return ctx


@pytest.fixture
def clock_start() -> datetime:
    return START
