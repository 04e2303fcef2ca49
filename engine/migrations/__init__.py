"""Alembic migrations; `engine.migrations.upgrade(url)` is what `cadreflow db upgrade` runs."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

HERE = Path(__file__).parent


def alembic_config(url: str, guard_action: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.attributes["url"] = url
    cfg.attributes["guard_action"] = guard_action
    return cfg


def upgrade(url: str, revision: str = "head", *, guard_action: str | None = None) -> None:
    """`guard_action`: the domain's guard-record action (Registry.guard_record.action), which a
    migration that keeps guard records on the case row backfills them from (0009)."""
    command.upgrade(alembic_config(url, guard_action), revision)
