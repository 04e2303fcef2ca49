"""The engine's only source of time. Nothing in the engine calls datetime.now directly."""

from __future__ import annotations

import threading
from datetime import UTC, datetime


def utc(dt: datetime) -> datetime:
    """Normalise to an aware UTC datetime (SQLite hands back naive ones, which we store as UTC)."""
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


class SystemClock:
    settable = False

    def now(self) -> datetime:
        return datetime.now(UTC)


class SettableClock:
    """A clock tests can move (`CADREFLOW_TEST_CLOCK=1`): frozen at `set()`, else the system time."""

    settable = True

    def __init__(self, start: datetime | None = None):
        self._lock = threading.Lock()
        self._fixed = utc(start) if start else None

    def set(self, now: datetime | None) -> None:
        with self._lock:
            self._fixed = utc(now) if now else None

    def advance(self, **delta) -> datetime:
        from datetime import timedelta

        with self._lock:
            self._fixed = (self._fixed or datetime.now(UTC)) + timedelta(**delta)
            return self._fixed

    def now(self) -> datetime:
        with self._lock:
            return self._fixed or datetime.now(UTC)
