"""破格提拔 (Regs art. 9): the org head's `exceptional_promotion` record and when it is refused.

Refused when a named rule is not waivable or did not fail (a warning counts as failed), when the
nominee is still on probation or was promoted less than a year before the start date, when a named
rule was already waived at their last promotion (no consecutive 破格), or when the post skips two
levels (e.g. 乡科级副职 to 县处级正职). The justification needs `override_min_justification`
characters (20).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from ..forms.base import FormSchema, Problem, choice, long_text
from ..forms.casedata import text_length
from ..params import int_param
from . import vocab
from .career import current_rank, last_promotion, on_probation
from .confirm import find_nominee, verdict_params
from .dates import add_years, as_date
from .person import PersonKey, rule_keys
from .qualification import RULES, rule_label


class ExceptionalPromotion(FormSchema):
    """`{person_id, ground, justification, rules}`; person_id is an id or the name of exactly one
    nominee, so it is read as given (a JSON integer or string)."""

    person_id = PersonKey(required=True)
    ground = choice(*vocab.keys(vocab.EXCEPTIONAL_GROUNDS))
    justification = long_text()
    rules = rule_keys(minimum=1)


def check_exceptional(record: dict, qualification: dict, person: dict, level: str, start_date,
                      params: Mapping | None) -> list[Problem]:
    """The problems of a validated `record` for the nominee's review and registry record (as
    copied into the case); empty when the 破格 may be recorded."""
    problems: list[Problem] = []
    as_of: date = as_date(start_date)
    minimum = int_param(params, "override_min_justification")
    length = text_length(record["justification"])
    if length < minimum:
        problems.append(Problem("justification", "justification_too_short", {"min": minimum, "length": length}))
    nominee = find_nominee(qualification, record["person_id"])
    if nominee is None:
        problems.append(Problem("person_id", "not_reviewed", {"name": record["person_id"]}))
        return problems
    name = nominee.get("name")
    checks = {c["rule"]: c for c in nominee["checks"]}
    last = last_promotion(person, as_of)
    waived_before = set(last.get("exceptional") or []) if last else set()
    for index, rule in enumerate(record["rules"]):
        path = f"rules.{index}"
        if not RULES[rule][2]:
            problems.append(Problem(path, "exceptional_not_waivable", {"rule": rule, "rule_zh": rule_label(rule)}))
        elif checks.get(rule, {}).get("verdict") not in ("fail", "warning"):
            check = checks.get(rule, {"rule": rule, "verdict": "missing"})
            problems.append(Problem(path, "exceptional_not_failed", verdict_params(nominee, check)))
        elif rule in waived_before:
            problems.append(Problem(path, "exceptional_consecutive", {
                "name": name, "rule": rule, "rule_zh": rule_label(rule), "promoted": last["start"]}))
    probation = on_probation(person, as_of)
    if probation is not None:
        problems.append(Problem("person_id", "exceptional_on_probation",
                                {"name": name, "until": probation["probation_until"]}))
    if last is not None and as_of < add_years(as_date(last["start"]), 1):
        problems.append(Problem("person_id", "exceptional_recent_promotion",
                                {"name": name, "promoted": last["start"], "start": as_of.isoformat()}))
    held, target = current_rank(person, as_of), vocab.rank(vocab.LEVELS, level)
    if target - held > 2:  # more than one level passed over (越两级)
        current = vocab.LEVELS[held][0] if held >= 0 else None
        problems.append(Problem("person_id", "exceptional_skips_two_levels", {
            "current": vocab.label(vocab.LEVELS, current, "en") if current else "a non-leadership post",
            "current_zh": vocab.label(vocab.LEVELS, current) if current else "非领导职务",
            "target": vocab.label(vocab.LEVELS, level, "en"), "target_zh": vocab.label(vocab.LEVELS, level)}))
    return problems
