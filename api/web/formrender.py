"""Forms generated from a step's JSON Schema: the widgets to draw, and the submitted HTML fields read
back into the JSON the step's marshmallow schema validates.

HTML field names are dotted paths into the data (`nominees.0.name`, `votes.张三`,
`results.李四.agree`), the same paths the validation errors use, so each message lands beside
its field.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workflows.forms.hints import person_keys

LONG_TEXT = 500


@dataclass
class Widget:
    path: str
    kind: str  # text | textarea | date | number | select | checkbox | group | rows | list | keyed
    title: str = ""
    required: bool = False
    value: object = None
    choices: list = field(default_factory=list)  # [(value, label)]
    children: list = field(default_factory=list)  # group/keyed: widgets; rows/list: a list of row widget lists
    template: list = field(default_factory=list)  # rows/list: the widgets of an empty row (for "add row")
    minimum: int | None = None


def widgets(schema: dict, values: dict, form: str, case_data: dict, hidden: set[str] = frozenset()) -> list[Widget]:
    required = set(schema.get("required", []))
    return [_widget(name, prop, values.get(name), name in required, form, case_data, name)
            for name, prop in schema.get("properties", {}).items() if name not in hidden]


def _widget(path, prop, value, required, form, case_data, name) -> Widget:
    title = prop.get("title", name)
    kind = prop.get("type")
    if kind == "object" and "properties" in prop:
        value = value if isinstance(value, dict) else {}
        inner = set(prop.get("required", []))
        return Widget(path, "group", title, required, children=[
            _widget(f"{path}.{k}", p, value.get(k), k in inner, form, case_data, k)
            for k, p in prop["properties"].items()])
    if kind == "object" and isinstance(prop.get("additionalProperties"), dict):
        value = value if isinstance(value, dict) else {}
        keys = list(dict.fromkeys([*person_keys(form, name, case_data), *value]))
        cell = prop["additionalProperties"]
        return Widget(path, "keyed", title, required, children=[
            _widget(f"{path}.{key}", {**cell, "title": key}, value.get(key), False, form, case_data, key)
            for key in keys])
    if kind == "array":
        items = prop.get("items", {})
        rows = value if isinstance(value, list) else []
        def build(i, v):
            return (_row(f"{path}.{i}", items, v, form, case_data))
        return Widget(path, "rows" if items.get("type") == "object" else "list", title, required,
                      children=[build(i, v) for i, v in enumerate(rows or ([None] if required else []))],
                      template=build("__index__", None), minimum=prop.get("minItems"))
    return _scalar(path, prop, value, required, title)


def _row(path, items, value, form, case_data) -> list[Widget]:
    if items.get("type") == "object":
        value = value if isinstance(value, dict) else {}
        inner = set(items.get("required", []))
        return [_widget(f"{path}.{k}", p, value.get(k), k in inner, form, case_data, k)
                for k, p in items["properties"].items()]
    return [_scalar(path, items, value, True, "")]


def _scalar(path, prop, value, required, title) -> Widget:
    if "enum" in prop:
        labels = prop.get("x-enum-titles") or prop["enum"]
        return Widget(path, "select", title, required, value, choices=list(zip(prop["enum"], labels, strict=False)))
    kind = prop.get("type")
    if kind == "boolean":
        return Widget(path, "checkbox", title, required, value)
    if kind == "integer" or kind == "number":
        return Widget(path, "number", title, required, value, minimum=prop.get("minimum"))
    if prop.get("format") == "date":
        return Widget(path, "date", title, required, value)
    long = prop.get("maxLength") is None or prop.get("maxLength", 0) > LONG_TEXT
    return Widget(path, "textarea" if long else "text", title, required, value)


# --- reading the submitted fields back ---------------------------------------------------------------


def read_form(schema: dict, form_data) -> dict:
    """Turn flat `a.b.0.c` HTML fields into the nested JSON the schema describes, with its types."""
    data: dict = {}
    for path in form_data:
        if path in ("csrf_token", "_comment") or "__index__" in path:
            continue
        values = [v for v in form_data.getlist(path)]
        _put(data, path.split("."), values[-1] if values else "")
    return _coerce(schema, data)


def _put(target: dict, parts: list[str], value) -> None:
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


def _coerce(prop: dict, value):
    kind = prop.get("type")
    if kind == "object" and "properties" in prop:
        value = value if isinstance(value, dict) else {}
        out = {}
        for name, sub in prop["properties"].items():
            if sub.get("type") == "boolean":
                out[name] = value.get(name) in ("true", "on", "1")
            elif name in value:
                coerced = _coerce(sub, value[name])
                if coerced != "" or name in prop.get("required", []):
                    out[name] = coerced
        return out
    if kind == "object":
        cell = prop.get("additionalProperties") or {}
        return {k: _coerce(cell, v) for k, v in (value or {}).items() if v not in ("", None, {})}
    if kind == "array":
        rows = value if isinstance(value, dict) else {}
        ordered = [rows[k] for k in sorted(rows, key=lambda k: int(k) if k.isdigit() else 0)]
        items = [_coerce(prop.get("items", {}), v) for v in ordered]
        return [i for i in items if i not in ("", {}, None) and not (isinstance(i, dict) and not any(
            v not in ("", None, False) for v in i.values()))]
    if kind in ("integer", "number") and isinstance(value, str):
        text = value.strip()
        if text == "":
            return ""
        try:
            return int(text) if kind == "integer" else float(text)
        except ValueError:
            return text  # the schema then says "not a valid integer" beside the field
    if isinstance(value, str):
        return value.strip()
    return value
