"""The Flask application: `create_app` wires configuration, the engine, the REST API and the CLI."""

from __future__ import annotations

import contextlib
import os

from flask import Flask, current_app, jsonify, request

from engine.context import EngineContext, close_one_connection, database_url, open_one_connection

from . import keys

MAX_REQUEST_BYTES = 6 * 1024 * 1024  # a BPMN upload of 5 MB plus its envelope


def create_app(test_config: dict | None = None) -> Flask:
    instance = os.environ.get("CADREFLOW_INSTANCE")
    app = Flask(__name__, instance_relative_config=True, instance_path=os.path.abspath(instance) if instance else None)
    app.config.from_mapping(
        SECRET_KEY=None,  # api/keys.py: from the environment or the instance folder, never from the code
        # web sessions: the cookie is unreadable to scripts, not sent by other sites' requests, and
        # (behind HTTPS) only over HTTPS; a session ends when idle (api/web/sessions.py)
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("CADREFLOW_SECURE_COOKIES") == "1",
        SESSION_IDLE_MINUTES=int(os.environ.get("CADREFLOW_SESSION_IDLE_MINUTES") or 30),
        DATABASE_URL=None,
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        API_TITLE="cadreflow",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {"description": "BPMN case engine for cadre selection (党政领导干部选拔任用). "
                                    "Send `Authorization: Bearer <token>` from POST /api/v1/auth/token; "
                                    "`Accept-Language: en` for English messages (default zh-CN)."},
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearer": []}],
        },
    )
    if test_config:
        app.config.update(test_config)
    if not app.config["SECRET_KEY"]:
        with contextlib.suppress(keys.KeyProblem):  # reported by the commands that serve: run, api.wsgi
            app.config["SECRET_KEY"] = keys.configured_key(app.instance_path)
    app.json.ensure_ascii = False  # Chinese stays readable in responses (UTF-8), not \uXXXX
    os.makedirs(app.instance_path, exist_ok=True)
    url = app.config["DATABASE_URL"] or database_url(app.instance_path)
    from workflows import build_registry

    app.extensions["cadreflow"] = EngineContext.from_url(url, registry=build_registry())

    from . import afterwards, auth, cli, docs, errors, rest, web

    afterwards.install(app)
    # one database connection per REST request: the token check and the step share it (and on
    # PostgreSQL one transaction), engine/storage/db.py OneConnection
    app.before_request(_one_connection_per_api_request)
    app.teardown_request(lambda _exc: close_one_connection())
    web.init_app(app)
    app.before_request(auth.authenticate_request)
    api = rest.RestApi(app)
    errors.register(app)  # after Api(app), which installs its own HTTPException handler in another format
    rest.register(api, app.extensions["cadreflow"])
    for name in ("auth", "procedures", "cases", "tasks", "audit", "admin", "persons", "units", "test_clock",
                 "api-docs"):
        if name in app.blueprints:  # the REST API authenticates with bearer tokens, not session cookies
            web.csrf.exempt(app.blueprints[name])
    app.register_blueprint(docs.bp)

    @app.get("/health")
    def health():
        return jsonify({"status": "ok"})

    cli.register(app)
    return app


def _one_connection_per_api_request() -> None:
    if request.path.startswith("/api/"):
        open_one_connection(current_app.extensions["cadreflow"].db_engine)


def engine_context(app: Flask) -> EngineContext:
    return app.extensions["cadreflow"]
