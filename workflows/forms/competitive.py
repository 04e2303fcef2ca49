"""Forms of the competitive procedure `competitive_selection` (竞争上岗).

Inspection, committee decision, publicity and appointment reuse the standard forms; the org_head
confirms candidates with `confirm_candidates` over the ranking.
"""

from __future__ import annotations

from collections.abc import Mapping

from marshmallow import validate

from engine.registry import FormContext

from ..registry.vocab import LEVEL_KEYS
from .base import (
    Errors,
    Form,
    FormSchema,
    Many,
    NameMap,
    Obj,
    Refuse,
    Score,
    Str,
    count,
    day,
    long_text,
    names,
    rows,
    text,
)
from .casedata import names_in, withdrawn_names
from .decision import Evaluation
from .nomination import NomineeItem, check_people


class Announcement(FormSchema):
    position = text()
    unit = text()
    post_count = count(1, load_default=1)
    requirements = long_text()
    deadline = day()
    # the post's leadership level (domain.md 职级): the qualification review's figures depend on it
    level = Str(validate=validate.OneOf(LEVEL_KEYS, error="one_of|choices={choices}"),
                metadata={"label": ("职级", "Level")})


class Registration(FormSchema):
    """Applicants as nominees are given: `{person_id}` from the registry, or their fields (nomination.py)."""

    applicants = Many(NomineeItem(), required=True, validate=validate.Length(min=1, error="min_items|min={min}"))


def check_registration(data: dict, form_ctx: FormContext, errors: Errors) -> dict:
    return check_people(data, "applicants", "too_few_applicants", form_ctx, errors)


class Rejection(FormSchema):
    name = text(max_length=64)
    reason = long_text()


class EligibilityReview(FormSchema):
    eligible = names(required=True)
    rejected = rows(Rejection, required=False, unique="name")


def check_eligibility_review(data: dict, form_ctx: FormContext, errors: Errors) -> None:
    """Every applicant is decided exactly once: either in `eligible` or in `rejected`."""
    registration = (form_ctx.case_data or {}).get("registration")
    applicants = names_in(registration.get("applicants")) if isinstance(registration, Mapping) else []
    if not applicants:
        raise Refuse("_form", "missing_case_data", what="the applicants")
    for index, name in enumerate(data["eligible"]):
        if name not in applicants:
            errors.add(f"eligible.{index}", "not_an_applicant", name=name)
    for index, row in enumerate(data["rejected"]):
        if row["name"] not in applicants:
            errors.add(f"rejected.{index}.name", "not_an_applicant", name=row["name"])
        elif row["name"] in data["eligible"]:
            errors.add(f"rejected.{index}.name", "decided_twice", name=row["name"])
    decided = set(data["eligible"]) | {row["name"] for row in data["rejected"]}
    undecided = [name for name in applicants if name not in decided]
    if undecided:
        errors.add("rejected", "undecided", names=undecided)


def eligible_names(form_ctx: FormContext) -> list[str]:
    """Who passed the eligibility review (and the qualification review, where the case has one)
    and has not withdrawn."""
    review = (form_ctx.case_data or {}).get("eligibility_review")
    if not isinstance(review, Mapping) or not isinstance(review.get("eligible"), list):
        raise Refuse("_form", "missing_case_data", what="the eligibility review")
    withdrawn = withdrawn_names(form_ctx)
    ballot = (form_ctx.case_data or {}).get("ballot")
    passed = set(names_in(ballot)) if isinstance(ballot, list) else None
    return [name for name in names_in(review["eligible"]) if name not in withdrawn
            and (passed is None or name in passed)]


def _exactly_eligible(field: str, missing_code: str, given: dict, form_ctx: FormContext, errors: Errors) -> None:
    eligible = eligible_names(form_ctx)
    for name in given:
        if name not in eligible:
            errors.add(f"{field}.{name}", "not_eligible", name=name)
    missing = [name for name in eligible if name not in given]
    if missing:
        errors.add(field, missing_code, names=missing)


SCORE_SCHEMA = {"type": ["number", "string"], "minimum": 0, "maximum": 100, "pattern": r"^\d{1,3}(\.\d{1,2})?$"}


class Scores(FormSchema):
    scores = NameMap(Score(required=True, metadata=SCORE_SCHEMA), required=True)


def check_scores(data: dict, form_ctx: FormContext, errors: Errors) -> None:
    _exactly_eligible("scores", "scores_missing", data["scores"], form_ctx, errors)


class CompetitiveEvaluation(FormSchema):
    evaluations = NameMap(Obj(Evaluation), required=True)


def check_competitive_evaluation(data: dict, form_ctx: FormContext, errors: Errors) -> None:
    _exactly_eligible("evaluations", "evaluations_missing", data["evaluations"], form_ctx, errors)
    for name, evaluation in data["evaluations"].items():
        if sum(evaluation.values()) == 0:
            errors.add(f"evaluations.{name}", "evaluation_empty")


FORMS = [
    Form("announcement", ("发布公告", "Announcement"), Announcement),
    Form("registration", ("报名", "Registration"), Registration, check_registration),
    Form("eligibility_review", ("资格审查", "Eligibility review"), EligibilityReview, check_eligibility_review),
    Form("exam_scores", ("笔试成绩", "Written exam scores"), Scores, check_scores),
    Form("interview_scores", ("面试成绩", "Interview scores"), Scores, check_scores),
    Form("competitive_evaluation", ("民主测评", "Democratic evaluation"), CompetitiveEvaluation,
         check_competitive_evaluation),
]
