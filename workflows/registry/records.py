"""How the registry is kept as the engine's keyed reference records (engine/reference_records.py).

Persons are records of kind `person` (key: a sequence number as a string, "1", "2", ...; the value:
the record of `person.py`, dates as ISO strings), units of kind `unit` (value `{name, quotas:
{level: approved posts}}`); every change of either is an audited event on the `registry` stream
whose payload shows the identity-card number masked. What a record is found by (its terms):
name, the unit and title of each post held, a digest of the identity-card number (import matches
rows by it; no clear number is indexed) and, per leadership post, its seat (unit + level), which
the quota counts read. Pure functions: no storage.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date

from marshmallow import ValidationError, fields, validate

from engine.reference_records import RecordKind

from ..forms.base import Errors, FormSchema, Int, Str, failure, text
from . import idcard, vocab
from .career import holds
from .dates import as_date
from .person import masked

STREAM = "registry"
SEARCHED = ("name", "unit", "title")  # the fields `GET /persons?q=` looks in
UNIT_TITLE = ("单位", "Unit")


def id_digest(number: str) -> str:
    return hashlib.sha256(f"cadreflow-id:{number}".encode()).hexdigest()


def seat(unit: str, level: str) -> str:
    return f"{unit}\x1f{level}"


def current_posts(record: dict) -> list[dict]:
    """Posts without an end: what the person holds now, latest first."""
    held = [p for p in record.get("posts") or [] if not p.get("end")]
    return sorted(held, key=lambda p: p.get("start") or "", reverse=True)


def person_terms(record: dict):
    yield "name", record.get("name") or ""
    for post in current_posts(record):
        yield "unit", post.get("unit") or ""
        yield "title", post.get("title") or ""
    if record.get("id_number"):
        yield "id", id_digest(record["id_number"])
    for post in record.get("posts") or []:
        if post.get("level") and post.get("unit"):
            yield "seat", seat(post["unit"], post["level"])


def unit_terms(value: dict):
    yield "name", value.get("name") or ""


PERSON = RecordKind("person", STREAM, index=person_terms, shown=masked)
UNIT = RecordKind("unit", STREAM, index=unit_terms)


def current_post(record: dict) -> str:
    """`区教育局 · 副局长`: the latest post held, or the empty string."""
    posts = current_posts(record)
    return f"{posts[0].get('unit')} · {posts[0].get('title')}" if posts else ""


def summary(key: str, record: dict) -> dict:
    """What tells two persons of the same name apart in a list."""
    return {"id": int(key), "name": record.get("name"), "gender": record.get("gender"),
            "birth_date": record.get("birth_date"), "current_post": current_post(record)}


def shown(key: str, record: dict) -> dict:
    """The record as every door shows it: with its id, the identity-card number masked."""
    return {"id": int(key), **masked(record)}


_ID_NUMBER = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9Xx])")


def masked_errors(errors: list[dict]) -> list[dict]:
    """Import errors as shown: an identity-card number a message quotes (a duplicate row, a row of
    another sheet naming an unknown person) masked like everywhere else."""
    return [{**e, "message": _ID_NUMBER.sub(lambda m: idcard.mask(m.group(0)), e.get("message") or "")}
            for e in errors]


# --- units and quotas ---------------------------------------------------------------------------


class UnitSchema(FormSchema):
    name = text(max_length=128, metadata={"label": UNIT_TITLE})
    quotas = fields.Dict(
        keys=Str(validate=validate.OneOf(vocab.LEVEL_KEYS, error="one_of|choices={choices}")),
        values=Int(validate=validate.Range(min=0, max=999, error="min_value|min={min}")),
        load_default=dict, metadata={"label": ("职数", "Approved posts")})


_UNIT_SCHEMA = UnitSchema()

# A change of a unit's quotas: every level a labelled field, so an error names "职数 · 县处级副职".
# The unit's name is not editable here: posts in the persons' careers name their unit by it.
LevelQuotas = FormSchema.from_dict(
    {key: Int(validate=validate.Range(min=0, max=999, error="min_value|min={min}"), metadata={"label": (zh, en)})
     for key, zh, en in vocab.LEVELS}, name="LevelQuotas")


class QuotasSchema(FormSchema):
    quotas = fields.Nested(LevelQuotas, required=True, error_messages={"required": "required", "type": "not_object"},
                           metadata={"label": ("职数", "Approved posts")})


QUOTAS_TITLE = ("单位职数", "Approved posts of a unit")
_QUOTAS_SCHEMA = QuotasSchema()


def validate_quotas(data, locale: str | None = "zh-CN") -> dict:
    """`{quotas: {level: approved posts}}` -> the quotas (the levels given; the others have none)."""
    errors = Errors()
    if not isinstance(data, dict):
        errors.add("_form", "not_object")
    else:
        try:
            return _QUOTAS_SCHEMA.load(data)["quotas"]
        except ValidationError as exc:
            errors.add_marshmallow(exc.messages)
    raise failure(QUOTAS_TITLE, errors.items, locale, "unit_quotas", _QUOTAS_SCHEMA)


def quotas_below_filled(unit: dict, quotas: dict, filled_now: dict[str, int], locale: str | None) -> None:
    """Refuse approved numbers below the posts already filled, each with its figures (超职数配备)."""
    errors = Errors()
    for level in vocab.LEVEL_KEYS:
        approved, taken = quotas.get(level, 0), filled_now.get(level, 0)
        if taken > approved:
            errors.add(f"quotas.{level}", "quota_below_filled", unit=unit["name"], approved=approved, filled=taken,
                       level=vocab.label(vocab.LEVELS, level), level_en=vocab.label(vocab.LEVELS, level, "en"))
    if errors:
        raise failure(QUOTAS_TITLE, errors.items, locale, "unit_quotas", _QUOTAS_SCHEMA)


def validate_unit(data, locale: str | None = "zh-CN") -> dict:
    errors = Errors()
    if not isinstance(data, dict):
        errors.add("_form", "not_object")
    else:
        try:
            return _UNIT_SCHEMA.load(data)
        except ValidationError as exc:
            errors.add_marshmallow(exc.messages)
    raise failure(UNIT_TITLE, errors.items, locale, "unit", _UNIT_SCHEMA)


def filled(unit: dict, persons: dict[str, dict], on: date) -> dict[str, int]:
    """Per level: how many of `persons` hold a post of that level in `unit` on `on`."""
    counts = {level: 0 for level in unit.get("quotas") or {}}
    for record in persons.values():
        for level in {p["level"] for p in record.get("posts") or []
                      if p.get("level") and p.get("unit") == unit.get("name") and as_date(p.get("start"))
                      and holds(p, on)}:
            counts[level] = counts.get(level, 0) + 1
    return counts


def quota_figures(unit: dict, persons: dict[str, dict], on: date) -> dict[str, dict]:
    """Per level of the unit's quotas (and any level held there): approved, filled, vacant."""
    taken = filled(unit, persons, on)
    quotas = unit.get("quotas") or {}
    levels = [level for level in vocab.LEVEL_KEYS if level in quotas or level in taken]
    return {level: {"approved": quotas.get(level, 0), "filled": taken.get(level, 0),
                    "vacant": max(quotas.get(level, 0) - taken.get(level, 0), 0)} for level in levels}
