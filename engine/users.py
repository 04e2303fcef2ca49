"""Users and their roles; passwords hashed with argon2."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import select

from .actors import Actor
from .errors import Conflict, ValidationFailed
from .storage.models import User

_hasher = PasswordHasher()


def create_user(ctx, username: str, roles: list[str], password: str, display_name: str | None = None) -> User:
    if not username or not password:
        raise ValidationFailed("username and password are required",
                               fields={"username": "required / 必填", "password": "required / 必填"})
    with ctx.unit_of_work(write=True) as uow:
        if uow.session.scalar(select(User).where(User.username == username)) is not None:
            raise Conflict(f"user '{username}' exists", message_zh=f"用户“{username}”已存在")
        user = User(username=username, display_name=display_name or username, roles=sorted(set(roles)),
                    password_hash=_hasher.hash(password), created_at=ctx.clock.now())
        uow.session.add(user)
        uow.commit()
        return user


def authenticate(ctx, username: str, password: str) -> Actor | None:
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


def get_actor(ctx, username: str, *, active_only: bool = False) -> Actor | None:
    with ctx.unit_of_work() as uow:
        user = uow.session.scalar(select(User).where(User.username == username))
        if user is None or (active_only and not user.active):
            return None
        return actor_of(user)


def actor_of(user: User) -> Actor:
    return Actor(user.username, user.display_name, frozenset(user.roles))
