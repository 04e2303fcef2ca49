"""The qualification review's service tasks (资格审查, 破格提拔): what the diagrams call after `nominate`.

`qualification_check` computes the verdicts of every nominee from the record copied into the case
at nomination (workflows/registry/qualification.review), as of the case's start date; the 任职回避
check reads the records of the nominees' relatives named by person id (`ctx.entry`, recorded with
the call, so a replay reads them as they were). `qualification_settle` decides, from the clerk's
confirmed review and the org head's 破格 records, who stands on the ballot: a nominee failing a
rule that cannot be waived, or a waivable one without 破格, leaves like an excluded nominee.
"""

from __future__ import annotations

from .handlers import handler
from .nominees import case_level, nominee_key, record_of, start_day
from .registry.career import leadership_posts_in
from .registry.qualification import review


def _relatives_leading(nominees: list[dict], unit: str, on, entry) -> list[dict]:
    """Relatives of the nominees (named by person id in their records) who hold a leadership post
    in the case's unit on the start date, as avoidance.unit_leaders gives them."""
    leaders, seen = [], set()
    for nominee in nominees:
        for member in nominee.get("family") or []:
            person_id = member.get("person_id")
            if person_id is None or person_id in seen:
                continue
            seen.add(person_id)
            record = entry("person", person_id)
            posts = leadership_posts_in(record, unit, on) if record else []
            if posts:
                leaders.append({**record, "person_id": person_id, "leader_titles": [p["title"] for p in posts]})
    return leaders


def reviewed_people(people: list[dict], data: dict) -> list[dict]:
    """Whom the review is about: the nominees; in competitive selection the applicants the
    eligibility review found eligible."""
    eligible = (data.get("eligibility_review") or {}).get("eligible")
    return [p for p in people if p["name"] in eligible] if isinstance(eligible, list) else list(people)


@handler("qualification_check")
def qualification_check(params, ctx):
    nominees = [record_of(n) for n in reviewed_people(params["nominees"], ctx.data)]
    on = start_day(ctx.data)
    level = case_level(ctx.data)
    if level is None:  # a post without a known level: no figure applies, nothing to check
        return {"level": None, "as_of": on.isoformat(), "nominees": [
            {"person_id": n["person_id"], "name": n["name"], "checks": [], "eligible": True,
             "needs_exceptional": [], "missing": []} for n in nominees]}
    unit = str(ctx.data.get("unit") or "")
    leaders = _relatives_leading(nominees, unit, on, ctx.entry) if ctx.entry and unit else []
    return review(nominees, level, on, params["parameters"], leaders=leaders)


@handler("qualification_settle")
def qualification_settle(params, ctx):
    """Who stands on the ballot after the review (and, when given, the 破格 records)."""
    confirmed = (params["review"] or {}).get("qualification") or {}
    records = [r for r in params.get("exceptional") or [] if isinstance(r, dict)]
    granted = {r["person_id"]: r for r in records if not r.get("declined")}
    by_key = {nominee_key(n): n for n in confirmed.get("nominees") or []}
    ballot, barred, needed, not_waived = [], [], [], []
    for nominee in reviewed_people(params["nominees"], ctx.data):
        reviewed = by_key.get(nominee_key(nominee))
        if reviewed is None:  # not reviewed (cannot happen in a diagram that reviews everyone)
            ballot.append(nominee)
            continue
        short = {"person_id": nominee.get("person_id"), "name": nominee["name"]}
        if not reviewed["eligible"]:
            barred.append({**short, "rules": _failed(reviewed, waivable=False)})
        elif reviewed["needs_exceptional"]:
            record = granted.get(nominee_key(nominee))
            if record is not None and set(reviewed["needs_exceptional"]) <= set(record["rules"]):
                ballot.append(nominee)
            elif params.get("exceptional") is None:
                needed.append({**short, "rules": reviewed["needs_exceptional"]})
            else:
                not_waived.append({**short, "rules": reviewed["needs_exceptional"]})
        else:
            ballot.append(nominee)
    return {"ballot": ballot, "barred": barred, "exceptional_needed": needed, "not_waived": not_waived,
            "exceptional": [granted[k] for k in sorted(granted, key=str)]}


def _failed(reviewed: dict, *, waivable: bool) -> list[str]:
    return [c["rule"] for c in reviewed["checks"] if c.get("waivable") is waivable
            and (c["verdict"] == "fail" or (c["verdict"] == "missing" and not c.get("attestation")))]
