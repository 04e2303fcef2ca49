"""Typed SQLAlchemy 2 models. The schema itself is created by the Alembic migrations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

JSONValue = dict[str, Any]


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, datetime: DateTime(timezone=True)}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    password_hash: Mapped[str] = mapped_column(String(256))
    roles: Mapped[list[Any]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class ProcedureVersion(Base):
    """One immutable deployed version of a procedure: its BPMN files, parameters and task catalogue."""

    __tablename__ = "procedure_versions"
    __table_args__ = (UniqueConstraint("key", "version"), Index("ix_procedure_versions_sha", "key", "sha256"))

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(128), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(256))
    sha256: Mapped[str] = mapped_column(String(64))
    main_file: Mapped[str] = mapped_column(String(256))
    files: Mapped[dict[str, Any]]  # filename -> BPMN XML text (the main file and every file it calls)
    parameters: Mapped[dict[str, Any]]
    tasks: Mapped[dict[str, Any]]  # element id -> {name, type, role, form}
    deployed_at: Mapped[datetime]
    deployed_by: Mapped[str] = mapped_column(String(64))


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (Index("ix_cases_status_procedure", "status", "procedure_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_key: Mapped[str] = mapped_column(String(128))
    version_id: Mapped[int] = mapped_column(ForeignKey("procedure_versions.id"))
    procedure_version: Mapped[int] = mapped_column(Integer)  # the version's number, for listings
    status: Mapped[str] = mapped_column(String(16))  # running | completed | terminated
    outcome: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, Any]]
    parameters: Mapped[dict[str, Any]]
    warnings: Mapped[list[Any]] = mapped_column(default=list)
    # the guard records (Registry.guard_record) as read from the trail, which stays the record
    # (audit.verify compares them); NULL: not kept yet (migration 0009), read the trail
    guard_records: Mapped[list[Any] | None] = mapped_column(default=list)
    snapshot: Mapped[str] = mapped_column(Text)  # SpiffWorkflow state without the spec
    state_hash: Mapped[str] = mapped_column(String(64))
    last_seq: Mapped[int] = mapped_column(Integer)
    head_hash: Mapped[str] = mapped_column(String(64))  # hash of event `last_seq`: the chain continues here
    next_due_at: Mapped[datetime | None] = mapped_column(index=True)
    started_by: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    row_version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": row_version}  # optimistic check on every UPDATE


class CaseTask(Base):
    """A ready user task of a running case: the inbox reads this table, not the snapshots."""

    __tablename__ = "case_tasks"
    # the inbox's order within a role (engine/inbox.py; migration 0004)
    __table_args__ = (Index("ix_case_tasks_inbox", "role", "created_at", "case_id", "element_id", "id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    element_id: Mapped[str] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(String(256))
    role: Mapped[str | None] = mapped_column(String(64), index=True)
    form: Mapped[str | None] = mapped_column(String(128))
    prefill: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class AuditEvent(Base):
    """Append-only, hash-chained per stream ("case/<id>" or e.g. "procedures"). Triggers refuse changes."""

    __tablename__ = "audit_events"
    # who acted on which case, by user and by role: the need-to-know lists (engine/reading.py, 0006)
    __table_args__ = (UniqueConstraint("stream", "seq"), Index("ix_audit_events_actor_case", "actor_username", "case_id"),
                      Index("ix_audit_events_role_case", "actor_role", "case_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    stream: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]
    actor_username: Mapped[str] = mapped_column(String(64))
    actor_display_name: Mapped[str] = mapped_column(String(128))
    actor_role: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    element_id: Mapped[str | None] = mapped_column(String(128))
    task_id: Mapped[str | None] = mapped_column(String(36), index=True)  # "who completed this task?"
    data_in: Mapped[dict[str, Any]]
    data_out: Mapped[dict[str, Any]]
    comment: Mapped[str | None] = mapped_column(Text)
    state_hash: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditCheckpoint(Base):
    """A Merkle root over every stream head at a moment; append-only like the events."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    stream_count: Mapped[int] = mapped_column(Integer)
    event_count: Mapped[int] = mapped_column(Integer)
    root: Mapped[str] = mapped_column(String(64))
    heads: Mapped[list[Any]]  # [[stream, seq, hash], ...] sorted by stream


class ReferenceEntry(Base):
    """Reference data a procedure's handlers read (e.g. admin-entered calendar days), by kind and key.

    Handlers see it only through their ServiceContext, and what they read is recorded in their
    audit events; changes are audited on the stream "reference/<kind>".
    """

    __tablename__ = "reference_entries"
    __table_args__ = (UniqueConstraint("kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(128))
    value: Mapped[dict[str, Any]]
    entered_by: Mapped[str] = mapped_column(String(64))
    entered_at: Mapped[datetime]


class ReferenceTerm(Base):
    """What a keyed reference entry is found by: (field, term) pairs its kind's index derives from
    its value (engine/reference_records.py), rewritten with the entry."""

    __tablename__ = "reference_terms"
    __table_args__ = (Index("ix_reference_terms_lookup", "kind", "field", "term"),
                      Index("ix_reference_terms_entry", "kind", "key"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(128))
    field: Mapped[str] = mapped_column(String(32))
    term: Mapped[str] = mapped_column(String(255))


class ApiToken(Base):
    """A bearer token; only its sha256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class WebSession(Base):
    """A signed-in browser session; the cookie carries the token, only its sha256 is stored here."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    started_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class LoginAttempt(Base):
    """Every sign-in attempt, for rate limiting failures per user and per address."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_user_at", "username", "at"), Index("ix_login_attempts_address_at", "address", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    success: Mapped[bool] = mapped_column(Boolean)


class AccessRecord(Base):
    """A read of a case beyond its summary (who, in which role, when, which sections, through which
    door), or of a keyed reference record (`record_kind`, `record_key`; no key: a search, `detail`
    saying what was searched and how many matched): the read trail (等保 security audit of reads).
    Append-only: triggers refuse changes."""

    __tablename__ = "access_records"
    __table_args__ = (Index("ix_access_records_case_at", "case_id", "at"),
                      Index("ix_access_records_record_at", "record_kind", "record_key", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    username: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(Integer)
    sections: Mapped[list[Any]]
    door: Mapped[str] = mapped_column(String(128))
    record_kind: Mapped[str | None] = mapped_column(String(64))
    record_key: Mapped[str | None] = mapped_column(String(128))
    detail: Mapped[dict[str, Any] | None]
