"""The columns of the tables a generated database fills, as the bulk writer and the cloner see them."""

from __future__ import annotations

from sqlalchemy import JSON

from engine.storage.models import AuditEvent, Case, CaseTask

CASE_COLUMNS = [c.name for c in Case.__table__.columns]
TASK_COLUMNS = [c.name for c in CaseTask.__table__.columns]
EVENT_COLUMNS = [c.name for c in AuditEvent.__table__.columns if c.name != "id"]
JSON_COLUMNS = {c.name for t in (Case, CaseTask, AuditEvent) for c in t.__table__.columns if isinstance(c.type, JSON)}

