"""The session key as the product's commands handle it, in real processes: `gunicorn api.wsgi:app`
refuses to start without one and says how to set one; `cadreflow run` makes one (mode 0600) in
the instance folder on its first start and keeps it."""

from __future__ import annotations

import os
import re
import secrets
import stat
import subprocess
import sys
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask.sessions import SecureCookieSessionInterface

from tests.api.test_server_process import CADREFLOW, free_port, wait_until_up

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]


def environment(tmp_path, **extra) -> dict:
    env = {**os.environ, "CADREFLOW_INSTANCE": str(tmp_path / "instance"),
           "CADREFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'keys.sqlite'}", **extra}
    for name in ("CADREFLOW_SECRET_KEY", "CADREFLOW_TEST_CLOCK", "CADREFLOW_TEST_CLOCK_FILE"):
        if name not in extra:
            env.pop(name, None)
    return env


def load_wsgi(env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "import api.wsgi"], env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=120)


def test_gunicorn_without_a_key_exits_saying_how_to_set_one(tmp_path):
    server = subprocess.run([str(BIN / "gunicorn"), "-w", "1", "-b", f"127.0.0.1:{free_port()}", "api.wsgi:app"],
                            env=environment(tmp_path), cwd=REPO, capture_output=True, text=True, timeout=120)
    assert server.returncode == 4  # gunicorn: "App failed to load.", the master stops (no respawning)
    said = server.stderr
    assert "refusing to start" in said and "CADREFLOW_SECRET_KEY" in said
    assert str(tmp_path / "instance" / "secret_key") in said and "cadreflow run" in said
    assert not (tmp_path / "instance" / "secret_key").exists()  # the server makes no key of its own


def test_wsgi_refuses_a_short_key_and_a_key_file_others_may_read(tmp_path):
    short = load_wsgi(environment(tmp_path, CADREFLOW_SECRET_KEY="too-short"))
    assert short.returncode == 4 and "shorter than 32 characters" in short.stderr
    key_file = tmp_path / "instance" / "secret_key"
    key_file.parent.mkdir(exist_ok=True)  # create_app made it
    key_file.write_text(secrets.token_hex(32))
    key_file.chmod(0o644)
    loose = load_wsgi(environment(tmp_path))
    assert loose.returncode == 4 and f"chmod 600 {key_file}" in loose.stderr
    key_file.chmod(0o600)
    assert load_wsgi(environment(tmp_path)).returncode == 0
    assert load_wsgi(environment(tmp_path, CADREFLOW_SECRET_KEY=secrets.token_hex(32))).returncode == 0


def session_cookie(base: str) -> str:
    with urllib.request.urlopen(base + "/login", timeout=30) as response:  # the sign-in form sets a CSRF session
        header = response.headers.get("Set-Cookie", "")
    return re.match(r"session=([^;]+)", header).group(1)


def signs(key: str, cookie: str) -> bool:
    app = SimpleNamespace(secret_key=key, config={"SECRET_KEY_FALLBACKS": None})
    try:
        SecureCookieSessionInterface().get_signing_serializer(app).loads(cookie)
    except Exception:
        return False
    return True


@pytest.fixture
def run(tmp_path):
    """run() starts `cadreflow run` on a fresh port (as `make run` does) and returns its base URL."""
    env = environment(tmp_path)
    subprocess.run([str(CADREFLOW), "db", "upgrade"], env=env, check=True, capture_output=True, timeout=120)
    started = []

    def start() -> str:
        port = free_port()
        process = subprocess.Popen([str(CADREFLOW), "run", "--port", str(port)], env=env, cwd=tmp_path,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        started.append(process)
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base, process)
        return base

    yield start, started
    for process in started:
        process.terminate()
        process.wait(10)


def test_cadreflow_run_makes_a_private_key_once_and_keeps_it(run, tmp_path):
    start, started = run
    key_file = tmp_path / "instance" / "secret_key"
    assert not key_file.exists()
    cookie = session_cookie(start())
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    assert len(key) == 64 and signs(key, cookie)
    started[0].terminate()
    started[0].wait(10)
    later = session_cookie(start())  # the second start reuses the key: cookies signed before stay valid
    assert key_file.read_text().strip() == key and signs(key, later)
    assert not signs(secrets.token_hex(32), later)
