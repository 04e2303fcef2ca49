"""Bearer-token authentication: who the caller is, for every endpoint but a few public ones."""

from __future__ import annotations

from flask import current_app, g, request

from engine.access import Unauthorized, actor_for_token
from engine.actors import Actor

PUBLIC = {"/api/v1/auth/token", "/api/openapi.json", "/api/docs", "/health"}


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def authenticate_request():
    """before_request for the REST API: resolve the token once per request."""
    if not request.path.startswith("/api/") or request.path in PUBLIC or request.method == "OPTIONS":
        return None
    if request.url_rule is None:  # an unknown path is a 404 (or 405), whoever asks
        return None
    token = bearer_token()
    if token is None:
        raise Unauthorized("sign in first: send Authorization: Bearer <token>",
                           message_zh="请先登录：请求头需携带 Authorization: Bearer <令牌>")
    g.actor = actor_for_token(current_app.extensions["cadreflow"], token)
    return None


def current_actor() -> Actor:
    return g.actor
