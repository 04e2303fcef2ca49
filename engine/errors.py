"""Errors the engine raises; the API maps each family to one HTTP status."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, OperationalError

# What the database driver raises (SQLAlchemy's wrapper): the doors register a handler for it.
DatabaseError = DBAPIError


def connection_lost(exc: DatabaseError) -> bool:
    """Did the database go away under the request (terminated connection, restarting server), rather
    than refuse the statement? Then the step's transaction did not commit (or, cut off at COMMIT, is
    visible on reload): a 503 to retry, not a 500."""
    return isinstance(exc, OperationalError) or exc.connection_invalidated


class EngineError(Exception):
    """Base class. `code` is the stable machine-readable name used in API errors."""

    code = "engine_error"

    def __init__(self, message: str, *, message_zh: str | None = None, details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.message_zh = message_zh or message
        self.details = details or {}

    def localized(self, locale: str) -> str:
        return self.message_zh if locale.startswith("zh") else self.message


class NotFound(EngineError):
    code = "not_found"


class Conflict(EngineError):
    """The case changed underneath the step, or the task/message is no longer awaited (HTTP 409)."""

    code = "conflict"


class Forbidden(EngineError):
    """The actor may not do this: wrong role, recusal, read-only role (HTTP 403)."""

    code = "forbidden"


class ValidationFailed(EngineError):
    """Input rejected before anything changed (HTTP 422). `fields` maps a field path to its message."""

    code = "validation_failed"

    def __init__(self, message: str, fields: dict | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.fields = fields or {}


class ProcedureInvalid(ValidationFailed):
    """A BPMN file failed validation; `problems` lists {file, element, message, message_zh}."""

    code = "procedure_invalid"

    def __init__(self, problems: list[dict]):
        lines = "; ".join(_describe(p) for p in problems[:20])
        lines_zh = "；".join(_describe(p, "message_zh") for p in problems[:20])
        super().__init__(f"the procedure is invalid: {lines}", message_zh=f"流程定义无效：{lines_zh}")
        self.problems = problems
        self.fields = {_where(p): p["message"] for p in problems}
        self.fields_zh = {_where(p): p.get("message_zh") or p["message"] for p in problems}

    def localized_fields(self, locale: str) -> dict:
        return self.fields_zh if locale.startswith("zh") else self.fields


def _where(problem: dict) -> str:
    return problem.get("element") or problem.get("file") or "bpmn"


def _describe(problem: dict, key: str = "message") -> str:
    return f"{_where(problem)}: {problem.get(key) or problem['message']}"
