"""Drives cases over the REST API with the demo users' tokens (a backend for workflows.demo.Driver)."""

from __future__ import annotations

from datetime import UTC, datetime

from engine.actors import Actor


class ApiError(Exception):
    def __init__(self, status: int, body: dict):
        super().__init__(f"HTTP {status}: {body}")
        self.status, self.body = status, body

    @property
    def error(self) -> dict:
        return self.body.get("error", {})


class HttpBackend:
    def __init__(self, client, ensure_user, language: str = "zh-CN"):
        self.client = client
        self.ensure_user = ensure_user  # creates a demo user (password = name) on first use
        self.language = language
        self.tokens: dict[str, str] = {}
        self._now: datetime | None = None

    def token(self, username: str) -> str:
        if username not in self.tokens:
            self.ensure_user(username)
            response = self.client.post("/api/v1/auth/token", json={"username": username, "password": username})
            assert response.status_code == 200, response.json
            self.tokens[username] = response.json["token"]
        return self.tokens[username]

    def call(self, method: str, path: str, username: str | None, body=None, _retried=False, **kw):
        extra_headers = kw.pop("headers", {})
        headers = {"Accept-Language": self.language, **extra_headers}
        if username:
            headers["Authorization"] = f"Bearer {self.token(username)}"
        response = self.client.open(path, method=method, json=body, headers=headers, **kw)
        if response.status_code == 401 and username and not _retried:
            self.tokens.pop(username, None)  # expired on the moved test clock: sign in again, as a client would
            return self.call(method, path, username, body, True, headers=extra_headers, **kw)
        if response.status_code >= 400:
            raise ApiError(response.status_code, response.json or {})
        return response.json if response.data else None

    # --- the Driver's backend interface -------------------------------------------------------------
    def start(self, procedure: str, data: dict, actor: Actor) -> dict:
        return self.call("POST", "/api/v1/cases", actor.username, {"procedure": procedure, "data": data})

    def complete(self, task_id: str, actor: Actor, data: dict, comment: str | None = None, **_kw) -> dict:
        return self.call("POST", f"/api/v1/tasks/{task_id}/complete", actor.username,
                         {"data": data, "comment": comment})

    def get(self, case_id: int) -> dict:
        return self.call("GET", f"/api/v1/cases/{case_id}", "auditor1")

    def message(self, case_id: int, name: str, payload: dict, actor: Actor, role: str) -> dict:
        return self.call("POST", f"/api/v1/cases/{case_id}/messages", actor.username, {"name": name, "data": payload})

    def now(self) -> datetime:
        return self._now or datetime(2000, 1, 1, tzinfo=UTC)

    def set_clock(self, moment: datetime) -> None:
        self._now = moment
        self.call("POST", "/api/v1/admin/clock", "admin1", {"now": moment.isoformat()})

    def fire_timers(self) -> list[int]:
        return self.call("POST", "/api/v1/admin/timers/run", "admin1")["fired"]
