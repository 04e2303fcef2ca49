"""The building blocks of the forms: strict fields, the error collector, the `Form` validator.

Fields carry error *codes* (see `i18n.MESSAGES`) instead of marshmallow's English messages; a code
with parameters is written `"code|key=value"` so that marshmallow's validators can fill it in.
Every field is strict about JSON types: integers must be JSON integers (not strings, floats or
booleans), booleans must be `true`/`false`, dates must be `YYYY-MM-DD` strings. Strings are
trimmed; a required string may not be blank. Unknown fields are refused at every level.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from engine.errors import ValidationFailed
from engine.registry import FormContext

from .i18n import render
from .labels import path_label

_BASE_MESSAGES = {"required": "required", "null": "null", "validator_failed": "invalid"}

SHORT = 200  # names, usernames, posts, units, numbers of documents
LONG = 20000  # comments, findings, summaries, justifications


class FormSchema(Schema):
    """Base of every form schema: unknown fields are refused, messages are codes."""

    error_messages = {"type": "not_object", "unknown": "unknown_field"}

    class Meta:
        unknown = RAISE


# --- fields ----------------------------------------------------------------------------------------


class Str(fields.String):
    """A trimmed string. An optional one (load_default "") also takes null as ""."""

    default_error_messages = {**_BASE_MESSAGES, "invalid": "not_string", "invalid_utf8": "not_string"}

    def deserialize(self, value, attr=None, data=None, **kwargs):
        if value is None and not self.required and self.load_default == "":
            value = ""
        return super().deserialize(value, attr, data, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        return super()._deserialize(value, attr, data, **kwargs).strip()


class Gender(Str):
    """男 / 女, also accepted as male / female (any case), stored as 男 / 女."""

    VALUES = {"男": "男", "女": "女", "male": "男", "female": "女"}

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if text.lower() not in self.VALUES:
            raise ValidationError("gender")
        return self.VALUES[text.lower()]


class Int(fields.Integer):
    """A JSON integer; booleans, floats and numeric strings are refused."""

    default_error_messages = {**_BASE_MESSAGES, "invalid": "not_int", "too_large": "not_int"}

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)

    def _validated(self, value) -> int:
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._validated(value)


class Bool(fields.Boolean):
    """Only JSON `true` / `false` (no "yes", 1, "on")."""

    default_error_messages = {**_BASE_MESSAGES, "invalid": "not_bool"}

    def _deserialize(self, value, attr, data, **kwargs) -> bool:
        if isinstance(value, bool):
            return value
        raise self.make_error("invalid")


class Day(fields.Date):
    """A calendar date `YYYY-MM-DD`, returned as that ISO string."""

    default_error_messages = {**_BASE_MESSAGES, "invalid": "not_date", "format": "not_date"}
    PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value.isoformat()
        if isinstance(value, str) and self.PATTERN.fullmatch(value.strip()):
            try:
                return dt.date.fromisoformat(value.strip()).isoformat()
            except ValueError:
                pass
        raise self.make_error("invalid")


class Score(fields.Field):
    """A score 0..100 with at most two decimals, as a JSON number or string; stored as a string
    in its shortest exact form ("85.5", "100", "0")."""

    default_error_messages = {**_BASE_MESSAGES, "invalid": "score"}

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
            raise self.make_error("invalid")
        try:
            number = Decimal(value.strip() if isinstance(value, str) else str(value))
        except InvalidOperation as exc:
            raise self.make_error("invalid") from exc
        if not number.is_finite() or number < 0 or number > 100:
            raise self.make_error("invalid")
        number = number.normalize()
        if number.as_tuple().exponent < -2:
            raise self.make_error("invalid")
        return format(number if number != 0 else Decimal(0), "f")


class Many(fields.List):
    """A list; `unique=True` refuses repeated items, `unique="name"` repeated `name`s of objects.
    A repeat is reported at its own index (`team.2`, `nominees.3.name`)."""

    default_error_messages = {**_BASE_MESSAGES, "invalid": "not_list"}

    def __init__(self, inner, *, unique: bool | str = False, **kwargs):
        super().__init__(inner, **kwargs)
        self.unique = unique
        if unique is True:
            self.metadata = {**self.metadata, "uniqueItems": True}

    def _deserialize(self, value, attr, data, **kwargs) -> list:
        items = super()._deserialize(value, attr, data, **kwargs)
        if self.unique:
            errors: dict = {}
            seen: set = set()
            for index, item in enumerate(items):
                key = item.get(self.unique) if isinstance(self.unique, str) else item
                if key in seen:
                    message = [f"duplicate|name={key}"]
                    errors[index] = {self.unique: message} if isinstance(self.unique, str) else message
                seen.add(key)
            if errors:
                raise ValidationError(errors)
        return items


class Obj(fields.Nested):
    default_error_messages = {**_BASE_MESSAGES, "type": "not_object"}


class NameMap(fields.Dict):
    """An object keyed by (trimmed, non-blank, unique) names; errors are reported per name, so a
    bad count is at `votes.张三` rather than marshmallow's `votes.张三.value`."""

    default_error_messages = {**_BASE_MESSAGES, "invalid": "not_object"}

    def __init__(self, values: fields.Field, **kwargs):
        kwargs.setdefault("metadata", {})
        super().__init__(keys=fields.String(), values=values, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> dict:
        if not isinstance(value, Mapping):
            raise self.make_error("invalid")
        out: dict = {}
        errors: dict = {}
        for raw_key, raw_value in value.items():
            key = raw_key.strip() if isinstance(raw_key, str) else ""
            if not key:
                errors["_schema"] = ["blank_name"]  # reported on the map itself
            elif key in out or key in errors:
                errors[key] = [f"duplicate|name={key}"]
            else:
                try:
                    out[key] = self.value_field.deserialize(raw_value, **kwargs)
                except ValidationError as exc:
                    errors[key] = exc.messages
        if errors:
            raise ValidationError(errors)
        return out


# --- field factories -------------------------------------------------------------------------------


def text(*, required: bool = True, max_length: int = SHORT, **kwargs) -> Str:
    """A string; required ones may not be blank; optional ones default to ""."""
    checks = [validate.Length(max=max_length, error="too_long|max={max}")]
    if required:
        return Str(required=True, validate=[validate.Length(min=1, error="blank"), *checks], **kwargs)
    return Str(load_default="", validate=checks, **kwargs)


def long_text(*, required: bool = True, **kwargs) -> Str:
    return text(required=required, max_length=LONG, **kwargs)


def choice(*choices: str, **kwargs) -> Str:
    return Str(required=True, validate=validate.OneOf(choices, error="one_of|choices={choices}"), **kwargs)


def count(minimum: int = 0, **kwargs) -> Int:
    kwargs.setdefault("required", "load_default" not in kwargs)
    return Int(validate=validate.Range(min=minimum, error="min_value|min={min}"), **kwargs)


def day(**kwargs) -> Day:
    return Day(required=True, **kwargs)


def flag(**kwargs) -> Bool:
    return Bool(required=True, **kwargs)


def names(*, minimum: int = 0, required: bool = True, unique: bool = True, **kwargs) -> Many:
    """A list of non-blank short strings (names, usernames), unique unless told otherwise."""
    checks = validate.Length(min=minimum, error="min_items|min={min}") if minimum else None
    if not required:
        kwargs["load_default"] = list
    return Many(text(), required=required, validate=checks, unique=unique, **kwargs)


def rows(schema: type[Schema], *, minimum: int = 0, required: bool = True, unique: str | bool = False,
         **kwargs) -> Many:
    """A list of objects of `schema`; `unique="name"` refuses two rows with the same name."""
    checks = validate.Length(min=minimum, error="min_items|min={min}") if minimum else None
    if not required:
        kwargs["load_default"] = list
    return Many(Obj(schema), required=required, validate=checks, unique=unique, **kwargs)


# --- errors ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    path: str
    code: str
    params: dict


class Refuse(Exception):  # noqa: N818 - a control-flow signal, not an error class name
    """Stop a form check at once with one problem (missing case data, a bad parameter)."""

    def __init__(self, path: str, code: str, **params):
        super().__init__(code)
        self.problem = Problem(path, code, params)


class Errors:
    """The problems found in one submission, in the order found."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def __bool__(self) -> bool:
        return bool(self.items)

    def add(self, path: str, code: str, **params) -> None:
        self.items.append(Problem(path, code, params))

    def at(self, path: str) -> bool:
        return any(p.path == path for p in self.items)

    def add_marshmallow(self, messages) -> None:
        for parts, message in _flatten(messages, ()):
            code, params = _parse(message)
            self.items.append(Problem(".".join(parts) or "_form", code, params))


def _flatten(messages, prefix: tuple):
    if isinstance(messages, dict):
        for key, value in messages.items():
            yield from _flatten(value, prefix if key == "_schema" else (*prefix, str(key)))
    elif isinstance(messages, list | tuple):
        for message in messages:
            yield from _flatten(message, prefix)
    else:
        yield prefix, str(messages)


def _parse(message: str) -> tuple[str, dict]:
    code, *rest = message.split("|")
    params = dict(part.split("=", 1) for part in rest if "=" in part)
    return code, params


def failure(title: tuple[str, str], problems: list[Problem], locale: str | None, form: str,
            schema: Schema | None = None) -> ValidationFailed:
    """The ValidationFailed of a form: per-field messages in `locale` keyed by path, summaries in
    both languages naming each field by its label in `schema` (else by its path)."""
    by_path: dict[str, list[Problem]] = {}
    for problem in problems:
        by_path.setdefault(problem.path, []).append(problem)

    def joined(path: str, lang: str) -> str:
        texts = list(dict.fromkeys(render(p.code, p.params, lang) for p in by_path[path]))
        return ("; " if lang == "en" else "；").join(texts)

    def named(path: str, lang: str) -> str:
        text = joined(path, lang).rstrip(".") if lang == "en" else joined(path, lang)
        if path == "_form":  # the form as a whole: no field to name
            return text
        name = path_label(schema, path, lang == "en") if schema is not None else path
        return f"{name}{': ' if lang == 'en' else '：'}{text}"

    shown = list(by_path)[:10]
    en = "; ".join(named(path, "en") for path in shown)
    zh = "；".join(named(path, "zh") for path in shown)
    details = {"form": form, "errors": [
        {"field": p.path, "code": p.code, "message": render(p.code, p.params, "en"),
         "message_zh": render(p.code, p.params, "zh")} for p in problems]}
    return ValidationFailed(
        render("form_invalid", {"title": title[1], "details": en}, "en"),
        fields={path: joined(path, locale or "zh-CN") for path in by_path},
        message_zh=render("form_invalid", {"title": title[0], "details": zh}, "zh"),
        details=details,
    )


# --- the validator -------------------------------------------------------------------------------

Check = Callable[[dict, FormContext, Errors], "dict | None"]


@dataclass(frozen=True)
class Form:
    """One form: a FormValidator (`form(data, form_ctx) -> cleaned`) plus what `json_schema` needs."""

    name: str
    title: tuple[str, str]  # (Chinese, English)
    schema: type[FormSchema]
    check: Check | None = None  # cross-field and case-data rules, run when the fields are valid

    def __call__(self, data: dict, form_ctx: FormContext) -> dict:
        errors = Errors()
        if not isinstance(data, dict):
            errors.add("_form", "not_object")
            raise failure(self.title, errors.items, form_ctx.locale, self.name, self.schema())
        try:
            cleaned = self.schema().load(data)
        except ValidationError as exc:
            errors.add_marshmallow(exc.messages)
            raise failure(self.title, errors.items, form_ctx.locale, self.name, self.schema()) from None
        if self.check is not None:
            try:
                result = self.check(cleaned, form_ctx, errors)
            except Refuse as refuse:
                errors.items.append(refuse.problem)
            else:
                cleaned = cleaned if result is None else result
        if errors:
            raise failure(self.title, errors.items, form_ctx.locale, self.name, self.schema())
        return cleaned
