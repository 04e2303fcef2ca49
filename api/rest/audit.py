"""Audit: a case's events, its replay, its responsibility record; verification of the whole trail."""

from __future__ import annotations

from functools import partial

from flask_smorest import Blueprint

from engine import cases, reading, readtrail, trail

from ..auth import current_actor
from ..i18n import locale
from ..policy import authorize
from ..schemas import AccessRecordOut, Accountability, Error, Event, Paging, Replay, Verify
from . import current_engine, paged

# a case that does not exist and one outside the caller's scope answer alike (need-to-know)
NO_CASE = "no such case, or none the caller may read"

blp = Blueprint("audit", __name__, url_prefix="/api/v1", description="The audit trail (read-only)")


@blp.get("/cases/<int(min=1,max=2147483647):case_id>/events")
@blp.response(200, Event(many=True))
@blp.alt_response(404, schema=Error, description=NO_CASE)
def events(case_id: int):
    """The case's audit events in order (auditor, org_head); a step the caller may not read (e.g. after
    declaring a relation) keeps who, what and when, its data left out (`redacted`)."""
    actor = current_actor()
    authorize(actor, "case.events", label=f"case {case_id}")
    return reading.read_events(current_engine(), actor, case_id, "GET /api/v1/cases/{id}/events")


@blp.get("/cases/<int(min=1,max=2147483647):case_id>/replay")
@blp.response(200, Replay)
@blp.alt_response(404, schema=Error, description=NO_CASE)
def replay_case(case_id: int):
    """Re-execute the case from its events on its version; every decision and state hash compared (auditor)."""
    actor = current_actor()
    authorize(actor, "case.replay", label=f"case {case_id}")
    return reading.read_replay(current_engine(), actor, case_id, locale(), "GET /api/v1/cases/{id}/replay")


@blp.get("/cases/<int(min=1,max=2147483647):case_id>/accountability")
@blp.response(200, Accountability)
@blp.alt_response(404, schema=Error, description=NO_CASE)
def accountability(case_id: int):
    """The responsibility record (纪实): each step, who, role, when, entered, decided (auditor, org_head)."""
    actor = current_actor()
    authorize(actor, "case.accountability", label=f"case {case_id}")
    return reading.read_record(current_engine(), actor, case_id, locale(), "GET /api/v1/cases/{id}/accountability")


@blp.get("/cases/<int(min=1,max=2147483647):case_id>/access-log")
@blp.arguments(Paging, location="query")
@blp.response(200, AccessRecordOut(many=True), headers={"X-Pagination": "PAGINATION"})
@blp.alt_response(404, schema=Error, description=NO_CASE)
def access_log(paging, case_id: int):
    """Who read this case beyond its summary: when, in which role, which sections, through which door
    (the read trail; auditor). Oldest first; `page` and `per_page` (X-Pagination header), as every list."""
    actor = current_actor()
    authorize(actor, "case.access_log", label=f"case {case_id}")
    reading.view_of(current_engine(), actor, cases.get_case(current_engine(), case_id), "GET /api/v1/cases/{id}/access-log")  # 404s
    return paged(blp, paging, partial(readtrail.case_access_page, current_engine(), case_id))


@blp.get("/audit/verify")
@blp.response(200, Verify)
def verify():
    """Recompute every hash chain and check every checkpoint (auditor)."""
    authorize(current_actor(), "audit.verify")
    return trail.verify_all(current_engine()).as_dict()
