"""The responsibility record (纪实) in people's words: one audit event told as the record a
supervisor reads — what was entered, with the fields' labels, and what was decided, with its rule.

`narrate(entry, locale, step_names)` is the engine's `Registry.narrate` hook. It reads one event
only (so a reader's record may leave events out before they are told) and never fails: a step it
does not know, or data of an unexpected shape, is listed with its labels instead.
"""

from __future__ import annotations

from collections.abc import Mapping

from . import qualification
from .say import Say
from .services import SERVICES as _SERVICES
from .tasks import TASKS as _TASKS

SERVICES = {**_SERVICES, **qualification.SERVICES}
TASKS = {**_TASKS, **qualification.TASKS}

_UNEXPECTED = (KeyError, TypeError, ValueError, AttributeError, IndexError, StopIteration)


def narrate(entry: dict, locale: str = "zh-CN", step_names: Mapping[str, str] | None = None) -> str:
    say = Say(locale, step_names)
    entered = entry.get("entered") if isinstance(entry.get("entered"), Mapping) else {}
    decided = entry.get("decided") if isinstance(entry.get("decided"), Mapping) else {}
    try:
        text = _told(entry.get("action"), entry.get("element_id"), entered, decided, say)
    except _UNEXPECTED:
        text = None
    if text is None:
        text = say.end(_listed(entry.get("action"), entered, decided, say))
    return say.sentences(text, _ending(entry.get("action"), decided, say))


def _told(action, element_id, entered, decided, say: Say) -> str | None:
    if action == "service_task":
        told = SERVICES.get(entered.get("operation"))
        return say.end(told(entered.get("params") or {}, decided["result"], say)) if told else None
    if action in ("task_completed", "message_received"):
        told = TASKS.get(element_id)
        return say.end(told(entered, say)) if told else None
    told = _ACTIONS.get(action)
    return say.end(told(entered, decided, say)) if told else None


def _listed(action, entered, decided, say: Say) -> str:
    """The readable fallback: the data with its labels, the engine's result for a service task."""
    if action == "service_task":
        return say.value(decided.get("result"))
    return say.value({k: v for k, v in entered.items() if k != "parameters"})


def _ending(action, decided, say: Say) -> str:
    """How the case stands when a step ended it."""
    if action == "case_terminated" or decided.get("status") != "completed":
        return ""
    return say(f"案件办结：{say.outcome(decided.get('outcome'))}", f"the case ended: {say.outcome(decided.get('outcome'))}")


# --- actions other than a task or a service ------------------------------------------------------

START_ORDER = ("position", "unit", "rank", "post_count", "reason", "requirements", "deadline")


def _started(entered, decided, say: Say) -> str:
    """The start form without the parameters (the record lists them once, at its top) and the
    start instant (every event has its time)."""
    rest = sorted(k for k in entered if k not in START_ORDER and k not in ("parameters", "started_at"))
    return say.parts(*(say.field(k, entered.get(k)) for k in (*START_ORDER, *rest)))


def _override(entered, decided, say: Say) -> str:
    name, why = decided["name"], decided.get("justification")
    if decided.get("rule") == "candidate_not_eligible":
        what = say(f"{name}得票未过半数或排名在前列之外，例外列为考察对象",
                   f"{name}, excluded by the vote or outside the ranking cut-off, is inspected as an exception")
    elif decided.get("rule") == "low_approval":
        what = say(f"{name}民主测评认可度偏低，例外提名为拟任人选",
                   f"{name}, flagged for low approval, is proposed as an exception")
    else:
        what = say(f"对{name}作出例外决定（{decided.get('rule')}）", f"exception for {name} ({decided.get('rule')})")
    return say.parts(what, say.field("justification", why))


def _declared(entered, decided, say: Say) -> str:
    kind = say.choice(entered["relation"])
    return say(f"{entered['username']}申报与{entered['nominee']}存在{kind}，此后不得办理涉及{entered['nominee']}的环节（回避）",
               f"{entered['username']} declares a relation ({kind}) to {entered['nominee']} and may not act in steps "
               f"about them")


def _refused(entered, decided, say: Say) -> str:
    reason = say(decided.get("reason_zh") or decided.get("reason") or "", decided.get("reason") or "")
    return say(f"未予办理：{reason}；提交的内容未作为办理结果记录", f"refused: {reason}; what was submitted was not "
               "recorded as the step")


def _terminated(entered, decided, say: Say) -> str:
    cancelled = [say.step(e) for e in decided.get("cancelled_tasks") or []]
    return say.parts(say.field("reason", entered.get("reason")),
                     say("案件终止，取消的待办：", "the case is terminated; cancelled: ") + say.join(cancelled))


def _timer(entered, decided, say: Say) -> str:
    fired = say.join(say.step(e) for e in decided.get("fired") or [])
    nxt = [say.step(e) for e in decided.get("ready") or []]
    return say.parts(say(f"定时到期（{fired}）", f"time reached ({fired})"),
                     say("转入：", "next: ") + say.join(nxt) if nxt else "")


def _records_changed(entered, decided, say: Say) -> str:
    """An appointment filled its post in the registry (workflows/registry/appointment.py)."""
    told = []
    for item in decided.get("appointed") or []:
        post = item.get("post") or {}
        where = f"{post.get('unit', '')}{post.get('title', '')}"
        told.append(say(f"{item.get('name')}（人员编号 {item.get('person_id')}）的任职经历自 {post.get('start')} 起增加{where}，"
                        "原任职务同日终止",
                        f"{item.get('name')} (person {item.get('person_id')}): the registry career gains {where} from "
                        f"{post.get('start')}, and the former post ends that day"))
    return say.parts(*told)


def _records_unchanged(entered, decided, say: Say) -> str:
    names = say.join(str(n) for n in decided.get("appointees") or [])
    return say(f"{names}：{decided.get('reason_zh') or ''}", f"{names}: {decided.get('reason') or ''}")


_ACTIONS = {
    "records_changed": _records_changed,
    "records_unchanged": _records_unchanged,
    "case_started": _started,
    "override": _override,
    "relation_declared": _declared,
    "step_refused": _refused,
    "case_terminated": _terminated,
    "timer_fired": _timer,
}

__all__ = ["narrate"]
