"""The rules of domain.md as pure functions.

Every threshold is exact integer arithmetic: ``a / b >= n / d`` is tested as ``a * d >= n * b``;
floats never take part in a decision. Every result is JSON-serialisable (fractions as strings such
as ``"37/60"``, dates as ISO strings) because it goes into the audit trail as it is.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta, timezone
from fractions import Fraction
from typing import Any

from workflows.calendar import WorkingCalendar, _as_date
from workflows.params import DENOMINATOR_BASES, fraction_param, int_param, param

try:
    from zoneinfo import ZoneInfo

    BEIJING: Any = ZoneInfo("Asia/Shanghai")
except Exception:  # pragma: no cover - no tz database installed; China has kept UTC+8 since 1991
    BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")


# ---------------------------------------------------------------- helpers

def _count(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{what} must be a whole number >= 0, got {value!r}")
    return value


def _ratio(a: int, b: int) -> str:
    """``a/b`` as recorded (not reduced), for the audit trail."""
    return f"{a}/{b}"


def _at_least(a: int, b: int, share: Fraction) -> bool:
    """a / b >= share, in integers."""
    return a * share.denominator >= share.numerator * b


def _above(a: int, b: int, share: Fraction) -> bool:
    """a / b > share, in integers."""
    return a * share.denominator > share.numerator * b


def _below(a: int, b: int, share: Fraction) -> bool:
    """a / b < share, in integers."""
    return a * share.denominator < share.numerator * b


def _percent(a: int, b: int) -> str | None:
    """Display only: 100·a/b rounded half up to one decimal, e.g. ``"33.3"``."""
    if b == 0:
        return None
    tenths = math.floor(Fraction(1000 * a, b) + Fraction(1, 2))
    return f"{tenths // 10}.{tenths % 10}"


def decimal_str(value: Fraction, places: int = 4) -> str:
    """The exact decimal of a terminating fraction (``863/10`` -> ``"86.3"``); others rounded
    half up to ``places`` decimals."""
    sign, value = ("-" if value < 0 else ""), abs(value)
    for digits in range(places + 1):
        if (value * 10**digits).denominator == 1:
            break
    else:
        digits = places
    scaled = math.floor(value * 10**digits + Fraction(1, 2))
    whole, frac = divmod(scaled, 10**digits)
    text = f"{whole}.{frac:0{digits}d}" if digits else str(whole)
    return sign + text if scaled else text


def _cutoff(ratio: Fraction, post_count: int) -> int:
    """The last rank inside ``ratio × post_count`` (ranks are whole numbers)."""
    return math.floor(ratio * post_count)


def _ties_at_cutoff(ranks: Mapping[str, int], cutoff: int) -> list[str]:
    """Names sharing the last rank inside the cutoff when that tie reaches past it."""
    inside = [r for r in ranks.values() if r <= cutoff]
    if not inside:
        return []
    last = max(inside)
    tied = [name for name, r in ranks.items() if r == last]
    return tied if last + len(tied) - 1 > cutoff else []


def competition_ranks(scores: Mapping[str, int | Fraction]) -> dict[str, int]:
    """Standard competition ranking ("1224"), highest score first; equal scores share a rank."""
    for name, score in scores.items():
        if isinstance(score, bool | float) or not isinstance(score, int | Fraction):
            raise ValueError(f"score of {name} must be an int or Fraction, got {score!r}")
    ordered = sorted(scores.values(), reverse=True)
    first_rank: dict[int | Fraction, int] = {}
    for position, score in enumerate(ordered, start=1):
        first_rank.setdefault(score, position)
    return {name: first_rank[score] for name, score in scores.items()}


def _by_rank(ranks: Mapping[str, int]) -> list[str]:
    """Names in rank order; equal ranks keep their given order."""
    return sorted(ranks, key=lambda name: ranks[name])


# ---------------------------------------------------------------- step 3: turnout

def turnout(expected: int, present: int, parameters: dict) -> dict:
    """Is the recommendation meeting valid? ``present / expected >= recommendation_turnout``."""
    expected, present = _count(expected, "expected"), _count(present, "present")
    if expected == 0:
        raise ValueError("expected (应到人数) must be at least 1")
    share = fraction_param(parameters, "recommendation_turnout")
    valid = _at_least(present, expected, share)
    result = {"valid": valid, "expected": expected, "present": present, "turnout": _ratio(present, expected),
              "required": str(share), "reason": None, "reason_zh": None}
    if not valid:
        result["reason"] = (f"Turnout {present} of {expected} is below the required {share}: the "
                            "recommendation round does not count and must be held again.")
        result["reason_zh"] = (f"应到{expected}人，实到{present}人，未达到应到人数的{share}，"
                               "本轮推荐无效，须重新组织会议推荐。")
    return result


# ---------------------------------------------------------------- step 5: tally

def tally_recommendation(nominees: list[str], meeting: dict, post_count: int, parameters: dict,
                         withdrawn: Iterable[str] = ()) -> dict:
    """Shares, the under-half exclusion and the ranking of the meeting recommendation."""
    if _count(post_count, "post_count") < 1:
        raise ValueError("post_count must be at least 1")
    withdrawn_set = set(withdrawn)
    basis = param(parameters, "exclusion_denominator")
    if basis not in DENOMINATOR_BASES:
        raise ValueError(f"parameter exclusion_denominator must be one of {DENOMINATOR_BASES}, got {basis!r}")
    denominator = _count(meeting.get(basis), f"meeting {basis}")
    share = fraction_param(parameters, "exclusion_share")
    ratio = fraction_param(parameters, "recommendation_ratio")
    cutoff = _cutoff(ratio, post_count)

    recorded = meeting.get("votes") or {}
    strangers = sorted(set(recorded) - set(nominees))
    if strangers:
        raise ValueError(f"votes recorded for names that are not nominees: {', '.join(strangers)}")
    votes = {name: _count(recorded.get(name, 0), f"votes of {name}") for name in nominees}

    # Withdrawn nominees leave the ranking: the others move up.
    ranks = competition_ranks({n: v for n, v in votes.items() if n not in withdrawn_set})
    rows = []
    for name in _by_rank(ranks) + [n for n in nominees if n in withdrawn_set]:
        v = votes[name]
        # With a zero denominator nobody reached any share: everyone is excluded.
        excluded = _below(v, denominator, share) if denominator else True
        rank = ranks.get(name)
        within = rank is not None and rank <= cutoff
        is_withdrawn = name in withdrawn_set
        rows.append({"name": name, "votes": v, "share": _ratio(v, denominator),
                     "percent": _percent(v, denominator), "excluded": excluded, "rank": rank,
                     "within_ratio": within, "eligible": within and not excluded and not is_withdrawn,
                     "withdrawn": is_withdrawn})
    remaining = sum(1 for r in rows if not r["excluded"] and not r["withdrawn"])
    return {
        "denominator": {"basis": basis, "value": denominator},
        "exclusion_share": str(share),
        "nominees": rows,
        "eligible": [r["name"] for r in rows if r["eligible"]],
        "remaining": remaining,
        "cutoff": cutoff,
        "ties_at_cutoff": _ties_at_cutoff(ranks, cutoff),
        "outcome": "recommendation_failed" if remaining == 0 else None,
    }


# ---------------------------------------------------------------- step 9: assessment

_CHOICES = {
    "archive_review": ("pass", "fail"),
    "personal_matters": ("pass", "fail"),
    "petition_check": ("none", "unfounded", "substantiated"),
    "conclusion": ("recommend", "not_recommend"),
    "opinion": ("clear", "concerns", "disqualifying"),
}
_EVALUATION = ("excellent", "competent", "basically_competent", "incompetent")


def _choice(record: Mapping, key: str, name: str) -> str:
    value = record.get(key)
    if value not in _CHOICES[key]:
        raise ValueError(f"{key} of {name} must be one of {_CHOICES[key]}, got {value!r}")
    return value


def _latest(records: Iterable[dict], name: str) -> dict | None:
    found = [r for r in records if r.get("candidate") == name]
    return found[-1] if found else None


def _blank_assessment(name: str) -> dict[str, Any]:
    return {"name": name, "qualified": False, "disqualified": False, "withdrawn": False, "reasons": [],
            "low_approval": False, "approval": None, "incompetent": None, "total": None, "opinion": None}


def _assess_one(name: str, inspection: dict | None, opinion: dict | None,
                ceiling: Fraction, floor: Fraction) -> dict:
    row = _blank_assessment(name)
    reasons = row["reasons"]
    if inspection is not None:
        evaluation = inspection.get("evaluation") or {}
        counts = {k: _count(evaluation.get(k, 0), f"evaluation {k} of {name}") for k in _EVALUATION}
        total = sum(counts.values())
        approving = counts["excellent"] + counts["competent"]
        row.update(total=total, approval=_ratio(approving, total),
                   incompetent=_ratio(counts["incompetent"], total),
                   low_approval=total > 0 and _below(approving, total, floor))
        if _choice(inspection, "archive_review", name) == "fail":
            reasons.append("archive_review_failed")
        if _choice(inspection, "personal_matters", name) == "fail":
            reasons.append("personal_matters_failed")
        if _choice(inspection, "petition_check", name) == "substantiated":
            reasons.append("petition_substantiated")
    if opinion is not None:
        row["opinion"] = _choice(opinion, "opinion", name)
        if row["opinion"] == "disqualifying":
            reasons.append("integrity_disqualifying")
    if inspection is not None:
        if _choice(inspection, "conclusion", name) == "not_recommend":
            reasons.append("not_recommended")
        if total > 0 and _above(counts["incompetent"], total, ceiling):
            reasons.append("incompetent_over_ceiling")
    else:
        reasons.append("missing_inspection")
    if opinion is None:
        reasons.append("missing_opinion")
    row["disqualified"] = bool(reasons)
    row["qualified"] = not reasons
    return row


def assess_candidates(candidates: list[str], inspections: list[dict], opinions: list[dict],
                      parameters: dict, withdrawn: Iterable[str] = ()) -> dict:
    """Disqualifications and low-approval flags from the inspections and integrity opinions."""
    ceiling = fraction_param(parameters, "incompetent_ceiling")
    floor = fraction_param(parameters, "approval_floor")
    withdrawn_set = set(withdrawn)
    rows = []
    for name in candidates:
        if name in withdrawn_set:
            rows.append({**_blank_assessment(name), "withdrawn": True, "reasons": ["withdrawn"]})
        else:
            rows.append(_assess_one(name, _latest(inspections, name), _latest(opinions, name),
                                    ceiling, floor))
    qualified = [r["name"] for r in rows if r["qualified"]]
    return {
        "candidates": rows,
        "qualified": qualified,
        "flagged": [r["name"] for r in rows if r["qualified"] and r["low_approval"]],
        "incompetent_ceiling": str(ceiling),
        "approval_floor": str(floor),
        "outcome": None if qualified else "no_qualified_candidate",
    }


# ---------------------------------------------------------------- step 11: committee decision

def committee_decision(meeting: dict, proposed: list[str], parameters: dict) -> dict:
    """Quorum, then approval by more than half of the members *due*, then deferral."""
    due = _count(meeting.get("members_due"), "members_due")
    present = _count(meeting.get("members_present"), "members_present")
    if due == 0:
        raise ValueError("members_due (应到会成员) must be at least 1")
    quorum_share = fraction_param(parameters, "decision_quorum")
    majority = fraction_param(parameters, "approval_majority")
    result: dict[str, Any] = {
        "quorum": _at_least(present, due, quorum_share), "members_due": due, "members_present": present,
        "quorum_required": str(quorum_share), "approval_majority": str(majority),
        "results": [], "approved": [], "deferred": [], "rejected": [],
        "repeat": False, "reason_code": None, "reason": None, "reason_zh": None, "outcome": None,
    }
    if not result["quorum"]:
        result.update(
            repeat=True, reason_code="no_quorum",
            reason=(f"{present} of {due} members present is below the required {quorum_share}: "
                    "the meeting may not decide."),
            reason_zh=f"应到会成员{due}人，实到{present}人，不足应到会成员的{quorum_share}，会议不得作出决定。")
        return result

    recorded = meeting.get("results") or {}
    missing = [n for n in proposed if n not in recorded]
    strangers = sorted(set(recorded) - set(proposed))
    if missing or strangers:
        raise ValueError(f"results must be given for exactly the proposed appointees "
                         f"(missing: {missing}, not proposed: {strangers})")
    for name in proposed:
        counts = {k: _count((recorded[name] or {}).get(k, 0), f"{k} of {name}")
                  for k in ("agree", "disagree", "defer")}
        if sum(counts.values()) > present:
            raise ValueError(f"the votes on {name} add up to more than the {present} members present")
        approved = _above(counts["agree"], due, majority)
        deferred = not approved and counts["defer"] > max(counts["agree"], counts["disagree"])
        result["results"].append({"name": name, **counts, "approved": approved, "deferred": deferred})
        result["approved" if approved else "deferred" if deferred else "rejected"].append(name)

    if result["deferred"]:
        names = "、".join(result["deferred"])
        result.update(repeat=True, reason_code="deferred",
                      reason=f"Decision deferred for: {', '.join(result['deferred'])}.",
                      reason_zh=f"对{names}暂缓表决，留待下次会议讨论决定。")
    elif not result["approved"]:
        result.update(outcome="not_approved", reason_code="not_approved",
                      reason="No proposed appointee was approved by more than half of the members due.",
                      reason_zh="拟任人选均未获应到会成员半数以上同意。")
    return result


# ---------------------------------------------------------------- step 12: publicity

def publicity_window(decision_date: date | str, parameters: dict, calendar: WorkingCalendar,
                     recorded_on: date | str | None = None) -> dict:
    """The publicity period: ``publicity_working_days`` working days from the day the notice can first
    be posted, the later of the meeting date and the day the decision was recorded (Beijing date): a
    decision recorded weeks after the meeting must not get a period that is already over.

    `recorded_on` appears in the result only when it moved the period, so the result of a decision
    recorded on its meeting day is what it always was (old cases replay unchanged).
    """
    meeting = _as_date(decision_date, "decision_date")
    recorded = _as_date(recorded_on, "recorded_on") if recorded_on is not None else meeting
    start_from = max(meeting, recorded)
    wanted = int_param(parameters, "publicity_working_days")
    if wanted < 1:
        raise ValueError(f"parameter publicity_working_days must be at least 1, got {wanted}")
    working: list[date] = []
    unverified: list[date] = []
    day = start_from
    for _ in range(wanted * 7 + 400):  # bound: an admin calendar without working days must not hang
        is_working, verified = calendar.is_working_day(day)
        if not verified:
            unverified.append(day)
        if is_working:
            working.append(day)
            if len(working) == wanted:
                break
        day += timedelta(days=1)
    else:
        raise ValueError(f"no {wanted} working days found after {start_from.isoformat()}")
    end = working[-1]
    fires = datetime.combine(end + timedelta(days=1), time(0), tzinfo=BEIJING).astimezone(UTC)
    window = {
        "decision_date": meeting.isoformat(),
        "start": working[0].isoformat(),
        "end": end.isoformat(),
        "working_days": [d.isoformat() for d in working],
        "fires_at": fires.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "calendar_unverified": bool(unverified),
        "unverified_days": [d.isoformat() for d in unverified],
    }
    if recorded > meeting:
        window["recorded_on"] = recorded.isoformat()
    return window


def report_needs_investigation(report: dict) -> bool:
    """Only a report that is both anonymous and unspecific is recorded without investigation."""
    return not (report.get("named") is False and report.get("specific") is False)


_FINDINGS = {
    # finding: (proceed, reminder, deferred, outcome)
    "unfounded": (True, False, False, None),
    "minor": (True, True, False, None),
    "serious": (False, False, False, "withdrawn_after_publicity"),
    "unverifiable": (False, False, True, None),
}


def investigation_result(finding: str) -> dict:
    if finding not in _FINDINGS:
        raise ValueError(f"finding must be one of {tuple(_FINDINGS)}, got {finding!r}")
    proceed, reminder, deferred, outcome = _FINDINGS[finding]
    return {"finding": finding, "proceed": proceed, "reminder": reminder, "deferred": deferred,
            "outcome": outcome}


def probation_outcome(result: str) -> str:
    outcomes = {"competent": "appointed", "not_competent": "probation_failed"}
    if result not in outcomes:
        raise ValueError(f"probation result must be competent or not_competent, got {result!r}")
    return outcomes[result]


# ---------------------------------------------------------------- competitive selection

def _score(value: Any, what: str) -> Fraction:
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{what}: expected a score such as 87.5, got {value!r}")
    try:
        return Fraction(str(value).strip())
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"{what}: expected a score such as 87.5, got {value!r}") from None


def composite_scores(applicants: list[str], exam: Mapping[str, Any], interview: Mapping[str, Any],
                     parameters: dict, post_count: int = 1) -> dict:
    """composite = exam_weight × exam + interview_weight × interview, exactly; 1224 ranking;
    the shortlist is everyone ranked within ``inspection_ratio × post_count`` (ties included)."""
    post_count = _count(post_count, "post_count")
    exam_weight = fraction_param(parameters, "exam_weight")
    interview_weight = fraction_param(parameters, "interview_weight")
    cutoff = _cutoff(fraction_param(parameters, "inspection_ratio"), post_count)
    exams, interviews, composite = {}, {}, {}
    for name in applicants:
        if name not in exam or name not in interview:
            raise ValueError(f"{name} has no {'exam' if name not in exam else 'interview'} score")
        exams[name] = _score(exam[name], f"exam score of {name}")
        interviews[name] = _score(interview[name], f"interview score of {name}")
        composite[name] = exam_weight * exams[name] + interview_weight * interviews[name]
    ranks = competition_ranks(composite)
    ranking = _by_rank(ranks)
    return {
        "exam_weight": str(exam_weight),
        "interview_weight": str(interview_weight),
        "scores": [{"name": n, "exam": decimal_str(exams[n]), "interview": decimal_str(interviews[n]),
                    "composite": decimal_str(composite[n]), "composite_fraction": str(composite[n]),
                    "rank": ranks[n]} for n in ranking],
        "ranking": ranking,
        "cutoff": cutoff,
        "shortlist": [n for n in ranking if ranks[n] <= cutoff],
        "ties_at_cutoff": _ties_at_cutoff(ranks, cutoff),
    }
