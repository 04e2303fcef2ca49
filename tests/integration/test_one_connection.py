"""A web request's units of work on one connection (engine/storage/db.py OneConnection): the same
outcomes as separate units of work, fewer transactions."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from engine.storage.db import close_one_connection, open_one_connection
from engine.storage.models import LoginAttempt
from tests.conftest import START, make_ctx


def attempt(uow, name: str) -> None:
    uow.session.add(LoginAttempt(username=name, address="127.0.0.1", at=START, success=True))


def names(ctx) -> list[str]:
    with ctx.unit_of_work() as uow:
        return sorted(uow.session.scalars(select(LoginAttempt.username)))


@pytest.fixture
def ctx(db_url):
    ctx = make_ctx(db_url)
    open_one_connection(ctx.db_engine)
    yield ctx
    close_one_connection()
    ctx.db_engine.dispose()


def test_commits_what_is_committed_and_rolls_back_the_rest(ctx):
    with ctx.unit_of_work() as uow:  # a read first (the token check), left open on PostgreSQL
        assert uow.session.scalar(select(func.count()).select_from(LoginAttempt)) == 0
    with ctx.unit_of_work(write=True) as uow:
        attempt(uow, "kept")
        uow.commit()
    with ctx.unit_of_work(write=True) as uow:  # left without commit: rolled back
        attempt(uow, "not committed")
    with pytest.raises(RuntimeError), ctx.unit_of_work(write=True) as uow:
        attempt(uow, "failed")
        uow.session.flush()
        raise RuntimeError("the step failed")
    with ctx.unit_of_work(write=True) as outer:  # a unit of work inside another: its own, as before
        attempt(outer, "outer, not committed")
        outer.session.flush()
        with ctx.unit_of_work() as inner:  # another connection: it does not see the outer's flush
            assert inner.session.connection() is not outer.session.connection()
            assert sorted(inner.session.scalars(select(LoginAttempt.username))) == ["kept"]
    close_one_connection()
    assert names(ctx) == ["kept"]


def test_the_read_and_the_write_share_one_transaction_on_postgresql(ctx):
    begins = []
    event.listen(ctx.db_engine, "begin", lambda conn: begins.append(conn))
    with ctx.unit_of_work() as uow:
        uow.session.scalar(select(func.count()).select_from(LoginAttempt))
    with ctx.unit_of_work(write=True) as uow:
        attempt(uow, "one")
        uow.commit()
    assert len(begins) == (1 if ctx.db_engine.dialect.name == "postgresql" else 2)
    assert len({id(c.connection.dbapi_connection) for c in begins}) == 1  # one connection either way
    assert names(ctx) == ["one"]
