"""Units and their approved posts per level (职数): add (admin), list and read with filled/vacant."""

from __future__ import annotations

from flask import request
from flask_smorest import Blueprint

from workflows.registry import store

from ..auth import current_actor
from ..i18n import locale
from ..policy import authorize
from ..registry_schemas import UNIT_BODY, UnitOut
from ..schemas import Error
from . import current_engine

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
    body = request.get_json(silent=True) if request.mimetype == "application/json" else None
    return store.create_unit(current_engine(), body, actor, role, locale())


@blp.get("")
@blp.response(200, UnitOut(many=True))
def list_units():
    """Every unit with its approved, filled and vacant posts per level (today, Beijing time)."""
    authorize(current_actor(), "unit.read", label="GET /units")
    return store.list_units(current_engine())


@blp.get(f"/{ID}")
@blp.response(200, UnitOut)
@blp.alt_response(404, schema=Error, description="no such unit")
def get(unit_id: int):
    """One unit with `filled` and `vacant` per level."""
    authorize(current_actor(), "unit.read", label=f"GET /units/{unit_id}")
    return store.get_unit(current_engine(), unit_id)
