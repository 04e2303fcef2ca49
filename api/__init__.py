"""The Flask application: `create_app` wires configuration, the engine and the blueprints."""

from __future__ import annotations

import os

from flask import Flask, jsonify

from engine.context import EngineContext
from engine.storage.db import database_url


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("CADREFLOW_SECRET_KEY", "dev-only-change-me"),
        DATABASE_URL=None,
    )
    if test_config:
        app.config.update(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    url = app.config["DATABASE_URL"] or database_url(app.instance_path)
    from workflows import build_registry

    app.extensions["cadreflow"] = EngineContext.from_url(url, registry=build_registry())

    @app.get("/health")
    def health():
        return jsonify({"status": "ok"})

    from . import cli

    cli.register(app)
    return app


def engine_context(app: Flask) -> EngineContext:
    return app.extensions["cadreflow"]
