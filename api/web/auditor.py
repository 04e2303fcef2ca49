"""Auditors' pages: a case's timeline, step-through replay, verification, exports (JSON, CSV, PDF)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import get_locale

from engine import audit
from engine.records import record_csv, responsibility_record
from engine.replay import replay

from .users import requires

bp = Blueprint("auditor", __name__, url_prefix="/audit")


def register(app) -> None:
    app.register_blueprint(bp)


def ctx():
    return current_app.extensions["cadreflow"]


def lang() -> str:
    return "en" if str(get_locale()).startswith("en") else "zh-CN"


@bp.get("/")
@requires("auditor", "org_head")
def overview():
    from engine import cases

    items, total = cases.list_cases(ctx(), page=1, per_page=50)
    report = None
    if request.args.get("verify") and "auditor" in request.args.get("verify", "") or request.args.get("verify") == "1":
        with ctx().unit_of_work() as uow:
            report = audit.verify(uow.session).as_dict()
    return render_template("audit_overview.html", items=items, total=total, report=report)


@bp.get("/cases/<int:case_id>")
@requires("auditor", "org_head")
def timeline(case_id: int):
    record = responsibility_record(ctx(), case_id, lang())
    with ctx().unit_of_work() as uow:
        verified = audit.verify(uow.session, streams=[audit.case_stream(case_id)]).as_dict()
    return render_template("audit_case.html", record=record, verified=verified)


@bp.get("/cases/<int:case_id>/replay")
@requires("auditor")
def replay_page(case_id: int):
    return render_template("audit_replay.html", case_id=case_id, report=replay(ctx(), case_id).as_dict())


@bp.get("/cases/<int:case_id>/record.<fmt>")
@requires("auditor", "org_head")
def export(case_id: int, fmt: str):
    record = responsibility_record(ctx(), case_id, lang())
    name = f"case-{case_id}-record"
    if fmt == "json":
        return Response(current_app.json.dumps(record, indent=1), mimetype="application/json",
                        headers={"Content-Disposition": f"attachment; filename={name}.json"})
    if fmt == "csv":
        return Response("\ufeff" + record_csv(record), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f"attachment; filename={name}.csv"})
    if fmt == "pdf":
        from .pdf import record_pdf

        return Response(record_pdf(record, lang()), mimetype="application/pdf",
                        headers={"Content-Disposition": f"attachment; filename={name}.pdf"})
    return Response(status=404)
