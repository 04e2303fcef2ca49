"""Deployed procedure versions as services for the doors: the list, one version, the latest of
each procedure, and the form a version's start event names (the case's start form)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from ..errors import NotFound
from ..storage.models import ProcedureVersion
from .deploy import latest_versions

if TYPE_CHECKING:
    from ..context import EngineContext


def summary(row: ProcedureVersion) -> dict:
    """A version as lists show it (deployed_at stays a datetime: each door formats it)."""
    return {"key": row.key, "version": row.version, "name": row.name, "sha256": row.sha256,
            "main_file": row.main_file, "deployed_at": row.deployed_at, "deployed_by": row.deployed_by}


def list_versions(ctx: EngineContext, key: str | None = None) -> list[dict]:
    """Every version (of one procedure, with `key`), by key, newest first."""
    query = select(ProcedureVersion)
    if key is not None:
        query = query.where(ProcedureVersion.key == key)
    with ctx.unit_of_work() as uow:
        rows = uow.session.scalars(query.order_by(ProcedureVersion.key, ProcedureVersion.version.desc()))
        return [summary(row) for row in rows]


def latest(ctx: EngineContext) -> list[dict]:
    """The latest version of each procedure, by key."""
    with ctx.unit_of_work() as uow:
        return [summary(row) for row in latest_versions(uow.session)]


def get_version(ctx: EngineContext, key: str, number: int) -> dict:
    """One version with its files, parameters and task catalogue; NotFound when there is none."""
    with ctx.unit_of_work() as uow:
        row = uow.session.scalar(select(ProcedureVersion).where(ProcedureVersion.key == key,
                                                                ProcedureVersion.version == number))
        if row is None:
            raise NotFound(f"procedure {key} has no version {number}", message_zh=f"流程 {key} 没有第 {number} 版")
        return {**summary(row), "id": row.id, "files": row.files, "bpmn": row.files[row.main_file],
                "parameters": row.parameters, "tasks": row.tasks}


def get_latest(ctx: EngineContext, key: str) -> dict:
    """The latest version of a procedure, as get_version gives it; NotFound when none is deployed."""
    with ctx.unit_of_work() as uow:
        number = uow.session.scalar(select(func.max(ProcedureVersion.version)).where(ProcedureVersion.key == key))
    if number is None:
        raise NotFound(f"no procedure '{key}' is deployed", message_zh=f"未部署流程“{key}”")
    return get_version(ctx, key, number)


def start_form(version: Mapping) -> str | None:
    """The form the version's start event names (what a new case's data is validated by), if any."""
    return start_form_in(version["tasks"], version["key"])


def start_form_in(tasks: Mapping[str, dict], key: str) -> str | None:
    """The same, from a task catalogue (engine/procedures/bpmnxml.task_catalogue) of procedure `key`."""
    return next((t.get("form") for t in tasks.values() if t.get("type") == "startEvent" and t.get("process") == key),
                None)
