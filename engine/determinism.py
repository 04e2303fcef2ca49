"""Make SpiffWorkflow deterministic inside a step, so a replay re-derives the same snapshot.

SpiffWorkflow reads the wall clock (`datetime.now` in timer events, `time.time` for
`last_state_change`) and draws task ids from `uuid4`. Inside `step_context` these come from the
step's recorded instant and from ids derived from (case, seq); outside it they behave as usual.
We patch the three module attributes once, at import, rather than forking the library.
"""

from __future__ import annotations

import hashlib
import time as _time
import uuid
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

import SpiffWorkflow.bpmn.specs.event_definitions.timer as _timer_module
import SpiffWorkflow.task as _task_module


class _Step:
    __slots__ = ("now", "seed", "counter")

    def __init__(self, now: datetime, seed: str):
        self.now = now
        self.seed = seed
        self.counter = 0

    def next_uuid(self) -> uuid.UUID:
        self.counter += 1
        digest = hashlib.sha256(f"{self.seed}/{self.counter}".encode()).digest()
        return uuid.UUID(bytes=digest[:16], version=4)


_current: ContextVar[_Step | None] = ContextVar("cadreflow_step", default=None)


@contextmanager
def step_context(now: datetime, seed: str):
    token = _current.set(_Step(now, seed))
    try:
        yield
    finally:
        _current.reset(token)


def _uuid4() -> uuid.UUID:
    step = _current.get()
    return step.next_uuid() if step else uuid.uuid4()


class _TimeShim:
    """Stands in for the `time` module inside SpiffWorkflow.task."""

    @staticmethod
    def time() -> float:
        step = _current.get()
        return step.now.timestamp() if step else _time.time()


class _StepDatetime(datetime):
    @classmethod
    def now(cls, tz=None):
        step = _current.get()
        if step is None:
            return datetime.now(tz)
        return step.now.astimezone(tz) if tz else step.now.replace(tzinfo=None)


_task_module.uuid4 = _uuid4
_task_module.time = _TimeShim
_timer_module.datetime = _StepDatetime
