"""Who may do what: one table, checked on domain objects; every refusal is recorded.

Rules name roles, or a function of the actor and the object. The engine enforces the task-level
rules again (a task's role, recusal), so no path around this module can skip them.
"""

from __future__ import annotations

from flask import current_app

from engine.access import record_refusal
from engine.actors import Actor
from engine.errors import Forbidden

ANY = None
RULES: dict[str, object] = {
    "procedure.read": ANY,
    "procedure.deploy": {"editor"},
    "case.read": ANY,
    "case.start": {"clerk"},
    "case.override_parameters": {"org_head", "editor"},
    "case.message": {"clerk", "discipline"},
    "case.terminate": {"org_head"},
    # a participant for themself (auditors, editors and admins take no steps, so change nothing here)
    "case.declare": lambda actor, target: (target.get("username") == actor.username
                                           and bool(actor.roles & {"clerk", "inspector", "discipline",
                                                                   "committee_secretary"}))
    or actor.holds("org_head"),
    "case.events": {"auditor", "org_head"},
    "case.accountability": {"auditor", "org_head"},
    "case.replay": {"auditor"},
    "case.access_log": {"auditor"},
    "audit.verify": {"auditor"},
    "task.read": ANY,
    "task.complete": lambda actor, target: bool(target.get("role")) and actor.holds(target["role"]),
    # the cadre registry (architecture.md, REST additions): records and units
    "person.read": {"clerk", "org_head", "auditor"},
    "person.write": {"clerk", "admin"},
    "unit.read": {"clerk", "org_head", "admin"},
    "unit.write": {"admin"},
    "admin.calendar": {"admin"},
    "admin.timers": {"admin"},
    "admin.clock": {"admin"},
}


def allowed(actor: Actor, action: str, target: dict | None = None) -> bool:
    rule = RULES[action]
    if rule is ANY:
        return True
    if callable(rule):
        return rule(actor, target or {})
    return bool(actor.roles & rule)


def authorize(actor: Actor, action: str, target: dict | None = None, *, label: str = "") -> str:
    """Return the role the actor acts in, or raise Forbidden (403) and record the refusal."""
    if allowed(actor, action, target):
        rule = RULES[action]
        held = sorted(actor.roles & rule) if isinstance(rule, set) else sorted(actor.roles)
        return held[0] if held else "-"
    rule = RULES[action]
    needs = ", ".join(sorted(rule)) if isinstance(rule, set) else "the rule of this object"
    reason = f"{actor.username} may not {action} (requires {needs})"
    record_refusal(current_app.extensions["cadreflow"], actor, action, label or str(target or ""), reason)
    raise Forbidden(reason, message_zh=f"{actor.username} 无权执行 {action}（需要：{needs}）")
