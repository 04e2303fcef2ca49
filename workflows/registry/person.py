"""The person record of the registry: the fields of the 干部任免审批表 as marshmallow schemas.

`PersonSchema` validates a whole record (POST /persons, an imported row, a nominee given by its
fields); `validate_person(data, locale, partial=True)` validates a PATCH, where only the fields
given are checked and nested lists are replaced whole. Dates are ISO `YYYY-MM-DD` strings; the
strict fields and error codes are those of every form (`workflows/forms/base.py`).
"""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from ..forms.base import (
    Bool,
    Day,
    Errors,
    FormSchema,
    Gender,
    Int,
    Many,
    Str,
    choice,
    day,
    failure,
    rows,
    text,
)
from . import idcard, vocab
from .qualification import RULES

RULE_KEYS = tuple(RULES)
TITLE = ("干部信息", "Person record")


def optional_day(**kwargs) -> Day:
    return Day(load_default=None, allow_none=True, **kwargs)


def optional_choice(*choices: str, **kwargs) -> Str:
    return Str(load_default=None, allow_none=True,
               validate=validate.OneOf(choices, error="one_of|choices={choices}"), **kwargs)


class IdNumber(Str):
    """A GB 11643 identity-card number: 18 characters with a valid check character; a lower-case
    x and spaces are accepted and normalized."""

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        number = idcard.normalize(super()._deserialize(value, attr, data, **kwargs))
        code = idcard.problem(number)
        if code:
            raise ValidationError(code)
        return number


class PersonKey(fields.Field):
    """Who a per-nominee entry is about: a person id (a JSON integer >= 1) or, where it names
    exactly one nominee, a name (architecture.md)."""

    default_error_messages = {"required": "required", "null": "null", "invalid": "invalid"}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            return value
        if isinstance(value, str) and value.strip() and len(value.strip()) <= 64:
            return value.strip()
        raise self.make_error("invalid")


def rule_keys(*, minimum: int = 0) -> Many:
    """A list of rule keys of the qualification review, each at most once."""
    rule = Str(validate=validate.OneOf(RULE_KEYS, error="not_a_rule|name={input}"))
    if minimum:
        return Many(rule, required=True, unique=True, validate=validate.Length(min=minimum, error="min_items|min={min}"))
    return Many(rule, load_default=list, unique=True)


def _order(data: dict, first: str, then: str, code: str = "end_before_start") -> None:
    if data.get(first) and data.get(then) and data[then] < data[first]:
        raise ValidationError({then: [f"{code}|start={data[first]}|end={data[then]}|until={data[then]}"]})


class Education(FormSchema):
    kind = choice(*vocab.keys(vocab.EDUCATION_KINDS), metadata={"label": ("教育类别", "Kind of education")})
    level = choice(*vocab.EDUCATION_LEVEL_KEYS, metadata={"label": ("学历", "Education level")})
    school = text(required=False)
    major = text(required=False)


class Post(FormSchema):
    """A post of the career. `level` is empty for a post that is not a leadership post (科员);
    `end` is the day the person left it (empty while held); `exceptional` names the rules waived
    by 破格 at this promotion; `probation_until` is the last day of its probation."""

    unit = text()
    title = text()
    level = optional_choice(*vocab.LEVEL_KEYS, metadata={"label": ("职级", "Leadership level")})
    start = day()
    end = optional_day()
    grassroots = Bool(load_default=False)
    probation_until = optional_day()
    exceptional = rule_keys()

    @validates_schema
    def _dates(self, data, **kwargs):
        _order(data, "start", "end")
        _order(data, "start", "probation_until", "probation_before_start")


class Appraisal(FormSchema):
    year = Int(required=True, validate=validate.Range(min=1950, max=2100, error="year_range|min={min}|max={max}"))
    grade = choice(*vocab.keys(vocab.APPRAISAL_GRADES))


class Sanction(FormSchema):
    kind = choice(*vocab.SANCTION_KEYS, metadata={"label": ("处分类别", "Kind of sanction")})
    decided_on = day()


class Training(FormSchema):
    """A completed training: `end` is the day it was completed."""

    name = text(metadata={"label": ("培训名称", "Course")})
    institution = text(required=False)
    start = optional_day()
    end = day(metadata={"label": ("结业日期", "Completed on")})
    hours = Int(load_default=None, allow_none=True, validate=validate.Range(min=0, error="min_value|min={min}"))

    @validates_schema
    def _dates(self, data, **kwargs):
        _order(data, "start", "end")


class FamilyMember(FormSchema):
    """A family member or important social relation; `person_id` / `username` link them to a
    person of the registry / a user, when they are one; `abroad` = emigrated (移居国（境）外)."""

    relation = choice(*vocab.keys(vocab.RELATIONS), metadata={"label": ("称谓", "Relation")})
    name = text(max_length=64)
    birth_date = optional_day()
    political_status = text(required=False)
    employer_post = text(required=False)
    abroad = Bool(load_default=False)
    person_id = Int(load_default=None, allow_none=True, validate=validate.Range(min=1, error="min_value|min={min}"))
    username = text(required=False)


class Reward(FormSchema):
    title = text(metadata={"label": ("奖励名称", "Reward")})
    decided_on = optional_day()
    authority = text(required=False)


class PersonSchema(FormSchema):
    name = text(max_length=64)
    gender = Gender(required=True, metadata={"enum": ["男", "女", "male", "female"]})
    birth_date = day()
    ethnicity = text(required=False)
    native_place = text(required=False)
    birthplace = text(required=False)
    party_join_date = optional_day()
    work_start_date = optional_day()
    health = text(required=False)
    professional_title = text(required=False)
    id_number = IdNumber(load_default=None, allow_none=True)
    education = rows(Education, required=False)
    posts = rows(Post, required=False)
    appraisals = rows(Appraisal, required=False, unique="year")
    sanctions = rows(Sanction, required=False)
    training = rows(Training, required=False)
    family = rows(FamilyMember, required=False)
    rewards = rows(Reward, required=False)


_SCHEMA = PersonSchema()  # one instance: building the nested schemas costs more than loading a record
FIELDS: tuple[str, ...] = tuple(_SCHEMA.fields)


def person_errors(data, *, partial: bool = False) -> tuple[dict | None, Errors]:
    """(cleaned record, no problems) or (None, the problems by field path)."""
    errors = Errors()
    if not isinstance(data, dict):
        errors.add("_form", "not_object")
        return None, errors
    try:
        cleaned = _SCHEMA.load(data, partial=FIELDS if partial else None)
    except ValidationError as exc:
        errors.add_marshmallow(exc.messages)
        return None, errors
    if partial and not cleaned:
        errors.add("_form", "required")
        return None, errors
    return cleaned, errors


def validate_person(data, locale: str | None = "zh-CN", *, partial: bool = False) -> dict:
    """The cleaned record, or `engine.errors.ValidationFailed` naming each bad field in `locale`."""
    cleaned, errors = person_errors(data, partial=partial)
    if errors:
        raise failure(TITLE, errors.items, locale, "person", _SCHEMA)
    return cleaned


def masked(record: dict) -> dict:
    """The record as shown: the identity-card number masked."""
    return {**record, "id_number": idcard.mask(record.get("id_number"))} if "id_number" in record else dict(record)


__all__ = ["FIELDS", "RULE_KEYS", "PersonKey", "PersonSchema", "masked", "person_errors", "rule_keys",
           "validate_person"]
