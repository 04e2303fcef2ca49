"""Forms generated from a step's JSON Schema: the widgets to draw, and the submitted HTML fields read
back into the JSON the step's marshmallow schema validates.

HTML field names are dotted paths into the data (`nominees.0.name`, `votes.张三`,
`results.李四.agree`), the same paths the validation errors use, so each message lands beside
its field. Where the domain offers choices for a field (workflows/forms/choices.py), the field is
drawn as a list to tick or a list to pick from; the texts some options need (an override's
justification) are drawn beside their option and read back into their own field.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workflows.forms.choices import Choices, Offer, Option, Reason

LONG_TEXT = 500


@dataclass
class Widget:
    path: str
    kind: str  # text | textarea | date | number | select | checkbox | group | rows | list | keyed | choose
    title: str = ""
    required: bool = False
    value: object = None
    choices: list = field(default_factory=list)  # [(value, label)]
    children: list = field(default_factory=list)  # group/keyed: widgets; rows/list: a list of row widget lists
    template: list = field(default_factory=list)  # rows/list: the widgets of an empty row (for "add row")
    minimum: int | None = None
    notes: tuple = ()  # the limits the domain states for this field
    columns: tuple = ()  # choose: the heads of the options' details
    picks: list = field(default_factory=list)  # choose: one Pick per option
    also: tuple = ()  # more error paths shown with the whole field (those of its reasons' field)


@dataclass
class ReasonField:
    """The text an option needs, drawn beside it: `name` and `value` of its textarea, hidden inputs
    that key it, and the error paths of what was submitted for it."""

    name: str
    value: str
    title: str
    note: str
    when: str
    hidden: list
    errors: list


@dataclass
class Pick:
    option: Option
    name: str
    checked: bool
    error: str  # where the validator reports on this option once chosen (`candidates.1`)
    reason: ReasonField | None = None


def widgets(schema: dict, values: dict, offer: Offer = Offer(), hidden: set[str] = frozenset(),  # noqa: B008
            submitted: bool = False) -> list[Widget]:
    """`submitted`: `values` came from a refused submission (otherwise pre-selections apply)."""
    required = set(schema.get("required", []))
    reasons = {c.reason.field for c in offer.fields.values() if c.reason}
    skip = set(hidden) | set(offer.omit) | reasons
    out = []
    for name, prop in schema.get("properties", {}).items():
        choices = offer.fields.get(name)
        if name in skip:
            continue
        if choices is not None and choices.kind == "many":
            out.append(_many(name, prop, values, choices, name in required, submitted))
        elif choices is not None and choices.kind == "one":
            out.append(_one(name, prop, values.get(name), choices, name in required, submitted))
        else:
            out.append(_widget(name, prop, values.get(name), name in required, choices, name))
    return out


def _widget(path, prop, value, required, per_person: Choices | None, name) -> Widget:
    title = prop.get("title", name)
    kind = prop.get("type")
    if kind == "object" and "properties" in prop:
        value = value if isinstance(value, dict) else {}
        inner = set(prop.get("required", []))
        return Widget(path, "group", title, required, children=[
            _widget(f"{path}.{k}", p, value.get(k), k in inner, None, k)
            for k, p in prop["properties"].items()])
    if kind == "object" and isinstance(prop.get("additionalProperties"), dict):
        value = value if isinstance(value, dict) else {}
        labels = {o.value: o.label for o in per_person.options} if per_person else {}
        cell = prop["additionalProperties"]
        return Widget(path, "keyed", title, required, notes=per_person.notes if per_person else (), children=[
            _widget(f"{path}.{key}", {**cell, "title": labels.get(key, key)}, value.get(key), False, None, key)
            for key in dict.fromkeys([*labels, *value])])
    if kind == "array":
        items = prop.get("items", {})
        rows = value if isinstance(value, list) else []
        def build(i, v):
            return (_row(f"{path}.{i}", items, v))
        return Widget(path, "rows" if items.get("type") == "object" else "list", title, required,
                      children=[build(i, v) for i, v in enumerate(rows or ([None] if required else []))],
                      template=build("__index__", None), minimum=prop.get("minItems"))
    return _scalar(path, prop, value, required, title)


def _many(name: str, prop: dict, values: dict, choices: Choices, required: bool, submitted: bool) -> Widget:
    """A list to tick: checkbox `name.<option index>` submits the option's value; the validator's
    paths count the ticked ones (`candidates.1` is the second ticked), so each is mapped back."""
    chosen = values.get(name) if submitted else list(choices.selected)
    chosen = [v for v in chosen if isinstance(v, str)] if isinstance(chosen, list) else []
    reason = choices.reason
    given = values.get(reason.field) if reason and submitted else None
    picks = []
    for index, option in enumerate(choices.options):
        checked = option.value in chosen
        error = f"{name}.{chosen.index(option.value)}" if checked else ""
        text = _reason(reason, index, option, given) if reason and option.needs_reason else None
        picks.append(Pick(option, f"{name}.{index}", checked, error, text))
    return Widget(name, "choose", prop.get("title", name), required, notes=choices.notes, columns=choices.columns,
                  picks=picks, also=(reason.field,) if reason else ())


def _reason(reason: Reason, index: int, option: Option, given) -> ReasonField:
    if reason.key is None:  # a map {value: text}
        texts = given if isinstance(given, dict) else {}
        path = f"{reason.field}.{option.value}"
        return ReasonField(path, texts.get(option.value) or "", reason.title, option.note, reason.when, [], [path])
    rows = given if isinstance(given, list) else []
    at = next((j for j, row in enumerate(rows) if isinstance(row, dict) and row.get(reason.key) == option.value), None)
    value = rows[at].get(reason.text) or "" if at is not None else ""
    errors = [] if at is None else [f"{reason.field}.{at}.{reason.text}", f"{reason.field}.{at}.{reason.key}",
                                    f"{reason.field}.{at}"]
    return ReasonField(f"{reason.field}.{index}.{reason.text}", value, reason.title, option.note, reason.when,
                       [(f"{reason.field}.{index}.{reason.key}", option.value)], errors)


def _one(name: str, prop: dict, value, choices: Choices, required: bool, submitted: bool) -> Widget:
    if not submitted and value is None and choices.selected:
        value = choices.selected[0]
    labels = [(o.value, o.label + "".join(f" · {d}" for d in o.details)) for o in choices.options if not o.disabled]
    return Widget(name, "select", prop.get("title", name), required, value, choices=labels, notes=choices.notes)


def _row(path, items, value) -> list[Widget]:
    if items.get("type") == "object":
        value = value if isinstance(value, dict) else {}
        inner = set(items.get("required", []))
        return [_widget(f"{path}.{k}", p, value.get(k), k in inner, None, k)
                for k, p in items["properties"].items()]
    return [_scalar(path, items, value, True, "")]


def _scalar(path, prop, value, required, title) -> Widget:
    if "enum" in prop:
        labels = prop.get("x-enum-titles") or prop["enum"]
        return Widget(path, "select", title, required, value, choices=list(zip(prop["enum"], labels, strict=False)))
    kind = prop.get("type")
    if isinstance(kind, list):  # ["integer", "null"]: an optional value of that type
        kind = next((k for k in kind if k != "null"), None)
    if kind == "boolean":
        return Widget(path, "checkbox", title, required, value)
    if kind == "integer" or kind == "number":
        return Widget(path, "number", title, required, value, minimum=prop.get("minimum"))
    if prop.get("format") == "date":
        return Widget(path, "date", title, required, value)
    long = prop.get("maxLength") is None or prop.get("maxLength", 0) > LONG_TEXT
    return Widget(path, "textarea" if long else "text", title, required, value)


# --- reading the submitted fields back ---------------------------------------------------------------


def read_form(schema: dict, form_data, offer: Offer = Offer()) -> dict:  # noqa: B008
    """Turn flat `a.b.0.c` HTML fields into the nested JSON the schema describes, with its types.
    A reason row left blank is no reason (its hidden key alone does not make an override)."""
    data: dict = {}
    for path in form_data:
        if path in ("csrf_token", "_comment") or "__index__" in path:
            continue
        values = [v for v in form_data.getlist(path)]
        _put(data, path.split("."), values[-1] if values else "")
    data = _coerce(schema, data)
    for choices in offer.fields.values():
        reason = choices.reason
        if reason and reason.key and isinstance(data.get(reason.field), list):
            data[reason.field] = [row for row in data[reason.field]
                                  if not isinstance(row, dict) or str(row.get(reason.text) or "").strip()]
    return data


def _put(target: dict, parts: list[str], value) -> None:
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


def _coerce(prop: dict, value):
    kind = prop.get("type")
    if isinstance(kind, list):  # ["integer", "null"]: an optional value of that type
        kind = next((k for k in kind if k != "null"), None)
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
