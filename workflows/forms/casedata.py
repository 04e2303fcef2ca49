"""What a form may read besides its data: procedure parameters and what the case already holds."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fractions import Fraction

from engine.registry import FormContext

from .. import params
from .base import Refuse

# --- procedure parameters (read as workflows/params.py reads them) -----------------------------------


def int_parameter(form_ctx: FormContext, name: str, *, minimum: int = 0, optional: bool = False) -> int | None:
    """An integer parameter; None only for an `optional` one left unset (null)."""
    value = params.param(form_ctx.parameters, name)
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "null", "none")):
        if optional:
            return None
        value = params.DEFAULTS[name]
    try:
        number = params.integer(value)
    except ValueError:
        raise Refuse("_form", "bad_parameter", name=name, value=repr(value)) from None
    if number < minimum:
        raise Refuse("_form", "bad_parameter", name=name, value=repr(value))
    return number


def ratio_parameter(form_ctx: FormContext, name: str) -> Fraction:
    """A positive ratio: 2, "2", "3/2" or "1.5"."""
    try:
        number = params.fraction_param(form_ctx.parameters, name)
    except ValueError:
        raise Refuse("_form", "bad_parameter", name=name, value=repr(params.param(form_ctx.parameters, name))) from None
    if number <= 0:
        raise Refuse("_form", "bad_parameter", name=name, value=repr(number))
    return number


# --- what the case already holds ---------------------------------------------------------------------


def names_in(items: Iterable | None) -> list[str]:
    """Names from a list of names or of objects with a `name` (anything else: none)."""
    out = []
    for item in items if isinstance(items, list | tuple) else []:
        name = item.get("name") if isinstance(item, Mapping) else item
        if isinstance(name, str) and name.strip():
            out.append(name.strip())
    return out


def section(data: Mapping, key: str) -> Mapping:
    """One step's record in the case data; empty when missing or not an object."""
    value = data.get(key)
    return value if isinstance(value, Mapping) else {}


def post_count(form_ctx: FormContext) -> int:
    """`post_count` of the case (start form), else of the competitive announcement; default 1."""
    data = form_ctx.case_data or {}
    value = data.get("post_count")
    if value is None:
        value = section(data, "announcement").get("post_count", 1)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else 1


def nominee_names(ctx: FormContext) -> list[str]:
    """The nominees on the ballot (after the qualification review; before it, or in a case that
    has none, every nominee) or, failing that, the applicants (competitive)."""
    data = ctx.case_data or {}
    ballot = data.get("ballot")
    found = names_in(ballot if isinstance(ballot, list) else section(data, "nominate").get("nominees"))
    return found or names_in(section(data, "registration").get("applicants"))


def nominee_rows(ctx: FormContext) -> list[Mapping]:
    """The nominees' (or applicants') rows as nominated, each `name` being its key in the case."""
    data = ctx.case_data or {}
    for rows in (section(data, "nominate").get("nominees"), section(data, "registration").get("applicants")):
        if isinstance(rows, list) and rows:
            return [r for r in rows if isinstance(r, Mapping)]
    return []


def record_name(row: Mapping) -> str | None:
    """The name in the registry record copied into a nominee's row (its key may be 王伟#12)."""
    record = row.get("record")
    name = record.get("name") if isinstance(record, Mapping) else None
    return name if isinstance(name, str) else None


def as_key(value, ctx: FormContext, path: str, errors) -> object:
    """A nominee as the case keys them (their `name`, which carries the person id when two share a
    name: 王伟#12). A person id, or a name naming exactly one nominee, stands for that nominee; a
    name naming several is refused at `path`; anything else is returned as given (the form's own
    check then says it is no nominee)."""
    rows = nominee_rows(ctx)
    if not isinstance(value, str) or any(r.get("name") == value for r in rows):
        return value
    matches = [r for r in rows if str(r.get("person_id")) == value.strip() or record_name(r) == value]
    if len(matches) == 1:
        return matches[0]["name"]
    if len(matches) > 1:
        errors.add(path, "ambiguous_nominee", name=value, count=len(matches),
                   keys="、".join(str(r["name"]) for r in matches))
    return value


def as_keys(values: list, ctx: FormContext, path: str, errors) -> list:
    return [as_key(v, ctx, f"{path}.{i}", errors) for i, v in enumerate(values)]


def as_keyed(mapping: Mapping, ctx: FormContext, path: str, errors) -> dict:
    return {as_key(k, ctx, f"{path}.{k}", errors): v for k, v in mapping.items()}


def withdrawn_names(form_ctx: FormContext) -> set[str]:
    """Who has withdrawn: case data `withdrawn` / `withdrawals` (names or {name, ...}), and the
    tally's `withdrawn` flags."""
    data = form_ctx.case_data or {}
    found = set(names_in(data.get("withdrawn"))) | set(names_in(data.get("withdrawals")))
    for entry in section(data, "tally").get("nominees") or []:
        if isinstance(entry, Mapping) and entry.get("withdrawn"):
            found.update(names_in([entry]))
    return found


def up_for_decision(case_data: Mapping) -> list[str]:
    """Whom the committee votes on next: after a round to repeat, the names it deferred (or, after a
    meeting without quorum, that round's names again); else the deliberation's proposal. The
    committee tally, its form and the form's rows all ask this one function."""
    decision = section(case_data, "decision")
    if decision.get("repeat") or decision.get("deferred"):
        return names_in(decision.get("deferred") or decision.get("proposed"))
    return names_in(section(case_data, "deliberation").get("proposed"))


def text_length(value: str) -> int:
    """Characters of a text after trimming (a Chinese character counts as one)."""
    return len(value.strip())
