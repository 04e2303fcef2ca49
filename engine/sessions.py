"""Web sessions kept on the server: the (signed) cookie carries a random token, only its sha256 is
stored here.

A session ends at sign-out, when its user is deactivated, or after `idle` time without a request.
The server decides, so a copy of an old cookie opens nothing. Sessions run on the wall clock, not
on the engine's clock: moving a test deployment's case clock a week ahead signs nobody out.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from .access import token_digest
from .actors import Actor
from .clock import SystemClock, utc
from .storage.db import read_again_if_dropped
from .storage.models import User, WebSession

if TYPE_CHECKING:
    from .context import EngineContext

TOUCH_EVERY = timedelta(seconds=30)  # last_seen_at is written at most this often, not on every request
_wall = SystemClock()


def open_session(ctx: EngineContext, actor: Actor, *, replaces: str | None = None) -> str:
    """A new session for a user who just signed in; the one they came with (if any) ends."""
    now = _wall.now()
    token = secrets.token_urlsafe(32)
    with ctx.unit_of_work(write=True) as uow:
        if replaces:
            _end(uow.session, replaces, now)
        uow.session.add(WebSession(token_hash=token_digest(token), username=actor.username, started_at=now,
                                   last_seen_at=now))
        uow.commit()
    return token


def session_actor(ctx: EngineContext, token: str, idle: timedelta) -> Actor | None:
    """Who a live session belongs to, or None (unknown, ended, idle too long, user deactivated)."""
    now = _wall.now()
    def read():
        with ctx.unit_of_work() as uow:  # columns, not ORM objects: this runs before every page
            return uow.session.execute(
                select(WebSession.id, WebSession.last_seen_at, WebSession.ended_at, User.username,
                       User.display_name, User.roles)
                .join(User, User.username == WebSession.username)
                .where(WebSession.token_hash == token_digest(token), User.active.is_(True))
            ).first()

    row = read_again_if_dropped(read)
    if row is None or row.ended_at is not None:
        return None
    seen = utc(row.last_seen_at)
    if now - seen > idle or now - seen >= TOUCH_EVERY:
        with ctx.unit_of_work(write=True) as uow:
            expired = now - seen > idle
            values = {"ended_at": seen + idle} if expired else {"last_seen_at": now}
            uow.session.execute(update(WebSession).where(WebSession.id == row.id, WebSession.ended_at.is_(None))
                                .values(**values))
            uow.commit()
        if expired:
            return None
    return Actor(row.username, row.display_name, frozenset(row.roles))


def end_session(ctx: EngineContext, token: str) -> None:
    with ctx.unit_of_work(write=True) as uow:
        _end(uow.session, token, _wall.now())
        uow.commit()


def _end(session, token: str, now) -> None:
    session.execute(update(WebSession).where(WebSession.token_hash == token_digest(token), WebSession.ended_at.is_(None))
                    .values(ended_at=now))
