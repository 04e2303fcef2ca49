"""Forms of the standard procedure up to the choice of candidates (steps 0–6 of domain.md)."""

from __future__ import annotations

import math
from collections.abc import Mapping

from marshmallow import validate

from engine.registry import FormContext

from ..registry import quota, vocab
from .base import (
    Errors,
    Form,
    FormSchema,
    Int,
    NameMap,
    Refuse,
    Str,
    choice,
    count,
    day,
    long_text,
    names,
    rows,
    text,
)
from .casedata import (
    as_key,
    as_keyed,
    as_keys,
    int_parameter,
    names_in,
    nominee_names,
    post_count,
    ratio_parameter,
    text_length,
    withdrawn_names,
)
from .nomination import GENDER_ENUM, Nominate, Person, check_nominate

# --- 0. start (动议) ----------------------------------------------------------------------------------


class CaseStart(FormSchema):
    """The start form. Procedure-parameter overrides are not part of it: the engine takes them
    separately (`start_case(parameters=...)`), so a `parameters` key here is an unknown field."""

    position = text()
    unit = text(required=False)  # free text, required without `unit_id` (registry/quota.py)
    post_count = count(1, load_default=1)
    rank = text(required=False)
    reason = long_text()
    # a unit of the registry and a level: they stand for `unit` and `rank`, and the quota is checked
    unit_id = Int(load_default=None, allow_none=True, validate=validate.Range(min=1, error="min_value|min={min}"),
                  metadata={"label": ("单位", "Unit")})
    level = Str(load_default=None, allow_none=True,
                validate=validate.OneOf(vocab.LEVEL_KEYS, error="one_of|choices={choices}"),
                metadata={"label": ("职级", "Leadership level")})


# --- 1. approve_motion ----------------------------------------------------------------------------------


class ApproveMotion(FormSchema):
    decision = choice("approve", "reject")
    comment = long_text(required=False)


def check_approve_motion(data: dict, form_ctx: FormContext, errors: Errors) -> None:
    if data["decision"] == "reject" and not data["comment"]:
        errors.add("comment", "comment_required")


# --- 2. nominate ------------------------------------------------------------------------------------------


# the nominate form and its check: nomination.py (nominees from the registry)


# --- 3. meeting_recommendation ------------------------------------------------------------------------------


class MeetingRecommendation(FormSchema):
    meeting_date = day()
    expected = count(1)
    present = count(0)
    ballots_issued = count(0)
    ballots_returned = count(0)
    valid_ballots = count(0)
    votes = NameMap(count(0), required=True)


def check_meeting_recommendation(data: dict, form_ctx: FormContext, errors: Errors) -> dict:
    returned, issued, valid = data["ballots_returned"], data["ballots_issued"], data["valid_ballots"]
    if returned > issued:
        errors.add("ballots_returned", "round_void", returned=returned, issued=issued)
    if data["present"] > data["expected"]:
        errors.add("present", "present_gt_expected", present=data["present"], expected=data["expected"])
    if issued > data["present"]:
        errors.add("ballots_issued", "issued_gt_present", issued=issued, present=data["present"])
    if valid > returned:
        errors.add("valid_ballots", "valid_gt_returned", valid=valid, returned=returned)
    nominees = _nominees(form_ctx)
    data = {**data, "votes": as_keyed(data["votes"], form_ctx, "votes", errors)}
    for name, votes in data["votes"].items():
        if name not in nominees:
            errors.add(f"votes.{name}", "not_a_nominee", name=name)
        elif votes > valid:
            errors.add(f"votes.{name}", "votes_gt_valid", votes=votes, valid=valid)
    cap = int_parameter(form_ctx, "ballot_max_choices", minimum=1, optional=True)
    total = sum(data["votes"].values())
    if cap is not None and total > valid * cap:
        errors.add("votes", "votes_over_cap", total=total, k=cap, cap=valid * cap)
    # a nominee left out of `votes` received no votes: the record lists every nominee, in nomination order
    return {**data, "votes": {name: data["votes"].get(name, 0) for name in nominees}}


# --- 4. talk_recommendation --------------------------------------------------------------------------------


class TalkRecommendation(FormSchema):
    interviewed = count(1)
    mentions = NameMap(count(0), load_default=dict)
    summary = long_text()


def check_talk_recommendation(data: dict, form_ctx: FormContext, errors: Errors) -> dict:
    nominees = _nominees(form_ctx)
    data = {**data, "mentions": as_keyed(data["mentions"], form_ctx, "mentions", errors)}
    for name, mentions in data["mentions"].items():
        if name not in nominees:
            errors.add(f"mentions.{name}", "not_a_nominee", name=name)
        elif mentions > data["interviewed"]:
            errors.add(f"mentions.{name}", "mentions_gt_interviewed", count=mentions,
                       interviewed=data["interviewed"])
    return data


# --- 6. confirm_candidates ------------------------------------------------------------------------------------


class Override(FormSchema):
    name = text(max_length=64)
    justification = long_text()


class ConfirmCandidates(FormSchema):
    candidates = names(minimum=1)
    overrides = rows(Override, required=False, unique="name")
    single_candidate_reason = long_text(required=False)
    comment = long_text(required=False)


def check_confirm_candidates(data: dict, form_ctx: FormContext, errors: Errors) -> dict:
    data = {**data, "candidates": as_keys(data["candidates"], form_ctx, "candidates", errors),
            "overrides": [{**o, "name": as_key(o["name"], form_ctx, f"overrides.{i}.name", errors)}
                          for i, o in enumerate(data["overrides"])]}
    entries, eligible, cutoff = shortlist(form_ctx)
    withdrawn = withdrawn_names(form_ctx)
    posts = post_count(form_ctx)
    minimum = int_parameter(form_ctx, "override_min_justification")
    overridden = {o["name"] for o in data["overrides"]}
    candidates = data["candidates"]
    for index, name in enumerate(candidates):
        entry = entries.get(name)
        if entry is None:
            errors.add(f"candidates.{index}", "not_a_nominee", name=name)
        elif name in withdrawn:
            errors.add(f"candidates.{index}", "withdrawn", name=name)
        elif name not in eligible and name not in overridden:
            if entry.get("excluded"):
                errors.add(f"candidates.{index}", "excluded_needs_override", name=name, min=minimum)
            else:
                limit = cutoff or math.floor(ratio_parameter(form_ctx, "recommendation_ratio") * posts)
                errors.add(f"candidates.{index}", "outside_ratio_needs_override", name=name, min=minimum,
                           limit=limit)
    for index, override in enumerate(data["overrides"]):
        if override["name"] not in candidates:
            errors.add(f"overrides.{index}.name", "override_not_candidate", name=override["name"])
        length = text_length(override["justification"])
        if length < minimum:
            errors.add(f"overrides.{index}.justification", "justification_too_short", min=minimum, length=length)
    ratio = ratio_parameter(form_ctx, "inspection_ratio")
    maximum = math.floor(ratio * posts)
    if len(candidates) > maximum:
        errors.add("candidates", "too_many_candidates", max=maximum, ratio=ratio, posts=posts)
    elif len(candidates) <= posts:
        available = [name for name in eligible if name not in withdrawn]
        if len(available) > posts:
            errors.add("candidates", "differential_required", eligible=len(available), posts=posts)
        elif not data["single_candidate_reason"]:
            errors.add("single_candidate_reason", "single_reason_required", count=len(candidates), posts=posts)
    return data


def shortlist(form_ctx: FormContext) -> tuple[dict[str, Mapping], list[str], int | None]:
    """The ranked nominees, the eligible ones and the ranking cut-off.

    Standard procedure: `case_data["tally"]` (rules.tally_recommendation: `nominees` rows with
    `eligible`, `excluded`, `within_ratio`, `withdrawn`; `eligible`; `cutoff`). Competitive
    selection: `case_data["ranking"]` (or `"composite"`; rules.composite_scores: `scores` rows,
    `shortlist`, `cutoff`). A row is eligible by its `eligible` flag; failing that, by the
    `eligible` / `shortlist` list; failing that, when neither `excluded` nor outside the ratio.
    Withdrawn nominees are never eligible."""
    data = form_ctx.case_data or {}
    tally = data.get("tally") or data.get("ranking") or data.get("composite") or {}
    if not isinstance(tally, Mapping):
        tally = {}
    raw = tally.get("nominees") or tally.get("applicants") or tally.get("scores") or []
    entries = {names_in([e])[0]: e for e in raw if isinstance(e, Mapping) and names_in([e])}
    if not entries:
        raise Refuse("_form", "missing_case_data", what="the tally")
    listed = tally.get("eligible") if isinstance(tally.get("eligible"), list) else tally.get("shortlist")
    listed = set(names_in(listed)) if isinstance(listed, list) else None

    def eligible(name: str, entry: Mapping) -> bool:
        if entry.get("withdrawn"):
            return False
        if "eligible" in entry:
            return bool(entry["eligible"])
        if listed is not None:
            return name in listed
        return not entry.get("excluded") and bool(entry.get("within_ratio", True))

    cutoff = tally.get("cutoff")
    cutoff = cutoff if isinstance(cutoff, int) and not isinstance(cutoff, bool) else None
    return entries, [name for name, entry in entries.items() if eligible(name, entry)], cutoff


def _nominees(form_ctx: FormContext) -> list[str]:
    found = nominee_names(form_ctx)
    if not found:
        raise Refuse("_form", "missing_case_data", what="nominees")
    return found


FORMS = [
    Form("case_start", ("动议", "Motion (start)"), CaseStart, quota.check_start),
    Form("approve_motion", ("研究动议", "Approve the motion"), ApproveMotion, check_approve_motion),
    Form("nominate", ("提名", "Nomination"), Nominate, check_nominate),
    Form("meeting_recommendation", ("会议推荐", "Meeting recommendation"), MeetingRecommendation,
         check_meeting_recommendation),
    Form("talk_recommendation", ("谈话调研推荐", "Talk recommendation"), TalkRecommendation,
         check_talk_recommendation),
    Form("confirm_candidates", ("确定考察对象", "Confirm the candidates"), ConfirmCandidates,
         check_confirm_candidates),
]

__all__ = ["FORMS", "GENDER_ENUM", "Person", "shortlist"]
