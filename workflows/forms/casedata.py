"""What a form may read besides its data: procedure parameters and what the case already holds."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fractions import Fraction

from engine.registry import FormContext

from .base import Refuse

# --- procedure parameters (defaults of workflows/README.md) -----------------------------------------

PARAMETER_DEFAULTS: dict[str, object] = {
    "min_extra_nominees": 1,
    "ballot_max_choices": None,
    "recommendation_ratio": 3,
    "inspection_ratio": 2,
    "override_min_justification": 20,
    "min_inspection_team": 2,
}


def _raw_parameter(ctx: FormContext, name: str):
    value = (ctx.parameters or {}).get(name, PARAMETER_DEFAULTS[name])
    if isinstance(value, str) and value.strip().lower() in ("", "null", "none"):
        return None
    return value


def int_parameter(ctx: FormContext, name: str, *, minimum: int = 0, optional: bool = False) -> int | None:
    """An integer parameter (an int or a numeric string); None only for an `optional` one."""
    value = _raw_parameter(ctx, name)
    if value is None:
        if optional:
            return None
        value = PARAMETER_DEFAULTS[name]
    try:
        if isinstance(value, bool) or isinstance(value, float) and not value.is_integer():
            raise ValueError(value)
        number = int(value.strip()) if isinstance(value, str) else int(value)
    except (TypeError, ValueError):
        raise Refuse("_form", "bad_parameter", name=name, value=repr(value)) from None
    if number < minimum:
        raise Refuse("_form", "bad_parameter", name=name, value=repr(value))
    return number


def ratio_parameter(ctx: FormContext, name: str) -> Fraction:
    """A positive ratio: 2, "2", "3/2" or "1.5"."""
    value = _raw_parameter(ctx, name)
    value = PARAMETER_DEFAULTS[name] if value is None else value
    try:
        if isinstance(value, bool):
            raise ValueError(value)
        number = Fraction(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError, ZeroDivisionError):
        raise Refuse("_form", "bad_parameter", name=name, value=repr(value)) from None
    if number <= 0:
        raise Refuse("_form", "bad_parameter", name=name, value=repr(value))
    return number


# --- what the case already holds ---------------------------------------------------------------------


def names_in(items: Iterable | None) -> list[str]:
    """Names from a list of names or of objects with a `name`."""
    out = []
    for item in items or []:
        name = item.get("name") if isinstance(item, Mapping) else item
        if isinstance(name, str) and name.strip():
            out.append(name.strip())
    return out


def post_count(ctx: FormContext) -> int:
    """`post_count` of the case (start form), else of the competitive announcement; default 1."""
    data = ctx.case_data or {}
    value = data.get("post_count")
    if value is None:
        value = (data.get("announcement") or {}).get("post_count", 1)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else 1


def nominee_names(ctx: FormContext) -> list[str]:
    """The nominees (standard procedure) or, failing that, the applicants (competitive)."""
    data = ctx.case_data or {}
    found = names_in((data.get("nominate") or {}).get("nominees"))
    return found or names_in((data.get("registration") or {}).get("applicants"))


def withdrawn_names(ctx: FormContext) -> set[str]:
    """Who has withdrawn: case data `withdrawn` / `withdrawals` (names or {name, ...}), and the
    tally's `withdrawn` flags."""
    data = ctx.case_data or {}
    found = set(names_in(data.get("withdrawn"))) | set(names_in(data.get("withdrawals")))
    for entry in (data.get("tally") or {}).get("nominees") or []:
        if isinstance(entry, Mapping) and entry.get("withdrawn"):
            found.update(names_in([entry]))
    return found


def text_length(value: str) -> int:
    """Characters of a text after trimming (a Chinese character counts as one)."""
    return len(value.strip())
