"""The append-only, hash-chained audit trail: append, read, verify, checkpoint."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .actors import Actor
from .clock import utc
from .hashing import GENESIS, canonical_json, event_hash, head_leaf, iso, merkle_root, sha256_text
from .storage.models import AuditCheckpoint, AuditEvent, Case


def case_stream(case_id: int) -> str:
    return f"case/{case_id}"


def jsonable(value: Any) -> Any:
    """What gets stored is exactly what gets hashed: round-trip through canonical JSON first."""

    def default(obj):
        if isinstance(obj, datetime):
            return iso(obj)
        if isinstance(obj, date | UUID | Decimal):
            return str(obj)
        if isinstance(obj, set | frozenset | tuple):
            return sorted(obj) if isinstance(obj, set | frozenset) else list(obj)
        raise TypeError(f"not JSON-serialisable in an audit event: {type(obj).__name__}")

    return json.loads(json.dumps(value, default=default, ensure_ascii=False, allow_nan=False))


@dataclass
class NewEvent:
    action: str
    actor: Actor
    role: str
    element_id: str | None = None
    task_id: str | None = None
    data_in: dict = field(default_factory=dict)
    data_out: dict = field(default_factory=dict)
    comment: str | None = None


def stream_head(session: Session, stream: str) -> tuple[int, str]:
    row = session.execute(
        select(AuditEvent.seq, AuditEvent.hash)
        .where(AuditEvent.stream == stream)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    return (row.seq, row.hash) if row else (0, GENESIS)


def append(session: Session, stream: str, events: Iterable[NewEvent], *, at: datetime, **kwargs) -> list[AuditEvent]:
    """Chain `events` after the stream's head and add them; the caller's transaction commits them."""
    head = kwargs.pop("head", None) or stream_head(session, stream)
    rows = chain(stream, events, at=at, head=head, **kwargs)
    session.add_all(rows)
    return rows


def chain(
    stream: str,
    events: Iterable[NewEvent],
    *,
    at: datetime,
    head: tuple[int, str],
    state_hash: str | None = None,
    case_id: int | None = None,
) -> list[AuditEvent]:
    """Build the rows of `events`, hash-chained after `head` (seq, hash); nothing is written."""
    seq, prev = head
    rows = []
    for new in events:
        seq += 1
        row = AuditEvent(
            stream=stream,
            case_id=case_id,
            seq=seq,
            at=utc(at),
            actor_username=new.actor.username,
            actor_display_name=new.actor.display_name,
            actor_role=new.role,
            action=new.action,
            element_id=new.element_id,
            task_id=new.task_id,
            data_in=jsonable(new.data_in),
            data_out=jsonable(new.data_out),
            comment=new.comment,
            state_hash=state_hash,
            prev_hash=prev,
        )
        row.hash = prev = event_hash(row)
        rows.append(row)
    return rows


def events_of(session: Session, stream: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.stream == stream).order_by(AuditEvent.seq)))


def event_dict(event: AuditEvent) -> dict:
    """The audit event as the REST API and exports show it."""
    from .hashing import event_body

    body = event_body(event)
    body["hash"] = event.hash
    return body


# --- verification -------------------------------------------------------------------------------

_COLUMNS = (
    AuditEvent.stream, AuditEvent.case_id, AuditEvent.seq, AuditEvent.at, AuditEvent.actor_username,
    AuditEvent.actor_display_name, AuditEvent.actor_role, AuditEvent.action, AuditEvent.element_id,
    AuditEvent.task_id, AuditEvent.data_in, AuditEvent.data_out, AuditEvent.comment,
    AuditEvent.state_hash, AuditEvent.prev_hash, AuditEvent.hash,
)  # fmt: skip


@dataclass
class VerifyReport:
    events_checked: int = 0
    streams_checked: int = 0
    problems: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, stream: str, seq: int | None, problem: str) -> None:
        case_id = int(stream.split("/", 1)[1]) if stream.startswith("case/") else None
        self.problems.append({"stream": stream, "case_id": case_id, "seq": seq, "problem": problem})

    def as_dict(self) -> dict:
        return {"ok": self.ok, "events_checked": self.events_checked, "problems": self.problems}


def verify(
    session: Session,
    *,
    streams: list[str] | None = None,
    checkpoints: list[dict] | None = None,
    progress: Callable[[int], None] | None = None,
) -> VerifyReport:
    """Recompute every chain; compare case rows with their chains and with every checkpoint.

    `checkpoints` are exported checkpoints to check as well as the stored ones: a deleted case is
    found because a checkpoint still names its stream head.
    """
    report = VerifyReport()
    heads: dict[str, tuple[int, str, str | None]] = {}
    query = select(*_COLUMNS).order_by(AuditEvent.stream, AuditEvent.seq)
    if streams is not None:
        query = query.where(AuditEvent.stream.in_(streams))
    stream, expected_seq, prev = None, 0, GENESIS
    for row in session.execute(query.execution_options(yield_per=2000)):
        if row.stream != stream:
            stream, expected_seq, prev = row.stream, 1, GENESIS
        if row.seq != expected_seq:
            report.add(stream, expected_seq, f"event seq {expected_seq} is missing (found {row.seq} next)")
        if row.prev_hash != prev:
            report.add(stream, row.seq, "prev_hash does not match the previous event's hash")
        if event_hash(row) != row.hash:
            report.add(stream, row.seq, "hash does not match the event's content (the row was edited)")
        prev, expected_seq = row.hash, row.seq + 1
        heads[stream] = (row.seq, row.hash, row.state_hash)
        report.events_checked += 1
        if progress and report.events_checked % 1000 == 0:
            progress(1000)
    if progress:
        progress(report.events_checked % 1000)
    report.streams_checked = len(heads)
    _check_cases(session, report, heads, streams)
    stored = [
        {"id": c.id, "root": c.root, "heads": c.heads}
        for c in session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id))
    ]
    for checkpoint in stored + list(checkpoints or []):
        _check_checkpoint(session, report, heads, checkpoint, streams)
    return report


def _check_cases(session, report, heads, streams) -> None:
    query = select(Case.id, Case.last_seq, Case.state_hash, Case.snapshot)
    if streams is not None:
        ids = [int(s.split("/")[1]) for s in streams if s.startswith("case/")]
        query = query.where(Case.id.in_(ids))
    seen = set()
    for case in session.execute(query.execution_options(yield_per=500)):
        stream = case_stream(case.id)
        seen.add(stream)
        head = heads.get(stream)
        if head is None:
            report.add(stream, None, "the case has no audit events (its trail was deleted)")
            continue
        if head[0] != case.last_seq:
            report.add(stream, head[0], f"the case says its last event is {case.last_seq}, the trail ends at {head[0]}")
        if sha256_text(case.snapshot) != case.state_hash or head[2] != case.state_hash:
            report.add(stream, head[0], "the case's stored state does not match the state hash of its last event")
    for stream in heads:
        if stream.startswith("case/") and stream not in seen:
            report.add(stream, None, "audit events exist for a case row that was deleted")


def _check_checkpoint(session, report, heads, checkpoint: dict, streams) -> None:
    label = f"checkpoint {checkpoint.get('id', checkpoint.get('root', '')[:12])}"
    leaves = [head_leaf(s, q, h) for s, q, h in checkpoint["heads"]]
    if merkle_root(leaves) != checkpoint["root"]:
        report.add("checkpoints", None, f"{label}: its root does not match its heads (the checkpoint was altered)")
        return
    for stream, seq, head_hash in checkpoint["heads"]:
        if streams is not None and stream not in streams:
            continue
        if stream not in heads:
            report.add(stream, seq, f"{label}: the stream existed with {seq} events and is now gone (deleted)")
            continue
        if heads[stream][0] < seq:
            report.add(stream, seq, f"{label}: the stream had {seq} events and now ends at {heads[stream][0]}")
            continue
        found = session.scalar(select(AuditEvent.hash).where(AuditEvent.stream == stream, AuditEvent.seq == seq))
        if found != head_hash:
            report.add(stream, seq, f"{label}: event {seq} differs from the one the checkpoint recorded")


def create_checkpoint(session: Session, at: datetime) -> AuditCheckpoint:
    last = (
        select(AuditEvent.stream, func.max(AuditEvent.seq).label("seq")).group_by(AuditEvent.stream).subquery()
    )
    rows = session.execute(
        select(AuditEvent.stream, AuditEvent.seq, AuditEvent.hash)
        .join(last, (AuditEvent.stream == last.c.stream) & (AuditEvent.seq == last.c.seq))
        .order_by(AuditEvent.stream)
    ).all()
    heads = [[r.stream, r.seq, r.hash] for r in rows]
    checkpoint = AuditCheckpoint(
        at=utc(at),
        stream_count=len(heads),
        event_count=sum(r.seq for r in rows),
        root=merkle_root([head_leaf(*h) for h in heads]),
        heads=heads,
    )
    session.add(checkpoint)
    return checkpoint


def checkpoint_dict(checkpoint: AuditCheckpoint) -> dict:
    return {
        "id": checkpoint.id,
        "at": iso(checkpoint.at),
        "root": checkpoint.root,
        "stream_count": checkpoint.stream_count,
        "event_count": checkpoint.event_count,
        "heads": checkpoint.heads,
        "format": "RFC 6962 Merkle tree over canonical JSON [stream, seq, hash] leaves sorted by stream",
    }


__all__ = [
    "NewEvent", "append", "case_stream", "canonical_json", "checkpoint_dict", "create_checkpoint",
    "event_dict", "events_of", "stream_head", "verify", "VerifyReport",
]  # fmt: skip
