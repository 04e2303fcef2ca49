"""Everything a service function needs, passed explicitly: database, clock, domain registry, specs."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from .clock import SettableClock, SystemClock
from .procedures.specs import SpecCache
from .registry import Registry
from .storage.db import (
    UnitOfWork,
    close_one_connection,
    database_url,
    make_engine,
    make_session_factory,
    one_snapshot,
    open_one_connection,
)

# the doors' default database, and one connection per request (storage/db.py OneConnection)
__all__ = ["EngineContext", "close_one_connection", "database_url", "open_one_connection"]


@dataclass
class EngineContext:
    session_factory: sessionmaker[Session]
    clock: SystemClock | SettableClock = field(default_factory=SystemClock)
    registry: Registry = field(default_factory=Registry)
    specs: SpecCache = field(default_factory=SpecCache)

    def unit_of_work(self, *, write: bool = False) -> UnitOfWork:
        return UnitOfWork(self.session_factory, write=write)

    def one_snapshot(self):
        """A read-only session on one state of the database (storage.db.one_snapshot)."""
        return one_snapshot(self.session_factory)

    @classmethod
    def from_url(cls, url: str | None = None, *, registry: Registry | None = None, clock=None, **engine_kwargs):
        engine = make_engine(url or database_url(), **engine_kwargs)
        if clock is None:
            clock = (SettableClock(path=os.environ.get("CADREFLOW_TEST_CLOCK_FILE"))
                     if os.environ.get("CADREFLOW_TEST_CLOCK") == "1" else SystemClock())
        return cls(make_session_factory(engine), clock=clock, registry=registry or Registry())

    @property
    def db_engine(self):
        return self.session_factory.kw["bind"]
