"""Replay: re-run a case from its start using only its audit events, on its pinned version.

Each input event (case started, task completed, message, timer tick, termination) is re-applied
at its recorded instant with its recorded data; the step's outputs (its data_out, the service-task
events it caused and the state hash) must come out exactly as recorded.
"""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import and_, bindparam, func, select

from . import audit, reference
from .actors import Actor
from .clock import utc
from .errors import EngineError, NotFound
from .steps import INPUT_ACTIONS, Command, execute
from .storage.models import AuditEvent, Case

if TYPE_CHECKING:
    from .context import EngineContext


@dataclass
class ReplayReport:
    case_id: int
    steps: list[dict] = field(default_factory=list)
    mismatches: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def as_dict(self) -> dict:
        return {"ok": self.ok, "case_id": self.case_id, "steps": self.steps, "mismatches": self.mismatches}


def replay(ctx: EngineContext, case_id: int) -> ReplayReport:
    # One statement reads the case's events and its row: one state of the database while steps go on
    # (a statement sees one snapshot), in one round trip, without a transaction of its own on
    # PostgreSQL (a REPEATABLE READ transaction around two SELECTs took four). Core rows: a replay
    # only reads (ORM loading was 5% of it).
    with ctx.db_engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        events = connection.execute(_EVENTS_AND_CASE, {"stream": audit.case_stream(case_id), "case_id": case_id}).all()
        # no events: a missing case, or a case whose whole trail is gone (then the report says so)
        case = (events[0].case_version_id, events[0].case_snapshot) if events else connection.execute(
            select(Case.version_id, Case.snapshot).where(Case.id == case_id)).first()
    if case is None or case[0] is None:
        raise NotFound(f"case {case_id} does not exist", message_zh=f"案件 {case_id} 不存在")
    if not events:
        return ReplayReport(case_id, mismatches=[{"seq": 0, "action": "case_started",
                                                  "problem": "the case has no events on its trail"}])
    with ctx.unit_of_work() as uow:
        bundle = ctx.specs.get(uow.session, case[0])
    with _fewer_collections():
        return _replay_events(ctx, case_id, case[1], events, bundle)


# built once: the events of a case's stream in order, the case's own columns on the row of its first
# event only (a snapshot is large: it comes once, not once per event). "First" is the lowest seq
# there is, so a trail whose first rows were deleted still replays, and shows where it differs.
_first = AuditEvent.__table__.alias("first")
_EVENTS_AND_CASE = (select(*AuditEvent.__table__.columns, Case.version_id.label("case_version_id"),
                           Case.snapshot.label("case_snapshot"))
                    .outerjoin(Case, and_(Case.id == bindparam("case_id"), AuditEvent.seq == (
                        select(func.min(_first.c.seq)).where(_first.c.stream == bindparam("stream"))
                        .scalar_subquery())))
                    .where(AuditEvent.stream == bindparam("stream"))
                    .order_by(AuditEvent.seq))


def _replay_events(ctx: EngineContext, case_id: int, stored_snapshot: str, events, bundle) -> ReplayReport:
    report = ReplayReport(case_id)
    snapshot = final = None
    notes = ctx.registry.note_actions()
    for group in _steps(events, notes):
        first = group[0]
        if first.action in notes:
            report.steps.append({"seq": first.seq, "action": first.action, "element_id": first.element_id,
                                 "actor": first.actor_username, "at": audit.iso(first.at), "ok": True,
                                 "decisions": [], "state_hash": first.state_hash, "note": True})
            continue
        command = Command(first.action, Actor(first.actor_username, first.actor_display_name, frozenset()),
                          first.actor_role, first.element_id, first.task_id, dict(first.data_in), first.comment)
        try:
            # a case started before snapshots were compacted has no format recorded: format 1
            snapshot_format = (first.data_out or {}).get("snapshot_format", 1)
            result = execute(bundle, ctx.registry, case_id, first.seq, utc(first.at), snapshot, command,
                             reference.recorded(group), snapshot_format, case_view=False)
        except EngineError as exc:
            report.mismatches.append({"seq": first.seq, "action": first.action, "problem": f"the step failed: {exc}"})
            break
        step = {"seq": first.seq, "action": first.action, "element_id": first.element_id,
                "actor": first.actor_username, "at": audit.iso(first.at), "decisions": [], "ok": True}
        problems = _compare(group, result)
        if problems:
            step["ok"] = False
            report.mismatches += [{"seq": first.seq, "action": first.action, "problem": p} for p in problems]
        step["decisions"] = [{"seq": e.seq, "action": e.action, "element_id": e.element_id, "data_out": e.data_out}
                             for e in group]
        step["state_hash"] = result.state_hash if result else None
        report.steps.append(step)
        if result is not None:
            # from format 2 on, the next step goes on from this workflow in memory (no reload)
            snapshot = result.run if result.run.snapshot_format > 1 else result.snapshot
            final = result.snapshot
    if final is not None and final != stored_snapshot:
        report.mismatches.append({"seq": events[-1].seq, "action": "final_state",
                                  "problem": "the replayed state differs from the stored case state"})
    return report


# A replay allocates hundreds of thousands of short-lived containers per case (SpiffWorkflow's run,
# its to_dict at every step, the service calls' deep copies), nearly all freed by reference counting
# as soon as the step is done. At CPython's default first-generation threshold (700 allocations) the
# cycle collector keeps scanning them anyway; at 50,000 a replay of 200 cases took 12% less time
# (bench.replay_verify; the workflows' own cycles are still collected, later). Counted, so that
# replays in several threads (the web app) put the threshold back only when the last one ends.
_GEN0_DURING_REPLAY = 50_000
_replays_running = 0
_threshold_before: tuple[int, ...] = ()
_threshold_lock = threading.Lock()


@contextmanager
def _fewer_collections():
    global _replays_running, _threshold_before
    with _threshold_lock:
        if _replays_running == 0:
            _threshold_before = gc.get_threshold()
            gc.set_threshold(max(_GEN0_DURING_REPLAY, _threshold_before[0]), *_threshold_before[1:])
        _replays_running += 1
    try:
        yield
    finally:
        with _threshold_lock:
            _replays_running -= 1
            if _replays_running == 0:
                gc.set_threshold(*_threshold_before)


def _steps(events, notes: tuple[str, ...]) -> list[list]:
    groups: list[list] = []
    for event in events:
        if event.action in INPUT_ACTIONS or event.action in notes or not groups:
            groups.append([event])
        else:
            groups[-1].append(event)
    return groups


def _compare(recorded, result) -> list[str]:
    if result is None:
        return ["the step changed nothing on replay, but it was recorded"]
    problems = []
    if len(result.events) != len(recorded):
        problems.append(f"{len(recorded)} events were recorded, the replay produced {len(result.events)}")
    for old, new in zip(recorded, result.events, strict=False):
        if (old.action, old.element_id) != (new.action, new.element_id):
            problems.append(f"event {old.seq}: recorded {old.action} {old.element_id}, replay gave {new.action} {new.element_id}")
        elif old.data_out != _json(new.data_out) and old.action not in ("case_started",):
            problems.append(f"event {old.seq} ({old.action} {old.element_id}): the decision differs: "
                            f"recorded {old.data_out}, replay gave {_json(new.data_out)}")
        elif old.action != "case_started" and old.data_in != _json(new.data_in):
            problems.append(f"event {old.seq}: the inputs differ")
    if recorded[0].state_hash != result.state_hash:
        problems.append(f"event {recorded[0].seq}: the state hash differs (recorded {recorded[0].state_hash[:12]}…, "
                        f"replay {result.state_hash[:12]}…)")
    return problems


def _json(value):
    return audit.jsonable(value)
