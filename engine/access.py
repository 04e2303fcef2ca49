"""Bearer tokens, sign-in rate limiting, and the record of refused access."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError

from . import audit
from .actors import Actor
from .clock import utc
from .errors import EngineError
from .retry import retry
from .storage.db import read_again_if_dropped
from .storage.models import ApiToken, LoginAttempt, User
from .users import authenticate

if TYPE_CHECKING:
    from .context import EngineContext

TOKEN_TTL = timedelta(hours=12)
FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_ADDRESS = 20
SECURITY_STREAM = "security"


class Unauthorized(EngineError):
    code = "unauthorized"


class TooManyAttempts(EngineError):
    code = "too_many_attempts"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_password(ctx: EngineContext, username: str, password: str, address: str) -> Actor | None:
    """The user if the password is right; every attempt is recorded and failures are rate limited."""
    now = ctx.clock.now()
    with ctx.unit_of_work() as uow:
        since = now - FAILURE_WINDOW
        failures = select(func.count()).select_from(LoginAttempt).where(LoginAttempt.success.is_(False),
                                                                          LoginAttempt.at >= since)
        by_user = uow.session.scalar(failures.where(LoginAttempt.username == username))
        by_address = uow.session.scalar(failures.where(LoginAttempt.address == address))
    if by_user >= MAX_FAILURES_PER_USER or by_address >= MAX_FAILURES_PER_ADDRESS:
        raise TooManyAttempts("too many failed sign-ins; wait 15 minutes and try again",
                              message_zh="登录失败次数过多，请 15 分钟后再试")
    actor = authenticate(ctx, username, password)
    with ctx.unit_of_work(write=True) as uow:
        uow.session.add(LoginAttempt(username=username[:64], address=address[:64], at=now, success=actor is not None))
        uow.commit()
    return actor


def issue_token(ctx: EngineContext, username: str, password: str, address: str) -> dict:
    actor = check_password(ctx, username, password, address)
    if actor is None:
        raise Unauthorized("wrong user name or password", message_zh="用户名或密码错误")
    now = ctx.clock.now()
    token = secrets.token_urlsafe(32)
    with ctx.unit_of_work(write=True) as uow:
        uow.session.add(ApiToken(token_hash=token_digest(token), username=actor.username, created_at=now,
                                 expires_at=now + TOKEN_TTL))
        uow.commit()
    return {"token": token, "expires_at": audit.iso(now + TOKEN_TTL), "username": actor.username,
            "roles": sorted(actor.roles)}


def actor_for_token(ctx: EngineContext, token: str) -> Actor:
    def read():
        with ctx.unit_of_work() as uow:
            return uow.session.connection().execute(_TOKEN_HOLDER, {"digest": token_digest(token)}).first()

    row = read_again_if_dropped(read)
    if row is None or row.revoked_at is not None or utc(row.expires_at) <= ctx.clock.now():
        raise Unauthorized("the token is missing, expired or revoked; sign in again",
                           message_zh="令牌缺失、已过期或已注销，请重新登录")
    return Actor(row.username, row.display_name, frozenset(row.roles))


# this runs before every API request: a Core statement built once, columns, not ORM objects
_TOKEN_HOLDER = (select(ApiToken.revoked_at, ApiToken.expires_at, User.username, User.display_name, User.roles)
                 .join(User, User.username == ApiToken.username)
                 .where(ApiToken.token_hash == bindparam("digest"), User.active.is_(True)))


def revoke_token(ctx: EngineContext, token: str) -> None:
    with ctx.unit_of_work(write=True) as uow:
        row = uow.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token)))
        if row is not None and row.revoked_at is None:
            row.revoked_at = ctx.clock.now()
        uow.commit()


def record_refusal(ctx: EngineContext, actor: Actor | None, action: str, target: str, reason: str, role: str = "-") -> None:
    """Who tried what and was refused, on the append-only `security` stream (retried on a race)."""
    who = actor or Actor("anonymous", "anonymous", frozenset())
    event = audit.NewEvent("access_refused", who, role, element_id=action, data_in={"target": target},
                           data_out={"reason": reason})

    def append() -> None:
        with ctx.unit_of_work(write=True) as uow:
            audit.append(uow.session, SECURITY_STREAM, [event], at=ctx.clock.now())
            uow.commit()

    # another event may take the same seq on the stream (PostgreSQL): again
    retry(append, on=(IntegrityError,), attempts=5, what=f"recording a refused {action} by {who.username}")
