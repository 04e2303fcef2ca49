"""Storage: SQLAlchemy models, engine/session set-up and the unit of work."""

from .db import UnitOfWork, database_url, make_engine, make_session_factory

__all__ = ["UnitOfWork", "make_engine", "make_session_factory", "database_url"]
