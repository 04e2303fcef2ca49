"""Audit: a case's events, its replay, its responsibility record; verification of the whole trail."""

from __future__ import annotations

from flask_smorest import Blueprint

from engine import audit
from engine.errors import NotFound
from engine.records import responsibility_record
from engine.replay import replay
from engine.storage.models import Case

from ..auth import current_actor
from ..i18n import locale
from ..policy import authorize
from ..schemas import Accountability, Event, Replay, Verify
from . import ctx

blp = Blueprint("audit", __name__, url_prefix="/api/v1", description="The audit trail (read-only)")


def _existing(case_id: int) -> None:
    with ctx().unit_of_work() as uow:
        if uow.session.get(Case, case_id) is None:
            raise NotFound(f"case {case_id} does not exist", message_zh=f"案件 {case_id} 不存在")


@blp.get("/cases/<int(min=1,max=2147483647):case_id>/events")
@blp.response(200, Event(many=True))
def events(case_id: int):
    """The case's audit events in order (auditor, org_head)."""
    authorize(current_actor(), "case.events", label=f"case {case_id}")
    _existing(case_id)
    with ctx().unit_of_work() as uow:
        return [audit.event_dict(e) for e in audit.events_of(uow.session, audit.case_stream(case_id))]


@blp.get("/cases/<int(min=1,max=2147483647):case_id>/replay")
@blp.response(200, Replay)
def replay_case(case_id: int):
    """Re-execute the case from its events on its version; every decision and state hash compared (auditor)."""
    authorize(current_actor(), "case.replay", label=f"case {case_id}")
    return replay(ctx(), case_id).as_dict()


@blp.get("/cases/<int(min=1,max=2147483647):case_id>/accountability")
@blp.response(200, Accountability)
def accountability(case_id: int):
    """The responsibility record (纪实): each step, who, role, when, entered, decided (auditor, org_head)."""
    authorize(current_actor(), "case.accountability", label=f"case {case_id}")
    return responsibility_record(ctx(), case_id, locale())


@blp.get("/audit/verify")
@blp.response(200, Verify)
def verify():
    """Recompute every hash chain and check every checkpoint (auditor)."""
    authorize(current_actor(), "audit.verify")
    with ctx().unit_of_work() as uow:
        return audit.verify(uow.session).as_dict()
