"""`cadreflow run` as a real process on a free port: a case completed over real HTTP."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.api.http_backend import HttpBackend
from tests.conftest import START
from workflows.demo import Driver

CADREFLOW = Path(sys.executable).with_name("cadreflow")
REPO = Path(__file__).resolve().parents[2]


class UrllibClient:
    """The slice of Flask's test client that HttpBackend uses, over a real socket."""

    class Response:
        def __init__(self, status: int, data: bytes):
            self.status_code, self.data = status, data

        @property
        def json(self):
            return json.loads(self.data) if self.data else None

    def __init__(self, base: str):
        self.base = base

    def open(self, path, method="GET", json=None, headers=None):
        body = None if json is None else __import__("json").dumps(json).encode()
        request = urllib.request.Request(self.base + path, data=body, method=method, headers=dict(headers or {}))
        if body is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return self.Response(response.status, response.read())
        except urllib.error.HTTPError as error:
            return self.Response(error.code, error.read())

    def post(self, path, json=None):
        return self.open(path, "POST", json)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(base: str, process, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"cadreflow run exited with {process.returncode}: {process.stdout.read()}")
        try:
            with urllib.request.urlopen(base + "/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("cadreflow run did not answer within 30 s")


@pytest.fixture
def served(tmp_path):
    """`cadreflow run` on a fresh database: (its address, the process)."""
    env = {**os.environ, "CADREFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'served.sqlite'}",
           "CADREFLOW_TEST_CLOCK": "1", "CADREFLOW_INSTANCE": str(tmp_path / "instance")}
    env.pop("CADREFLOW_SECRET_KEY", None)  # as `make run`: the key is made in the instance folder
    for args in (["db", "upgrade"], ["deploy", str(REPO / "bpmn")], ["demo"]):
        subprocess.run([str(CADREFLOW), *args], env=env, check=True, capture_output=True, timeout=120, cwd=tmp_path)
    port = free_port()
    process = subprocess.Popen([str(CADREFLOW), "run", "--port", str(port), "--interval", "0.5"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process)
        yield base, process
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
def server(served):
    return served[0]


def test_run_serves_with_a_production_server_and_no_development_warning(served):
    base, process = served
    with urllib.request.urlopen(base + "/health", timeout=5) as response:
        assert response.headers["Server"] == "waitress"
    process.terminate()
    output, _ = process.communicate(timeout=10)
    assert "Serving on" in output, output
    assert "development server" not in output.lower(), output


def test_a_case_completed_over_real_http_with_the_embedded_timer_worker(server):
    http = HttpBackend(UrllibClient(server), ensure_user=lambda username: None)  # `cadreflow demo` made them
    http.set_clock(START)  # the driver's meeting dates are in March 2026
    d = Driver(http, position="区审计局局长")
    d.to_publicity()
    assert d.ready() == [] and d.case["next_due_at"]
    http.set_clock(datetime_after(d.case["next_due_at"]))
    # the worker thread of `cadreflow run` fires the timer on its own within a few passes
    for _ in range(60):
        if d.refresh()["tasks"]:
            break
        time.sleep(0.25)
    assert d.ready() == ["appoint"]
    d.appoint()
    assert (d.case["status"], d.case["outcome"]) == ("completed", "appointed")
    assert http.call("GET", f"/api/v1/cases/{d.id}/replay", "auditor1")["ok"] is True


def datetime_after(iso: str):
    from datetime import datetime, timedelta

    return datetime.fromisoformat(iso.replace("Z", "+00:00")) + timedelta(minutes=1)
