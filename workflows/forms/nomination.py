"""Nomination from the registry (domain.md step 2): nominees by `person_id`, or by their fields.

A nominee is `{person_id}` (a person of the registry) or the fields of someone not yet recorded:
the record's fields (workflows/registry/person.py) plus the `current_post` and `unit` every
nominee is shown with. Run inside a step (`ctx.reference` set), a nominee given by fields is added
to the registry as a `person` entry in the step's transaction (audited), and every nominee carries
the snapshot of the record the case uses (`record`): a replay and every later rule read the record
as it was at nomination, never as edited since. Outside a step (a form checked on its own) a
nominee given by fields is kept as given.
"""

from __future__ import annotations

from datetime import date

from marshmallow import fields, validate

from engine.registry import FormContext

from ..nominees import start_day
from ..registry.career import holds, posts_by
from ..registry.person import FIELDS as RECORD_FIELDS
from ..registry.person import PersonSchema
from ..registry.records import PERSON
from .base import Day, Errors, FormSchema, Gender, Int, Many, day, text
from .casedata import int_parameter, post_count

GENDER_ENUM = {"enum": ["男", "女", "male", "female"]}
SHOWN = ("current_post", "unit")
# what the case copies of a record: everything the review, 破格 and recusal read; never the
# identity-card number (kept in the registry only, never in a case or a log)
SNAPSHOT_FIELDS = tuple(f for f in RECORD_FIELDS if f != "id_number")


class Person(FormSchema):
    """A nominee (or, in competitive selection, an applicant) by the fields shown on forms."""

    name = text(max_length=64)
    gender = Gender(required=True, metadata=GENDER_ENUM)
    birth_date = day()
    current_post = text()
    unit = text()


class ById(FormSchema):
    person_id = Int(required=True, validate=validate.Range(min=1, error="min_value|min={min}"))


class NewPerson(PersonSchema):
    """Someone not yet recorded: the record's fields and the post and unit shown on forms."""

    current_post = text()
    unit = text()


class NomineeRow(FormSchema):
    """What a form shows of a nominee (its JSON Schema and labels): a person id of the registry,
    or the fields of someone not yet recorded (any field of the record is accepted too)."""

    person_id = Int(validate=validate.Range(min=1, error="min_value|min={min}"),
                    metadata={"label": ("人员编号（干部信息库）", "Person id (registry)")})
    name = text(required=False, max_length=64)
    gender = Gender(metadata=GENDER_ENUM)
    birth_date = Day()
    current_post = text(required=False)
    unit = text(required=False)


class NomineeItem(fields.Nested):
    """`{person_id}` or a new person's fields; errors keep their paths (`nominees.2.name`)."""

    default_error_messages = {"required": "required", "null": "null", "type": "not_object"}

    def __init__(self, **kwargs):
        super().__init__(NomineeRow, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> dict:
        if not isinstance(value, dict):
            raise self.make_error("type")
        if value.get("person_id") not in (None, ""):  # a web row sends its empty cells too
            return ById().load({k: v for k, v in value.items() if v not in ("", None)})
        return NewPerson().load({k: v for k, v in value.items() if k != "person_id"})


class Nominate(FormSchema):
    nominees = Many(NomineeItem(), required=True, validate=validate.Length(min=1, error="min_items|min={min}"))


def current_post(record: dict, on: date) -> tuple[str, str]:
    """(title, unit) of the latest post begun by `on` and still held then, else ("", "")."""
    held = [p for p in posts_by(record, on) if holds(p, on)]
    return (held[-1]["title"], held[-1]["unit"]) if held else ("", "")


def snapshot(person_id: int, record: dict, on: date, shown: dict | None = None) -> dict:
    """What the case keeps of a nominee: the fields shown on forms, and the record as of now."""
    title, unit = current_post(record, on)
    shown = shown or {}
    return {"person_id": person_id, "name": record["name"], "gender": record.get("gender", ""),
            "birth_date": record.get("birth_date") or "", "current_post": shown.get("current_post") or title,
            "unit": shown.get("unit") or unit, "record": {k: record[k] for k in SNAPSHOT_FIELDS if k in record}}


def resolve(items: list[dict], path: str, ctx: FormContext, errors: Errors) -> list[dict]:
    """The nominees of validated `items` with their snapshots; an unknown id goes to `errors`."""
    on = start_day(ctx.case_data)
    out = []
    for index, item in enumerate(items):
        if "person_id" in item:
            record = ctx.reference.entry("person", item["person_id"]) if ctx.reference is not None else None
            if record is None:
                errors.add(f"{path}.{index}.person_id", "unknown_person", id=item["person_id"])
                continue
            out.append(snapshot(item["person_id"], record, on))
        elif ctx.reference is None:  # checked on its own: nothing to add the person to
            out.append({k: item[k] for k in Person._declared_fields})
        else:
            record = {k: v for k, v in item.items() if k not in SHOWN}
            shown = {k: item[k] for k in SHOWN}
            # the registry's person kind: the next person id, search terms and an audited event
            out.append(snapshot(ctx.reference.add(PERSON, record), record, on, shown))
    return out


def check_people(data: dict, field: str, too_few: str, ctx: FormContext, errors: Errors) -> dict:
    """Nominees (or applicants) under `field`: resolved, each person at most once, enough of them."""
    people = resolve(data[field], field, ctx, errors)
    if errors:
        return data
    seen_ids: set = set()
    typed: set = set()
    for index, (item, person) in enumerate(zip(data[field], people, strict=True)):
        if "person_id" in item:
            if person["person_id"] in seen_ids:
                errors.add(f"{field}.{index}.person_id", "duplicate", name=person["name"])
            seen_ids.add(person["person_id"])
        elif person["name"] in typed:  # typed twice: the same person (someone else of that name: by id)
            errors.add(f"{field}.{index}.name", "duplicate", name=person["name"])
        else:
            typed.add(person["name"])
    # two people of one name are told apart in every later step by their key: name#person_id
    named = [p["name"] for p in people]
    people = [{**p, "name": f"{p['name']}#{p['person_id']}"} if named.count(p["name"]) > 1
              and p.get("person_id") is not None else p for p in people]
    posts = post_count(ctx)
    extra = int_parameter(ctx, "min_extra_nominees")
    if len(data[field]) < posts + extra:
        errors.add(field, too_few, min=posts + extra, posts=posts, extra=extra)
    return {**data, field: people}


def check_nominate(data: dict, ctx: FormContext, errors: Errors) -> dict:
    return check_people(data, "nominees", "too_few_nominees", ctx, errors)
