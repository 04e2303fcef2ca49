"""Copies of the real cases, made in memory: a new case id, every time shifted back, every task id
replaced, and the audit events re-chained on the copy's own stream with the engine's event hash
(engine/hashing.py), so `cadreflow audit verify` passes on every copy."""

from __future__ import annotations

import random
import re
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

from engine import audit
from engine.hashing import GENESIS, canonical_json, event_hash_of_stored
from engine.runtime import state_hash
from engine.storage.models import AuditEvent, Case, CaseTask

from .columns import CASE_COLUMNS, JSON_COLUMNS

UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class Segments:
    """A text with its task ids cut out: rebuilt with new ids by one join."""

    def __init__(self, text_: str, slots: dict[str, int]):
        self.parts, self.ids = [], []
        last = 0
        for match in UUID_RE.finditer(text_):
            self.parts.append(text_[last:match.start()])
            self.ids.append(slots.setdefault(match.group(), len(slots)))
            last = match.end()
        self.tail = text_[last:]

    def fill(self, new_ids: list[str]) -> str:
        if not self.ids:
            return self.tail
        out = []
        for part, slot in zip(self.parts, self.ids, strict=True):
            out.append(part)
            out.append(new_ids[slot])
        out.append(self.tail)
        return "".join(out)


@dataclass
class Template:
    """A real case as the copies are made of it; JSON values as canonical JSON text with the ids cut out."""

    case: dict
    snapshot: Segments
    json: dict[str, Segments]
    tasks: list[dict]
    events: list[dict]
    slots: dict[str, int] = field(default_factory=dict)


def load_templates(ctx, ids: list[int]) -> list[Template]:
    templates = []
    with ctx.unit_of_work() as uow:
        for case_id in ids:
            case = uow.session.get(Case, case_id)
            slots: dict[str, int] = {}
            snapshot = Segments(case.snapshot, slots)
            row = {c: getattr(case, c) for c in CASE_COLUMNS if c not in ("id", "snapshot", *JSON_COLUMNS)}
            values = {c: Segments(canonical_json(getattr(case, c)), slots) for c in CASE_COLUMNS if c in JSON_COLUMNS}
            tasks = []
            for t in uow.session.scalars(select(CaseTask).where(CaseTask.case_id == case_id)):
                tasks.append({"slot": slots.setdefault(t.id, len(slots)), "element_id": t.element_id, "title": t.title,
                              "role": t.role, "form": t.form, "prefill": Segments(canonical_json(t.prefill), slots),
                              "created_at": t.created_at})
            events = []
            for e in uow.session.scalars(select(AuditEvent).where(AuditEvent.stream == audit.case_stream(case_id))
                                         .order_by(AuditEvent.seq)):
                events.append({
                    "seq": e.seq, "at": e.at, "actor_username": e.actor_username,
                    "actor_display_name": e.actor_display_name, "actor_role": e.actor_role, "action": e.action,
                    "element_id": e.element_id,
                    "task_slot": None if e.task_id is None else slots.setdefault(e.task_id, len(slots)),
                    "data_in": Segments(canonical_json(e.data_in), slots),
                    "data_out": Segments(canonical_json(e.data_out), slots),
                    "comment": e.comment, "head_state": e.state_hash == case.state_hash, "state_hash": e.state_hash,
                })
            templates.append(Template(row, snapshot, values, tasks, events, slots))
    return templates



# The columns event_hash_of_stored takes, in its order.
HASHED_COLUMNS = ("stream", "case_id", "seq", "at", "actor_username", "actor_display_name", "actor_role", "action",
                  "element_id", "task_id", "data_in", "data_out", "comment", "state_hash", "prev_hash")


def copied_event_hash(row: dict) -> str:
    """The engine's event hash of a copied event whose data is canonical JSON text already (a copy's
    data is its template's canonical text with new ids), so it is hashed as stored, without parsing."""
    digest = event_hash_of_stored(*(row[c] for c in HASHED_COLUMNS))
    if not digest:
        raise RuntimeError(f"event {row['seq']} of case {row['case_id']} has a column of an unexpected type")
    return digest


def copy_case(template: Template, case_id: int, shift: timedelta, rng: random.Random):
    """The rows of one copy (JSON columns as text): (case, tasks, events); nothing is written."""
    new_ids = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(len(template.slots))]
    snapshot = template.snapshot.fill(new_ids)
    state = state_hash(snapshot)
    c = template.case
    case = {**c, **{k: v.fill(new_ids) for k, v in template.json.items()}, "id": case_id, "snapshot": snapshot,
            "state_hash": state, "started_at": c["started_at"] - shift, "updated_at": c["updated_at"] - shift,
            "next_due_at": c["next_due_at"] - shift if c["next_due_at"] else None}
    tasks = [{"id": new_ids[t["slot"]], "case_id": case_id, "element_id": t["element_id"], "title": t["title"],
              "role": t["role"], "form": t["form"], "prefill": t["prefill"].fill(new_ids),
              "created_at": t["created_at"] - shift} for t in template.tasks]
    stream, prev = audit.case_stream(case_id), GENESIS
    events = []
    for e in template.events:
        row = {"stream": stream, "case_id": case_id, "seq": e["seq"], "at": e["at"] - shift,
               "actor_username": e["actor_username"], "actor_display_name": e["actor_display_name"],
               "actor_role": e["actor_role"], "action": e["action"], "element_id": e["element_id"],
               "task_id": None if e["task_slot"] is None else new_ids[e["task_slot"]],
               "data_in": e["data_in"].fill(new_ids), "data_out": e["data_out"].fill(new_ids),
               "comment": e["comment"], "state_hash": state if e["head_state"] else e["state_hash"],
               "prev_hash": prev}
        row["hash"] = prev = copied_event_hash(row)
        events.append(row)
    case["head_hash"] = prev
    return case, tasks, events


