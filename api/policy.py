"""Who may do what: one table for every door (REST, web pages, templates); every refusal is recorded.

A rule names roles, or is a function of the actor and the object that returns the role the actor
acts in (None: refused). `authorize` returns that role. The engine enforces the task-level rules
again (a task's role, recusal), and what of a case a reader sees is engine/reading.py's (need to
know), so no path around this module can skip them. Templates ask `can(action, target)`.
"""

from __future__ import annotations

from flask import current_app

from engine.access import record_refusal
from engine.actors import Actor
from engine.cases import guard_record_role
from engine.errors import Forbidden


def _declare(actor: Actor, target: dict) -> str | None:
    """Declaring a relation (回避): the engine's rule (engine/cases.py guard_record_role), asked here so
    the refusal is recorded and the page can offer the form; the engine checks it again."""
    return guard_record_role(current_app.extensions["cadreflow"].registry, actor, target.get("username"))


def _task_role(actor: Actor, target: dict) -> str | None:
    role = target.get("role")
    return role if role and actor.holds(role) else None


ANY = None
RULES: dict[str, object] = {
    "procedure.read": ANY,
    "procedure.deploy": {"editor"},
    "procedure.edit": {"editor"},  # the editor's pages: versions, the modeler, diffs
    "case.read": ANY,  # which cases and what of them: engine/reading.py (need to know)
    "case.start": {"clerk"},
    "case.override_parameters": {"org_head", "editor"},
    "case.message": {"clerk", "discipline"},
    "case.terminate": {"org_head"},
    # a participant for themself (auditors, editors and admins take no steps), or an org_head for anyone
    "case.declare": _declare,
    "case.events": {"auditor", "org_head"},
    "case.accountability": {"auditor", "org_head"},
    "case.replay": {"auditor"},
    "case.access_log": {"auditor"},
    "audit.overview": {"auditor", "org_head"},
    "audit.verify": {"auditor"},
    "task.read": ANY,
    "task.complete": _task_role,
    "admin.users": {"admin"},
    # the cadre registry (architecture.md, REST additions): records and units
    "person.read": {"clerk", "org_head", "auditor"},
    "person.write": {"clerk", "admin"},
    "person.access_log": {"auditor"},  # who read a person's record (the read trail)
    # auditors read the units too: they must name the unit whose reads they audit
    "unit.read": {"clerk", "org_head", "admin", "auditor"},
    "unit.write": {"admin"},
    "unit.access_log": {"auditor"},  # who read a unit (the read trail), as for a person
    "admin.calendar": {"admin"},
    "admin.timers": {"admin"},
    "admin.clock": {"admin"},
}


def matched_role(actor: Actor, action: str, target: dict | None = None) -> str | None:
    """The role in which `actor` may do `action` on `target` (the first, by name, of those the rule
    accepts), "-" for a rule open to anyone signed in, None when refused."""
    rule = RULES[action]
    if rule is ANY:
        return "-"
    if callable(rule):
        return rule(actor, target or {})
    held = sorted(actor.roles & rule)
    return held[0] if held else None


def allowed(actor: Actor, action: str, target: dict | None = None) -> bool:
    return matched_role(actor, action, target) is not None


def authorize(actor: Actor, action: str, target: dict | None = None, *, label: str = "") -> str:
    """Return the role the actor acts in, or raise Forbidden (403) and record the refusal."""
    role = matched_role(actor, action, target)
    if role is not None:
        return role
    rule = RULES[action]
    needs = ", ".join(sorted(rule)) if isinstance(rule, set) else "the rule of this object"
    reason = f"{actor.username} may not {action} (requires {needs})"
    record_refusal(current_app.extensions["cadreflow"], actor, action, label or str(target or ""), reason)
    raise Forbidden(reason, message_zh=f"{actor.username} 无权执行 {action}（需要：{needs}）")
