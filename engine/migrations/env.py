"""Alembic environment: the URL comes from the caller (`engine.migrations.upgrade`)."""

from alembic import context

from engine.storage.db import make_engine
from engine.storage.models import Base

config = context.config
engine = make_engine(config.attributes["url"])

with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
