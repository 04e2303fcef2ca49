"""Forms of the standard procedure from inspection to probation (steps 7–14 of domain.md)."""

from __future__ import annotations

from collections.abc import Mapping

from engine.registry import FormContext

from .base import (
    Errors,
    Form,
    FormSchema,
    NameMap,
    Obj,
    Refuse,
    Str,
    choice,
    count,
    day,
    flag,
    long_text,
    names,
    text,
)
from .casedata import int_parameter, names_in, post_count, text_length, up_for_decision, withdrawn_names

# --- 7. inspection and 8. integrity_opinion (one per candidate) ----------------------------------------------


class Evaluation(FormSchema):
    """民主测评: the counts of the four grades."""

    excellent = count(0)
    competent = count(0)
    basically_competent = count(0)
    incompetent = count(0)


def prefilled_candidate(data: dict, form_ctx: FormContext, errors: Errors) -> str:
    """The candidate this task is about (`form_ctx.prefill["candidate"]`); a `candidate` in the input is
    accepted only when it is that same name. Removes the input's `candidate` from `data`."""
    expected = (form_ctx.prefill or {}).get("candidate")
    if not isinstance(expected, str) or not expected.strip():
        raise Refuse("candidate", "no_prefilled_candidate")
    expected = expected.strip()
    given = data.pop("candidate", None)
    if given is not None and given != expected:
        errors.add("candidate", "candidate_mismatch", expected=expected)
    return expected


class Inspection(FormSchema):
    candidate = Str(metadata={"description": "pre-filled; optional, refused unless it is the pre-filled name"})
    team = names(minimum=1)
    leader = text()
    archive_review = choice("pass", "fail")
    personal_matters = choice("pass", "fail")
    petition_check = choice("none", "unfounded", "substantiated")
    evaluation = Obj(Evaluation, required=True)
    findings = long_text()
    conclusion = choice("recommend", "not_recommend")


def check_inspection(data: dict, form_ctx: FormContext, errors: Errors) -> dict:
    candidate = prefilled_candidate(data, form_ctx, errors)
    minimum = int_parameter(form_ctx, "min_inspection_team", minimum=1)
    if len(data["team"]) < minimum:
        errors.add("team", "team_too_small", min=minimum)
    username = getattr(form_ctx.actor, "username", None)
    if username not in data["team"]:
        errors.add("team", "team_without_actor", username=username)
    if data["leader"] not in data["team"]:
        errors.add("leader", "leader_not_in_team")
    if sum(data["evaluation"].values()) == 0:
        errors.add("evaluation", "evaluation_empty")
    return {"candidate": candidate, **data}


class IntegrityOpinion(FormSchema):
    candidate = Str(metadata={"description": "pre-filled; optional, refused unless it is the pre-filled name"})
    opinion = choice("clear", "concerns", "disqualifying")
    comment = long_text(required=False)


def check_integrity_opinion(data: dict, form_ctx: FormContext, errors: Errors) -> dict:
    candidate = prefilled_candidate(data, form_ctx, errors)
    if data["opinion"] != "clear" and not data["comment"]:
        errors.add("comment", "comment_required")
    return {"candidate": candidate, **data}


# --- 10. deliberation ---------------------------------------------------------------------------------------


class Deliberation(FormSchema):
    proposed = names(minimum=1)
    consulted = names(minimum=1)
    justifications = NameMap(long_text(), load_default=dict)


def deferred_names(form_ctx: FormContext) -> list[str]:
    """Names the committee deferred in its last round (`case_data["decision"]["deferred"]`)."""
    decision = (form_ctx.case_data or {}).get("decision")
    return names_in(decision.get("deferred")) if isinstance(decision, Mapping) else []


def check_deliberation(data: dict, form_ctx: FormContext, errors: Errors) -> None:
    """First round: exactly `post_count` qualified names (or every qualified name when fewer
    qualify). Repeated round (the committee deferred someone): exactly the deferred names."""
    assessment = (form_ctx.case_data or {}).get("assessment")
    if not isinstance(assessment, Mapping):
        raise Refuse("_form", "missing_case_data", what="the assessment")
    flagged = set(names_in(assessment.get("flagged")))
    withdrawn = withdrawn_names(form_ctx)
    qualified = [n for n in dict.fromkeys([*names_in(assessment.get("qualified")), *flagged]) if n not in withdrawn]
    deferred = [n for n in deferred_names(form_ctx) if n not in withdrawn]
    proposed = data["proposed"]
    for index, name in enumerate(proposed):
        if name in withdrawn:
            errors.add(f"proposed.{index}", "withdrawn", name=name)
        elif deferred and name not in deferred:
            errors.add(f"proposed.{index}", "not_deferred", name=name, names=deferred)
        elif name not in qualified:
            errors.add(f"proposed.{index}", "not_qualified", name=name)
    wanted = len(deferred) if deferred else min(post_count(form_ctx), len(qualified))
    if len(proposed) != wanted:
        errors.add("proposed", "wrong_count_proposed", count=wanted)
    minimum = int_parameter(form_ctx, "override_min_justification")
    for name in proposed:
        given = data["justifications"].get(name)
        if name in flagged and (given is None or text_length(given) < minimum):
            errors.add(f"justifications.{name}", "flagged_needs_justification", name=name, min=minimum)
    for name in data["justifications"]:
        if name not in proposed:
            errors.add(f"justifications.{name}", "not_proposed", name=name)


# --- 11. committee_decision -----------------------------------------------------------------------------------


class Ballot(FormSchema):
    agree = count(0)
    disagree = count(0)
    defer = count(0)


class CommitteeDecision(FormSchema):
    meeting_date = day()
    members_due = count(1)
    members_present = count(0)
    recused = names(required=False)
    principal_spoke_last = flag()
    results = NameMap(Obj(Ballot), required=True)


def check_committee_decision(data: dict, form_ctx: FormContext, errors: Errors) -> None:
    due, present = data["members_due"], data["members_present"]
    if present > due:
        errors.add("members_present", "present_gt_due", present=present, due=due)
    if len(data["recused"]) > due:
        errors.add("recused", "recused_gt_due", count=len(data["recused"]), due=due)
    if data["principal_spoke_last"] is not True:
        errors.add("principal_spoke_last", "principal_last")
    withdrawn = withdrawn_names(form_ctx)
    up = up_for_decision(form_ctx.case_data or {})
    if not up:
        raise Refuse("_form", "missing_case_data", what="the proposal")
    up = [name for name in up if name not in withdrawn]
    for name, ballot in data["results"].items():
        if name in withdrawn:
            errors.add(f"results.{name}", "withdrawn", name=name)
        elif name not in up:
            errors.add(f"results.{name}", "not_up_for_decision", name=name)
        total = ballot["agree"] + ballot["disagree"] + ballot["defer"]
        if total > present:
            errors.add(f"results.{name}", "results_sum", total=total, present=present)
    missing = [name for name in up if name not in data["results"]]
    if missing:
        errors.add("results", "results_missing", names=missing)


# --- 12–14. investigation, appointment, probation ---------------------------------------------------------------


class InvestigateReport(FormSchema):
    finding = choice("unfounded", "minor", "serious", "unverifiable")
    summary = long_text()


class Appoint(FormSchema):
    notice_number = text()
    effective_date = day()
    talk_by = text()
    probation = flag()


class ProbationReview(FormSchema):
    result = choice("competent", "not_competent")
    comment = long_text(required=False)


def check_probation_review(data: dict, form_ctx: FormContext, errors: Errors) -> None:
    if data["result"] == "not_competent" and not data["comment"]:
        errors.add("comment", "comment_required")


FORMS = [
    Form("inspection", ("考察", "Inspection"), Inspection, check_inspection),
    Form("integrity_opinion", ("廉政意见", "Integrity opinion"), IntegrityOpinion, check_integrity_opinion),
    Form("deliberation", ("酝酿", "Deliberation"), Deliberation, check_deliberation),
    Form("committee_decision", ("讨论决定", "Committee decision"), CommitteeDecision, check_committee_decision),
    Form("investigate_report", ("核查举报", "Investigate a report"), InvestigateReport),
    Form("appoint", ("任职", "Appointment"), Appoint),
    Form("probation_review", ("试用期满考核", "Probation review"), ProbationReview, check_probation_review),
]
