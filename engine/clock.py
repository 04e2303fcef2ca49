"""The engine's only source of time. Nothing in the engine calls datetime.now directly."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path


def utc(dt: datetime) -> datetime:
    """Normalise to an aware UTC datetime (SQLite hands back naive ones, which we store as UTC)."""
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


class SystemClock:
    settable = False

    def now(self) -> datetime:
        return datetime.now(UTC)


class SettableClock:
    """A clock tests can move (`CADREFLOW_TEST_CLOCK=1`): frozen at `set()`, else the system time.

    With `path` (`CADREFLOW_TEST_CLOCK_FILE`) the setting lives in that file, so every process of a
    test deployment (several gunicorn workers, `cadreflow worker`) reads the same time.
    """

    settable = True

    def __init__(self, start: datetime | None = None, path: str | None = None):
        self._lock = threading.Lock()
        self._path = Path(path) if path else None
        self._fixed = utc(start) if start else None
        if start and self._path:
            self._store(self._fixed)

    def set(self, now: datetime | None) -> None:
        with self._lock:
            self._store(utc(now) if now else None)

    def advance(self, **delta) -> datetime:
        with self._lock:
            moved = (self._load() or datetime.now(UTC)) + timedelta(**delta)
            self._store(moved)
            return moved

    def now(self) -> datetime:
        with self._lock:
            return self._load() or datetime.now(UTC)

    def _load(self) -> datetime | None:
        if self._path is None:
            return self._fixed
        try:
            text = self._path.read_text().strip()
        except FileNotFoundError:
            return None
        return utc(datetime.fromisoformat(text)) if text else None

    def _store(self, value: datetime | None) -> None:
        self._fixed = value
        if self._path is not None:
            tmp = self._path.with_name(self._path.name + f".{os.getpid()}.tmp")
            tmp.write_text(value.isoformat() if value else "")
            os.replace(tmp, self._path)  # atomic: a reader sees the old or the new time, never half
