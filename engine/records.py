"""The responsibility record (纪实): every step of a case with who did it, in which role, when,
what they entered and what the engine decided, read from the audit trail."""

from __future__ import annotations

import csv
import io
import json

from . import audit
from .errors import NotFound
from .hashing import iso
from .procedures.names import element_names
from .storage.models import Case, ProcedureVersion

ACTION_LABELS = {
    "case_started": ("启动", "started"),
    "task_completed": ("办理", "completed a step"),
    "service_task": ("系统判定", "engine decision"),
    "timer_fired": ("期限届满", "time limit reached"),
    "message_received": ("收到消息", "message received"),
    "case_terminated": ("终止", "terminated"),
    "override": ("例外决定", "exception (override)"),
    "relation_declared": ("申报回避关系", "relation declared"),
    "step_refused": ("拒绝办理", "step refused"),
}
CSV_COLUMNS = ["seq", "at", "user", "display_name", "role", "action", "element_id", "step", "entered", "decided",
               "comment", "hash"]


def step_names(ctx, session, version_id: int, locale: str = "zh-CN") -> dict[str, str]:
    """Each element's name in `locale` where the diagram has one (`name_en`), else the diagram's."""
    bundle = ctx.specs.get(session, version_id)
    names = element_names(bundle)  # a process by its name: "case started" names it
    if locale.startswith("en"):
        names.update(element_names(bundle, "en"))
    return names


def responsibility_record(ctx, case_id: int, locale: str = "zh-CN") -> dict:
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
        label = ACTION_LABELS.get(e.action, (e.action, e.action))
        entries.append({
            "seq": e.seq, "at": iso(e.at), "user": e.actor_username, "display_name": e.actor_display_name,
            "role": e.actor_role, "action": e.action, "action_label": label[0 if zh else 1],
            "element_id": e.element_id, "step": names.get(e.element_id, e.element_id),
            "entered": e.data_in, "decided": e.data_out, "comment": e.comment, "hash": e.hash,
        })
    return {
        "case_id": case.id, "procedure": case.procedure_key, "version": version.version,
        "procedure_sha256": version.sha256, "status": case.status, "outcome": case.outcome,
        "parameters": case.parameters, "started_by": case.started_by, "started_at": iso(case.started_at),
        "head_hash": case.head_hash, "entries": entries,
    }


def record_csv(record: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for entry in record["entries"]:
        row = {**entry, "entered": json.dumps(entry["entered"], ensure_ascii=False, sort_keys=True),
               "decided": json.dumps(entry["decided"], ensure_ascii=False, sort_keys=True)}
        writer.writerow([row[c] if row[c] is not None else "" for c in CSV_COLUMNS])
    return out.getvalue()
