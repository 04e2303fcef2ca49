"""Users and their roles; passwords hashed with argon2."""

from __future__ import annotations

from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from . import audit
from .accounts import check_account, check_roles
from .actors import SYSTEM, Actor
from .errors import Conflict, NotFound
from .retry import retry
from .storage.models import User

if TYPE_CHECKING:
    from .context import EngineContext

_hasher = PasswordHasher()
USERS_STREAM = "users"  # every account change is an audit event here; passwords never are


def create_user(ctx: EngineContext, username: str, roles: list[str], password: str, display_name: str | None = None, *,
                by: Actor = SYSTEM, role: str = "system", demo: bool = False) -> User:
    """A new account, after the account rules (engine/accounts.py). `demo=True` (demo accounts whose
    password is their name, made by the demo set-up only, never by a door) waives the password
    policy, and the audit event says so."""
    account = check_account(ctx.registry, {"username": username, "display_name": display_name,
                                           "password": password, "roles": list(roles)}, password_policy=not demo)
    username = account["username"]

    def change():
        with ctx.unit_of_work(write=True) as uow:
            if uow.session.scalar(select(User).where(User.username == username)) is not None:
                raise Conflict(f"user '{username}' exists", message_zh=f"用户“{username}”已存在")
            user = User(username=username, display_name=account["display_name"] or username, roles=account["roles"],
                        password_hash=_hasher.hash(password), active=True, created_at=ctx.clock.now())
            uow.session.add(user)
            data_in = {"username": username, "display_name": user.display_name, "roles": user.roles}
            _record(ctx, uow.session, by, role, "user_created", username,
                    {**data_in, "demo": True} if demo else data_in, {})
            uow.commit()
            return user

    return _retrying(change, f"creating user {username!r}")


def list_users(ctx: EngineContext) -> list[User]:
    with ctx.unit_of_work() as uow:
        return list(uow.session.scalars(select(User).order_by(User.username)))


def active_users(ctx: EngineContext, role: str | None = None) -> list[dict]:
    """Active users (holding `role`, if given) by user name: `{username, display_name, roles}`.
    Roles are a JSON list, so the filter runs here rather than in SQL; user lists are short."""
    with ctx.unit_of_work() as uow:
        rows = uow.session.execute(select(User.username, User.display_name, User.roles)
                                   .where(User.active.is_(True)).order_by(User.username))
        return [{"username": r.username, "display_name": r.display_name, "roles": sorted(r.roles)}
                for r in rows if role is None or role in r.roles]


def set_roles(ctx: EngineContext, username: str, roles: list[str], *, by: Actor, role: str | None = None) -> None:
    roles = check_roles(ctx.registry, list(roles))

    def apply(user: User):
        before = list(user.roles)
        user.roles = roles
        return {"roles": user.roles}, {"before": before}

    _change_user(ctx, username, "roles_changed", apply, by, role)


def set_active(ctx: EngineContext, username: str, active: bool, *, by: Actor, role: str | None = None) -> None:
    def apply(user: User):
        before = user.active
        user.active = active
        return {"active": active}, {"before": before}

    _change_user(ctx, username, "user_reactivated" if active else "user_deactivated", apply, by, role)


def _change_user(ctx: EngineContext, username: str, action: str, apply, by: Actor, role: str | None) -> None:
    role = role or ctx.registry.default_roles.manage_users or "-"  # the role recorded for the change
    def change():
        with ctx.unit_of_work(write=True) as uow:
            user = uow.session.scalar(select(User).where(User.username == username))
            if user is None:
                raise NotFound(f"user '{username}' does not exist", message_zh=f"用户“{username}”不存在")
            data_in, data_out = apply(user)
            _record(ctx, uow.session, by, role, action, username, data_in, data_out)
            uow.commit()

    _retrying(change, f"{action} of user {username!r}")


def _record(ctx: EngineContext, session, by: Actor, role: str, action: str, username: str, data_in: dict, data_out: dict) -> None:
    audit.append(session, USERS_STREAM, [audit.NewEvent(action, by, role, element_id=username, data_in=data_in,
                                                        data_out=data_out)], at=ctx.clock.now())


def _retrying(change, what: str):
    """Run `change` again if a concurrent change took the same audit seq (PostgreSQL; SQLite serialises)."""
    return retry(change, on=(IntegrityError,), attempts=3, what=what, raise_on_give_up=True)


def authenticate(ctx: EngineContext, username: str, password: str) -> Actor | None:
    with ctx.unit_of_work() as uow:
        user = uow.session.scalar(select(User).where(User.username == username, User.active.is_(True)))
        if user is None:
            _hasher.hash(password)  # same cost whether or not the user exists
            return None
        try:
            _hasher.verify(user.password_hash, password)
        except VerificationError:
            return None
        return actor_of(user)


def get_actor(ctx: EngineContext, username: str, *, active_only: bool = False) -> Actor | None:
    with ctx.unit_of_work() as uow:
        user = uow.session.scalar(select(User).where(User.username == username))
        if user is None or (active_only and not user.active):
            return None
        return actor_of(user)


def actor_of(user: User) -> Actor:
    return Actor(user.username, user.display_name, frozenset(user.roles))
