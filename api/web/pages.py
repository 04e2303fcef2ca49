"""Clerks' pages (and everyone's case page): the inbox, starting a case, a step's form, a case."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from engine import cases, reading
from engine.errors import Conflict, EngineError, Forbidden, NotFound, ValidationFailed
from engine.inbox import case_heads, inbox_page
from engine.procedures import versions
from engine.progress import case_progress
from workflows.forms import FORM_NAMES, json_schema

from ..policy import allowed, authorize, matched_role
from .formrender import read_form, widgets
from .helpers import case_headline, current_engine, lang, last_page, named_tasks, offer_for
from .registry import start_choices
from .users import actor, requires

bp = Blueprint("pages", __name__)


def register(app) -> None:
    app.register_blueprint(bp)




INBOX_PER_PAGE = 50  # ready tasks per page of the inbox, grouped by case on the page
CASES_PER_PAGE = 25


@bp.get("/")
@login_required
def inbox():
    page = max(1, request.args.get("page", 1, type=int))
    mine, total = inbox_page(current_engine(), roles=set(actor().roles), page=page, per_page=INBOX_PER_PAGE)
    mine = reading.readable_tasks(current_engine(), actor(), mine, "inbox page")
    last = last_page(total, INBOX_PER_PAGE)
    if page > last:
        return redirect(url_for("pages.inbox", page=last))
    summaries = case_heads(current_engine(), {t["case_id"] for t in mine})
    by_case: dict[int, list] = {}
    for task in named_tasks(mine, lambda t: summaries[t["case_id"]]["version_id"]):
        by_case.setdefault(task["case_id"], []).append(task)
    procedures = [(v["key"], v["name"]) for v in versions.latest(current_engine())]
    return render_template("inbox.html", by_case=by_case, summaries=summaries, procedures=procedures,
                           procedure_names=dict(procedures), page=page, total=total, per_page=INBOX_PER_PAGE)


@bp.get("/cases")
@login_required
def case_list():
    status = request.args.get("status") or None
    page = max(1, request.args.get("page", 1, type=int))
    items, total = reading.list_cases(current_engine(), actor(), status=status, page=page, per_page=CASES_PER_PAGE)
    return render_template("cases.html", items=items, total=total, page=page, per_page=CASES_PER_PAGE, status=status)


@bp.route("/cases/new/<procedure>", methods=["GET", "POST"])
@requires("case.start")
def start_case(procedure: str):
    try:
        form = versions.start_form(versions.get_latest(current_engine(), procedure))  # the start event's form
    except NotFound:
        abort(404)
    schema = json_schema(form, lang()) if form in FORM_NAMES else {"title": procedure, "properties": {}}
    schema, hidden = start_choices(schema)  # the registry's units and levels to pick from
    values, errors = {}, {}
    if request.method == "POST":
        values = read_form(schema, request.form)
        try:
            case = cases.start_case(current_engine(), procedure, values, actor(), "clerk", locale=lang())
        except ValidationFailed as exc:
            errors = exc.fields
            flash(exc.localized(lang()), "error")
        else:
            flash(_("Case %(id)s started.", id=case["id"]), "ok")
            return redirect(url_for("pages.case_page", case_id=case["id"]))
    return render_template("form_page.html", title=schema["title"], subtitle=procedure,
                           fields=widgets(schema, values, hidden=hidden, submitted=bool(values)), errors=errors,
                           action=url_for("pages.start_case", procedure=procedure), comment=None), \
        (422 if errors else 200)


@bp.route("/tasks/<task_id>", methods=["GET", "POST"])
@login_required
def task_form(task_id: str):
    try:
        task = cases.get_task(current_engine(), task_id)
    except NotFound:
        flash(_("This task is no longer waiting: someone may have completed it."), "error")
        return redirect(url_for("pages.inbox"))
    whole = cases.get_case(current_engine(), task["case_id"])
    try:
        case = reading.as_seen(current_engine(), actor(), whole, "task page")
    except NotFound:
        abort(404)
    # the holder of the task gets the form as the step will check it (from the whole case); the page
    # around it, and anyone else, only what they may read
    holder = allowed(actor(), "task.complete", task) and len(case["sections"]) > 1  # and not recused
    task = next((t for t in case["tasks"] if t["id"] == task["id"]), task) if not holder else task
    [task] = named_tasks([task], lambda t: case["version_id"])
    schema = json_schema(task["form"], lang()) if task["form"] in FORM_NAMES else {"properties": {}}
    hidden = set(task["prefill"]) & set(schema.get("properties", {}))
    offer = offer_for(task["form"], whole if holder else case, task["prefill"], task["role"])
    # one comment per step: the form's own `comment` where it has one, else the step's comment
    step_comment = None if "comment" in schema.get("properties", {}) else request.form.get("_comment", "")
    values, errors, status = {}, {}, 200
    if request.method == "POST":
        values = read_form(schema, request.form, offer)
        # the case the step returns, as the reader may see it, its read recorded with the step (one commit)
        result, errors, status = _attempt(lambda: reading.step_as_seen(
            current_engine(), actor(), lambda then: cases.complete_task(
                current_engine(), task_id, actor(), values, comment=step_comment or None, locale=lang(), then=then),
            "task page"))
        if result is not None:
            result["tasks"] = named_tasks(result["tasks"], lambda t: result["version_id"])
            return render_template("recorded.html", task=task, case=result, recorded=values)
    return render_template("form_page.html", title=task["name"], subtitle=f"#{case['id']} {case_headline(case)}".strip(),
                           fields=widgets(schema, values if request.method == "POST" else dict(offer.initial), offer,
                                          hidden, submitted=request.method == "POST"),
                           errors=errors, action=url_for("pages.task_form", task_id=task_id), prefill=task["prefill"],
                           facts=offer.facts, case=case, task=task, comment=step_comment,
                           person_rows=person_rows(schema) if holder and allowed(actor(), "person.read") else None), \
        status


def person_rows(schema: dict) -> dict | None:
    """The list of a form whose rows name a person of the registry by id (the nominees): the page
    offers a search of the registry that fills a row's id, so a clerk never has to know ids. Rows
    that also take a name (someone not yet recorded) are those; an id alone (an attestation) is not."""
    for name, prop in schema.get("properties", {}).items():
        if {"person_id", "name"} <= set((prop.get("items") or {}).get("properties", {})):
            return {"path": name, "title": prop.get("title", name)}
    return None


def _attempt(step):
    """Run the step a form submits: (its result, {}, 200), or (None, the messages by field, the HTTP
    status) with the reason flashed."""
    try:
        return step(), {}, 200
    except ValidationFailed as exc:
        flash(exc.localized(lang()), "error")
        return None, exc.fields, 422
    except (Forbidden, Conflict) as exc:
        flash(exc.localized(lang()), "error")
        return None, {}, 403 if isinstance(exc, Forbidden) else 409


@bp.get("/cases/<int:case_id>")
@login_required
def case_page(case_id: int):
    try:
        case = reading.read_case(current_engine(), actor(), case_id, "case page")
    except NotFound:
        abort(404)
    mine = {t["id"] for t in cases.list_tasks(current_engine(), roles=set(actor().roles), case_id=case_id)}
    declaring = offer_for("declaration", case).fields if case["status"] == "running" else {}
    case["tasks"] = named_tasks(case["tasks"], lambda t: case["version_id"])
    return render_template("case.html", case=case, data=case["data"], my_tasks=mine, declaring=declaring,
                           title=case_headline(case))


MESSAGES = ("withdraw", "publicity_report")  # what the web records on a case besides its steps


@bp.route("/cases/<int:case_id>/messages/<name>", methods=["GET", "POST"])
@requires("case.message")
def message_form(case_id: int, name: str):
    """A withdrawal or a report during publicity, as the REST API's POST /cases/{id}/messages takes it."""
    role = matched_role(actor(), "case.message")
    if name not in MESSAGES:
        abort(404)
    try:
        case = reading.read_case(current_engine(), actor(), case_id, "message page")
    except NotFound:
        abort(404)
    schema = json_schema(name, lang())
    offer = offer_for(name, case)
    values, errors, status = {}, {}, 200
    if request.method == "POST":
        values = read_form(schema, request.form, offer)
        result, errors, status = _attempt(lambda: cases.send_message(current_engine(), case_id, name, values, actor(), role,
                                                                     locale=lang()))
        if result is not None:
            flash(_("Recorded: %(step)s", step=schema["title"]), "ok")
            return redirect(url_for("pages.case_page", case_id=case_id))
    return render_template("form_page.html", title=schema["title"], subtitle=f"#{case_id} {case_headline(case)}".strip(),
                           fields=widgets(schema, values, offer, submitted=request.method == "POST"), errors=errors,
                           action=url_for("pages.message_form", case_id=case_id, name=name), case=case, comment=None), \
        status


@bp.get("/cases/<int:case_id>/diagram.json")
@login_required
def case_diagram(case_id: int):
    """The version's BPMN, the elements passed and the flows taken, and what is waiting, for the viewer
    (the summary of a case: only for those who may open it)."""
    try:
        if not reading.may_open(current_engine(), actor(), case_id):
            reading.refuse(current_engine(), actor(), case_id, "case diagram")
        return jsonify(case_progress(current_engine(), case_id))
    except NotFound:
        abort(404)


@bp.post("/cases/<int:case_id>/declarations")
@login_required
def declare(case_id: int):
    who = request.form.get("username", "").strip() or actor().username
    try:
        role = authorize(actor(), "case.declare", {"username": who}, label=f"web case {case_id} declaration")
        cases.record_for_guards(current_engine(), case_id, {"username": who, "nominee": request.form.get("nominee", "").strip(),
                                                   "relation": request.form.get("relation", "")}, actor(), role,
                                  locale=lang())
        flash(_("The relation was recorded; you will not be given steps about this person."), "ok")
    except EngineError as exc:
        flash(exc.localized(lang()), "error")
    return redirect(url_for("pages.case_page", case_id=case_id))
