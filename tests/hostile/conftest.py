"""The app for the hostile-request tests: procedures deployed, the demo users, CSRF left on."""

from __future__ import annotations

import re

import pytest

from api import create_app, engine_context
from tests.conftest import START, TEST_KEY, fresh_database
from workflows.demo import demo_users, deploy

V1 = "/api/v1"
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
TRACE = re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+|\w+Error: |\bsqlalchemy\.|werkzeug\.")
START_DATA = {"position": "区发改委主任", "unit": "区发改委", "post_count": 1, "rank": "正科级", "reason": "原主任退休"}


USERS = ("clerk1", "orghead1", "editor1", "admin1", "auditor1")


def make_app(db_url: str):
    with pytest.MonkeyPatch.context() as env:
        env.setenv("CADREFLOW_TEST_CLOCK", "1")  # read once, when the app is created
        app = create_app({"DATABASE_URL": db_url, "TESTING": True, "SECRET_KEY": TEST_KEY})  # CSRF on, as served
    ctx = engine_context(app)
    ctx.clock.set(START)
    deploy(ctx)
    demo_users(ctx, USERS)
    return app


@pytest.fixture
def app(db_url):
    """A fresh app per test, on SQLite and on PostgreSQL."""
    return make_app(db_url)


@pytest.fixture(scope="module")
def sqlite_app(request, tmp_path_factory):
    """One SQLite app for a whole module (its tests only add cases and versions, never rely on their absence)."""
    return make_app(fresh_database("sqlite", request, tmp_path_factory.mktemp("hostile")))


class Api:
    """Raw REST calls as a demo user: `api.call(method, path, user, lang=..., **client_kw)`."""

    def __init__(self, app):
        self.client = app.test_client()
        self.tokens: dict[str, str] = {}

    def token(self, user: str) -> str:
        if user not in self.tokens:
            response = self.client.post(f"{V1}/auth/token", json={"username": user, "password": user})
            assert response.status_code == 200, response.text
            self.tokens[user] = response.json["token"]
        return self.tokens[user]

    def call(self, method: str, path: str, user: str | None = None, *, lang: str = "zh", headers=None, **kw):
        sent = {"Accept-Language": "en" if lang == "en" else "zh-CN,zh;q=0.9", **(headers or {})}
        if user:
            sent["Authorization"] = f"Bearer {self.token(user)}"
        return self.client.open(path, method=method, headers=sent, **kw)


def assert_api_error(response, status: int, code: str, lang: str) -> dict:
    """`{"error": {"code", "message", ...}}` with `status`, in `lang`, no trace."""
    text = response.get_data(as_text=True)
    assert response.status_code == status, text[:500]
    assert response.mimetype == "application/json", text[:500]
    assert not TRACE.search(text), text[:500]
    error = response.get_json()["error"]
    assert error["code"] == code, error
    if lang == "zh":
        assert CJK.search(error["message"]), error
    else:
        assert not CJK.search(error["message"]), error
    return error


def signed_in(app, username: str, lang: str = "zh"):
    """A browser session (test client with cookies) signed in through the login form, with its CSRF token."""
    client = app.test_client()
    client.get(f"/lang/{'en' if lang == 'en' else 'zh_CN'}")
    token = csrf_token(client.get("/login").text)
    response = client.post("/login", data={"username": username, "password": username, "csrf_token": token})
    assert response.status_code == 302, response.text[:500]
    return client


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html) or re.search(
        r'<meta name="csrf-token" content="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)
