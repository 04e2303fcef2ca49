"""Keyed reference records (e.g. a registry of persons): read one, find some, write many at once.

A record is a `reference_entries` row (kind, key, value); a kind (`RecordKind`) says which audit
stream its changes go to, which (field, term) pairs it is found by (`reference_terms`, rewritten
with the entry) and how a value may appear in an audit event (`shown`, e.g. with a number
masked). The engine knows kinds and keys, not what they hold. The callers own the transaction:
`save` writes into the session it is given, so a step and the record it changes commit together.
Keys of new records are a sequence per kind ("1", "2", ...), kept in the stream's lock row, which
every write takes first (writes to one stream take turns).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, insert, select, update

from . import audit
from .actors import Actor
from .storage.models import ReferenceEntry, ReferenceTerm

Terms = Iterable[tuple[str, str]]
_SEQUENCE = "_sequence"  # the kind of the lock rows: one per audit stream, with each kind's last key
_CHUNK = 500  # keys per IN (...) list


def _no_terms(value: dict) -> Terms:
    return ()


@dataclass(frozen=True)
class RecordKind:
    kind: str
    stream: str  # the audit stream of its changes
    index: Callable[[dict], Terms] = field(default=_no_terms)
    shown: Callable[[dict], dict] = field(default=dict)  # a value as an audit event may hold it


@dataclass(frozen=True)
class Saved:
    key: str
    created: bool
    changed: bool


def _chunks(items: list, size: int = _CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def get(session, kind: str, key: str) -> dict | None:
    return session.scalar(select(ReferenceEntry.value).where(ReferenceEntry.kind == kind, ReferenceEntry.key == key))


def get_many(session, kind: str, keys: Iterable[str]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for chunk in _chunks(sorted(set(keys))):
        found.update(session.execute(select(ReferenceEntry.key, ReferenceEntry.value)
                                     .where(ReferenceEntry.kind == kind, ReferenceEntry.key.in_(chunk))).all())
    return found


def keys_with(session, kind: str, field_name: str, terms: Iterable[str]) -> dict[str, list[str]]:
    """term -> the keys of the entries indexed with exactly that term in `field_name`."""
    found: dict[str, list[str]] = {}
    for chunk in _chunks(sorted(set(terms))):
        rows = session.execute(select(ReferenceTerm.term, ReferenceTerm.key).where(
            ReferenceTerm.kind == kind, ReferenceTerm.field == field_name, ReferenceTerm.term.in_(chunk))
            .order_by(ReferenceTerm.key))
        for term, key in rows:
            found.setdefault(term, []).append(key)
    return found


def search(session, kind: str, fields: Iterable[str], text: str, *, limit: int = 50) -> list[str]:
    """Keys of the entries with a term in `fields` containing `text` (any case), at most `limit`."""
    pattern = "%" + text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    keys = select(ReferenceTerm.key).where(
        ReferenceTerm.kind == kind, ReferenceTerm.field.in_(list(fields)),
        func.lower(ReferenceTerm.term).like(pattern.lower(), escape="\\")).distinct()
    return list(session.scalars(keys.order_by(ReferenceTerm.key).limit(limit)))


class Reader:
    """Keyed reads for a validator inside a step's transaction: one entry, or the entries indexed
    with given terms. The caller records what it decided from them (a replay runs on that)."""

    def __init__(self, session):
        self._session = session

    def entry(self, kind: str, key: str) -> dict | None:
        return get(self._session, kind, key)

    def with_terms(self, kind: str, field_name: str, terms: Iterable[str]) -> dict[str, dict]:
        keys = {k for found in keys_with(self._session, kind, field_name, terms).values() for k in found}
        return get_many(self._session, kind, keys)


def count(session, kind: str) -> int:
    return session.scalar(select(func.count()).select_from(ReferenceEntry).where(ReferenceEntry.kind == kind))


def _lock(session, stream: str, now: datetime) -> ReferenceEntry:
    """The lock row of `stream` (SELECT ... FOR UPDATE), which also holds each kind's last key:
    writes to one stream take turns, so its audit chain and the keys never race (on SQLite the
    write transaction is already exclusive)."""
    if session.bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        session.execute(pg_insert(ReferenceEntry).values(kind=_SEQUENCE, key=stream, value={"last": {}},
                                                         entered_by="-", entered_at=now)
                        .on_conflict_do_nothing(index_elements=["kind", "key"]))
    row = session.scalars(select(ReferenceEntry).where(ReferenceEntry.kind == _SEQUENCE, ReferenceEntry.key == stream)
                          .with_for_update()).first()
    if row is None:
        row = ReferenceEntry(kind=_SEQUENCE, key=stream, value={"last": {}}, entered_by="-", entered_at=now)
        session.add(row)
    return row


def _allocate(session, lock: ReferenceEntry, kind: str, how_many: int, now: datetime) -> list[str]:
    """`how_many` new keys of `kind`, counted on from the stream's lock row."""
    last = lock.value.get("last", {}).get(kind)
    if last is None:  # the first keys of this kind: on from any key already there
        last = max((int(k) for k in session.scalars(select(ReferenceEntry.key).where(ReferenceEntry.kind == kind))
                    if k.isdigit()), default=0)
    lock.value = {"last": {**lock.value.get("last", {}), kind: last + how_many}}
    lock.entered_at = now
    return [str(n) for n in range(last + 1, last + how_many + 1)]


def changes(before: dict, after: dict, shown: Callable[[dict], dict]) -> dict:
    """{field: {"before", "after"}} for every top-level field that differs, as `shown` shows them."""
    seen_before, seen_after = shown(before), shown(after)
    return {name: {"before": seen_before.get(name), "after": seen_after.get(name)}
            for name in sorted(set(before) | set(after)) if before.get(name) != after.get(name)}


def save(session, spec: RecordKind, entries: list[tuple[str | None, dict]], actor: Actor, role: str,
         now: datetime, *, reason: str | None = None) -> list[Saved]:
    """Write `entries` ((key or None for a new record, value)) in the caller's transaction: the
    rows, their terms, and one audit event per created or changed record on `spec.stream` (who,
    when, what changed as `spec.shown` shows it). An unchanged record writes nothing."""
    kind = spec.kind
    lock = _lock(session, spec.stream, now)
    given = sorted({key for key, _ in entries if key is not None})
    rows: dict[str, tuple[int, dict]] = {}
    for chunk in _chunks(given):
        rows.update((key, (row_id, value)) for row_id, key, value in session.execute(
            select(ReferenceEntry.id, ReferenceEntry.key, ReferenceEntry.value)
            .where(ReferenceEntry.kind == kind, ReferenceEntry.key.in_(chunk))))
    fresh = sum(1 for key, _ in entries if key is None)
    new_keys = iter(_allocate(session, lock, kind, fresh, now) if fresh else ())
    inserts, updates, events, saved, indexed = [], [], [], [], {}
    for key, value in entries:
        if key is not None and key in rows:
            row_id, before = rows[key]
            diff = changes(before, value, spec.shown)
            if not diff:
                saved.append(Saved(key, False, False))
                continue
            updates.append({"id": row_id, "value": value, "entered_by": actor.username, "entered_at": now})
            events.append(audit.NewEvent(f"{kind}_changed", actor, role, element_id=kind,
                                         data_in={"key": key, "changes": diff}, comment=reason))
            saved.append(Saved(key, False, True))
        else:
            key = next(new_keys) if key is None else key
            inserts.append({"kind": kind, "key": key, "value": value, "entered_by": actor.username, "entered_at": now})
            events.append(audit.NewEvent(f"{kind}_created", actor, role, element_id=kind,
                                         data_in={"key": key, "value": spec.shown(value)}, comment=reason))
            saved.append(Saved(key, True, True))
        indexed[key] = value
    if inserts:
        session.execute(insert(ReferenceEntry), inserts)
    if updates:
        session.execute(update(ReferenceEntry), updates)
    _reindex(session, spec, indexed)
    if events:
        audit.append(session, spec.stream, events, at=now)
    return saved


def _reindex(session, spec: RecordKind, values: dict[str, dict]) -> None:
    for chunk in _chunks(sorted(values)):
        session.execute(delete(ReferenceTerm).where(ReferenceTerm.kind == spec.kind, ReferenceTerm.key.in_(chunk)))
    terms = [{"kind": spec.kind, "key": key, "field": name, "term": term[:255]}
             for key, value in values.items() for name, term in dict.fromkeys(spec.index(value)) if term]
    if terms:
        session.execute(insert(ReferenceTerm), terms)
