"""The append-only, hash-chained audit trail: append, read, verify, checkpoint."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from numbers import Number
from typing import Any
from uuid import UUID

from sqlalchemy import LargeBinary, cast, func, select
from sqlalchemy.orm import Session

from .actors import Actor
from .clock import utc
from .hashing import (
    GENESIS,
    canonical_json,
    event_hash,
    event_hash_of,
    event_hash_of_stored,
    head_leaf,
    iso,
    merkle_root,
    sha256_text,
)
from .storage.db import stream_rows
from .storage.models import AuditCheckpoint, AuditEvent, Case


def case_stream(case_id: int) -> str:
    return f"case/{case_id}"


def _default(obj):
    if isinstance(obj, datetime):
        return iso(obj)
    if isinstance(obj, date | UUID | Decimal):
        return str(obj)
    if isinstance(obj, set | frozenset | tuple):
        return sorted(obj) if isinstance(obj, set | frozenset) else list(obj)
    raise TypeError(f"not JSON-serialisable in an audit event: {type(obj).__name__}")


def jsonable(value: Any) -> Any:
    """What gets stored is exactly what gets hashed: round-trip through canonical JSON first."""
    return json.loads(json.dumps(value, default=_default, ensure_ascii=False, allow_nan=False))


def as_stored(value: Any) -> Any:
    """Input data as the audit trail will give it back: JSON columns are written in canonical form
    (sorted keys), and a replay runs on what it reads there. A live step runs on this form too, as
    dict order reaches the workflow's snapshot and so its state hash."""
    return json.loads(json.dumps(value, default=_default, ensure_ascii=False, allow_nan=False, sort_keys=True))


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
_JSON_COLUMNS = ("data_in", "data_out")
_BATCH = 5000  # rows fetched at a time (PostgreSQL: a server-side cursor)
_scan_json = json.JSONDecoder().scan_once


def _verify_query(dialect_name: str):
    """The event rows in chain order. On SQLite and PostgreSQL the JSON columns come as the UTF-8
    bytes of their stored text (SQLite: cast here; PostgreSQL: read so by stream_rows): hashed as
    they come (event_hash_of_stored), parsed by `_json_value` only where a value is needed (a guard
    record, a row whose text is not canonical), giving the values the column type gives. Decoding
    their text (10 MB for 200 cases) only to encode it again for the hash cost a quarter of the
    pass; psycopg's own JSON loading costs more than the rest of the row."""
    if dialect_name == "sqlite":
        # the text's own bytes: UTF-8 in every database we create
        columns = [cast(c, LargeBinary).label(c.key) if c.key in _JSON_COLUMNS else c for c in _COLUMNS]
        return select(*columns).order_by(AuditEvent.stream, AuditEvent.seq), True
    return select(*_COLUMNS).order_by(AuditEvent.stream, AuditEvent.seq), dialect_name == "postgresql"


_VERIFIED = object()  # marks a row whose stored data already hashed to its hash


def _json_value(text):
    """json.loads(text), as the JSON column type reads it, minus json.loads' own overhead; stored
    JSON read as bytes is UTF-8 (_verify_query)."""
    if text.__class__ is bytes:
        text = text.decode("utf-8")
    if text.__class__ is str:
        try:
            value, end = _scan_json(text, 0)
            if end == len(text):
                return value
        except Exception:  # noqa: BLE001 (json.loads below gives its own result or error)
            pass
    if text is None:
        return None
    try:
        return json.loads(text)
    except TypeError:
        if isinstance(text, Number):  # SQLite hands back a number stored as one; the type passes it on
            return text
        raise


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
    guard_action: str | None = None,
    case_rows: Callable[[], Iterable] | None = None,
) -> VerifyReport:
    """Recompute every chain; compare case rows with their chains and with every checkpoint.
    `guard_action`: the domain's guard-record action; the guard records a case row keeps
    (cases.guard_records) are compared with the events of that action on its trail.

    `checkpoints` are exported checkpoints to check as well as the stored ones: a deleted case is
    found because a checkpoint still names its stream head.

    One streamed pass over the event rows (Core, no ORM objects): each row is hashed as it comes,
    and the hash of every event a checkpoint names is kept on the way, so a checkpoint costs no
    further query.

    `case_rows`: gives the rows of case_rows_query(dialect, streams) in the state `session` reads,
    for a caller that has them read alongside the pass over the events (storage.db.read_alongside);
    without it they are read on `session` after that pass.
    """
    report = VerifyReport()
    stored = [
        {"id": c.id, "root": c.root, "heads": c.heads}
        for c in session.execute(
            select(AuditCheckpoint.id, AuditCheckpoint.root, AuditCheckpoint.heads).order_by(AuditCheckpoint.id))
    ]
    all_checkpoints = stored + list(checkpoints or [])
    wanted = _checkpointed_seqs(all_checkpoints)
    found: dict[tuple[str, int], str] = {}  # (stream, seq) -> stored hash, for the seqs checkpoints name
    guards: dict[str, list[dict]] = {}  # case stream -> its guard records as the trail tells them
    heads: dict[str, tuple[int, str, str | None]] = {}
    connection = session.connection()
    query, json_as_stored = _verify_query(connection.dialect.name)
    if streams is not None:
        query = query.where(AuditEvent.stream.in_(streams))
    rows = stream_rows(connection, query, _BATCH, json_as_utf8=True)
    stream, expected_seq, prev, want, last_state = None, 0, GENESIS, None, None
    checked, add, hash_of, hash_stored, parse = 0, report.add, event_hash_of, event_hash_of_stored, _json_value
    for row in rows:
        (row_stream, case_id, seq, at, username, display_name, role, action, element_id, task_id, data_in, data_out,
         comment, state_hash, prev_hash, row_hash) = row
        if action == guard_action and row_stream.startswith("case/"):
            guards.setdefault(row_stream, []).append(
                guard_record_of(parse(data_in) if json_as_stored else data_in, username, seq))
        if json_as_stored:
            # canonical JSON as stored hashes to the row's hash: nothing to parse (see event_hash_of_stored)
            if hash_stored(row_stream, case_id, seq, at, username, display_name, role, action, element_id, task_id,
                           data_in, data_out, comment, state_hash, prev_hash) == row_hash:
                data_in = data_out = _VERIFIED
            else:
                data_in, data_out = parse(data_in), parse(data_out)
        if row_stream != stream:
            if stream is not None:
                heads[stream] = (expected_seq - 1, prev, last_state)
            stream, expected_seq, prev, want = row_stream, 1, GENESIS, wanted.get(row_stream)
        if seq != expected_seq:
            add(stream, expected_seq, f"event seq {expected_seq} is missing (found {seq} next)")
        if prev_hash != prev:
            add(stream, seq, "prev_hash does not match the previous event's hash")
        if data_in is not _VERIFIED and hash_of(row_stream, case_id, seq, at, username, display_name, role, action,
                                                element_id, task_id, data_in, data_out, comment, state_hash,
                                                prev_hash) != row_hash:
            add(stream, seq, "hash does not match the event's content (the row was edited)")
        if want is not None and seq in want:
            found[(stream, seq)] = row_hash
        prev, expected_seq, last_state = row_hash, seq + 1, state_hash
        checked += 1
        if progress and checked % 1000 == 0:
            progress(1000)
    if stream is not None:
        heads[stream] = (expected_seq - 1, prev, last_state)
    report.events_checked = checked
    if progress:
        progress(checked % 1000)
    report.streams_checked = len(heads)
    if case_rows is None:  # read after the pass, on the same connection
        query = case_rows_query(connection.dialect.name, streams).execution_options(yield_per=200)
        rows = connection.execute(query)
    else:
        rows = case_rows()
    _check_cases(session, report, heads, guards if guard_action else None, rows)
    for checkpoint in all_checkpoints:
        _check_checkpoint(report, heads, found, checkpoint, streams)
    return report


def _checkpointed_seqs(checkpoints: list[dict]) -> dict[str, set[int]]:
    """stream -> the seqs whose hash some checkpoint records (a malformed checkpoint names none)."""
    wanted: dict[str, set[int]] = {}
    for checkpoint in checkpoints:
        try:
            for stream, seq, _hash in checkpoint["heads"]:
                wanted.setdefault(stream, set()).add(seq)
        except (KeyError, TypeError, ValueError):
            continue  # _check_checkpoint reports (or raises on) it as before
    return wanted


def guard_record_of(data_in: dict, username: str, seq: int) -> dict:
    """A guard record as its audit event tells it: what was recorded, by whom, at which seq."""
    return {**data_in, "declared_by": username, "seq": seq}


def case_rows_query(dialect_name: str, streams: list[str] | None = None):
    """The case rows verify compares with their trails: id, last_seq, state_hash, the snapshot
    (_snapshot_bytes: on PostgreSQL its hash) and the guard records, in id order."""
    query = select(Case.id, Case.last_seq, Case.state_hash, _snapshot_bytes(dialect_name),
                   Case.guard_records).order_by(Case.id)
    if streams is not None:
        ids = [int(s.split("/")[1]) for s in streams if s.startswith("case/")]
        query = query.where(Case.id.in_(ids))
    return query


def _check_cases(session, report, heads, guards: dict[str, list[dict]] | None, rows: Iterable) -> None:
    server_hashed = session.connection().dialect.name == "postgresql"
    seen = set()
    for case_id, last_seq, state_hash, snapshot, kept in rows:
        stream = case_stream(case_id)
        seen.add(stream)
        head = heads.get(stream)
        if head is None:
            report.add(stream, None, "the case has no audit events (its trail was deleted)")
            continue
        if head[0] != last_seq:
            report.add(stream, head[0], f"the case says its last event is {last_seq}, the trail ends at {head[0]}")
        if _snapshot_hash(session, case_id, snapshot, state_hash, server_hashed) != state_hash or head[2] != state_hash:
            report.add(stream, head[0], "the case's stored state does not match the state hash of its last event")
        if guards is not None and kept is not None and kept != guards.get(stream, []):
            report.add(stream, head[0], "the case's guard records do not match those on its trail")
    for stream in heads:
        if stream.startswith("case/") and stream not in seen:
            report.add(stream, None, "audit events exist for a case row that was deleted")


def _snapshot_bytes(dialect_name: str):
    """On SQLite, the snapshot as the UTF-8 bytes its state hash covers: decoding the text only to
    encode it again costs three times what hashing it does. On PostgreSQL, the server hashes the
    text's UTF-8 bytes itself (sha256(), PostgreSQL 11+), so the snapshots never cross the wire."""
    if dialect_name == "sqlite":
        return cast(Case.snapshot, LargeBinary)  # the text's own bytes: UTF-8 in every database we create
    if dialect_name == "postgresql":
        return func.encode(func.sha256(func.convert_to(Case.snapshot, "UTF8")), "hex")
    return Case.snapshot


def _snapshot_hash(session, case_id: int, snapshot, expected: str, server_hashed: bool) -> str:
    if server_hashed:
        return snapshot  # the database hashed it (_snapshot_bytes)
    if not isinstance(snapshot, bytes):
        return sha256_text(snapshot)
    digest = hashlib.sha256(snapshot).hexdigest()
    if digest != expected:
        # not the hash on record: decide on the text itself, read as text (bytes in an encoding
        # other than UTF-8 would differ without the text differing)
        return sha256_text(session.scalar(select(Case.snapshot).where(Case.id == case_id)))
    return digest


def _check_checkpoint(report, heads, found, checkpoint: dict, streams) -> None:
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
        if found.get((stream, seq)) != head_hash:
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
    "NewEvent", "append", "case_rows_query", "case_stream", "canonical_json", "checkpoint_dict", "create_checkpoint",
    "event_dict", "events_of", "stream_head", "verify", "VerifyReport",
]  # fmt: skip
