"""The web application for clerks, auditors and BPMN editors: server-rendered pages (Jinja),
sessions (Flask-Login), CSRF on every form (Flask-WTF), Chinese first and English (Flask-Babel)."""

from __future__ import annotations

from flask import Flask, request, session
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from engine.users import get_actor

from .catalog import compile_catalogs
from .users import WebUser

LANGUAGES = ["zh_CN", "en"]
csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "web.login"


def select_locale() -> str:
    return session.get("lang") or request.accept_languages.best_match(LANGUAGES, default="zh_CN") or "zh_CN"


@login_manager.user_loader
def load_user(username: str):
    from flask import current_app

    actor = get_actor(current_app.extensions["cadreflow"], username, active_only=True)  # deactivation ends sessions
    return WebUser(actor) if actor else None


def init_app(app: Flask) -> None:
    compile_catalogs(app.root_path)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "zh_CN")
    Babel(app, locale_selector=select_locale)
    csrf.init_app(app)
    login_manager.init_app(app)
    from . import admin, auditor, editor, pages, session_views

    for module in (session_views, pages, auditor, editor, admin):
        module.register(app)
    from . import helpers

    app.jinja_env.globals.update(helpers.template_globals())
    from ..timefmt import beijing

    app.jinja_env.filters["beijing"] = beijing  # {{ event.at|beijing }}: UTC stored, Beijing time shown
