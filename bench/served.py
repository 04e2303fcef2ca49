"""What the HTTP benchmarks share: a scratch database with the loop procedure and a bench user,
a gunicorn server on it, and a small keep-alive HTTP client.

    with scratch_database(admin_url) as url:          # PostgreSQL (created and dropped) or SQLite
        prepare(url)                                   # migrate, deploy bench/loop_case.bpmn, user
        with gunicorn(url, workers=2) as base:         # http://127.0.0.1:PORT
            client = Client(base); client.sign_in()
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

REPO = Path(__file__).resolve().parents[1]
LOOP = REPO / "bench" / "loop_case.bpmn"
USER, PASSWORD = "bench_clerk", "bench-password-1"


@contextlib.contextmanager
def scratch_database(admin_url: str | None):
    """A new empty database: on PostgreSQL when `admin_url` is given (dropped afterwards), else SQLite."""
    if not admin_url:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.sqlite"
        return
    name = f"cadreflow_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def prepare(url: str) -> None:
    """Schema, the loop procedure and a clerk who signs in with a password (as the real app's users)."""
    from engine.actors import Actor
    from engine.context import EngineContext
    from engine.migrations import upgrade
    from engine.procedures import deploy_files
    from engine.users import create_user
    from workflows import build_registry

    upgrade(url)
    ctx = EngineContext.from_url(url, registry=build_registry())
    deploy_files(ctx, {LOOP.name: LOOP.read_text()}, Actor("bench", "bench", frozenset({"editor"})))
    create_user(ctx, USER, ["clerk", "org_head"], PASSWORD)
    ctx.db_engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(url: str, workers: int = 1, threads: int = 1):
    """gunicorn serving api.wsgi:app on a free port; yields its base URL, stops it afterwards."""
    port = free_port()
    env = {**os.environ, "CADREFLOW_DATABASE_URL": url, "PYTHONUNBUFFERED": "1",
           "CADREFLOW_SECRET_KEY": os.environ.get("CADREFLOW_SECRET_KEY") or secrets.token_hex(32)}
    env.pop("CADREFLOW_TEST_CLOCK", None)  # benchmarks run on the real clock
    # the server runs from a temporary folder: put this checkout first on its path, or it would import
    # whatever checkout the venv's editable install points at instead of the code being measured
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    args = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
            "--log-level", "warning", "--backlog", "256"]
    if threads > 1:
        args += ["--threads", str(threads)]
    with tempfile.TemporaryDirectory() as tmp:
        log = open(Path(tmp) / "gunicorn.log", "w+")  # noqa: SIM115 (closed below)
        process = subprocess.Popen([*args, "api.wsgi:app"], env=env, cwd=tmp, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base, process, log)
            yield base
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            process.wait(30)
            log.close()


def wait_until_up(base: str, process, log, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"gunicorn exited with {process.returncode}: {log.read()[-2000:]}")
        with contextlib.suppress(OSError):
            if Client(base).call("GET", "/health")[0] == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {seconds} s")


class Client:
    """One HTTP/1.1 connection, reopened when the server closes it (gunicorn's sync workers do)."""

    def __init__(self, base: str):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.conn: http.client.HTTPConnection | None = None
        self.token: str | None = None

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict | None]:
        headers = {"Accept-Language": "en"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                payload = response.read()
                if response.will_close:
                    self.conn.close()
                    self.conn = None
                return response.status, (json.loads(payload) if payload else None)
            except (ConnectionError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def sign_in(self) -> None:
        status, body = self.call("POST", "/api/v1/auth/token", {"username": USER, "password": PASSWORD})
        if status != 200:
            raise RuntimeError(f"sign-in failed: {status} {body}")
        self.token = body["token"]

    def start_loop_case(self, rounds: int = 10**6) -> dict:
        status, case = self.call("POST", "/api/v1/cases", {"procedure": "loop_case", "data": {},
                                                           "parameters": {"rounds": rounds}})
        if status != 201 and status != 200:
            raise RuntimeError(f"starting a case failed: {status} {case}")
        return case

    def complete(self, task_id: str) -> dict:
        """Complete the loop case's task (form approve_motion); returns the case with its next task."""
        status, case = self.call("POST", f"/api/v1/tasks/{task_id}/complete", {"data": {"decision": "approve"}})
        if status != 200:
            raise RuntimeError(f"completing a task failed: {status} {case}")
        return case
