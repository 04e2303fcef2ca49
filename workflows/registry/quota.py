"""Post quotas (职数) at the start of a case: a unit and a level chosen from the registry's lists
stand for the free-text `unit` and `rank`, and a unit without a vacancy at that level refuses the
motion with the figures.

The check reads the unit and the persons holding posts there through the form's keyed reads
(`FormContext.reference`, in the start's transaction) and records what it decided — the unit's
name, the level's label and `quota: {unit_id, level, approved, filled}` — in the cleaned start
data, the case_started event's data_in, which a replay runs on: a later change of the unit or of
a person's career cannot change a recorded case. No person record enters the case.
"""

from __future__ import annotations

from engine.registry import FormContext

from ..forms.base import Errors
from ..rules import BEIJING
from . import records, vocab


def check_start(data: dict, form_ctx: FormContext, errors: Errors) -> dict | None:
    if data.get("unit_id") is None:
        # a rule across fields, so it runs once the fields are valid (forms/base.py `Form.check`)
        for name in ("unit", "rank"):
            if not data.get(name):
                errors.add(name, "required")
        # a free-text unit: no quota check (the case warns `quota_unchecked`); no empty keys recorded
        return {k: v for k, v in data.items() if not (k in ("unit_id", "level") and v is None)}
    if not data.get("level"):
        errors.add("level", "required")
        return None
    unit = form_ctx.reference.entry("unit", str(data["unit_id"])) if form_ctx.reference is not None else None
    if unit is None:
        errors.add("unit_id", "unknown_unit", id=data["unit_id"])
        return None
    level = data["level"]
    on = form_ctx.now.astimezone(BEIJING).date()
    holders = form_ctx.reference.with_terms("person", "seat", [records.seat(unit["name"], level)])
    approved = int((unit.get("quotas") or {}).get(level, 0))
    filled = records.filled(unit, holders, on).get(level, 0)
    posts = data.get("post_count") or 1
    if approved - filled < posts:
        errors.add("level", "no_vacancy", unit=unit["name"], level=vocab.label(vocab.LEVELS, level),
                   level_en=vocab.label(vocab.LEVELS, level, "en"), approved=approved, filled=filled, posts=posts)
        return None
    return {**data, "unit": unit["name"], "rank": vocab.label(vocab.LEVELS, level),
            "quota": {"unit_id": data["unit_id"], "level": level, "approved": approved, "filled": filled}}


def quota_warnings(case_data: dict) -> list[str]:
    """`quota_unchecked` for a case started on a free-text unit (no unit of the registry)."""
    return ["quota_unchecked"] if case_data.get("unit") and "quota" not in case_data else []
