"""Web sessions: no key in the code, cookies a script or another site cannot use, a session the
server ends (sign-out, 30 idle minutes, deactivation) whatever cookie a browser replays.

On SQLite and PostgreSQL: the sessions live in the database (engine/sessions.py).
"""

from __future__ import annotations

import ast
import base64
import json
import random
import re
import subprocess
import zlib
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from itsdangerous import BadSignature

from api import create_app, engine_context
from api.keys import instance_key
from engine import sessions
from engine.clock import SettableClock
from engine.users import set_active
from tests.conftest import START, fresh_database
from workflows.demo import HEAD, demo_users, deploy

REPO = Path(__file__).resolve().parents[2]
BEHIND_SIGN_IN = "/admin/users"  # admin1's page; anyone else gets a 403, a stranger the sign-in page
OLD_SHIPPED_KEY = "dev-only-change-me"  # the fallback key main shipped until issue 11: a literal of this file


@pytest.fixture
def app(db_url, tmp_path, monkeypatch):
    return keyed_as_run(db_url, tmp_path, monkeypatch)


@pytest.fixture
def sqlite_app(request, tmp_path, monkeypatch):
    """For what does not depend on the storage: the signature of a cookie."""
    return keyed_as_run(fresh_database("sqlite", request, tmp_path), tmp_path, monkeypatch)


def keyed_as_run(db_url: str, tmp_path, monkeypatch):
    """The app keyed as `cadreflow run` keys it: no key in the environment, a random one made in
    the instance folder on first start."""
    monkeypatch.delenv("CADREFLOW_SECRET_KEY", raising=False)
    monkeypatch.setenv("CADREFLOW_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("CADREFLOW_TEST_CLOCK", "1")
    app = create_app({"DATABASE_URL": db_url, "TESTING": True, "WTF_CSRF_ENABLED": False})
    assert app.secret_key is None  # nothing ships in the code
    app.secret_key = instance_key(app.instance_path)
    ctx = engine_context(app)
    ctx.clock.set(START)
    deploy(ctx)
    demo_users(ctx)
    return app


@pytest.fixture
def wall(monkeypatch) -> SettableClock:
    """The sessions' wall clock, frozen so a test can let minutes pass."""
    clock = SettableClock(sessions._wall.now())
    monkeypatch.setattr(sessions, "_wall", clock)
    return clock


def sign_in(client, username: str):
    response = client.post("/login", data={"username": username, "password": username})
    assert response.status_code == 302, response.text
    return response


def cookie(client) -> str:
    return client.get_cookie("session").value


def payload(value: str) -> dict:
    """A Flask session cookie's content (readable by anyone: it is signed, not encrypted)."""
    body = value.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    return json.loads(zlib.decompress(raw) if value.startswith(".") else raw)


def signed(app, key: str, content: dict) -> str:
    """`content` as a session cookie signed with `key`, exactly as Flask signs its own."""
    forger = SimpleNamespace(secret_key=key.encode("utf-8", "surrogatepass"), config={"SECRET_KEY_FALLBACKS": None})
    return app.session_interface.get_signing_serializer(forger).dumps(content)


def opens(app, cookie_value: str, path: str = BEHIND_SIGN_IN) -> int:
    client = app.test_client()
    client.set_cookie("session", cookie_value)
    return client.get(path).status_code


# --- the cookie --------------------------------------------------------------------------------------

def test_the_session_cookie_is_httponly_samesite_and_secure_when_configured(app):
    client = app.test_client()
    headers = sign_in(client, "clerk1").headers.getlist("Set-Cookie")
    session_cookie = next(h for h in headers if h.startswith("session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie and "Secure" not in session_cookie
    assert not any(h.startswith("remember_token=") for h in headers)  # no remember-me cookie, ever
    app.config["SESSION_COOKIE_SECURE"] = True  # CADREFLOW_SECURE_COOKIES=1 behind HTTPS
    secure = next(h for h in sign_in(app.test_client(), "clerk1").headers.getlist("Set-Cookie")
                  if h.startswith("session="))
    assert "; Secure" in secure


def test_the_cookie_names_a_server_session_not_a_user(app):
    client = app.test_client()
    sign_in(client, "admin1")
    content = payload(cookie(client))
    assert content["_user_id"] != "admin1" and len(content["_user_id"]) >= 40
    assert client.get(BEHIND_SIGN_IN).status_code == 200
    # the right key and the user's name: still no page, there is no such session
    assert opens(app, signed(app, app.secret_key, {**content, "_user_id": "admin1"})) == 302
    # a remember-me cookie holding a live session's token opens nothing either: none is honoured
    remember = app.test_client()
    from flask_login.utils import encode_cookie

    with app.test_request_context():
        remember.set_cookie("remember_token", encode_cookie(content["_user_id"]))
    assert remember.get(BEHIND_SIGN_IN).status_code == 302


# --- no key anyone can read --------------------------------------------------------------------------

def repository_strings() -> list[str]:
    """Every string literal of the repository's source, template, script and config files (tracked
    or new), and every word of its non-Python files: the keys an attacker could try first."""
    names = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                           capture_output=True, text=True, check=True).stdout.split()
    found: set[str] = set()
    quoted = re.compile(r"""(?:"((?:[^"\\\n]|\\.){1,512})"|'((?:[^'\\\n]|\\.){1,512})'|`([^`]{1,512})`)""")
    for name in names:
        path = REPO / name
        if not path.is_file() or path.stat().st_size > 3_000_000:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # fonts, images
        if name.endswith(".py"):
            found.update(node.value for node in ast.walk(ast.parse(text)) if isinstance(node, ast.Constant)
                         and isinstance(node.value, str))
        else:
            found.update(s for match in quoted.findall(text) for s in match)
            found.update(text.split())
    return sorted(s for s in found if s.strip())


def test_a_cookie_forged_with_any_string_of_the_repository_opens_no_page(sqlite_app):
    app = sqlite_app
    client = app.test_client()
    sign_in(client, "admin1")
    content = payload(cookie(client))  # a real admin session's content: only the signature is forged
    assert opens(app, signed(app, app.secret_key, content)) == 200  # the forging itself is right
    candidates = repository_strings()
    assert OLD_SHIPPED_KEY in candidates and len(candidates) > 5000
    real = app.session_interface.get_signing_serializer(app)
    for key in candidates:  # the signature check, for every string
        with pytest.raises(BadSignature):
            real.loads(signed(app, key, content))
    # the whole way through the app (the page behind sign-in), for a sample and the likeliest keys
    likely = [s for s in candidates if any(w in s.lower() for w in ("key", "secret", "change", "dev", "password"))]
    sample = sorted(set(random.Random(11).sample(candidates, 200) + likely[:150] + [OLD_SHIPPED_KEY]))
    for key in sample:
        assert opens(app, signed(app, key, content)) == 302, key
        assert opens(app, signed(app, key, {"_user_id": "admin1", "_fresh": True})) == 302, key


# --- the server ends sessions ------------------------------------------------------------------------

def test_a_session_ends_after_the_idle_time_and_its_old_cookie_stays_refused(app, wall):
    client = app.test_client()
    sign_in(client, "admin1")
    captured = cookie(client)
    wall.advance(minutes=29)
    assert client.get(BEHIND_SIGN_IN).status_code == 200  # activity keeps it alive
    wall.advance(minutes=29)
    assert client.get(BEHIND_SIGN_IN).status_code == 200  # 58 minutes after sign-in, 29 idle
    wall.advance(minutes=30, seconds=1)
    page = client.get(BEHIND_SIGN_IN, follow_redirects=True)
    assert page.request.path == "/login" and "30 分钟无操作" in page.text
    assert opens(app, captured) == 302  # the cookie from before: refused by the server, not by its age
    wall.advance(days=-1)
    assert opens(app, captured) == 302  # an ended session stays ended whatever the clock says


def test_the_idle_time_is_configurable(app, wall):
    app.config["SESSION_IDLE_MINUTES"] = 5
    client = app.test_client()
    sign_in(client, "clerk1")
    wall.advance(minutes=4, seconds=59)
    assert client.get("/").status_code == 200
    wall.advance(minutes=5, seconds=1)
    assert client.get("/").status_code == 302


def test_sign_out_ends_the_session_for_every_copy_of_its_cookie(app):
    client = app.test_client()
    sign_in(client, "admin1")
    captured = cookie(client)
    assert opens(app, captured) == 200
    assert client.post("/logout").status_code == 302
    assert opens(app, captured) == 302


def test_sign_in_renews_the_session(app):
    client = app.test_client()
    client.get("/lang/en")
    sign_in(client, "clerk1")
    first = cookie(client)
    sign_in(client, "admin1")  # the same browser signs in again (here as someone else)
    second = cookie(client)
    assert payload(first)["_user_id"] != payload(second)["_user_id"]
    assert payload(second)["lang"] == "en"  # the language chosen before signing in stays
    assert opens(app, first, "/") == 302  # the session it came with has ended
    assert opens(app, second) == 200


def test_deactivating_a_user_ends_their_sessions(app):
    client = app.test_client()
    sign_in(client, "clerk1")
    assert client.get("/").status_code == 200
    set_active(engine_context(app), "clerk1", False, by=HEAD)
    assert client.get("/").status_code == 302


def test_idle_sessions_and_the_engine_clock_are_independent(app):
    """Moving a test deployment's case clock a week ahead (a publicity period) signs nobody out."""
    client = app.test_client()
    sign_in(client, "clerk1")
    engine_context(app).clock.set(START + timedelta(days=7))
    assert client.get("/").status_code == 200
