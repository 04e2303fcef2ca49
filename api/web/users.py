"""The signed-in user of a web session: an engine Actor behind Flask-Login's interface."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import UserMixin, current_user

from engine.actors import Actor


class WebUser(UserMixin):
    """`get_id` is the server-side session's token (engine/sessions.py), never the user name: a
    cookie naming a user opens nothing unless the server has that session."""

    def __init__(self, actor: Actor, token: str):
        self.actor = actor
        self.token = token

    def get_id(self) -> str:
        return self.token

    @property
    def roles(self) -> frozenset[str]:
        return self.actor.roles


def actor() -> Actor:
    return current_user.actor


def requires(action: str):
    """A page for those api/policy.py lets do `action` (the rule REST asks too); others get 403, and
    the refusal is recorded like every other."""

    def wrap(view):
        @wraps(view)
        def check(*args, **kwargs):
            from flask import current_app, request

            from engine.errors import Forbidden

            from ..policy import authorize

            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            try:
                authorize(current_user.actor, action, label=request.path)
            except Forbidden:
                abort(403)
            return view(*args, **kwargs)

        return check

    return wrap
