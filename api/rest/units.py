"""Units and their approved posts per level (职数): add and change the quotas (admin), list and read with
filled/vacant (each read on the read trail)."""

from __future__ import annotations

from functools import partial

from flask_smorest import Blueprint

from workflows.registry import store
from workflows.registry.records import UNIT

from ..auth import current_actor
from ..i18n import locale
from ..policy import authorize
from ..registry_schemas import QUOTAS_BODY, UNIT_BODY, RecordReadOut, UnitOut
from ..schemas import Error, Paging
from . import current_engine, json_body, paged

blp = Blueprint("units", __name__, url_prefix="/api/v1/units", description="Units and their approved posts per level")
ID = "<int(min=1,max=2147483647):unit_id>"


@blp.post("")
@blp.doc(requestBody=UNIT_BODY)
@blp.response(201, UnitOut)
@blp.alt_response(422, schema=Error, description="the unit is invalid: a message per field")
def create():
    """Add a unit `{name, quotas: {level: approved posts}}` (admin)."""
    actor = current_actor()
    role = authorize(actor, "unit.write", label="POST /units")
    created = store.create_unit(current_engine(), json_body(), actor, role, locale())
    # the answer shows the posts filled, read from the persons' records: a read like any other
    store.note_record_read(current_engine(), actor, role, UNIT.kind, created["id"], "POST /api/v1/units")
    return created


@blp.get("")
@blp.response(200, UnitOut(many=True))
def list_units():
    """Every unit with its approved, filled and vacant posts per level (today, Beijing time)."""
    actor = current_actor()
    role = authorize(actor, "unit.read", label="GET /units")
    return store.read_units(current_engine(), actor, role, "GET /api/v1/units")


@blp.get(f"/{ID}")
@blp.response(200, UnitOut)
@blp.alt_response(404, schema=Error, description="no such unit")
def get(unit_id: int):
    """One unit with `filled` and `vacant` per level."""
    actor = current_actor()
    role = authorize(actor, "unit.read", label=f"GET /units/{unit_id}")
    return store.read_unit(current_engine(), actor, role, unit_id, "GET /api/v1/units/{id}")


@blp.get(f"/{ID}/access-log")
@blp.arguments(Paging, location="query")
@blp.response(200, RecordReadOut(many=True), headers={"X-Pagination": "PAGINATION"})
@blp.alt_response(404, schema=Error, description="no such unit")
def access_log(paging, unit_id: int):
    """Who read this unit: when, in which role, through which door (the read trail; auditor), as
    for a person (GET /persons/{id}/access-log). Oldest first; `page` and `per_page` (X-Pagination
    header), as every list."""
    authorize(current_actor(), "unit.access_log", label=f"GET /units/{unit_id}/access-log")
    return paged(blp, paging, partial(store.record_reads, current_engine(), UNIT.kind, unit_id))


@blp.patch(f"/{ID}")
@blp.doc(requestBody=QUOTAS_BODY)
@blp.response(200, UnitOut)
@blp.alt_response(404, schema=Error, description="no such unit")
@blp.alt_response(422, schema=Error, description="a level's figure is invalid, or below the posts filled there: "
                                                 "a message per level with the figures; nothing changed")
def set_quotas(unit_id: int):
    """Replace the unit's approved posts per level `{quotas: {level: n}}` (admin; a level left out has
    none). An approved number below the posts filled today is refused with the figures. The change is
    an audited `unit_changed` event on `registry` (who, the quotas before and after)."""
    actor = current_actor()
    role = authorize(actor, "unit.write", label=f"PATCH /units/{unit_id}")
    changed = store.set_quotas(current_engine(), unit_id, json_body(), actor, role, locale())
    store.note_record_read(current_engine(), actor, role, UNIT.kind, unit_id, "PATCH /api/v1/units/{id}")
    return changed
