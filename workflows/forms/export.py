"""JSON Schema (draft 2020-12) of each form, with titles in the requested locale.

apispec's OpenAPIConverter (OpenAPI 3.1, whose schema objects are JSON Schema 2020-12) turns the
marshmallow schema into properties, types, enums, bounds and `required`; this module adds the
titles, `additionalProperties: false` at every object level, and the `$schema` header. Rules that
depend on the case (how many nominees, which names) cannot be expressed here; the form validator
enforces them.
"""

from __future__ import annotations

import copy
from functools import cache

from apispec import APISpec
from apispec.ext.marshmallow import OpenAPIConverter
from marshmallow import Schema, fields

from .base import Form
from .i18n import CHOICES, is_english
from .labels import field_label

DIALECT = "https://json-schema.org/draft/2020-12/schema"


@cache
def _converter() -> OpenAPIConverter:
    spec = APISpec(title="forms", version="1", openapi_version="3.1.0")
    return OpenAPIConverter(openapi_version="3.1.0", schema_name_resolver=lambda schema: None, spec=spec)


@cache
def _untitled(schema_class: type[Schema]) -> dict:
    return _converter().schema2jsonschema(schema_class())


def form_json_schema(form: Form, locale: str | None) -> dict:
    english = is_english(locale)
    body = copy.deepcopy(_untitled(form.schema))
    _annotate(form.schema(), body, english)
    return {"$schema": DIALECT, "$id": f"urn:cadre-forms:{form.name}", "title": form.title[1 if english else 0],
            **body}


def _annotate(schema: Schema, body: dict, english: bool) -> None:
    body["type"] = "object"
    body["additionalProperties"] = False
    body.setdefault("required", [])
    for name, field in schema.fields.items():
        prop = body["properties"][field.data_key or name]
        prop["title"] = field_label(name, field, english)
        _annotate_inner(field, prop, english)


def _annotate_inner(field: fields.Field, prop: dict, english: bool) -> None:
    if "enum" in prop:  # the label of each choice, for form widgets (a JSON Schema annotation)
        prop["x-enum-titles"] = [CHOICES.get(value, (value, value))[1 if english else 0] for value in prop["enum"]]
    if isinstance(field, fields.Nested):
        _annotate(field.schema, prop, english)
    elif isinstance(field, fields.List):
        _annotate_inner(field.inner, prop["items"], english)
    elif isinstance(field, fields.Dict) and field.value_field is not None:
        _annotate_inner(field.value_field, prop["additionalProperties"], english)
