"""Sign-in: a bearer token for a user name and password; sign-out revokes it."""

from __future__ import annotations

from flask import request
from flask_smorest import Blueprint

from engine.access import issue_token, revoke_token

from ..auth import bearer_token, current_actor
from ..schemas import Error, Token, TokenRequest
from . import current_engine

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Tokens")


@blp.post("/token")
@blp.arguments(TokenRequest)
@blp.response(200, Token)
@blp.alt_response(401, schema=Error, description="wrong user name or password")
@blp.alt_response(429, schema=Error, description="too many failed sign-ins from this user or address")
@blp.doc(security=[])
def token(body):
    """Exchange a user name and password for a bearer token (12 hours)."""
    return issue_token(current_engine(), body["username"], body["password"], request.remote_addr or "-")


@blp.post("/logout")
@blp.response(204)
def logout():
    """Revoke the token of this request."""
    current_actor()
    revoke_token(current_engine(), bearer_token())
