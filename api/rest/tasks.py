"""Tasks: the caller's inbox, one task with its form, completing a task."""

from __future__ import annotations

from flask_smorest import Blueprint

from engine import cases, reading
from engine.inbox import inbox_page

from ..auth import current_actor
from ..i18n import locale
from ..policy import authorize
from ..schemas import CaseOut, CompleteTask, Error, TaskFilter, TaskOut
from . import current_engine, paging_header

blp = Blueprint("tasks", __name__, url_prefix="/api/v1/tasks", description="Ready user tasks")


def form_schema(form: str | None) -> dict | None:
    from workflows.forms import FORM_NAMES, json_schema

    return json_schema(form, locale()) if form in FORM_NAMES else None


def task_out(task: dict, *, with_form: bool = True, schemas: dict | None = None) -> dict:
    """`schemas`: form name -> JSON Schema already built for this response (a page repeats a few forms)."""
    out = {**task, "values": task.get("prefill", {})}
    out["form_name"] = form = task.get("form")
    if not with_form:
        out["form"] = None
    elif schemas is None:
        out["form"] = form_schema(form)
    else:
        out["form"] = schemas[form] if form in schemas else schemas.setdefault(form, form_schema(form))
    return out


@blp.get("")
@blp.arguments(TaskFilter, location="query")
@blp.response(200, TaskOut(many=True), headers={"X-Pagination": "PAGINATION"})
def inbox(filters):
    """The ready tasks the caller may act on (their roles), `page` and `per_page`; `?case=ID` for one case."""
    actor = current_actor()
    authorize(actor, "task.read")
    found, total = inbox_page(current_engine(), roles=set(actor.roles), case_id=filters.get("case"), page=filters["page"],
                              per_page=filters["per_page"])
    found = reading.readable_tasks(current_engine(), actor, found, "GET /api/v1/tasks")
    schemas: dict = {}
    return ([task_out(t, schemas=schemas) for t in found], 200,
            paging_header(blp, filters["page"], filters["per_page"], total))


@blp.get("/<string:task_id>")
@blp.response(200, TaskOut)
@blp.alt_response(404, schema=Error, description="no such ready task")
def get(task_id: str):
    """One ready task with its form (JSON Schema) and its pre-filled values (of a case the caller may
    open; else 404, as for the case)."""
    actor = current_actor()
    authorize(actor, "task.read")
    task = cases.get_task(current_engine(), task_id[:36])
    shown, _case = reading.read_task(current_engine(), actor, task, "GET /api/v1/tasks/{id}")
    return task_out(shown)


@blp.post("/<string:task_id>/complete")
@blp.arguments(CompleteTask)
@blp.response(200, CaseOut)
@blp.alt_response(403, schema=Error, description="wrong role, or the user must recuse")
@blp.alt_response(409, schema=Error, description="the task is no longer ready")
@blp.alt_response(422, schema=Error, description="the form is invalid: a message per field")
def complete(body, task_id: str):
    """Complete a task with its form data (the task's role only)."""
    from .cases import step_out

    return step_out(lambda then: cases.complete_task(current_engine(), task_id[:64], current_actor(), body["data"],
                                                     comment=body["comment"], locale=locale(), then=then),
                    "POST /api/v1/tasks/{id}/complete")
