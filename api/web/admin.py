"""Administration pages: users and their roles, the holiday calendar."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from sqlalchemy import select

from engine.storage.models import User

from .users import requires

bp = Blueprint("admin_pages", __name__, url_prefix="/admin")


def register(app) -> None:
    app.register_blueprint(bp)


def ctx():
    return current_app.extensions["cadreflow"]


@bp.get("/users")
@requires("admin")
def users():
    with ctx().unit_of_work() as uow:
        rows = list(uow.session.scalars(select(User).order_by(User.username)))
    return render_template("admin_users.html", users=rows)
