"""Procedure parameters: the defaults of domain.md and exact reading of their values.

A case records the parameters it started with (``case.data["parameters"]``); a diagram's process
properties override the defaults. Shares are read as :class:`fractions.Fraction` — never floats —
so that every threshold comparison in ``rules.py`` is exact integer arithmetic.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

from workflows.registry.vocab import EDUCATION_LEVEL_KEYS, LEVEL_KEYS, SANCTION_KEYS

# Exactly the parameter table of workflows/README.md.
DEFAULTS: dict[str, Any] = {
    "min_extra_nominees": 1,
    "ballot_max_choices": None,
    "recommendation_turnout": "2/3",
    "exclusion_denominator": "present",
    "exclusion_share": "1/2",
    "recommendation_ratio": 3,
    "inspection_ratio": 2,
    "override_min_justification": 20,
    "min_inspection_team": 2,
    "incompetent_ceiling": "1/3",
    "approval_floor": "2/3",
    "decision_quorum": "2/3",
    "approval_majority": "1/2",
    "publicity_working_days": 5,
    "deferral_months": 3,
    "probation_months": 12,
    "exam_weight": "0.4",
    "interview_weight": "0.6",
    # qualification review (资格审查): tables "key=value,..." per leadership level (see TABLES)
    "min_work_years": "county_deputy=5,county_chief=5,bureau_deputy=5,bureau_chief=5",
    "min_grassroots_years": "county_deputy=2,county_chief=2,bureau_deputy=2,bureau_chief=2",
    "min_posts_below": "county_deputy=2,county_chief=2,bureau_deputy=2,bureau_chief=2",
    "min_years_in_lower_post": "county_deputy=3,county_chief=2,bureau_deputy=3,bureau_chief=2",
    "min_education": "county_deputy=college,county_chief=college,bureau_deputy=bachelor,bureau_chief=bachelor",
    "training_within_years": "county_deputy=5,county_chief=5,bureau_deputy=5,bureau_chief=5",
    "max_age": "",
    "appraisal_years": 1,
    "sanction_effect_months": ("admonishment=6,party_warning=12,party_serious_warning=18,party_post_removal=24,"
                               "gov_warning=6,gov_demerit=12,gov_major_demerit=18,gov_demotion=24,gov_dismissal=24"),
}

DENOMINATOR_BASES = ("present", "valid_ballots", "expected")


_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)(/\d+)?")


def fraction(value: Any) -> Fraction:
    """Read an exact fraction: ``"2/3"``, ``"0.4"``, ``"1"``, ``2``, ``Fraction(1, 2)`` or a Decimal.

    Floats and booleans are refused: a float is never exact, and ``True`` is not a share.
    """
    if isinstance(value, bool | float):
        raise ValueError(
            f"expected an exact fraction such as '2/3' or '0.4', got {type(value).__name__} {value!r}; "
            "write it as a string"
        )
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int | Decimal):
        if isinstance(value, Decimal) and not value.is_finite():
            raise ValueError(f"expected a finite number, got {value!r}")
        return Fraction(value)
    if isinstance(value, str):
        # only plain digits: Fraction() also takes exponents, and "1e999999999" takes forever
        if len(value) > 64 or not _PLAIN_NUMBER.fullmatch(value.strip()):
            raise ValueError(f"expected a fraction such as '2/3' or '0.4', got {value[:64]!r}")
        try:
            return Fraction(value.strip())
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"expected a fraction such as '2/3' or '0.4', got {value!r}") from None
    raise ValueError(f"expected a fraction such as '2/3' or '0.4', got {type(value).__name__} {value!r}")


def integer(value: Any) -> int:
    """Read a whole number: ``3`` or ``"3"`` (not ``True``, not ``3.0``)."""
    if isinstance(value, bool):
        raise ValueError(f"expected a whole number, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return int(value.strip())
    raise ValueError(f"expected a whole number, got {type(value).__name__} {value!r}")


def param(parameters: Mapping[str, Any] | None, name: str) -> Any:
    """The case's value of parameter ``name``, else its default. Unknown names raise KeyError."""
    if name not in DEFAULTS:
        raise KeyError(f"unknown procedure parameter {name!r}")
    if parameters and name in parameters:
        return parameters[name]
    return DEFAULTS[name]


def fraction_param(parameters: Mapping[str, Any] | None, name: str) -> Fraction:
    try:
        return fraction(param(parameters, name))
    except ValueError as exc:
        raise ValueError(f"parameter {name}: {exc}") from None


def int_param(parameters: Mapping[str, Any] | None, name: str) -> int:
    try:
        return integer(param(parameters, name))
    except ValueError as exc:
        raise ValueError(f"parameter {name}: {exc}") from None


def with_defaults(parameters: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The full parameter set of a case: the defaults overlaid with ``parameters``."""
    merged = dict(DEFAULTS)
    merged.update(parameters or {})
    return merged


# Tables: a text "key=value,key=value" (one line, so the modeler's parameter sidebar edits it like
# any other value; "，" "；" ";" also separate) or a JSON object. Keys are leadership levels (or
# sanction kinds); a value is a whole number (an education level for min_education); an empty
# value, or a level left out, means no figure at that level. A table overrides the default table
# key by key, so leaving a key out never drops a figure of the Regulations: write "county_deputy="
# to drop one. name -> (allowed keys, kind of value).
TABLES: dict[str, tuple[tuple[str, ...], str]] = {
    "min_work_years": (LEVEL_KEYS, "count"),
    "min_grassroots_years": (LEVEL_KEYS, "count"),
    "min_posts_below": (LEVEL_KEYS, "count"),
    "min_years_in_lower_post": (LEVEL_KEYS, "count"),
    "min_education": (LEVEL_KEYS, "education"),
    "training_within_years": (LEVEL_KEYS, "count"),
    "max_age": (LEVEL_KEYS, "count"),
    "sanction_effect_months": (SANCTION_KEYS, "count"),
}
_TABLE_SEPARATORS = re.compile(r"[,，;；\n]")


def parse_table(name: str, value: Any) -> dict[str, int | str | None]:
    """The entries of table parameter `name` as given (not merged with the default); ValueError
    naming the bad entry."""
    allowed, kind = TABLES[name]
    if value is None:
        return {}
    if isinstance(value, Mapping):
        entries = [(str(k), v) for k, v in value.items()]
    elif isinstance(value, str):
        if len(value) > 2000:
            raise ValueError("the table is too long")
        entries = []
        for part in filter(None, (p.strip() for p in _TABLE_SEPARATORS.split(value))):
            key, equals, raw = part.partition("=")
            if not equals:
                raise ValueError(f"expected key=value, got {part[:64]!r}")
            entries.append((key.strip(), raw.strip()))
    else:
        raise ValueError(f"expected a table such as 'county_deputy=5,county_chief=5', got {type(value).__name__}")
    table: dict[str, int | str | None] = {}
    for key, raw in entries:
        if key not in allowed:
            raise ValueError(f"unknown key {key[:64]!r} (allowed: {', '.join(allowed)})")
        if key in table:
            raise ValueError(f"{key} is given twice")
        table[key] = _table_value(key, raw, kind)
    return table


def _table_value(key: str, raw: Any, kind: str) -> int | str | None:
    if raw is None or raw == "":
        return None
    if kind == "education":
        if raw not in EDUCATION_LEVEL_KEYS:
            raise ValueError(f"{key}: expected one of {', '.join(EDUCATION_LEVEL_KEYS)}, got {str(raw)[:64]!r}")
        return raw
    try:
        number = integer(raw)
    except ValueError as exc:
        raise ValueError(f"{key}: {exc}") from None
    if number < 0 or number > 200:
        raise ValueError(f"{key}: expected a whole number from 0 to 200, got {number}")
    return number


def table_param(parameters: Mapping[str, Any] | None, name: str) -> dict[str, int | str | None]:
    """The case's table `name`: the default table overlaid with the case's entries."""
    table = parse_table(name, DEFAULTS[name])
    if parameters and name in parameters:
        try:
            table.update(parse_table(name, parameters[name]))
        except ValueError as exc:
            raise ValueError(f"parameter {name}: {exc}") from None
    return table


_SHARES = ("recommendation_turnout", "exclusion_share", "incompetent_ceiling", "approval_floor",
           "decision_quorum", "approval_majority", "exam_weight", "interview_weight")
_COUNTS = {  # name -> smallest allowed value
    "min_extra_nominees": 0, "override_min_justification": 0, "min_inspection_team": 1,
    "publicity_working_days": 5, "deferral_months": 0, "probation_months": 0, "appraisal_years": 1,
}


def validate_parameters(parameters: Mapping[str, Any] | None) -> dict[str, str]:
    """Errors (name -> message) in a set of overrides; empty when all are acceptable.

    Unknown names are refused (only keys the procedure defines). The publicity period may not be
    shorter than five working days (the Regulations: 不少于5个工作日).
    """
    errors: dict[str, str] = {}
    for name, value in (parameters or {}).items():
        if name not in DEFAULTS:
            errors[name] = "unknown procedure parameter"
            continue
        try:
            if name in TABLES:
                parse_table(name, value)
            elif name in _SHARES:
                share = fraction(value)
                if not 0 <= share <= 1:
                    errors[name] = f"must be between 0 and 1, got {share}"
            elif name in _COUNTS:
                if integer(value) < _COUNTS[name]:
                    errors[name] = f"must be at least {_COUNTS[name]}"
            elif name in ("recommendation_ratio", "inspection_ratio"):
                if fraction(value) < 1:
                    errors[name] = "must be at least 1"
            elif name == "ballot_max_choices":
                if value is not None and integer(value) < 1:
                    errors[name] = "must be empty or at least 1"
            elif name == "exclusion_denominator" and value not in DENOMINATOR_BASES:
                errors[name] = f"must be one of {', '.join(DENOMINATOR_BASES)}"
        except ValueError as exc:
            errors[name] = str(exc)
    if not errors.keys() & {"exam_weight", "interview_weight"}:
        merged = with_defaults(parameters)
        if fraction(merged["exam_weight"]) + fraction(merged["interview_weight"]) != 1:
            errors["interview_weight"] = "exam_weight and interview_weight must add up to 1"
    return errors


def check_overrides(parameters: Mapping[str, Any] | None) -> dict[str, str]:
    """validate_parameters for the parameters this domain defines; a procedure's own other
    parameters (the engine checks that they exist) are the procedure's business."""
    known = {k: v for k, v in (parameters or {}).items() if k in DEFAULTS}
    return validate_parameters(known)
