"""Replay every case (or every case started since a date), spread over worker processes.

Cases are independent: each replays from its own events on its own pinned version. With `jobs`
above 1 the case ids go out in chunks to a pool of processes, each with its own database engine
(connections are never shared across a fork), and the per-case outcomes come back and are merged
in case order, so the report does not depend on how many processes ran it.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from .clock import utc
from .context import EngineContext
from .replay import replay
from .storage.models import Case


@dataclass(frozen=True)
class CaseOutcome:
    """What one case's replay found: its events, and for a divergent case where it first differed."""

    case_id: int
    events: int
    problems: tuple[str, ...] = ()
    first_seq: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class ReplayAllReport:
    outcomes: list[CaseOutcome] = field(default_factory=list)

    @property
    def failures(self) -> list[CaseOutcome]:
        return [o for o in self.outcomes if not o.ok]

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def events(self) -> int:
        return sum(o.events for o in self.outcomes)

    def as_dict(self) -> dict:
        return {"ok": self.ok, "cases": len(self.outcomes), "events": self.events,
                "failures": [{"case_id": o.case_id, "first_seq": o.first_seq, "problems": list(o.problems)}
                             for o in self.failures]}


def case_ids(ctx: EngineContext, since: datetime | None = None) -> list[int]:
    """The ids of the cases to replay, in order: all, or those started at or after `since`."""
    query = select(Case.id).order_by(Case.id)
    if since is not None:
        query = query.where(Case.started_at >= utc(since))  # stored in UTC (SQLite keeps no zone)
    with ctx.unit_of_work() as uow:
        return list(uow.session.scalars(query))


def replay_one(ctx: EngineContext, case_id: int) -> CaseOutcome:
    try:
        report = replay(ctx, case_id)
    except Exception as exc:  # noqa: BLE001 - one broken case must not stop an audit of thousands
        return CaseOutcome(case_id, 0, (f"the replay could not run: {type(exc).__name__}: {exc}",))
    events = sum(len(step["decisions"]) or 1 for step in report.steps)
    if report.ok:
        return CaseOutcome(case_id, events)
    return CaseOutcome(case_id, events, tuple(m["problem"] for m in report.mismatches),
                       min(m["seq"] for m in report.mismatches))


def replay_all(ctx: EngineContext, *, since: datetime | None = None, jobs: int = 1,
               progress: Callable[[int], object] | None = None, ids: Iterable[int] | None = None) -> ReplayAllReport:
    """Replay the cases (`ids`, or every case started since `since`); `progress(n)` after each n cases."""
    ids = list(ids) if ids is not None else case_ids(ctx, since)
    progress = progress or (lambda _n: None)
    if jobs <= 1 or len(ids) < 2:
        outcomes = []
        for case_id in ids:
            outcomes.append(replay_one(ctx, case_id))
            progress(1)
        return ReplayAllReport(outcomes)
    return ReplayAllReport(sorted(_in_processes(ctx, ids, jobs, progress), key=lambda o: o.case_id))


def _in_processes(ctx: EngineContext, ids: list[int], jobs: int, progress) -> list[CaseOutcome]:
    url = ctx.db_engine.url.render_as_string(hide_password=False)
    ctx.db_engine.dispose()  # no pooled connection crosses the fork; this process reconnects on demand
    # Small chunks keep the processes evenly busy (cases differ in length) at little cost per chunk.
    size = max(1, min(50, len(ids) // (jobs * 8)))
    chunks = [ids[i:i + size] for i in range(0, len(ids), size)]
    # fork: the workers inherit the registry (its handlers need not be picklable) and the specs.
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"), initializer=_start_worker,
                             initargs=(url, ctx.registry, ctx.specs)) as pool:
        futures = {pool.submit(_replay_chunk, chunk): len(chunk) for chunk in chunks}
        outcomes: list[CaseOutcome] = []
        for future in as_completed(futures):
            outcomes += future.result()
            progress(futures[future])
    return outcomes


_worker_ctx: EngineContext | None = None


def _start_worker(url: str, registry, specs) -> None:
    global _worker_ctx
    _worker_ctx = EngineContext.from_url(url, registry=registry)
    _worker_ctx.specs = specs


def _replay_chunk(chunk: list[int]) -> list[CaseOutcome]:
    return [replay_one(_worker_ctx, case_id) for case_id in chunk]
