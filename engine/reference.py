"""Reference data for handlers (e.g. calendar days an admin enters), audited on its own stream."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from . import audit
from .actors import Actor
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


class StepReference:
    """What one step's handlers may read: loaded once per kind per step from the database."""

    def __init__(self, session):
        self._session = session
        self._cache: dict[str, dict] = {}

    def __call__(self, kind: str) -> dict:
        if kind not in self._cache:
            self._cache[kind] = load(self._session, kind)
        return self._cache[kind]


def recorded(events) -> StepReference:
    """During a replay: the reference data the step's handlers read when it first ran."""
    ref = StepReference(None)
    for event in events:
        ref._cache.update((event.data_in or {}).get("reference", {}))
    return ref
