"""One marshmallow schema per user task and message payload, messages in zh-CN and en.

The engine calls `FORMS[name](data, form_ctx)` (an `engine.registry.FormValidator`): it returns the
cleaned data (JSON-serialisable; dates as ISO strings) or raises
`engine.errors.ValidationFailed` whose `fields` maps a field path (`nominees.2.name`,
`votes.张三`, `results.李四.agree`, `overrides.0.justification`, `_form`) to a message in
`form_ctx.locale` ("en…" → English, anything else → Chinese); `message` / `message_zh` summarise
every problem and `details["errors"]` lists them with codes in both languages.

`json_schema(name, locale)` exports a form as JSON Schema (draft 2020-12).

Modules: `base` (fields, error collector, `Form`), `i18n` (messages and labels), `standard`
(steps 0–6), `decision` (steps 7–14), `payloads` (messages), `competitive` (竞争上岗), `export`.
"""

from __future__ import annotations

from engine.registry import FormValidator

from . import competitive, decision, payloads, standard
from .base import Form
from .export import form_json_schema

ALL: dict[str, Form] = {form.name: form for module in (standard, decision, payloads, competitive)
                        for form in module.FORMS}

FORMS: dict[str, FormValidator] = dict(ALL)
FORM_NAMES: tuple[str, ...] = tuple(ALL)


def json_schema(form_name: str, locale: str = "zh-CN") -> dict:
    """The JSON Schema of a form with titles in `locale`; KeyError for an unknown form."""
    if form_name not in ALL:
        raise KeyError(f"no form named {form_name!r}")
    return form_json_schema(ALL[form_name], locale)


__all__ = ["ALL", "FORMS", "FORM_NAMES", "Form", "json_schema"]
