"""The read trail: one append-only row per read of a case beyond its summary (who, role, when, which
sections, through which door), and per read or search of a keyed reference record (a registry's
person: which one; a search: the words and how many matched). Auditors list them (`case_access`,
`record_access`), a page at a time at every door (`case_access_page`, `record_access_page`: one
paging, `_page`). Cases and records go through the same writing path (`_append`).

Recording never blocks or fails the read: it runs after the answer is computed, in its own short
transaction (one INSERT for all the rows of a read), and an error is logged and swallowed; the
answer goes out either way. The read of the case a step returns is the exception (`write_in`): it
goes into the step's transaction, a write the request makes anyway. A web layer may hand the write to `deferrer` to run once the answer has
been sent (api/__init__.py: when the response closes). The table refuses UPDATE and DELETE
(triggers, migration 0006).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import func, insert, select

from .actors import Actor
from .hashing import iso
from .storage.models import AccessRecord

if TYPE_CHECKING:
    from .context import EngineContext

log = logging.getLogger(__name__)
# deferrer(job) runs `job` later (after the response is sent), or returns False to have it run now
deferrer: Callable[[Callable[[], None]], bool] | None = None


def _free(ctx: EngineContext) -> set[str]:
    """Sections whose reading is not recorded (the domain's summary)."""
    return set(getattr(ctx.registry.visibility, "free_sections", ()) or ())


def note(ctx: EngineContext, actor: Actor, role: str, reads: list[tuple[int, list[str]]], door: str) -> None:
    """Record `reads` [(case id, sections shown)]; sections that are free are left out, and a read of
    nothing else leaves no row."""
    _append(ctx, actor, role, _case_rows(ctx, reads), door, f"cases {[case_id for case_id, _ in reads]}")


def note_records(ctx: EngineContext, actor: Actor, role: str, kind: str, keys: list[str], door: str) -> None:
    """Record that `actor` read the records `keys` of `kind` (one row each)."""
    rows = [{"record_kind": kind[:64], "record_key": str(key)[:128], "sections": []} for key in keys]
    _append(ctx, actor, role, rows, door, f"{kind} {list(keys)}")


def note_search(ctx: EngineContext, actor: Actor, role: str, kind: str, words: str, hits: int, door: str) -> None:
    """Record a search of `kind` records: the words searched and how many matched."""
    rows = [{"record_kind": kind[:64], "sections": [], "detail": {"q": words, "hits": hits}}]
    _append(ctx, actor, role, rows, door, f"a search of {kind}")


def _append(ctx: EngineContext, actor: Actor, role: str, rows: list[dict], door: str, what: str) -> None:
    """Write `rows` (with who, role, when and door added) after the answer, never failing it."""
    if not rows:
        return
    rows = _stamped(ctx, actor, role, rows, door)

    def job() -> None:
        try:
            write(ctx, rows)
        except Exception:  # the read has its answer; a lost access record is logged, never a failed read
            log.exception("could not record a read of %s by %s", what, actor.username)

    if deferrer is None or not deferrer(job):
        job()


def write_in(session, ctx: EngineContext, actor: Actor, role: str, reads: list[tuple[int, list[str]]],
             door: str) -> None:
    """Record `reads` in the caller's transaction (a step's: the read of the case it returns), so
    the step and its read commit together; an error here fails that transaction, as any write in it."""
    rows = _case_rows(ctx, reads)
    if rows:
        session.connection().execute(_RECORDS_ADDED, _stamped(ctx, actor, role, rows, door))


def _case_rows(ctx: EngineContext, reads: list[tuple[int, list[str]]]) -> list[dict]:
    """The rows of case reads: the sections shown less the free ones; none for a read of those only."""
    free = _free(ctx)
    return [{"case_id": case_id, "sections": [s for s in sections if s not in free]}
            for case_id, sections in reads if set(sections) - free]


def _stamped(ctx: EngineContext, actor: Actor, role: str, rows: list[dict], door: str) -> list[dict]:
    """`rows` with who read, in which role, when and through which door."""
    now = ctx.clock.now()
    return [{"case_id": None, "record_kind": None, "record_key": None, "detail": None, **row, "at": now,
             "username": actor.username[:64], "role": (role or "-")[:64], "door": door[:128]} for row in rows]


def write(ctx: EngineContext, rows: list[dict]) -> None:
    with ctx.unit_of_work(write=True) as uow:
        uow.session.connection().execute(_RECORDS_ADDED, rows)
        uow.commit()


_RECORDS_ADDED = insert(AccessRecord.__table__)  # Core, built once: the ORM's bulk INSERT cost ten times more


def case_access(ctx: EngineContext, case_id: int) -> list[dict]:
    """Who read this case beyond its summary, oldest first."""
    with ctx.unit_of_work() as uow:
        return [_case_read(r) for r in uow.session.scalars(_ordered(_case_reads(case_id)))]


def case_access_page(ctx: EngineContext, case_id: int, *, page: int = 1, per_page: int = 50,
                     newest_first: bool = False) -> tuple[list[dict], int]:
    """A page of `case_access` (oldest first, or newest first), with the count of all its rows."""
    return _page(ctx, _case_reads(case_id), _case_read, page, per_page, newest_first)


def record_access(ctx: EngineContext, kind: str, key: str | None = None) -> list[dict]:
    """Who read this record of `kind` (`key`), or, without a key, who searched `kind`; oldest first."""
    with ctx.unit_of_work() as uow:
        return [_record_read(r) for r in uow.session.scalars(_ordered(_record_reads(kind, key)))]


def record_access_page(ctx: EngineContext, kind: str, key: str | None = None, *, page: int = 1, per_page: int = 50,
                       newest_first: bool = False) -> tuple[list[dict], int]:
    """A page of `record_access` (oldest first, or newest first), with the count of all its rows."""
    return _page(ctx, _record_reads(kind, key), _record_read, page, per_page, newest_first)


def _page(ctx: EngineContext, query, shown: Callable[[AccessRecord], dict], page: int, per_page: int,
          newest_first: bool) -> tuple[list[dict], int]:
    """Page `page` of the rows of `query` (of AccessRecord), each as `shown`, and the count of all of them."""
    with ctx.unit_of_work() as uow:
        total = uow.session.scalar(select(func.count()).select_from(query.subquery()))
        if (page - 1) * per_page >= total:  # past the last page (also an offset too large for the database)
            return [], total
        rows = uow.session.scalars(_ordered(query, newest_first).offset((page - 1) * per_page).limit(per_page))
        return [shown(r) for r in rows], total


def _ordered(query, newest_first: bool = False):
    """`query` in the order reads happened (ties: the order they were written), or the reverse."""
    if newest_first:
        return query.order_by(AccessRecord.at.desc(), AccessRecord.id.desc())
    return query.order_by(AccessRecord.at, AccessRecord.id)


def _case_reads(case_id: int):
    return select(AccessRecord).where(AccessRecord.case_id == case_id)


def _case_read(r: AccessRecord) -> dict:
    return {"at": iso(r.at), "username": r.username, "role": r.role, "case_id": r.case_id,
            "sections": list(r.sections or []), "door": r.door}


def _record_reads(kind: str, key: str | None):
    """The rows of reads of the record `key` of `kind`, or, without a key, of searches of `kind`."""
    return select(AccessRecord).where(AccessRecord.record_kind == kind,
                                      AccessRecord.record_key == key if key is not None
                                      else AccessRecord.record_key.is_(None))


def _record_read(r: AccessRecord) -> dict:
    return {"at": iso(r.at), "username": r.username, "role": r.role, "kind": r.record_kind,
            "key": r.record_key, "door": r.door, **(r.detail or {})}
