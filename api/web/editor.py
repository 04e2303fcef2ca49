"""BPMN editors' pages: procedures and versions, the modeler, deploying, comparing versions."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from sqlalchemy import select

from engine.storage.models import ProcedureVersion

from .users import requires

bp = Blueprint("editor", __name__, url_prefix="/procedures")


def register(app) -> None:
    app.register_blueprint(bp)


def ctx():
    return current_app.extensions["cadreflow"]


@bp.get("/")
@requires("editor")
def procedures():
    with ctx().unit_of_work() as uow:
        rows = uow.session.execute(select(ProcedureVersion.key, ProcedureVersion.version, ProcedureVersion.name,
                                          ProcedureVersion.sha256, ProcedureVersion.deployed_at,
                                          ProcedureVersion.deployed_by)
                                   .order_by(ProcedureVersion.key, ProcedureVersion.version.desc())).all()
    grouped: dict[str, list] = {}
    for row in rows:
        grouped.setdefault(row.key, []).append(row)
    return render_template("procedures.html", grouped=grouped)
