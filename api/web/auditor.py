"""Auditors' pages: the cases, verification of the trail, a case's timeline, its step-through replay,
and the responsibility record as JSON, CSV and PDF.

Auditors see everything; the org_head may read the timeline and the exports but not replay or verify
the whole trail (the same rules as the REST API in api/policy.py). Nothing here changes anything.
"""

from __future__ import annotations

import json
from functools import partial

from flask import Blueprint, Response, abort, current_app, render_template, request

from engine import reading, readtrail, trail
from engine.errors import NotFound
from engine.records import action_label
from engine.replay import replay

from ..policy import allowed
from .csvexport import record_csv
from .helpers import current_engine, lang, newest_first_page
from .users import actor, requires

bp = Blueprint("auditor", __name__, url_prefix="/audit")
PER_PAGE = 25
READS_PER_PAGE = 50  # reads of a case per page of its access log
DONE_ACTIONS = ("task_completed", "service_task", "timer_fired")  # as the case page's diagram counts "done"
INPUT_TOLD = ("case_started", "task_completed", "message_received")  # a person's input: told under "Inputs"
EXPORTS = {"json": "application/json", "csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}


def register(app) -> None:
    app.register_blueprint(bp)




def pretty(value) -> str:
    """Entered / decided data as recorded, for the "details" toggle: indented JSON, empty when none."""
    if value in (None, {}, []):
        return ""
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True)


def record_or_404(case_id: int, door: str) -> dict:
    """The responsibility record as the signed-in user may see it (need-to-know), the read recorded."""
    try:
        return reading.read_record(current_engine(), actor(), case_id, lang(), door)
    except NotFound:
        abort(404)


def verify_case(case_id: int) -> dict:
    return trail.verify_case(current_engine(), case_id).as_dict()


# --- the overview and the whole trail -------------------------------------------------------------

def _overview(report: dict | None = None):
    status = request.values.get("status") or None
    page = max(1, request.values.get("page", 1, type=int))
    items, total = reading.list_cases(current_engine(), actor(), status=status if status in ("running", "completed", "terminated") else None,
                                    page=page, per_page=PER_PAGE)
    return render_template("audit_overview.html", items=items, total=total, page=page, per_page=PER_PAGE,
                           status=status, report=report)


@bp.get("/")
@requires("audit.overview")
def overview():
    return _overview()


@bp.post("/verify")
@requires("audit.verify")
def verify_all():
    """Recompute every hash chain and checkpoint; the result is shown above the case list."""
    report = trail.verify_all(current_engine()).as_dict()
    return _overview(report)


# --- one case -----------------------------------------------------------------------------------

@bp.get("/cases/<int:case_id>")
@requires("case.accountability")
def timeline(case_id: int):
    record = record_or_404(case_id, "audit case page")
    for entry in record["entries"]:
        entry["entered_text"], entry["decided_text"] = pretty(entry["entered"]), pretty(entry["decided"])
    access, log = None, None
    if allowed(actor(), "case.access_log"):  # who read it, newest first, a page at a time (`reads_page`)
        access, log = newest_first_page(partial(readtrail.case_access_page, current_engine(), case_id), "reads_page",
                                        READS_PER_PAGE)
    return render_template("audit_case.html", record=record, verified=verify_case(case_id), access=access, log=log)


@bp.get("/cases/<int:case_id>/replay")
@requires("case.replay")
def replay_page(case_id: int):
    record = record_or_404(case_id, "audit replay page")
    report = reading.redact_replay(replay(current_engine(), case_id).as_dict(), record)
    return render_template("audit_replay.html", record=record, report=report,
                           steps=replay_steps(record, report))


def replay_steps(record: dict, report: dict) -> list[dict]:
    """One entry per replayed step: who put what in, what the engine decided (both in words, the
    recorded data behind a toggle), whether it matched, and which diagram elements are done once
    the step has run."""
    entries = {e["seq"]: e for e in record["entries"]}
    zh = lang() != "en"
    problems: dict[int, list[str]] = {}
    starts = [s["seq"] for s in report["steps"]]
    for mismatch in report["mismatches"]:
        owner = max([s for s in starts if s <= (mismatch.get("seq") or 0)], default=starts[0] if starts else 0)
        problems.setdefault(owner, []).append(mismatch["problem"])
    steps, done = [], []
    for number, step in enumerate(report["steps"], 1):
        first = entries.get(step["seq"], {})
        told = first.get("action") in INPUT_TOLD  # its words say what was entered; others are decisions
        decisions = []
        for decision in step.get("decisions") or [{"seq": step["seq"], "action": step["action"],
                                                   "element_id": step["element_id"], "data_out": first.get("decided")}]:
            entry = entries.get(decision["seq"], {})
            if decision["action"] in DONE_ACTIONS and decision["element_id"] and decision["element_id"] not in done:
                done.append(decision["element_id"])
            if told and decision["seq"] == step["seq"]:
                continue
            decisions.append({"seq": decision["seq"], "element_id": decision["element_id"],
                              "step": entry.get("step") or decision["element_id"],
                              "action": entry.get("action_label") or
                              action_label(current_engine().registry, decision["action"])[0 if zh else 1],
                              "narrative": entry.get("narrative") or "", "text": pretty(decision.get("data_out"))})
        steps.append({
            "number": number, "seq": step["seq"], "last_seq": step["decisions"][-1]["seq"] if step.get("decisions")
            else step["seq"],
            "element_id": step["element_id"], "step": first.get("step") or step["element_id"],
            "action": first.get("action_label") or step["action"], "user": first.get("user") or step.get("actor"),
            "display_name": first.get("display_name") or "", "role": first.get("role") or "",
            "at": step.get("at") or first.get("at") or "", "comment": first.get("comment"),
            "narrative": first.get("narrative") if told else "", "entered": pretty(first.get("entered")),
            "decisions": decisions, "note": bool(step.get("note")),
            "ok": step.get("ok", True) and step["seq"] not in problems, "problems": problems.get(step["seq"], []),
            "done": list(done),
        })
    return steps


@bp.get("/cases/<int:case_id>/record.<fmt>")
@requires("case.accountability")
def export(case_id: int, fmt: str):
    if fmt not in EXPORTS:
        abort(404)
    record = record_or_404(case_id, f"record.{fmt}")
    if fmt == "json":
        body: str | bytes = current_app.json.dumps(record, indent=1)
    elif fmt == "csv":
        body = "\ufeff" + record_csv(record, lang())  # the BOM makes Excel read the UTF-8 Chinese correctly
    else:
        from .pdf import record_pdf

        body = record_pdf(record, lang())
    return Response(body, content_type=EXPORTS[fmt],
                    headers={"Content-Disposition": f"attachment; filename=case-{case_id}-record.{fmt}"})
