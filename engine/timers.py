"""Firing due timers: `fire_due` is one pass; `run_worker` loops it (the `cadreflow worker`)."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from . import audit
from .actors import SYSTEM
from .clock import utc
from .errors import EngineError
from .stepping import run_step  # the same step as every live one
from .steps import Command
from .storage.models import AuditCheckpoint, Case

if TYPE_CHECKING:
    from .context import EngineContext

log = logging.getLogger(__name__)


def fire_due(ctx: EngineContext, *, limit: int = 100) -> list[int]:
    """Fire the timers of every case due by now; one transaction per case. Returns the case ids.

    On PostgreSQL the due rows are claimed with FOR UPDATE SKIP LOCKED, so several workers share
    the work and never fire the same timer twice; on SQLite BEGIN IMMEDIATE serialises workers.
    """
    fired = []
    now = ctx.clock.now()
    while len(fired) < limit:
        with ctx.unit_of_work(write=True) as uow:
            case = uow.session.scalars(
                select(Case)
                .where(Case.status == "running", Case.next_due_at.is_not(None), Case.next_due_at <= now)
                .order_by(Case.next_due_at, Case.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            ).first()
            if case is None:
                break
            case_id = case.id
            try:
                if _fire(ctx, uow, case, now):
                    fired.append(case_id)
                uow.commit()
                continue
            except EngineError as exc:
                log.error("timer of case %s failed: %s", case_id, exc)
        _postpone(ctx, case_id, now)  # a broken timer must not starve the others: retry it later
    return fired


def _postpone(ctx: EngineContext, case_id: int, now, delay: timedelta = timedelta(minutes=1)) -> None:
    with ctx.unit_of_work(write=True) as uow:
        case = uow.session.get(Case, case_id)
        case.next_due_at = now + delay
        uow.commit()


def _fire(ctx: EngineContext, uow, case: Case, now) -> bool:
    if run_step(ctx, uow, case, Command("timer_fired", SYSTEM, "system"), now=now) is None:
        # Due by the column but not by SpiffWorkflow (e.g. clock skew): recompute and move on.
        case.next_due_at = None if case.next_due_at is None else max(utc(case.next_due_at), now) + timedelta(seconds=1)
        return False
    return True


def checkpoint_if_stale(ctx: EngineContext, every: timedelta = timedelta(hours=1)) -> AuditCheckpoint | None:
    now = ctx.clock.now()
    with ctx.unit_of_work(write=True) as uow:
        last = uow.session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1)).first()
        if last is not None and now - audit.utc(last.at) < every:
            return None
        checkpoint = audit.create_checkpoint(uow.session, now)
        uow.commit()
        return checkpoint


def run_worker(ctx: EngineContext, *, interval: float = 3.0, stop=None, checkpoint_every: timedelta = timedelta(hours=1)) -> None:
    """Loop until `stop` (a threading.Event) is set: fire due timers, take periodic checkpoints."""
    while stop is None or not stop.is_set():
        try:
            fired = fire_due(ctx)
            if fired:
                log.info("fired timers of cases %s", fired)
            checkpoint_if_stale(ctx, checkpoint_every)
        except Exception:  # keep the loop alive across a dropped database connection
            log.exception("timer pass failed; retrying")
        if stop is not None:
            stop.wait(interval)
        else:
            time.sleep(interval)
