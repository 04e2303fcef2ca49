"""Cross-cutting domain policies the engine applies to every step: recusal (回避), override records,
and the warnings shown on a case."""

from __future__ import annotations

from engine.errors import Forbidden
from engine.registry import SubjectSource

from .forms.casedata import up_for_decision
from .registry.quota import quota_warnings


def _candidate(task: dict, case_data: dict) -> set[str] | None:
    """The candidate a per-candidate task runs for (its multi-instance item)."""
    candidate = task["prefill"].get("candidate")
    if isinstance(candidate, dict):  # a nominee row (破格: {person_id, name, rules})
        candidate = candidate.get("name")
    return {candidate} if isinstance(candidate, str) and candidate else None


def _appointees(task: dict, case_data: dict) -> set[str] | None:
    decision = case_data.get("decision")
    if not isinstance(decision, dict):
        return None
    return set(decision.get("appointees") or decision.get("approved") or [])


def _to_vote(task: dict, case_data: dict) -> set[str] | None:
    """Those this committee round votes on (a round always has someone: none means it cannot tell)."""
    return set(up_for_decision(case_data)) or None


# Where the people a task is about come from: the value of a task's `subject` property.
SUBJECT_SOURCES = {
    "candidate": SubjectSource(_candidate, item="candidate"),
    "appointees": SubjectSource(_appointees),
    "proposed": SubjectSource(_to_vote),
}
# Forms about particular people (回避, domain.md): a task with one of these forms must carry this
# `subject`, or its diagram is not deployed. Recusal follows the form, never the element id.
PERSON_BOUND_FORMS = {
    "inspection": "candidate",
    "integrity_opinion": "candidate",
    "investigate_report": "appointees",
    "committee_decision": "proposed",
    "exceptional_promotion": "candidate",
}
TEAM_FORMS = ("inspection",)  # forms naming a team (usernames), none of whom may be related either


def registry_relations(case_data: dict) -> list[dict]:
    """Relations the records copied at nomination show (回避 from the records): a nominee's family
    member who is a user (`username`) is related to that nominee, without declaring it.
    Other social relations (no recusal class) are left out."""
    from .forms.casedata import section
    from .registry.vocab import RECUSAL_CLASS

    people = section(case_data, "nominate").get("nominees") or section(case_data, "registration").get("applicants")
    found = []
    for person in people if isinstance(people, list) else []:
        record = person.get("record") if isinstance(person, dict) else None
        for member in (record or {}).get("family") or []:
            relation = RECUSAL_CLASS.get(member.get("relation"))
            if member.get("username") and relation:
                found.append({"username": member["username"], "nominee": person["name"], "relation": relation,
                              "person_id": person.get("person_id"), "source": "registry",
                              "family_relation": member["relation"]})
    return found


def related(declarations: list[dict], username: str) -> dict[str, str]:
    return {d["nominee"]: d["relation"] for d in declarations if d["username"] == username}


def is_recused(declarations: list[dict], username: str, person: str) -> bool:
    """Must `username` stay out of steps about `person`? (What forms use to leave them out.)"""
    return person in related(declarations, username)


def recusal_guard(*, case_data, task, actor, role, data, records) -> None:
    """Refuses a step about a person the actor is related to; `records`: the case's declarations."""
    subjects = set(task.get("subjects") or ())  # engine/subjects.py: from the task's form or `subject`
    if not subjects:
        return
    mine = related(records, actor.username)
    recorded = {d["nominee"] for d in records if d.get("source") == "registry" and d["username"] == actor.username}
    for person in sorted(subjects & set(mine)):
        relation = _RELATION_ZH.get(mine[person], mine[person])
        if person in recorded:
            raise Forbidden(
                f"the registry records {actor.username} as a relative ({mine[person]}) of {person}: "
                "they must recuse from this step", message_zh=f"干部信息库记载 {actor.username} 与{person}存在{relation}"
                "关系，应当回避此环节")
        raise Forbidden(
            f"{actor.username} declared a relation ({mine[person]}) to {person} and must recuse from this step",
            message_zh=f"{actor.username} 已申报与{person}存在{relation}关系，应当回避此环节",
        )
    if task.get("form") in TEAM_FORMS and isinstance(data, dict) and isinstance(data.get("team"), list):
        for member in data["team"]:
            theirs = related(records, member) if isinstance(member, str) else {}
            for person in sorted(subjects & set(theirs)):
                raise Forbidden(
                    f"team member {member} declared a relation ({theirs[person]}) to {person} and may not inspect them",
                    message_zh=f"考察组成员 {member} 已申报与{person}存在亲属关系，不得参加对其的考察",
                )


_RELATION_ZH = {"spouse": "夫妻", "lineal": "直系血亲", "collateral": "三代以内旁系血亲", "in_law": "近姻亲"}


def override_events(form: str | None, element_id: str, data: dict) -> list[tuple[str, dict]]:
    """Each exception a form allowed becomes its own `override` audit event naming who made it
    (keyed by the form, which deployment checks, not by the element id)."""
    if form == "confirm_candidates":
        return [("override", {"step": element_id, "rule": "candidate_not_eligible", "name": o["name"],
                              "justification": o["justification"]}) for o in data.get("overrides") or []]
    if form == "deliberation":
        return [("override", {"step": element_id, "rule": "low_approval", "name": name, "justification": text})
                for name, text in sorted((data.get("justifications") or {}).items())]
    return []


def case_warnings(case_data: dict) -> list[str]:
    warnings = []
    for key in ("publicity", "publicity_check"):
        if (case_data.get(key) or {}).get("calendar_unverified"):
            warnings.append("calendar_unverified")
    for report in case_data.get("reports") or []:
        if report.get("reminder"):
            warnings.append("publicity_reminder")
    return warnings + quota_warnings(case_data)
