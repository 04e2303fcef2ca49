"""The web application for clerks, auditors and BPMN editors: server-rendered pages (Jinja),
sessions (Flask-Login), CSRF on every form (Flask-WTF), Chinese first and English (Flask-Babel)."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, current_app, flash, request, session
from flask_babel import Babel
from flask_babel import gettext as _
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from engine.sessions import session_actor

from .catalog import compile_catalogs
from .users import WebUser

LANGUAGES = ["zh_CN", "en"]


class SessionLoginManager(LoginManager):
    """Flask-Login without remember-me: a remember cookie is never set nor read, so nothing
    outlives the server-side session (engine/sessions.py)."""

    def _load_user_from_remember_cookie(self, cookie):
        return None

    def _update_remember_cookie(self, response):
        return response


csrf = CSRFProtect()
login_manager = SessionLoginManager()
login_manager.login_view = "web.login"
login_manager.login_message = None  # the sign-in page says what it is; an ended session says so below


def select_locale() -> str:
    return session.get("lang") or request.accept_languages.best_match(LANGUAGES, default="zh_CN") or "zh_CN"


@login_manager.user_loader
def load_user(token: str):
    """The session's user, if the server still has the session (the cookie's user id is its token)."""
    idle = timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])
    actor = session_actor(current_app.extensions["cadreflow"], token, idle)
    if actor is None:
        session.pop("_user_id", None)
        flash(_("Your session has ended (signed out, or %(n)s minutes without activity). Sign in again.",
                n=current_app.config["SESSION_IDLE_MINUTES"]), "error")
        return None
    return WebUser(actor, token)


def init_app(app: Flask) -> None:
    compile_catalogs(app.root_path)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "zh_CN")
    Babel(app, locale_selector=select_locale)
    csrf.init_app(app)
    login_manager.init_app(app)
    from . import admin, auditor, editor, pages, registry, session_views

    for module in (session_views, pages, auditor, editor, admin, registry):
        module.register(app)
    from . import helpers

    app.jinja_env.globals.update(helpers.template_globals())
    from ..timefmt import beijing

    app.jinja_env.filters["beijing"] = beijing  # {{ event.at|beijing }}: UTC stored, Beijing time shown
