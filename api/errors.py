"""Every error as {"error": {"code", "message", "fields"?}}, in the caller's language; never a trace."""

from __future__ import annotations

import json
import logging
import re

from flask import Flask, jsonify, request
from werkzeug.exceptions import BadRequest, HTTPException

from engine.access import TooManyAttempts, Unauthorized
from engine.errors import (
    Conflict,
    DatabaseError,
    EngineError,
    Forbidden,
    NotFound,
    ValidationFailed,
    connection_lost,
)
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


def one_language(message, english: bool | None = None):
    """The caller's half of an engine message written "English / 中文" (`english`: the web page's
    language; default: the request's Accept-Language)."""
    found = _BILINGUAL.fullmatch(message) if isinstance(message, str) else None
    if not found:
        return message
    return say(found["en"], found["zh"]) if english is None else found["en" if english else "zh"]


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


# --- hostile input: refused as 400 before any view (or the database) sees it ------------------------------

MAX_JSON_DEPTH = 64  # no request body of this API nests deeper than 5 levels
# U+0000 cannot be stored in PostgreSQL text; a lone surrogate cannot be encoded as UTF-8 at all.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class UnreadableInput(BadRequest):
    """A request a client may send but no view can use: the message says why, in both languages."""

    def __init__(self, en: str, zh: str):
        super().__init__(en)
        self.messages = (en, zh)


def _no_nul() -> UnreadableInput:
    return UnreadableInput("text in the request may not contain U+0000 (NUL) or unpaired surrogate characters",
                           "请求中的文本不得包含 U+0000（NUL）字符或不成对的代理字符")


def _not_json() -> UnreadableInput:
    return UnreadableInput("the request body is not valid JSON (RFC 8259: UTF-8, no NaN or Infinity, "
                           "integers of at most 4300 digits)",
                           "请求体不是有效的 JSON（RFC 8259：UTF-8 编码，不含 NaN、Infinity，整数不超过 4300 位）")


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def check_json_body(raw: bytes) -> None:
    """Raise UnreadableInput for a JSON body the views' parsers would choke on (a 500): nesting deeper
    than MAX_JSON_DEPTH (or than Python's recursion limit), integers past Python's 4300-digit limit,
    NaN/Infinity, NUL characters and lone surrogates; and, as those parsers do, for malformed JSON."""
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except RecursionError:
        value = None
        deep = True
    except ValueError:  # malformed, not UTF-8 (UnicodeDecodeError), too many digits, NaN
        raise _not_json() from None
    else:
        deep = False
    todo = [(value, 1)]
    while todo and not deep:
        item, depth = todo.pop()
        if isinstance(item, dict | list):
            if depth > MAX_JSON_DEPTH:
                deep = True
            elif isinstance(item, dict):
                if any(_UNSTORABLE.search(key) for key in item):
                    raise _no_nul()
                todo += [(v, depth + 1) for v in item.values()]
            else:
                todo += [(v, depth + 1) for v in item]
        elif isinstance(item, str) and _UNSTORABLE.search(item):
            raise _no_nul()
    if deep:
        raise UnreadableInput(f"the JSON body is nested more than {MAX_JSON_DEPTH} levels deep",
                              f"JSON 请求体嵌套超过 {MAX_JSON_DEPTH} 层")


def refuse_unreadable_input():
    """before_request: NUL in the path, the query or a form field, and unusable JSON bodies, are a 400
    here rather than a database error (500) further on. Reading the body here also applies
    MAX_CONTENT_LENGTH (413) before anything else does."""
    if request.url_rule is None:
        return  # a 404 or 405, whatever the body
    if "\x00" in request.path or any("\x00" in k or "\x00" in v for k, v in request.args.items(multi=True)):
        raise _no_nul()
    if request.is_json:
        raw = request.get_data(cache=True)
        if raw:
            check_json_body(raw)
    elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data") and any(
            "\x00" in (k or "") or "\x00" in (v or "") for k, v in request.form.items(multi=True)):  # a part may lack a name
        raise _no_nul()


def _web_message(exc: HTTPException) -> str:
    """The error page's message in the page's language (the session's choice, as every page)."""
    from .web.helpers import english

    def _say(en: str, zh: str) -> str:
        return en if english() else zh

    if isinstance(exc, UnreadableInput):
        return _say(*exc.messages)
    messages = {400: _say("The request could not be read.", "请求无法解析。"),
                403: _say("You may not open this page.", "您无权访问此页面。"),
                404: _say("No such page.", "页面不存在。"),
                413: _say("The request is too large (at most 6 MB; a form field at most 500 KB).",
                          "请求内容过大（不超过 6 MB；单个表单字段不超过 500 KB）。")}
    return messages.get(exc.code, exc.name)


def http_error(exc: HTTPException):
    if not request.path.startswith("/api/"):  # the web pages answer in HTML
        from flask import render_template

        if request.is_json:  # the modeler's deploy call: its own JSON error format
            return jsonify({"message": _web_message(exc), "problems": []}), exc.code
        return render_template("error.html", code=exc.code, message=_web_message(exc)), exc.code
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
    if isinstance(exc, UnreadableInput):
        en, zh = exc.messages
    return error_response(exc.code or 500, code, say(en, zh))


def unexpected(exc: Exception):
    log.exception("unexpected error")
    return error_response(500, "internal_error", say("an unexpected error occurred; it has been logged",
                                                     "服务器内部错误，已记录"))


def database_unavailable(exc: DatabaseError):
    """The database went away under the request (engine.errors.connection_lost): 503, not a 500."""
    if not connection_lost(exc):
        return unexpected(exc)
    log.warning("database unavailable: %s", str(exc.orig or exc).strip().splitlines()[0])
    response = error_response(503, "database_unavailable",
                              say("the database is unavailable or the connection was lost; reload and try again",
                                  "数据库暂不可用或连接中断，请刷新后重试"))
    response.headers["Retry-After"] = "1"
    return response


def register(app: Flask) -> None:
    app.before_request(refuse_unreadable_input)  # after authentication: a stranger gets 401 whatever he sends
    app.register_error_handler(EngineError, engine_error)
    app.register_error_handler(DatabaseError, database_unavailable)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected)
