"""marshmallow schemas of the registry's REST operations (/persons, /units): queries and responses.

Request bodies of persons and units are the domain's schemas (workflows/registry), validated by
the registry's services so that every error names its field in the caller's language; here they
are only documented.
"""

from __future__ import annotations

from marshmallow import fields, validate

from workflows.registry.person import PersonSchema
from workflows.registry.records import QuotasSchema, UnitSchema

from .schemas import Loose, Strict


def json_body(schema) -> dict:
    """The OpenAPI requestBody of an operation whose JSON body the domain validates."""
    return {"required": True, "content": {"application/json": {"schema": schema}}}


class PersonPatch(PersonSchema):
    """Any fields of the person record; a list given replaces the recorded list."""


PERSON_BODY = json_body(PersonSchema)
PERSON_PATCH = json_body(PersonPatch(partial=True))
UNIT_BODY = json_body(UnitSchema)
QUOTAS_BODY = json_body(QuotasSchema)
FILE_BODY = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "properties": {"file": {"type": "string", "format": "binary"}}, "required": ["file"]}}}}


class PersonQuery(Strict):
    q = fields.String(load_default="", validate=validate.Length(max=64))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class PersonSummary(Loose):
    id = fields.Integer(required=True)
    name = fields.String()
    gender = fields.String(allow_none=True)
    birth_date = fields.String(allow_none=True)
    current_post = fields.String(metadata={"description": "the latest post held: unit · title"})


def _person_out() -> type:
    """Every field of the record (a response shows only the fields its schema declares)."""
    declared = {}
    for name, field in PersonSchema().fields.items():
        declared[name] = (fields.List(fields.Dict()) if isinstance(field, fields.List)
                          else fields.String(allow_none=True))
    declared["id"] = fields.Integer(required=True)
    declared["id_number"] = fields.String(allow_none=True, metadata={"description": "masked: 110105********1234"})
    return Loose.from_dict(declared, name="PersonOut")


PersonOut = _person_out()


class ImportProblem(Strict):
    sheet = fields.String(allow_none=True)
    row = fields.Integer(allow_none=True)
    column = fields.String(allow_none=True)
    field = fields.String(allow_none=True)
    message = fields.String()


class ImportOut(Strict):
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    errors = fields.List(fields.Nested(ImportProblem))


class LevelFigures(Loose):
    approved = fields.Integer()
    filled = fields.Integer()
    vacant = fields.Integer()


class UnitOut(Loose):
    id = fields.Integer(required=True)
    name = fields.String()
    quotas = fields.Dict(keys=fields.String(), values=fields.Integer())
    filled = fields.Dict(keys=fields.String(), values=fields.Integer())
    vacant = fields.Dict(keys=fields.String(), values=fields.Integer())
    levels = fields.Dict(keys=fields.String(), values=fields.Nested(LevelFigures))


class RecordReadOut(Loose):
    """One read of a registry record: who, in which role, when, through which door."""

    at = fields.String(required=True, metadata={"description": "UTC, ISO 8601"})
    username = fields.String(required=True)
    role = fields.String(metadata={"description": "the role whose rule opened the record"})
    kind = fields.String(metadata={"description": "person or unit"})
    key = fields.String(metadata={"description": "the person's or the unit's id"})
    door = fields.String(metadata={"description": "where it was read, e.g. GET /api/v1/persons/{id} or the person page"})
    q = fields.String(metadata={"description": "a search: the words searched"})
    hits = fields.Integer(metadata={"description": "a search: how many matched"})
