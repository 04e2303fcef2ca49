"""Database engines for SQLite (embedded, WAL) and PostgreSQL (psycopg 3), and the unit of work."""

from __future__ import annotations

import contextlib
import os
import select
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import TypeVar

from psycopg.adapt import Loader
from psycopg.pq import ConnStatus, Format
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from ..hashing import canonical_json

T = TypeVar("T")
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
    return _postgres_engine(url, **kwargs)


def _postgres_engine(url: str, **kwargs) -> Engine:
    # Recover from dropped connections without a restart, and without pool_pre_ping's round trip
    # (a SELECT 1 before every request's checkout): a server that ends a connection (restart,
    # pg_terminate_backend, idle timeout) sends its last message and closes the socket, so an idle
    # pooled connection whose socket has anything to read is gone. pool_recycle retires
    # connections before a firewall's idle timeout silently cuts them.
    kwargs.setdefault("pool_recycle", 1800)
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        event.listen(engine, "checkout", _refuse_hung_up)
    return engine


def read_again_if_dropped(read: Callable[[], T]) -> T:
    """Run a read; if its connection turned out dead (the server ended it just before: the checkout
    saw nothing yet), run it once more on a new connection. For the first read of a request (who is
    asking), which is safe to repeat; the pool has replaced its other connections by then."""
    try:
        return read()
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    return read()


def _refuse_hung_up(dbapi_conn, _record, _proxy) -> None:
    """Pool checkout: a connection the server has hung up on is replaced (the pool retries)."""
    if dbapi_conn.closed or dbapi_conn.pgconn.status != ConnStatus.OK:
        raise DisconnectionError("the connection is closed")
    poller = select.poll()  # poll, not select: no limit on the descriptor's number
    poller.register(dbapi_conn.pgconn.socket, select.POLLIN)
    if poller.poll(0):  # readable, hung up or in error: an idle connection is none of these while alive
        raise DisconnectionError("the server closed the connection")


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
        self._shared: OneConnection | None = None
        self.session: Session

    def __enter__(self) -> UnitOfWork:
        shared = _one_connection.get()
        if shared is not None and shared.takes(self._factory):
            self._shared = shared
            self.session = shared.enter(self._factory, self._write)
            return self
        self.session = self._factory()
        if self._write:
            self.session.connection(execution_options={"write": True})
        return self

    def __exit__(self, exc_type, *exc) -> None:
        # close() rolls back anything uncommitted without expiring loaded objects, so callers may
        # still read what they loaded after the block.
        self.session.close()
        if self._shared is not None:
            self._shared.leave(self._write, failed=exc_type is not None)
            self._shared = None

    def commit(self) -> None:
        self.session.commit()
        if self._shared is not None:
            self._shared.commit()


@contextlib.contextmanager
def one_snapshot(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """A read-only session whose queries all see one state of the database, on a connection of its
    own (not a request's shared one), for checks that compare tables with each other while steps go
    on, such as the audit verify (case rows against their trails). PostgreSQL: REPEATABLE READ, READ
    ONLY (each statement of a READ COMMITTED transaction sees the commits before it); SQLite: one
    transaction reads one state already."""
    engine = session_factory.kw["bind"]
    with engine.connect() as connection, session_factory(bind=_read_only_snapshot(connection)) as session:
        yield session


def _read_only_snapshot(connection: Connection) -> Connection:
    if connection.dialect.name == "postgresql":
        return connection.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    return connection


def stream_rows(connection: Connection, statement, batch: int, *, json_as_utf8: bool = False) -> Iterator:
    """The rows of `statement` on `connection` (in its transaction), fetched `batch` at a time.
    PostgreSQL: a server-side cursor of the DB-API in binary format, which gives timestamps and
    integers without parsing text; with `json_as_utf8`, a `json` column comes as the UTF-8 bytes of
    its stored text, as the server sends it (nothing decoded, nothing converted on the server).
    Elsewhere: the connection's own streaming, values as the statement's types give them."""
    if connection.dialect.name != "postgresql":
        yield from connection.execute(statement.execution_options(yield_per=batch))
        return
    compiled = statement.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    with connection.connection.driver_connection.cursor(name=f"rows_{uuid.uuid4().hex[:12]}", binary=True) as cursor:
        if json_as_utf8:
            cursor.adapters.register_loader("json", _JsonAsUtf8)
        cursor.itersize = batch
        cursor.execute(str(compiled), compiled.params)
        yield from cursor


class _JsonAsUtf8(Loader):
    """A `json` value in binary format (its text, in the connection's encoding) as UTF-8 bytes."""

    format = Format.BINARY

    def __init__(self, oid: int, context=None):
        super().__init__(oid, context)
        encoding = self.connection.info.encoding if self.connection else "utf-8"
        self.encoding = None if encoding == "utf-8" else encoding

    def load(self, data) -> bytes:
        if self.encoding is None:
            return bytes(data)
        return bytes(data).decode(self.encoding).encode("utf-8")


@contextlib.contextmanager
def read_alongside(session: Session, statement) -> Iterator[Callable[[], Iterable]]:
    """`statement` read in the state `session` reads (a one_snapshot session), and a function that
    gives its rows. On PostgreSQL the statement runs at once, in a thread, on a second connection
    that imports the session's snapshot (pg_export_snapshot, SET TRANSACTION SNAPSHOT): while the
    caller goes on reading with `session`, the server works on the statement, two CPUs at once, and
    a commit landing meanwhile is seen by neither. Its rows are kept in a list: for a statement
    whose rows are small (hashes computed by the server). Elsewhere (SQLite: one transaction reads
    one state already) the function runs it on `session` when called and streams its rows."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        yield lambda: connection.execute(statement.execution_options(yield_per=200))
        return
    snapshot_id = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
    engine = connection.engine
    rows: list = []
    failed: list[BaseException] = []
    reading: list = []  # the second connection's driver connection, once it runs the statement

    def read() -> None:  # the import too: the caller's transaction, which exported it, stays open till join
        try:
            with engine.connect() as other:
                other = _read_only_snapshot(other)
                # the first statement of its transaction; the id is the server's own ('0000000A-0000001B-1')
                other.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot_id}'")
                reading.append(other.connection.driver_connection)
                rows.extend(other.execute(statement))
        except BaseException as exc:  # noqa: BLE001 (raised again in the caller's thread)
            failed.append(exc)

    thread = threading.Thread(target=read, name="read-alongside", daemon=True)
    thread.start()

    def result() -> list:
        thread.join()
        if failed:
            raise failed[0]
        return rows

    try:
        yield result
    finally:
        if thread.is_alive():  # the caller failed before it asked: stop the server's work
            if reading:
                with contextlib.suppress(Exception):
                    reading[0].cancel()
            thread.join()


class OneConnection:
    """One connection for the units of work of one web request, and on PostgreSQL one transaction
    from the token check to the step's commit.

    Without it, a completion checked out a pooled connection for the token check (BEGIN, SELECT,
    ROLLBACK) and another for the step (BEGIN, ..., COMMIT). Here a read unit of work leaves its
    transaction open and the next unit of work goes on in it; a write unit of work's commit commits
    it, and leaving any unit of work on an error, or a write one without commit, rolls it back, as
    before. On SQLite each unit of work still has its own transaction (a step must start with BEGIN
    IMMEDIATE, and a read transaction kept open would hold an old snapshot), on the one connection.
    A unit of work opened inside another one gets its own session and connection, as before.
    """

    def __init__(self, engine: Engine):
        self.engine = engine
        self.keeps_reads = engine.dialect.name == "postgresql"
        self.connection: Connection | None = None
        self.transaction = None
        self.busy = False

    def takes(self, factory: sessionmaker[Session]) -> bool:
        return not self.busy and factory.kw.get("bind") is self.engine

    def enter(self, factory: sessionmaker[Session], write: bool) -> Session:
        self.busy = True
        if self.connection is None or self.connection.invalidated:
            self.connection = self.engine.connect()
        if self.transaction is not None and not self.transaction.is_active:
            self.transaction = None
        if not write and not self.keeps_reads:  # SQLite: the session's own transaction, begun when it reads
            self.connection.execution_options(write=False)
            return factory(bind=self.connection)
        if self.transaction is None:
            self.connection.execution_options(write=write)  # SQLite's BEGIN IMMEDIATE for a step
            self.transaction = self.connection.begin()
        # the session works in our transaction: its commit() flushes, ours commits, its rollback rolls back
        return factory(bind=self.connection, join_transaction_mode="rollback_only")

    def leave(self, write: bool, *, failed: bool) -> None:
        self.busy = False
        if self.transaction is not None and (failed or write or not self.keeps_reads):
            self._end_transaction()

    def commit(self) -> None:
        if self.transaction is not None and self.transaction.is_active:
            self.transaction.commit()
        self.transaction = None

    def close(self) -> None:
        self._end_transaction()
        if self.connection is not None:
            with contextlib.suppress(DBAPIError):
                self.connection.close()
            self.connection = None

    def _end_transaction(self) -> None:
        transaction, self.transaction = self.transaction, None
        if transaction is not None and transaction.is_active:
            with contextlib.suppress(DBAPIError):  # a connection the server dropped has nothing to undo
                transaction.rollback()


_one_connection: ContextVar[OneConnection | None] = ContextVar("cadreflow_one_connection", default=None)


def open_one_connection(engine: Engine) -> None:
    """From here on, this thread's (context's) units of work on `engine` share one connection."""
    _one_connection.set(OneConnection(engine))


def close_one_connection() -> None:
    shared = _one_connection.get()
    _one_connection.set(None)
    if shared is not None:
        shared.close()
