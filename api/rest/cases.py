"""Cases: start, list, read, messages, termination, relation declarations."""

from __future__ import annotations

from flask_smorest import Blueprint

from engine import cases, reading

from ..auth import current_actor
from ..i18n import locale
from ..policy import allowed, authorize
from ..schemas import CaseFilter, CaseOut, CaseSummary, Declaration, Error, Message, StartCase, Terminate
from . import current_engine, paging_header
from .tasks import task_out

blp = Blueprint("cases", __name__, url_prefix="/api/v1/cases", description="Cases (one vacancy being filled)")


def step_out(step, door: str) -> dict:
    """The case a step service returns (`step(then)`), as the caller may see it (need-to-know:
    engine/reading.py), the record of that read written in the step's transaction."""
    return shown_out(reading.step_as_seen(current_engine(), current_actor(), step, door))


def shown_out(case: dict) -> dict:
    """A case as reading redacted it, its tasks as listed (without their forms)."""
    return {**case, "tasks": [task_out(t, with_form=False) for t in case["tasks"]]}


@blp.post("")
@blp.arguments(StartCase)
@blp.response(201, CaseOut)
@blp.alt_response(422, schema=Error, description="the start form is invalid")
def start(body):
    """Start a case on the latest version of a procedure (clerk)."""
    actor = current_actor()
    authorize(actor, "case.start", label=f"POST /cases {body['procedure']}")
    if body["parameters"]:  # refused here, so the refusal is recorded like every other
        authorize(actor, "case.override_parameters", label=f"POST /cases {body['procedure']} parameters")
    may_override = allowed(actor, "case.override_parameters")
    return step_out(lambda then: cases.start_case(
        current_engine(), body["procedure"], body["data"], actor, "clerk", parameters=body["parameters"],
        may_override=may_override, locale=locale(), then=then), "POST /api/v1/cases")


@blp.get("")
@blp.arguments(CaseFilter, location="query")
@blp.response(200, CaseSummary(many=True), headers={"X-Pagination": "PAGINATION"})
def list_cases(filters):
    """The cases the caller may open (need-to-know), newest first; filter by status, procedure, outcome;
    `page` and `per_page` (X-Pagination header)."""
    actor = current_actor()
    authorize(actor, "case.read")
    page, per_page = filters.pop("page"), filters.pop("per_page")
    items, total = reading.list_cases(current_engine(), actor, page=page, per_page=per_page, **filters)
    return items, 200, paging_header(blp, page, per_page, total)


@blp.get("/<int(min=1,max=2147483647):case_id>")
@blp.response(200, CaseOut)
@blp.alt_response(404, schema=Error, description="no such case, or none the caller may open (need-to-know: a "
                  "case outside the caller's work is not found, so its existence is not told either)")
def get(case_id: int):
    """One case as the caller may see it: status, outcome, the data of the sections they may read
    (`sections`), ready tasks, parameters, warnings, declarations. The read is recorded."""
    actor = current_actor()
    authorize(actor, "case.read")
    door = "GET /api/v1/cases/{id}"
    return {**(case := reading.read_case(current_engine(), actor, case_id, door)),
            "tasks": [task_out(t, with_form=False) for t in case["tasks"]]}


@blp.post("/<int(min=1,max=2147483647):case_id>/messages")
@blp.arguments(Message)
@blp.response(200, CaseOut)
@blp.alt_response(409, schema=Error, description="nothing in the case waits for this message now")
def message(body, case_id: int):
    """Deliver a BPMN message (e.g. publicity_report, withdraw) (clerk, discipline)."""
    actor = current_actor()
    role = authorize(actor, "case.message", label=f"case {case_id} message {body['name']}")
    return step_out(lambda then: cases.send_message(current_engine(), case_id, body["name"], body["data"], actor,
                                                    role, locale=locale(), then=then),
                    "POST /api/v1/cases/{id}/messages")


@blp.post("/<int(min=1,max=2147483647):case_id>/terminate")
@blp.arguments(Terminate)
@blp.response(200, CaseOut)
def terminate(body, case_id: int):
    """End a running case with outcome `terminated` (org_head)."""
    actor = current_actor()
    authorize(actor, "case.terminate", label=f"case {case_id}")
    return step_out(lambda then: cases.terminate_case(current_engine(), case_id, actor, "org_head", body["reason"],
                                                      then=then), "POST /api/v1/cases/{id}/terminate")


@blp.post("/<int(min=1,max=2147483647):case_id>/declarations")
@blp.arguments(Declaration)
@blp.response(201, CaseOut)
def declare(body, case_id: int):
    """Declare a relation to a nominee (回避) — the user themself, or an org_head for anyone."""
    actor = current_actor()
    role = authorize(actor, "case.declare", body, label=f"case {case_id} declaration")
    return step_out(lambda then: cases.record_for_guards(current_engine(), case_id, body, actor, role,
                                                         locale=locale(), then=then),
                    "POST /api/v1/cases/{id}/declarations")
