"""The read trail: one append-only row per read of a case beyond its summary (who, role, when, which
sections, through which door). Auditors list it (`case_access`).

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

from sqlalchemy import insert, select

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
    rows = _rows(ctx, actor, role, reads, door)
    if not rows:
        return

    def job() -> None:
        try:
            write(ctx, rows)
        except Exception:  # the read has its answer; a lost access record is logged, never a failed read
            log.exception("could not record a read of cases %s by %s", [r["case_id"] for r in rows],
                          actor.username)

    if deferrer is None or not deferrer(job):
        job()


def write_in(session, ctx: EngineContext, actor: Actor, role: str, reads: list[tuple[int, list[str]]],
             door: str) -> None:
    """Record `reads` in the caller's transaction (a step's: the read of the case it returns), so
    the step and its read commit together; an error here fails that transaction, as any write in it."""
    rows = _rows(ctx, actor, role, reads, door)
    if rows:
        session.execute(insert(AccessRecord), rows)


def _rows(ctx: EngineContext, actor: Actor, role: str, reads: list[tuple[int, list[str]]], door: str) -> list[dict]:
    free = _free(ctx)
    now = ctx.clock.now()
    return [{"at": now, "username": actor.username[:64], "role": (role or "-")[:64], "case_id": case_id,
             "sections": [s for s in sections if s not in free], "door": door[:128]}
            for case_id, sections in reads if set(sections) - free]


def write(ctx: EngineContext, rows: list[dict]) -> None:
    with ctx.unit_of_work(write=True) as uow:
        uow.session.execute(insert(AccessRecord), rows)
        uow.commit()


def case_access(ctx: EngineContext, case_id: int) -> list[dict]:
    """Who read this case beyond its summary, oldest first."""
    with ctx.unit_of_work() as uow:
        rows = uow.session.scalars(select(AccessRecord).where(AccessRecord.case_id == case_id)
                                   .order_by(AccessRecord.at, AccessRecord.id))
        return [{"at": iso(r.at), "username": r.username, "role": r.role, "case_id": r.case_id,
                 "sections": list(r.sections or []), "door": r.door} for r in rows]
