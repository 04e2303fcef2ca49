"""A field's label, and the label of a field path (`nominees.1.birth_date`), in one language.

Error summaries name fields as people read them ("岗位：不能为空"), while the API keeps the paths.
"""

from __future__ import annotations

from marshmallow import Schema, fields

from .i18n import LABELS


def field_label(name: str, field: fields.Field, english: bool) -> str:
    zh, en = field.metadata.get("label") or LABELS.get(name) or (name, name)
    return en if english else zh


def path_label(schema: Schema, path: str, english: bool) -> str:
    """`nominees.1.birth_date` -> "被提名人 · 第2项 · 出生日期"; `votes.张三` -> "得票 · 张三".
    Parts the schema does not know (a name it was not given) are shown as they are."""
    return " · ".join(_in_object(schema.fields, path.split("."), english))


def _in_object(known: dict, parts: list[str], english: bool) -> list[str]:
    if not parts:
        return []
    head, rest = parts[0], parts[1:]
    match = next(((name, field) for name, field in known.items() if (field.data_key or name) == head), None)
    if match is None:
        return parts
    name, field = match
    return [field_label(name, field, english), *_in_field(field, rest, english)]


def _in_field(field: fields.Field, parts: list[str], english: bool) -> list[str]:
    if not parts:
        return []
    head, rest = parts[0], parts[1:]
    if isinstance(field, fields.Nested):
        return _in_object(field.schema.fields, parts, english)
    if isinstance(field, fields.List) and head.isdigit():
        item = f"item {int(head) + 1}" if english else f"第{int(head) + 1}项"
        return [item, *_in_field(field.inner, rest, english)]
    if isinstance(field, fields.Dict) and field.value_field is not None:
        return [head, *_in_field(field.value_field, rest, english)]
    return parts
