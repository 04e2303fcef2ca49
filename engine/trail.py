"""The audit trail as services for the doors (REST, web, CLI): verification of every chain or of
one case's, a new checkpoint, the number of events. Each opens its own unit of work; audit.py holds
the arithmetic on a session. (A case's events, as its reader may see them: engine/reading.py.)"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from . import audit
from .storage.db import read_alongside
from .storage.models import AuditEvent

if TYPE_CHECKING:
    from .context import EngineContext


def event_count(ctx: EngineContext) -> int:
    """Events on the whole trail (what a progress bar of verify_all counts to)."""
    with ctx.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(AuditEvent))


def verify_all(ctx: EngineContext, *, checkpoints: list[dict] | None = None,
               progress: Callable[[int], None] | None = None) -> audit.VerifyReport:
    """Recompute every chain and check every checkpoint (the stored ones and `checkpoints`)."""
    with ctx.one_snapshot() as session:  # the case rows as of the events read: steps may go on meanwhile
        # PostgreSQL: the server hashes the case snapshots on a second connection of the same
        # snapshot while this process hashes the events (read_alongside)
        query = audit.case_rows_query(session.connection().dialect.name)
        with read_alongside(session, query) as case_rows:
            return audit.verify(session, checkpoints=checkpoints, progress=progress, guard_action=_guard_action(ctx),
                                case_rows=case_rows)


def verify_case(ctx: EngineContext, case_id: int) -> audit.VerifyReport:
    """Recompute one case's chain and compare it with the case row."""
    with ctx.one_snapshot() as session:
        return audit.verify(session, streams=[audit.case_stream(case_id)], guard_action=_guard_action(ctx))


def _guard_action(ctx: EngineContext) -> str | None:
    kind = ctx.registry.guard_record
    return kind.action if kind else None


def checkpoint(ctx: EngineContext) -> dict:
    """Record a Merkle root over every stream head now; returns it as exported (audit.checkpoint_dict)."""
    with ctx.unit_of_work(write=True) as uow:
        made = audit.create_checkpoint(uow.session, ctx.clock.now())
        uow.commit()
        return audit.checkpoint_dict(made)
