"""Reference data for handlers (e.g. calendar days an admin enters), audited on its own stream."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from . import audit
from .actors import Actor
from .errors import Conflict
from .storage.models import ReferenceEntry

if TYPE_CHECKING:
    from .context import EngineContext


def reference_stream(kind: str) -> str:
    return f"reference/{kind}"


def put_entries(ctx: EngineContext, kind: str, entries: dict[str, dict], actor: Actor, role: str) -> None:
    """Add or replace entries (key -> value) of one kind in one transaction, with one audit event."""
    now = ctx.clock.now()
    with ctx.unit_of_work(write=True) as uow:
        session = uow.session
        existing = {e.key: e for e in session.scalars(
            select(ReferenceEntry).where(ReferenceEntry.kind == kind, ReferenceEntry.key.in_(sorted(entries))))}
        before = {key: existing[key].value for key in entries if key in existing}
        for key, value in entries.items():
            entry = existing.get(key) or ReferenceEntry(kind=kind, key=key)
            entry.value, entry.entered_by, entry.entered_at = value, actor.username, now
            session.add(entry)
        audit.append(session, reference_stream(kind), [audit.NewEvent(
            "reference_changed", actor, role, element_id=kind, data_in=entries, data_out={"replaced": before})], at=now)
        uow.commit()


def entries(ctx: EngineContext, kind: str) -> dict[str, dict]:
    """Every entry (key -> value) of one kind, by key."""
    with ctx.unit_of_work() as uow:
        return load(uow.session, kind)


def load(session, kind: str) -> dict[str, dict]:
    return {e.key: e.value for e in session.scalars(
        select(ReferenceEntry).where(ReferenceEntry.kind == kind).order_by(ReferenceEntry.key))}


def load_entry(session, kind: str, key: str) -> dict | None:
    row = session.scalars(select(ReferenceEntry).where(ReferenceEntry.kind == kind, ReferenceEntry.key == key)).first()
    return row.value if row is not None else None


def next_number(session, kind: str) -> int:
    """One more than the largest numeric key of `kind` (1 for none): keys of entries a step adds."""
    keys = session.scalars(select(ReferenceEntry.key).where(ReferenceEntry.kind == kind))
    return max((int(k) for k in keys if k.isdigit()), default=0) + 1


class StepReference:
    """What one step may read of the reference data: a whole kind (`ref(kind)`) or one entry
    (`ref.entry(kind, key)`), each loaded once per step from the database. An entry read is
    remembered with its value (None: there was none) so that the step can record it; a step may
    also stage new entries (`add`) that the caller writes, audited, in the step's transaction."""

    def __init__(self, session, now=None):
        self._session = session
        self._now = now
        self._cache: dict[str, dict] = {}
        self._entries: dict[str, dict] = {}
        self._specs: dict[str, object] = {}
        self.added: dict[str, dict[str, dict]] = {}

    def __call__(self, kind: str) -> dict:
        if kind not in self._cache:
            self._cache[kind] = load(self._session, kind)
        return self._cache[kind]

    def entry(self, kind: str, key) -> dict | None:
        key = str(key)
        staged = self.added.get(kind, {})
        if key in staged:
            return staged[key]
        if kind in self._cache:  # a whole kind read, or (a replay) what the step read when it ran
            return self._cache[kind].get(key)
        entries = self._entries.setdefault(kind, {})
        if key not in entries:
            entries[key] = load_entry(self._session, kind, key) if self._session is not None else None
        return entries[key]

    def add(self, kind, value: dict) -> int:
        """Stage a new entry under the next numeric key; returns that key as a number. `kind` is a
        kind's name, or a kind's record spec (engine.reference_records.RecordKind): its key then
        comes from the kind's sequence and `save` writes it with its search terms and audit event."""
        spec = kind if hasattr(kind, "stream") else None
        kind = spec.kind if spec is not None else kind
        if self._session is None:
            raise LookupError(f"no reference data can be added here (kind '{kind}')")
        staged = self.added.setdefault(kind, {})
        if spec is not None:
            from .reference_records import _allocate, _lock

            now = self._now or datetime.now(UTC)
            key = _allocate(self._session, _lock(self._session, spec.stream, now), kind, 1, now)[0]
            self._specs[kind] = spec
        else:
            key = str(next_number(self._session, kind) + len(staged))
        staged[key] = value
        return int(key)

    def save(self, ctx, actor: Actor, role: str) -> None:
        """Write the staged entries in the session's transaction, one audit event per kind."""
        now = ctx.clock.now()
        for kind, entries in self.added.items():
            spec = self._specs.get(kind)
            if spec is not None:  # a record kind: its own rows, terms and audit stream
                from .reference_records import save

                save(self._session, spec, list(entries.items()), actor, role, now)
                continue
            for key, value in entries.items():
                self._session.add(ReferenceEntry(kind=kind, key=key, value=value, entered_by=actor.username,
                                                 entered_at=now))
            try:
                self._session.flush()
            except IntegrityError as exc:  # another step took the same number meanwhile: nothing is kept
                raise Conflict(f"another step added a '{kind}' entry at the same moment; try again",
                               message_zh="其他环节同时新增了同类记录，请重试") from exc
            audit.append(self._session, reference_stream(kind), [audit.NewEvent(
                "reference_changed", actor, role, element_id=kind, data_in=entries, data_out={"replaced": {}})],
                at=now)
        self.added = {}


def recorded(events) -> StepReference:
    """During a replay: the reference data (whole kinds and single entries) the step read when it first ran."""
    ref = StepReference(None)
    for event in events:
        for kind, entries in ((event.data_in or {}).get("reference") or {}).items():
            ref._cache.setdefault(kind, {}).update(entries)
    return ref
