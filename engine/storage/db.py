"""Database engines for SQLite (embedded, WAL) and PostgreSQL (psycopg 3), and the unit of work."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from ..hashing import canonical_json

DEFAULT_INSTANCE = Path(os.environ.get("CADREFLOW_INSTANCE", "instance"))


def database_url(instance_path: str | os.PathLike | None = None) -> str:
    url = os.environ.get("CADREFLOW_DATABASE_URL")
    if url:
        return url
    folder = Path(instance_path) if instance_path else DEFAULT_INSTANCE
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(folder / 'cadreflow.sqlite').resolve()}"


def make_engine(url: str, **kwargs) -> Engine:
    # JSON columns are written as canonical JSON (sorted keys, no spaces), the text an audit event's
    # hash covers, so `verify` can hash the stored text without parsing it (PostgreSQL's `json`
    # type and SQLite keep the text as written).
    kwargs.setdefault("json_serializer", canonical_json)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        return _sqlite_engine(url, **kwargs)
    kwargs.setdefault("pool_pre_ping", True)  # recover from a dropped connection without a restart
    return create_engine(url, **kwargs)


def _sqlite_engine(url: str, **kwargs) -> Engine:
    kwargs.setdefault("connect_args", {}).setdefault("timeout", 30)
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Take transaction control from the sqlite3 module so BEGIN IMMEDIATE is possible.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if ":memory:" not in url:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A step reads then writes the case row; taking the write lock up front turns a concurrent
        # step into a wait followed by a clean conflict instead of SQLITE_BUSY mid-transaction.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")

    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


class UnitOfWork:
    """One database transaction. Leaving the block without `commit()` rolls everything back.

        with UnitOfWork(factory, write=True) as uow:
            ...
            uow.commit()
    """

    def __init__(self, session_factory: sessionmaker[Session], *, write: bool = False):
        self._factory = session_factory
        self._write = write
        self.session: Session

    def __enter__(self) -> UnitOfWork:
        self.session = self._factory()
        if self._write:
            self.session.connection(execution_options={"write": True})
        return self

    def __exit__(self, *exc) -> None:
        # close() rolls back anything uncommitted without expiring loaded objects, so callers may
        # still read what they loaded after the block.
        self.session.close()

    def commit(self) -> None:
        self.session.commit()
