"""Every error as {"error": {"code", "message", "fields"?}}, in the caller's language; never a trace."""

from __future__ import annotations

import logging
import re

from flask import Flask, jsonify, request
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from engine.access import TooManyAttempts, Unauthorized
from engine.errors import Conflict, EngineError, Forbidden, NotFound, ValidationFailed
from engine.steps import StepFailed

from .i18n import locale, marshmallow_message, say

log = logging.getLogger(__name__)

STATUS = [(Unauthorized, 401), (TooManyAttempts, 429), (Forbidden, 403), (NotFound, 404), (Conflict, 409),
          (ValidationFailed, 422), (StepFailed, 422)]


def error_response(status: int, code: str, message: str, fields: dict | None = None, **extra):
    body = {"code": code, "message": message, **extra}
    if fields:
        body["fields"] = fields
    response = jsonify({"error": body})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="cadreflow"'
    return response


# the engine writes some field messages in both languages: "required / 必须填写终止原因"
_BILINGUAL = re.compile(r"(?P<en>[^\u4e00-\u9fff]+?) / (?P<zh>.*[\u4e00-\u9fff].*)", re.S)


def one_language(message):
    found = _BILINGUAL.fullmatch(message) if isinstance(message, str) else None
    return say(found["en"], found["zh"]) if found else message


def engine_error(exc: EngineError):
    status = next((s for cls, s in STATUS if isinstance(exc, cls)), 400)
    localized = getattr(exc, "localized_fields", None)
    fields = localized(locale()) if localized else getattr(exc, "fields", None)
    fields = {path: one_language(message) for path, message in (fields or {}).items()} or None
    extra = {"errors": exc.problems} if hasattr(exc, "problems") else {}
    return error_response(status, exc.code, exc.localized(locale()), fields, **extra)


def flatten(messages, prefix="") -> dict[str, str]:
    """webargs/marshmallow nested messages -> {"a.b.0": "message"} in the caller's language."""
    found = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            found.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages):
        found[prefix or "_form"] = " ".join(marshmallow_message(m) for m in messages)
    elif isinstance(messages, list):
        for i, value in enumerate(messages):
            found.update(flatten(value, f"{prefix}.{i}"))
    else:
        found[prefix or "_form"] = marshmallow_message(str(messages))
    return found


def http_error(exc: HTTPException):
    if not request.path.startswith("/api/"):  # the web pages answer in HTML
        from flask import render_template

        from .i18n import say as _say

        messages = {403: _say("You may not open this page.", "您无权访问此页面。"),
                    404: _say("No such page.", "页面不存在。")}
        return render_template("error.html", code=exc.code, message=messages.get(exc.code, exc.name)), exc.code
    if exc.code == 422 and getattr(exc, "data", None):  # request schema validation (flask-smorest/webargs)
        messages = exc.data.get("messages", {})
        fields = {}
        for location_messages in messages.values():  # {"json": {...}, "query": {...}}
            fields.update(flatten(location_messages))
        return error_response(422, "validation_failed", say("the request is invalid", "请求数据无效"), fields)
    codes = {400: ("bad_request", "the request could not be read", "请求无法解析"),
             401: ("unauthorized", "sign in first", "请先登录"),
             404: ("not_found", "no such resource", "资源不存在"),
             405: ("method_not_allowed", "this method is not allowed here", "不支持该请求方法"),
             413: ("too_large", "the request body is too large", "请求内容过大"),
             415: ("unsupported_media_type", "unsupported content type", "不支持的内容类型")}
    code, en, zh = codes.get(exc.code, ("http_error", exc.description or exc.name, exc.name))
    return error_response(exc.code or 500, code, say(en, zh))


def unexpected(exc: Exception):
    log.exception("unexpected error")
    return error_response(500, "internal_error", say("an unexpected error occurred; it has been logged",
                                                     "服务器内部错误，已记录"))


def database_unavailable(exc: DBAPIError):
    """The database went away under the request (connection terminated, server restarting): the step's
    transaction was not committed (or, cut off at COMMIT, is visible on reload). 503, not a 500."""
    if not (isinstance(exc, OperationalError) or exc.connection_invalidated):
        return unexpected(exc)
    log.warning("database unavailable: %s", str(exc.orig or exc).strip().splitlines()[0])
    response = error_response(503, "database_unavailable",
                              say("the database is unavailable or the connection was lost; reload and try again",
                                  "数据库暂不可用或连接中断，请刷新后重试"))
    response.headers["Retry-After"] = "1"
    return response


def register(app: Flask) -> None:
    app.register_error_handler(EngineError, engine_error)
    app.register_error_handler(DBAPIError, database_unavailable)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected)
