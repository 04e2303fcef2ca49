"""The responsibility record (纪实): every step of a case with who did it, in which role, when,
what they entered, what the engine decided, and the same told in words.

The words come from the domain's narrator (`Registry.narrate`), one event at a time; without one,
the data is listed with its keys (`plain_text`). Times stay UTC here; the outputs show local time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from . import audit
from .errors import NotFound
from .hashing import iso
from .procedures.names import element_names
from .registry import Registry
from .storage.models import Case, ProcedureVersion

if TYPE_CHECKING:
    from .context import EngineContext

ACTION_LABELS = {
    "case_started": ("启动", "started"),
    "task_completed": ("办理", "completed a step"),
    "service_task": ("系统判定", "engine decision"),
    "timer_fired": ("期限届满", "time limit reached"),
    "message_received": ("收到消息", "message received"),
    "case_terminated": ("终止", "terminated"),
    "override": ("例外决定", "exception (override)"),
    "step_refused": ("拒绝办理", "step refused"),
}


def action_label(registry: Registry, action: str) -> tuple[str, str]:
    """(zh, en) for an audit action: the engine's own, the domain's guard record or effects, else the action."""
    if registry.guard_record is not None and action == registry.guard_record.action:
        return registry.guard_record.label
    if action in registry.effect_actions:
        return registry.effect_actions[action]
    return ACTION_LABELS.get(action, (action, action))


def step_names(ctx: EngineContext, session, version_id: int, locale: str = "zh-CN") -> dict[str, str]:
    """Each element's name in `locale` where the diagram has one (`name_en`), else the diagram's."""
    bundle = ctx.specs.get(session, version_id)
    names = element_names(bundle)  # a process by its name: "case started" names it
    if locale.startswith("en"):
        names.update(element_names(bundle, "en"))
    return names


def responsibility_record(ctx: EngineContext, case_id: int, locale: str = "zh-CN") -> dict:
    zh = not locale.startswith("en")
    with ctx.unit_of_work() as uow:
        case = uow.session.get(Case, case_id)
        if case is None:
            raise NotFound(f"case {case_id} does not exist", message_zh=f"案件 {case_id} 不存在")
        version = uow.session.get(ProcedureVersion, case.version_id)
        names = step_names(ctx, uow.session, case.version_id, locale)
        events = audit.events_of(uow.session, audit.case_stream(case_id))
    entries = []
    for e in events:
        label = action_label(ctx.registry, e.action)
        entry = {
            "seq": e.seq, "at": iso(e.at), "user": e.actor_username, "display_name": e.actor_display_name,
            "role": e.actor_role, "action": e.action, "action_label": label[0 if zh else 1],
            "element_id": e.element_id, "step": names.get(e.element_id, e.element_id),
            "entered": e.data_in, "decided": e.data_out, "comment": e.comment, "hash": e.hash,
        }
        entry["narrative"] = narrate(ctx.registry, entry, locale, names)
        entries.append(entry)
    return {
        "case_id": case.id, "procedure": case.procedure_key, "version": version.version,
        "procedure_name": names.get(case.procedure_key, case.procedure_key),
        "procedure_sha256": version.sha256, "status": case.status, "outcome": case.outcome,
        "parameters": case.parameters, "parameter_list": describe_parameters(ctx.registry, case.parameters, locale),
        "started_by": case.started_by, "started_at": iso(case.started_at),
        "head_hash": case.head_hash, "entries": entries,
    }


def narrate(registry: Registry, entry: dict, locale: str, names: Mapping[str, str] | None = None) -> str:
    """One record entry in words: the domain's narrator, else its data listed with the keys."""
    if registry.narrate is not None:
        return registry.narrate(entry, locale, names or {})
    decided = entry.get("decided") or {}
    data = decided.get("result") if entry.get("action") == "service_task" else entry.get("entered")
    return plain_text(data, english=locale.startswith("en"))


def describe_parameters(registry: Registry, parameters: dict | None, locale: str) -> list[dict]:
    if registry.describe_parameters is not None:
        return registry.describe_parameters(parameters or {}, locale)
    english = locale.startswith("en")
    return [{"name": k, "label": k, "value": plain_text(v, english=english)} for k, v in sorted((parameters or {}).items())]


def plain_text(value, *, english: bool = False, label: Callable[[str], str] = str,
               choice: Callable[[str], str] = str) -> str:
    """Recorded data as labelled text instead of JSON: {"a": 1, "b": ["x", "y"]} -> "a：1；b：x、y".

    `label(key)` names a key and `choice(text)` a string value (a domain passes its field labels and
    choice labels); empty values are left out; a nested object goes in brackets."""
    colon, sep, inner, items = (": ", "; ", ", ", ", ") if english else ("：", "；", "，", "、")
    left, right = ("(", ")") if english else ("（", "）")

    def text(item, nested: bool) -> str:
        if isinstance(item, bool):
            return ("yes" if item else "no") if english else ("是" if item else "否")
        if item is None:
            return "—"
        if isinstance(item, Mapping):
            body = (inner if nested else sep).join(f"{label(str(k))}{colon}{text(v, True)}"
                                                   for k, v in item.items() if not _empty(v))
            return f"{left}{body}{right}" if nested and body else body
        if isinstance(item, list | tuple):
            return items.join(text(v, True) for v in item)
        if isinstance(item, str):
            return choice(item)
        return str(item)

    return "" if _empty(value) else text(value, False)


def _empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}
