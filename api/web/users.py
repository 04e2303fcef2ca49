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


def requires(*roles: str):
    """A page for holders of one of `roles`; others get 403 (and the refusal is recorded)."""

    def wrap(view):
        @wraps(view)
        def check(*args, **kwargs):
            from flask import current_app, request

            from engine.access import record_refusal

            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if roles and not (current_user.roles & set(roles)):
                record_refusal(current_app.extensions["cadreflow"], current_user.actor, f"web {request.endpoint}",
                               request.path, f"requires {', '.join(roles)}")
                abort(403)
            return view(*args, **kwargs)

        return check

    return wrap
