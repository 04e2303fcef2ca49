"""Sign in, sign out, the roles page, and the language switch."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from engine.access import TooManyAttempts, check_password
from engine.sessions import end_session, open_session

from .users import WebUser

bp = Blueprint("web", __name__)


def register(app) -> None:
    app.register_blueprint(bp)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        ctx = current_app.extensions["cadreflow"]
        username = request.form.get("username", "").strip()
        try:
            actor = check_password(ctx, username, request.form.get("password", ""), request.remote_addr or "-")
        except TooManyAttempts:
            flash(_("Too many failed sign-ins: wait 15 minutes and try again."), "error")
            return render_template("login.html", username=username), 429
        if actor is None:
            flash(_("Wrong user name or password."), "error")
            return render_template("login.html", username=username), 401
        previous = session.get("_user_id")  # a session this browser had: it ends, a new one starts
        renew_session()
        login_user(WebUser(actor, open_session(ctx, actor, replaces=previous)))
        target = request.args.get("next", "")
        return redirect(target if target.startswith("/") and not target.startswith("//") else url_for("pages.inbox"))
    return render_template("login.html", username="")


@bp.post("/logout")
@login_required
def logout():
    end_session(current_app.extensions["cadreflow"], current_user.token)
    logout_user()
    renew_session()
    return redirect(url_for("web.login"))


def renew_session() -> None:
    """Nothing of the cookie a browser came with carries over a sign-in or sign-out, but its language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


@bp.get("/me")
@login_required
def me():
    return render_template("me.html", actor=current_user.actor)


@bp.get("/lang/<code>")
def language(code: str):
    session["lang"] = "en" if code == "en" else "zh_CN"
    target = request.args.get("next", "/")
    return redirect(target if target.startswith("/") and not target.startswith("//") else "/")
