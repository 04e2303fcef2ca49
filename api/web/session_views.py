"""Sign in, sign out, the roles page, and the language switch."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from engine.access import TooManyAttempts, check_password

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
        login_user(WebUser(actor))
        target = request.args.get("next", "")
        return redirect(target if target.startswith("/") and not target.startswith("//") else url_for("pages.inbox"))
    return render_template("login.html", username="")


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    return redirect(url_for("web.login"))


@bp.get("/me")
@login_required
def me():
    return render_template("me.html", actor=current_user.actor)


@bp.get("/lang/<code>")
def language(code: str):
    session["lang"] = "en" if code == "en" else "zh_CN"
    target = request.args.get("next", "/")
    return redirect(target if target.startswith("/") and not target.startswith("//") else "/")
