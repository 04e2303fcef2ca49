"""Forms of the qualification review (资格审查), 破格提拔 and the higher department's consent.

`qualification_review` (clerk): `{attested: [{person_id, rule, note}], comment}`; a missing verdict
passes only attested, recorded with the clerk's name (workflows/registry/confirm.py); the cleaned
data carries the confirmed review. `exceptional_promotion` (org_head, one task per nominee with a
waivable failure): `{person_id, ground, justification, rules}` checked by
workflows/registry/exceptional.py, or `{person_id, declined: true, comment}` (the nominee then
leaves like an excluded one). `higher_consent` (clerk): `{document_number, date}`.
"""

from __future__ import annotations

from collections.abc import Mapping

from marshmallow import ValidationError, fields

from engine.registry import FormContext

from ..nominees import case_level, record_of, start_day
from ..registry.confirm import QualificationReview, attest, find_nominee
from ..registry.exceptional import ExceptionalPromotion, check_exceptional
from ..registry.person import PersonKey, rule_keys
from ..registry.vocab import EXCEPTIONAL_GROUNDS, keys
from .base import Bool, Errors, Form, FormSchema, Refuse, Str, day, long_text, text
from .casedata import section


def reviewed(ctx: FormContext) -> dict:
    """The computed review the task shows (its prefill), else the case's."""
    found = (ctx.prefill or {}).get("qualification") or (ctx.case_data or {}).get("qualification")
    if not isinstance(found, Mapping) or not isinstance(found.get("nominees"), list):
        raise Refuse("_form", "missing_case_data", what="the qualification review")
    return dict(found)


def as_person_id(key, nominees: list) -> object:
    """A key as the form gives it: a person id typed as text ("3", from a web form) is that id."""
    if isinstance(key, str) and key.isdigit():
        return next((n["person_id"] for n in nominees if str(n.get("person_id")) == key), key)
    return key


class ReviewForm(QualificationReview):
    """The clerk's form; `qualification` (the confirmed review) is what the form itself returns and
    is always recomputed, so cleaned data validates again to itself."""

    qualification = fields.Raw(load_default=None, metadata={"label": ("资格审查结论", "Qualification review")})


def check_qualification_review(data: dict, ctx: FormContext, errors: Errors) -> dict:
    review = reviewed(ctx)
    data = {**data, "attested": [{**a, "person_id": as_person_id(a["person_id"], review["nominees"])}
                                 for a in data["attested"]]}
    confirmed, problems = attest(review, data["attested"], getattr(ctx.actor, "username", ""))
    errors.items.extend(problems)
    return {**data, "qualification": confirmed}


class ExceptionalDecision(FormSchema):
    """`{person_id, ground, justification, rules}`, or `{person_id, declined: true, comment}`."""

    person_id = PersonKey(required=True)
    name = text(required=False, max_length=64)  # returned beside the id; always the nominee's own
    declined = Bool(load_default=False)
    ground = Str(load_default=None, allow_none=True, metadata={"enum": list(keys(EXCEPTIONAL_GROUNDS))})
    justification = long_text(required=False)
    rules = rule_keys()
    comment = long_text(required=False)


def _nominee_of(ctx: FormContext) -> dict:
    candidate = (ctx.prefill or {}).get("candidate")
    if not isinstance(candidate, Mapping):
        raise Refuse("_form", "missing_case_data", what="the nominee of this task")
    return dict(candidate)


def check_exceptional_promotion(data: dict, ctx: FormContext, errors: Errors) -> dict | None:
    candidate = _nominee_of(ctx)
    key = as_person_id(data["person_id"], [candidate])
    if key != candidate.get("person_id") and key != candidate.get("name"):
        errors.add("person_id", "candidate_mismatch", expected=candidate.get("name"))
        return None
    who = {"person_id": candidate.get("person_id") if candidate.get("person_id") is not None else candidate["name"],
           "name": candidate["name"]}
    if data["declined"]:
        return {**who, "declined": True, "comment": data["comment"]}
    try:
        record = ExceptionalPromotion().load({k: data[k] for k in ("person_id", "ground", "justification", "rules")
                                              if data.get(k) not in (None, "", [])})
    except ValidationError as exc:
        errors.add_marshmallow(exc.messages)
        return None
    case_data = ctx.case_data or {}
    confirmed = section(case_data, "qualification_review").get("qualification") or {}
    nominee = next((n for n in section(case_data, "nominate").get("nominees") or []
                    if (n.get("person_id"), n.get("name")) == (candidate.get("person_id"), candidate["name"])), None)
    if nominee is None or find_nominee(confirmed, who["person_id"]) is None:
        raise Refuse("_form", "missing_case_data", what="the nominee's review")
    record["person_id"] = who["person_id"]
    for problem in check_exceptional(record, confirmed, record_of(nominee), case_level(case_data),
                                     start_day(case_data), ctx.parameters):
        errors.items.append(problem)
    return {**who, "declined": False, "ground": record["ground"], "justification": record["justification"],
            "rules": record["rules"], "comment": data["comment"]}


class HigherConsent(FormSchema):
    document_number = text(metadata={"label": ("批复文号", "Document number")})
    date = day(metadata={"label": ("批复日期", "Date")})


FORMS = [
    Form("qualification_review", ("资格审查", "Qualification review"), ReviewForm,
         check_qualification_review),
    Form("exceptional_promotion", ("破格提拔", "Exceptional promotion"), ExceptionalDecision,
         check_exceptional_promotion),
    Form("higher_consent", ("上级组织部门同意", "Consent of the higher department"), HigherConsent),
]
