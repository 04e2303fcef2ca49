"""Administration: calendar days, running due timers, and the test clock."""

from __future__ import annotations

from flask import abort
from flask_smorest import Blueprint

from engine import reference, timers

from ..auth import current_actor
from ..policy import authorize
from ..schemas import CalendarEntries, CalendarOut, ClockOut, ClockSet, Fired
from . import current_engine

blp = Blueprint("admin", __name__, url_prefix="/api/v1/admin", description="Administration (admin)")


@blp.post("/calendar")
@blp.arguments(CalendarEntries)
@blp.response(200, CalendarOut)
def calendar(body):
    """Add holiday / adjusted working-day dates (for years the calendar package lacks, or corrections)."""
    actor = current_actor()
    role = authorize(actor, "admin.calendar")
    entries = {d["day"].isoformat(): {"working": d["working"], "note": d["note"]} for d in body["days"]}
    reference.put_entries(current_engine(), "calendar", entries, actor, role)
    return {"days": len(entries)}


@blp.post("/timers/run")
@blp.response(200, Fired)
def run_timers():
    """Fire every due timer now (the worker does this on its own every few seconds)."""
    authorize(current_actor(), "admin.timers")
    return {"fired": timers.fire_due(current_engine(), limit=1000)}


# Registered only when the engine runs on the test clock (CADREFLOW_TEST_CLOCK=1): otherwise 404.
test_clock_blp = Blueprint("test_clock", __name__, url_prefix="/api/v1/admin", description="Test clock (test mode)")


@test_clock_blp.post("/clock")
@test_clock_blp.arguments(ClockSet)
@test_clock_blp.response(200, ClockOut)
def set_clock(body):
    """Set the engine clock (exists only when CADREFLOW_TEST_CLOCK=1)."""
    if not getattr(current_engine().clock, "settable", False):
        abort(404)
    authorize(current_actor(), "admin.clock")
    current_engine().clock.set(body["now"])
    return {"now": current_engine().clock.now().isoformat()}
