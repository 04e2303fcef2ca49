"""Fault tests: real server and worker processes on PostgreSQL, killed, cut off and hammered.

Each test gets a fresh migrated PostgreSQL database (tests/conftest.py; a missing server fails
under CI=true). Cases are prepared in-process through the engine, then the real `gunicorn
api.wsgi:app` / `cadreflow worker` processes are started against the same database, each in its
own process group so that a SIGKILL takes the whole group (master and workers) at once.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select

from engine import audit
from engine.clock import SettableClock
from engine.context import EngineContext
from engine.replay import replay
from engine.storage.models import AuditEvent, Case, CaseTask
from tests.conftest import START, TEST_KEY
from workflows import build_registry
from workflows.demo import NOMINEES, demo_users, deploy, nominee

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]

# --- the database ----------------------------------------------------------------------------------


def engine_ctx(url: str, clock=None) -> EngineContext:
    """An in-process engine on `url` with the application's registry (the same one the server uses)."""
    return EngineContext.from_url(url, registry=build_registry(), clock=clock or SettableClock(START))


@pytest.fixture
def served_db(postgres_url) -> str:
    """A fresh database with bpmn/ deployed and the demo users (password = user name)."""
    ctx = engine_ctx(postgres_url)
    deploy(ctx)
    demo_users(ctx)
    ctx.db_engine.dispose()
    return postgres_url


def admin_connect(url: str, **kw) -> psycopg.Connection:
    return psycopg.connect(url, connect_timeout=10, **kw)


def terminate_backends(url: str) -> int:
    """pg_terminate_backend every other session on the test database; returns how many."""
    with admin_connect(url, autocommit=True) as conn:
        return conn.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                            "WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchone()[0]


def wait_for_lock_waiter(url: str, like: str, seconds: float = 60) -> int:
    """The pid of a session on the test database waiting on a lock with a query LIKE `like`."""
    deadline = time.monotonic() + seconds
    with admin_connect(url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                               "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock' AND query LIKE %s",
                               (like,)).fetchone()
            if row:
                return row[0]
            time.sleep(0.05)
    raise AssertionError(f"no session blocked on a lock running {like!r} within {seconds} s")


def completed_events(ctx, task_id: str | None = None) -> list[AuditEvent]:
    with ctx.unit_of_work() as uow:
        query = select(AuditEvent).where(AuditEvent.action == "task_completed")
        if task_id is not None:
            query = query.where(AuditEvent.task_id == task_id)
        return list(uow.session.scalars(query.order_by(AuditEvent.id)))


def assert_trail_consistent(ctx) -> None:
    """No half-written step anywhere: chains verify, each case row matches the head of its stream,
    no task was completed twice, no completed task is still listed as ready, and every case replays."""
    with ctx.unit_of_work() as uow:
        s = uow.session
        report = audit.verify(s)
        assert report.ok, report.problems
        case_ids = []
        for case in s.scalars(select(Case).order_by(Case.id)):
            last = s.scalars(select(AuditEvent).where(AuditEvent.stream == audit.case_stream(case.id))
                             .order_by(AuditEvent.seq.desc()).limit(1)).one()
            case_ids.append(case.id)
            assert (case.last_seq, case.head_hash, case.state_hash) == (last.seq, last.hash, last.state_hash), case.id
        twice = s.execute(select(AuditEvent.task_id, func.count()).where(AuditEvent.action == "task_completed")
                          .group_by(AuditEvent.task_id).having(func.count() > 1)).all()
        assert twice == [], f"tasks completed more than once: {twice}"
        stale = s.scalars(select(CaseTask.id).where(CaseTask.id.in_(
            select(AuditEvent.task_id).where(AuditEvent.action == "task_completed")))).all()
        assert stale == [], f"completed tasks still listed as ready: {stale}"
    for case_id in case_ids:
        result = replay(ctx, case_id)
        assert result.ok, (case_id, result.mismatches)


# --- processes ---------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Process:
    """A server or worker subprocess in its own session (process group), logging to a file."""

    def __init__(self, args: list[str], url: str, log: Path, **env):
        self.args, self.log = args, log
        self.env = {**os.environ, "CADREFLOW_DATABASE_URL": url, **env}
        for name in ("CADREFLOW_TEST_CLOCK", "CADREFLOW_TEST_CLOCK_FILE"):  # the system clock, as in production
            self.env.pop(name, None)
        self.env.update(env)
        self.proc: subprocess.Popen | None = None

    def start(self) -> Process:
        with open(self.log, "ab") as out:
            out.write(f"--- start {' '.join(self.args)}\n".encode())
            out.flush()
            self.proc = subprocess.Popen(self.args, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, cwd=REPO, start_new_session=True)
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill9(self) -> None:
        """SIGKILL the whole process group: no handler, no cleanup, no graceful shutdown."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # the group's other members (gunicorn workers) are gone too
            try:
                os.killpg(self.proc.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        raise AssertionError(f"process group {self.proc.pid} survived SIGKILL")

    def stop(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(15)
        else:  # the leader exited; make sure no member of its group lingers
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


class Server(Process):
    """`gunicorn api.wsgi:app` (the README's production command) on a fixed port, restartable."""

    def __init__(self, url: str, log: Path, workers: int = 2, threads: int = 4):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        super().__init__([str(BIN / "gunicorn"), "-w", str(workers), "--threads", str(threads),
                          "-b", f"127.0.0.1:{self.port}", "--timeout", "120", "--graceful-timeout", "3",
                          "api.wsgi:app"], url, log, CADREFLOW_SECRET_KEY=TEST_KEY)

    def start(self, seconds: float = 90) -> Server:
        super().start()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if not self.alive():
                raise AssertionError(f"the server exited with {self.proc.returncode}:\n{self.output()[-3000:]}")
            try:
                with urllib.request.urlopen(self.base + "/health", timeout=5) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"the server did not answer within {seconds} s:\n{self.output()[-3000:]}")


@pytest.fixture
def processes(tmp_path):
    """Start processes through this list; whatever is still running at the end is stopped."""
    started: list[Process] = []
    yield started
    for p in started:
        p.stop()


# --- a small HTTP client ----------------------------------------------------------------------------


class Unreachable(Exception):
    """The request got no HTTP answer (refused, reset, cut off, timed out)."""


def call(base: str, method: str, path: str, token: str | None = None, body=None,
         timeout: float = 60) -> tuple[int, dict | list | None]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Accept-Language", "en")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    except (OSError, http.client.HTTPException) as error:  # URLError, reset, RemoteDisconnected, timeout
        raise Unreachable(repr(error)) from error
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, {"not_json": raw[:500].decode(errors="replace")}


def sign_in(base: str, *usernames: str) -> dict[str, str]:
    tokens = {}
    for username in usernames:
        status, body = call(base, "POST", "/api/v1/auth/token", body={"username": username, "password": username})
        assert status == 200, body
        tokens[username] = body["token"]
    return tokens


# --- typical data for each step of cadre_selection (as workflows.demo.Driver enters it) ---------------


def step_for(task: dict) -> tuple[str, dict]:
    """(user name, form data) completing `task` of bpmn/cadre_selection.bpmn on its main path."""
    element = task["element_id"]
    if element == "approve_motion":
        return "orghead1", {"decision": "approve", "comment": "同意启动"}
    if element == "nominate":
        return "clerk1", {"nominees": [nominee(n) for n in NOMINEES]}
    if element == "qualification_review":  # typed nominees have no records: attest what the file shows
        missing = [{"person_id": n["person_id"], "rule": c["rule"], "note": "经查阅干部人事档案，符合要求"}
                   for n in task["prefill"]["qualification"]["nominees"] for c in n["checks"]
                   if c["verdict"] == "missing"]
        return "clerk1", {"attested": missing, "comment": ""}
    if element == "meeting_recommendation":
        return "clerk1", {"meeting_date": "2026-03-10", "expected": 30, "present": 30, "ballots_issued": 30,
                          "ballots_returned": 30, "valid_ballots": 30,
                          "votes": {"张三": 25, "李四": 18, "王五": 10}}
    if element == "talk_recommendation":
        return "clerk1", {"interviewed": 12, "mentions": {NOMINEES[0]: 8}, "summary": "普遍认可"}
    if element == "confirm_candidates":
        return "orghead1", {"candidates": ["张三", "李四"], "overrides": [], "comment": ""}
    if element == "inspection":
        return "inspector1", {"team": ["inspector1", "inspector2"], "leader": "inspector1", "archive_review": "pass",
                              "personal_matters": "pass", "petition_check": "none",
                              "evaluation": {"excellent": 20, "competent": 8, "basically_competent": 1,
                                             "incompetent": 1},
                              "findings": "政治坚定，实绩突出", "conclusion": "recommend"}
    if element == "integrity_opinion":
        return "discipline1", {"opinion": "clear", "comment": ""}
    if element == "deliberation":
        return "orghead1", {"proposed": ["张三"], "consulted": ["区委书记", "区长"], "justifications": {}}
    if element == "committee_decision":
        return "secretary1", {"meeting_date": "2026-03-30", "members_due": 9, "members_present": 9, "recused": [],
                              "principal_spoke_last": True,
                              "results": {"张三": {"agree": 8, "disagree": 1, "defer": 0}}}
    if element == "appoint":
        return "clerk1", {"notice_number": "区委〔2026〕12号", "effective_date": "2026-04-15", "talk_by": "orghead1",
                          "probation": False}
    raise AssertionError(f"no typical data for {element}")


STEP_USERS = ("clerk1", "orghead1", "inspector1", "discipline1", "secretary1", "auditor1")
