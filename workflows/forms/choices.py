"""What a form offers instead of free text: options drawn from what the case already holds.

`offer(form, form_ctx, users=..., declarations=...)` gives, per field, the options to choose from. An
option has a `value` (what the form submits: a nominee's name today; when per-nominee data is keyed
by the registry's person id, only the functions here change), a `label` (what people read) and
`details` (the figures that decide the choice, one per column). The web draws any offer the same
way (api/web/formrender.py); the form validators stay the judges of what is submitted.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from engine.registry import FormContext

from ..policies import is_recused
from .base import Refuse
from .casedata import (
    int_parameter,
    names_in,
    nominee_names,
    nominee_rows,
    post_count,
    ratio_parameter,
    record_name,
    section,
    up_for_decision,
    withdrawn_names,
)
from .i18n import CHOICES, LABELS, is_english
from .offertext import text
from .qualification_choices import exceptional_offer, qualification_review_offer
from .standard import shortlist


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    details: tuple[str, ...] = ()  # one text per column of its Choices
    flags: tuple[str, ...] = ()  # excluded, outside_ratio, tied, withdrawn, low_approval, disqualified
    needs_reason: bool = False  # choosing it needs a text in the Choices' `reason` field
    note: str = ""  # why it needs one (shown beside the text)
    disabled: bool = False  # shown for the record, not choosable


@dataclass(frozen=True)
class Reason:
    """Where the text an option needs goes: rows `{key: value, text: ...}` of the list field `field`,
    or, with `key` None, the map `field` as `{value: text}`. `when`: the text is needed when the
    option is "checked" (an exception to justify) or "unchecked" (a refusal to explain)."""

    field: str
    title: str
    key: str | None = None
    text: str | None = None
    when: str = "checked"


@dataclass(frozen=True)
class Choices:
    kind: str  # "many": tick several; "one": pick one; "rows": one row of the field's cells per option
    options: tuple[Option, ...]
    columns: tuple[str, ...] = ()
    selected: tuple[str, ...] = ()  # chosen before the user acts
    reason: Reason | None = None
    notes: tuple[str, ...] = ()  # the limits that apply, stated above the options


@dataclass(frozen=True)
class Offer:
    fields: dict[str, Choices] = field(default_factory=dict)
    omit: frozenset[str] = frozenset()  # fields that cannot apply to this case now
    facts: tuple[tuple[str, str], ...] = ()  # (label, text): what the task is about, shown above the form
    initial: dict = field(default_factory=dict)  # values the form starts with (e.g. a row per verdict to attest)


# users(role) -> active users [{username, display_name, roles}] holding `role` (all when None)
Users = Callable[[str | None], list[dict]]


def offer(form: str, form_ctx: FormContext, *, users: Users = lambda role: [], declarations: list[dict] = ()) -> Offer:
    """The offer of `form` for this case; an empty one where the case lacks what it needs (the form
    then asks as before, and its validator says what is missing)."""
    maker = _MAKERS.get(form)
    if maker is None:
        return Offer()
    try:
        return maker(form_ctx, users, list(declarations))
    except Refuse:
        return Offer()


def _label(name: str, form_ctx: FormContext) -> str:
    zh, en = LABELS.get(name, (name, name))
    return en if is_english(form_ctx.locale) else zh


def _person(name: str, ctx: FormContext | None = None) -> tuple[str, str]:
    """(value, label) of a person of the case: the key the case data uses, and the name; for two
    nominees of one name (keys 王伟#12, 王伟#15), the name with the birth date and current post."""
    if ctx is None or "#" not in str(name):
        return name, name
    row = next((r for r in nominee_rows(ctx) if r.get("name") == name), None)
    if row is None:
        return name, name
    real = record_name(row) or name
    born, post = row.get("birth_date"), f"{row.get('unit') or ''}{row.get('current_post') or ''}"
    if is_english(ctx.locale):
        return name, f"{real} ({', '.join(x for x in (f'born {born}' if born else '', post) if x)})"
    return name, f"{real}（{'，'.join(x for x in (f'{born}生' if born else '', post) if x)}）"


def _data(form_ctx: FormContext, key: str) -> Mapping:
    return section(form_ctx.case_data or {}, key)


# --- 6. confirm_candidates: the tally (or the competitive ranking) as a list to tick ----------------------------


def _confirm_candidates(form_ctx: FormContext, users: Users, declarations: list) -> Offer:
    entries, eligible, cutoff = shortlist(form_ctx)
    t = text(form_ctx.locale)
    posts, minimum = post_count(form_ctx), int_parameter(form_ctx, "override_min_justification")
    ratio = ratio_parameter(form_ctx, "inspection_ratio")
    limit = cutoff or math.floor(ratio_parameter(form_ctx, "recommendation_ratio") * posts)
    tally = _data(form_ctx, "tally")
    ranked = tally or _data(form_ctx, "ranking") or _data(form_ctx, "composite")  # competitive: scores, no votes
    tied = [n for n in entries if n in set(names_in(ranked.get("ties_at_cutoff")))]
    share = tally.get("exclusion_share", "1/2")
    share = t("half") if share == "1/2" else share
    mentions = _data(form_ctx, "talk_recommendation").get("mentions")
    mentions = mentions if isinstance(mentions, Mapping) else {}
    columns = ("votes", "share", "rank") + (("mentions",) if mentions else ()) if tally \
        else ("exam", "interview", "composite", "rank")
    withdrawn = withdrawn_names(form_ctx)
    options = []
    for name, entry in entries.items():
        if name in withdrawn:
            flags = ["withdrawn"]
        else:
            flags = [flag for flag, on in (("excluded", entry.get("excluded")), ("outside_ratio", name not in eligible
                     and not entry.get("excluded")), ("tied", name in tied)) if on]
        needs = bool(flags) and flags[0] in ("excluded", "outside_ratio")
        note = t(f"needs_override_{flags[0]}", min=minimum, limit=limit, share=share) if needs else ""
        cells = {**{k: str(entry.get(k, "—")) for k in ("votes", "exam", "interview", "composite")},
                 "share": _share(entry.get("share"), form_ctx), "rank": str(entry.get("rank") or "—"),
                 "mentions": str(mentions.get(name, 0))}
        status = t(f"status_{(flags or ['eligible'])[0]}", share=share)
        options.append(Option(*_person(name, form_ctx), (*(cells[c] for c in columns), status), tuple(flags), needs, note,
                              disabled=name in withdrawn))
    available = [n for n in eligible if n not in withdrawn]
    notes = [t("at_most", max=math.floor(ratio * posts), ratio=ratio, posts=posts),
             t("within_cutoff" if tally else "within_ranking", limit=limit, min=minimum, share=share)]
    if tied:
        notes.append(t("tied", names=_join(tied, form_ctx)))
    differential = len(available) > posts
    notes.append(t("differential" if differential else "single", eligible=len(available), posts=posts, least=posts + 1))
    return Offer({"candidates": Choices("many", tuple(options), (*(t(f"col_{c}") for c in columns), t("col_status")),
                                        reason=Reason("overrides", _label("justification", form_ctx), "name", "justification"),
                                        notes=tuple(notes))},
                 omit=frozenset({"single_candidate_reason"}) if differential else frozenset())


# --- 10. deliberation: the qualified candidates, flags and what they need ---------------------------------------


def _deliberation(form_ctx: FormContext, users: Users, declarations: list) -> Offer:
    assessment = _data(form_ctx, "assessment")
    if not assessment.get("candidates"):
        return Offer()
    t = text(form_ctx.locale)
    minimum = int_parameter(form_ctx, "override_min_justification")
    withdrawn = withdrawn_names(form_ctx)
    deferred = [n for n in names_in(_data(form_ctx, "decision").get("deferred")) if n not in withdrawn]
    flagged = set(names_in(assessment.get("flagged")))
    recorded = (form_ctx.case_data or {}).get("integrity_opinions")
    opinions = {o["candidate"]: o.get("opinion") for o in recorded if isinstance(o, Mapping)
                and isinstance(o.get("candidate"), str)} if isinstance(recorded, list) else {}
    need = t("needs_justification_flagged", floor=assessment.get("approval_floor", "2/3"), min=minimum)
    options = []
    for row in (r for r in assessment["candidates"] if isinstance(r, Mapping) and names_in([r])):
        name = names_in([row])[0]
        out = name in withdrawn or not row.get("qualified") or bool(deferred and name not in deferred)
        flags = ("withdrawn",) if name in withdrawn else ("disqualified",) if not row.get("qualified") \
            else ("low_approval",) if name in flagged else ()
        status = t(f"status_{flags[0]}" if flags else "status_qualified")
        if "disqualified" in flags:
            reasons = row.get("reasons") if isinstance(row.get("reasons"), list) else []
            status += t("because", reasons=_join([t(f"reason_{r}", str(r)) for r in reasons], form_ctx))
        cells = (_share(row.get("approval"), form_ctx), _choice_label(opinions.get(name) or row.get("opinion"), form_ctx), status)
        asks = name in flagged and not out
        options.append(Option(*_person(name, form_ctx), cells, flags, asks, need if asks else "", disabled=out))
    qualified = [o for o in options if not o.disabled]
    wanted = len(deferred) if deferred else min(post_count(form_ctx), len(qualified))
    notes = (t("propose_count", count=wanted, posts=post_count(form_ctx)),)
    return Offer({"proposed": Choices("many", tuple(options), (t("col_approval"), t("col_opinion"), t("col_status")),
                                      reason=Reason("justifications", _label("justification", form_ctx)), notes=notes)})


def _share(ratio, form_ctx: FormContext) -> str:
    """"25/30" -> "83.3%（25/30）", for reading (the rules decide in integers, not from this)."""
    try:
        a, b = (int(x) for x in str(ratio).split("/"))
    except ValueError:
        return "—"
    if not b:
        return str(ratio)
    tenths = (2000 * a + b) // (2 * b)  # 1000·a/b rounded half up
    return f"{tenths // 10}.{tenths % 10}%" + (f" ({ratio})" if is_english(form_ctx.locale) else f"（{ratio}）")


def _choice_label(value, form_ctx: FormContext) -> str:
    if not isinstance(value, str) or not value:
        return "—"
    zh, en = CHOICES.get(value, (value, value))
    return en if is_english(form_ctx.locale) else zh


def _join(items: list[str], form_ctx: FormContext) -> str:
    return (", " if is_english(form_ctx.locale) else "、").join(items)


# --- one row per person: votes, mentions, scores, evaluations, committee results ---------------------------------


def _rows(names: list[str], ctx: FormContext | None = None) -> Choices:
    return Choices("rows", tuple(Option(*_person(n, ctx)) for n in names))


def _nominee_rows(field_name: str) -> Callable:
    def make(form_ctx: FormContext, users: Users, declarations: list) -> Offer:
        return Offer({field_name: _rows(nominee_names(form_ctx), form_ctx)})

    return make


def _eligible_rows(field_name: str) -> Callable:
    def make(form_ctx: FormContext, users: Users, declarations: list) -> Offer:
        withdrawn = withdrawn_names(form_ctx)
        eligible = names_in(_data(form_ctx, "eligibility_review").get("eligible")) or nominee_names(form_ctx)
        ballot = (form_ctx.case_data or {}).get("ballot")  # after the qualification review: who passed it
        if isinstance(ballot, list):
            eligible = [n for n in eligible if n in set(names_in(ballot))]
        return Offer({field_name: _rows([n for n in eligible if n not in withdrawn], form_ctx)})

    return make


def _committee_decision(form_ctx: FormContext, users: Users, declarations: list) -> Offer:
    withdrawn = withdrawn_names(form_ctx)
    up = [n for n in up_for_decision(form_ctx.case_data or {}) if n not in withdrawn]
    notes = (text(form_ctx.locale)("repeat_round", names=_join(up, form_ctx)),) if _data(form_ctx, "decision").get("repeat") else ()
    return Offer({"results": Choices("rows", _rows(up, form_ctx).options, notes=notes)})


# --- 7. inspection: the team from the users holding `inspector`, recused ones left out ----------------------------


def _candidate_facts(form_ctx: FormContext) -> tuple[tuple[str, str], ...]:
    candidate = (form_ctx.prefill or {}).get("candidate")
    return ((_label("candidate", form_ctx), _person(candidate, form_ctx)[1]),) if isinstance(candidate, str) else ()


def _inspection(form_ctx: FormContext, users: Users, declarations: list) -> Offer:
    t = text(form_ctx.locale)
    candidate = (form_ctx.prefill or {}).get("candidate")
    inspectors = users("inspector")
    recused = [u for u in inspectors if isinstance(candidate, str) and is_recused(declarations, u["username"], candidate)]
    offered = [u for u in inspectors if u not in recused]
    options = tuple(Option(u["username"], u["display_name"], (u["username"],)) for u in offered)
    me = getattr(form_ctx.actor, "username", None)
    notes = [t("team_rule", min=int_parameter(form_ctx, "min_inspection_team", minimum=1))]
    if recused:
        notes.append(t("recused_left_out", names=_join([u["display_name"] for u in recused], form_ctx), candidate=candidate))
    return Offer({"team": Choices("many", options, (t("col_username"),),
                                  selected=(me,) if any(o.value == me for o in options) else (), notes=tuple(notes)),
                  "leader": Choices("one", options)},
                 facts=_candidate_facts(form_ctx))


def _integrity_opinion(form_ctx: FormContext, users: Users, declarations: list) -> Offer:
    return Offer(facts=_candidate_facts(form_ctx))


# --- competitive: the eligibility review, one tick per applicant (a reason for each one not ticked) -------------


def _eligibility_review(form_ctx: FormContext, users: Users, declarations: list) -> Offer:
    applicants = names_in(_data(form_ctx, "registration").get("applicants"))
    if not applicants:
        return Offer()
    t = text(form_ctx.locale)
    options = tuple(Option(*_person(n, form_ctx), needs_reason=True, note=t("needs_rejection_reason")) for n in applicants)
    # all ticked to begin with: the reviewer unticks whom they refuse and says why beside them
    return Offer({"eligible": Choices("many", options, selected=tuple(o.value for o in options),
                                      reason=Reason("rejected", _label("reason", form_ctx), "name", "reason",
                                                    when="unchecked"),
                                      notes=(t("eligibility_rule"),))})


# --- the relation declaration (回避) on the case page -----------------------------------------------------------


def _declaration(form_ctx: FormContext, users: Users, declarations: list) -> Offer:
    from .. import TASK_ROLES

    nominees = nominee_names(form_ctx)
    if not nominees:
        return Offer()
    participants = [u for u in users(None) if set(u["roles"]) & TASK_ROLES]
    me = getattr(form_ctx.actor, "username", None)
    return Offer({"nominee": Choices("one", _rows(nominees, form_ctx).options),
                  "username": Choices("one", tuple(Option(u["username"], u["display_name"], (u["username"],))
                                                   for u in participants), selected=(me,) if me else ())})


def _withdraw(form_ctx: FormContext, users: Users, declarations: list) -> Offer:
    withdrawn = withdrawn_names(form_ctx)
    remaining = [n for n in nominee_names(form_ctx) if n not in withdrawn]
    return Offer({"name": Choices("one", _rows(remaining, form_ctx).options)}) if remaining else Offer()


_MAKERS: dict[str, Callable[[FormContext, Users, list], Offer]] = {
    "confirm_candidates": _confirm_candidates,
    "deliberation": _deliberation,
    "committee_decision": _committee_decision,
    "inspection": _inspection,
    "integrity_opinion": _integrity_opinion,
    "eligibility_review": _eligibility_review,
    "declaration": _declaration,
    "withdraw": _withdraw,
    "meeting_recommendation": _nominee_rows("votes"),
    "talk_recommendation": _nominee_rows("mentions"),
    "exam_scores": _eligible_rows("scores"),
    "interview_scores": _eligible_rows("scores"),
    "competitive_evaluation": _eligible_rows("evaluations"),
    "qualification_review": qualification_review_offer,
    "exceptional_promotion": exceptional_offer,
}
