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

from typing import Any

# The tables are built on first use (PEP 562): the registry's person record builds on `base`, and
# the nominate and review forms build on the person record, so importing `workflows.forms.base`
# must not import every form module.
_BUILT: dict[str, Any] = {}


def _build() -> dict[str, Any]:
    if not _BUILT:
        from . import competitive, decision, payloads, qualification, standard

        every = {form.name: form for module in (standard, qualification, decision, payloads, competitive)
                 for form in module.FORMS}
        _BUILT.update(ALL=every, FORMS=dict(every), FORM_NAMES=tuple(every))
    return _BUILT


def __getattr__(name: str) -> Any:
    if name in ("ALL", "FORMS", "FORM_NAMES"):
        return _build()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def json_schema(form_name: str, locale: str = "zh-CN") -> dict:
    """The JSON Schema of a form with titles in `locale`; KeyError for an unknown form."""
    from .export import form_json_schema

    forms = _build()["ALL"]
    if form_name not in forms:
        raise KeyError(f"no form named {form_name!r}")
    return form_json_schema(forms[form_name], locale)


__all__ = ["ALL", "FORMS", "FORM_NAMES", "json_schema"]
