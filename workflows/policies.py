"""Cross-cutting domain policies the engine applies to every step: recusal (回避), override records,
and the warnings shown on a case."""

from __future__ import annotations

from engine.errors import Forbidden

# Steps about one person: a user related to that person may not do them (domain.md, 回避).
PER_CANDIDATE_STEPS = ("inspection", "integrity_opinion")


def subjects_of(task: dict, case_data: dict) -> set[str]:
    if task["element_id"] in PER_CANDIDATE_STEPS:
        return {task["prefill"].get("candidate")} - {None}
    if task["element_id"] == "investigate_report":
        decision = case_data.get("decision") or {}
        return set(decision.get("appointees") or decision.get("approved") or [])
    return set()


def related(declarations: list[dict], username: str) -> dict[str, str]:
    return {d["nominee"]: d["relation"] for d in declarations if d["username"] == username}


def is_recused(declarations: list[dict], username: str, person: str) -> bool:
    """Must `username` stay out of steps about `person`? (What forms use to leave them out.)"""
    return person in related(declarations, username)


def recusal_guard(*, case_data, task, actor, role, data, declarations) -> None:
    subjects = subjects_of(task, case_data)
    if not subjects:
        return
    mine = related(declarations, actor.username)
    for person in sorted(subjects & set(mine)):
        raise Forbidden(
            f"{actor.username} declared a relation ({mine[person]}) to {person} and must recuse from this step",
            message_zh=f"{actor.username} 已申报与{person}存在{_RELATION_ZH.get(mine[person], mine[person])}关系，应当回避此环节",
        )
    if task["element_id"] == "inspection" and isinstance(data, dict) and isinstance(data.get("team"), list):
        for member in data["team"]:
            theirs = related(declarations, member) if isinstance(member, str) else {}
            for person in sorted(subjects & set(theirs)):
                raise Forbidden(
                    f"team member {member} declared a relation ({theirs[person]}) to {person} and may not inspect them",
                    message_zh=f"考察组成员 {member} 已申报与{person}存在亲属关系，不得参加对其的考察",
                )


_RELATION_ZH = {"spouse": "夫妻", "lineal": "直系血亲", "collateral": "三代以内旁系血亲", "in_law": "近姻亲"}


def override_events(element_id: str, data: dict) -> list[tuple[str, dict]]:
    """Each exception a form allowed becomes its own `override` audit event naming who made it."""
    if element_id == "confirm_candidates":
        return [("override", {"step": element_id, "rule": "candidate_not_eligible", "name": o["name"],
                              "justification": o["justification"]}) for o in data.get("overrides") or []]
    if element_id == "deliberation":
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
    return warnings
