"""An appointment fills the post (`appoint` step): each appointee's registry career gains the new
post from the committee's decision date (with its probation when the appointment records one)
and the posts they held end that day — one audited change on the `registry` stream, written in
the step's transaction (an `engine.registry.Effect`).

The appointee is known by `person_id` in the case's nominee entries (the nomination from the
registry); an appointee without one (a nominee typed by name) leaves the registry untouched, and
the case says so with a `records_unchanged` note naming them.
"""

from __future__ import annotations

from datetime import timedelta

from engine import reference_records as rr
from engine.registry import StepEffect

from . import vocab
from .dates import add_months, as_date
from .records import PERSON

# the notes an appointment leaves on the case's stream, with their labels in the record
EFFECT_ACTIONS = {"records_changed": ("更新干部信息", "registry updated"),
                  "records_unchanged": ("干部信息未更新", "registry not updated")}


def _nominees(case_data: dict) -> list[dict]:
    entries = (case_data.get("nominate") or {}).get("nominees") or case_data.get("nominees") or []
    return [n for n in entries if isinstance(n, dict)]


def _person_id(appointee, nominees: list[dict]):
    """The person id of an appointee given by id or by a name naming exactly one nominee."""
    if isinstance(appointee, int):
        return appointee
    named = [n for n in nominees if n.get("name") == appointee]
    return named[0].get("person_id") if len(named) == 1 else None


def new_post(case_data: dict, decided_on: str, probation: bool) -> dict:
    quota = case_data.get("quota") or {}
    level = quota.get("level") or vocab.from_label(vocab.LEVELS, str(case_data.get("rank") or ""))
    post = {"unit": case_data.get("unit") or "", "title": case_data.get("position") or "", "level": level,
            "start": decided_on, "end": None, "grassroots": False, "probation_until": None, "exceptional": []}
    months = int((case_data.get("parameters") or {}).get("probation_months") or 0)
    if probation and months:
        post["probation_until"] = (add_months(as_date(decided_on), months) - timedelta(days=1)).isoformat()
    return post


def with_post(record: dict, post: dict) -> dict:
    """The record with `post` added and every post held before it ended on its start."""
    posts = []
    for held in record.get("posts") or []:
        if not held.get("end") and as_date(held.get("start")) and as_date(held["start"]) < as_date(post["start"]):
            held = {**held, "end": post["start"]}
        posts.append(held)
    return {**record, "posts": [*posts, post]}


def fill_posts(step: StepEffect) -> list[tuple[str, dict]]:
    if step.form != "appoint":
        return []
    case_data = step.case_data
    decided_on = (case_data.get("committee_decision") or {}).get("meeting_date") or step.data.get("effective_date")
    appointees = (case_data.get("decision") or {}).get("appointees") or []
    nominees = _nominees(case_data)
    post = new_post(case_data, decided_on, bool(step.data.get("probation")))
    filled, untouched = [], []
    for appointee in appointees:
        person_id = _person_id(appointee, nominees)
        record = rr.get(step.session, "person", str(person_id)) if person_id else None
        if record is None:
            untouched.append(appointee)
            continue
        rr.save(step.session, PERSON, [(str(person_id), with_post(record, post))], step.actor, step.role, step.now,
                reason=f"case {step.case_id}: appointment")
        filled.append({"person_id": person_id, "name": record.get("name"), "post": post})
    notes = []
    if filled:
        notes.append(("records_changed", {"kind": "person", "appointed": filled}))
    if untouched:
        notes.append(("records_unchanged", {"kind": "person", "appointees": untouched,
                                            "reason": "not nominated from the registry (no person_id)",
                                            "reason_zh": "未从干部信息库提名（无人员编号），干部信息未更新"}))
    return notes
