"""The Flask app on a fresh database (SQLite and PostgreSQL), procedures deployed, test clock on."""

from __future__ import annotations

import pytest

from api import create_app, engine_context
from engine.users import create_user, get_actor
from tests.api.http_backend import HttpBackend
from tests.conftest import START, TEST_KEY
from workflows import DEMO_USERS
from workflows.demo import deploy


@pytest.fixture
def app(db_url, monkeypatch):
    monkeypatch.setenv("CADREFLOW_TEST_CLOCK", "1")
    app = create_app({"DATABASE_URL": db_url, "TESTING": True, "SECRET_KEY": TEST_KEY})
    ctx = engine_context(app)
    ctx.clock.set(START)
    deploy(ctx)
    return app


@pytest.fixture
def ensure_user(app):
    ctx = engine_context(app)

    def ensure(username: str) -> None:
        if get_actor(ctx, username) is None:
            display, roles = DEMO_USERS.get(username, (username, []))
            create_user(ctx, username, roles, username, display, demo=True)

    return ensure


@pytest.fixture
def http(app, ensure_user) -> HttpBackend:
    return HttpBackend(app.test_client(), ensure_user)
