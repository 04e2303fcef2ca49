"""The REST API (`/api/v1`): one flask-smorest blueprint per resource family."""

from __future__ import annotations

import json

from flask import current_app, request
from flask_smorest import Api

from engine.context import EngineContext

from ..schemas import Error


class RestApi(Api):
    """flask-smorest's Api documenting our error body (api/errors.py) instead of its own."""

    ERROR_SCHEMA = Error


def current_engine() -> EngineContext:
    return current_app.extensions["cadreflow"]


def json_body():
    """The request's JSON body, or None (not JSON, or malformed): the domain's schema then names
    what is missing, as for any other wrong body (registry resources validate the raw body)."""
    return request.get_json(silent=True) if request.mimetype == "application/json" else None


def paging_header(blueprint, page: int, per_page: int, total: int) -> dict:
    """The X-Pagination header (flask-smorest's format): total, total_pages, page, next_page, ..."""
    return {"X-Pagination": json.dumps(blueprint._make_pagination_metadata(page, per_page, total))}


def paged(blueprint, paging: dict, fetch) -> tuple:
    """A list endpoint's answer: the page `paging` asks for of `fetch(page=, per_page=)`, which gives
    (rows, count of all), with its X-Pagination header."""
    page, per_page = paging["page"], paging["per_page"]
    rows, total = fetch(page=page, per_page=per_page)
    return rows, 200, paging_header(blueprint, page, per_page, total)


def register(api: Api, engine: EngineContext) -> None:
    from . import admin, audit, auth, cases, persons, procedures, tasks, units

    for module in (auth, procedures, cases, tasks, audit, admin, persons, units):
        api.register_blueprint(module.blp)
    if getattr(engine.clock, "settable", False):
        api.register_blueprint(admin.test_clock_blp)
