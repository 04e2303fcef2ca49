"""cases.guard_records: the case's guard records (e.g. declared relations) kept on the case row,
where a step already reads, instead of a SELECT on the trail at every completion. The trail stays
the record: `audit.verify` checks the column against it.

The action that records them is the domain's (Registry.guard_record.action): `cadreflow db
upgrade` passes it, and the column is backfilled from the trail. Migrated without it, existing
cases keep NULL, which reads as "not kept yet: read the trail" (engine/cases.py guard_records).

Revision ID: 0009_case_guard_records
Revises: 0008_record_reads
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import context, op

revision = "0009_case_guard_records"
down_revision = "0008_record_reads"
branch_labels = None
depends_on = None

_events = sa.table("audit_events", sa.column("stream"), sa.column("case_id", sa.Integer), sa.column("seq", sa.Integer),
                   sa.column("action"), sa.column("actor_username"), sa.column("data_in", sa.JSON))
_cases = sa.table("cases", sa.column("id", sa.Integer), sa.column("guard_records", sa.JSON))


def upgrade() -> None:
    # a plain ALTER TABLE on both databases: a batch copy would drop the table's triggers (0001)
    op.add_column("cases", sa.Column("guard_records", sa.JSON(), nullable=True))
    action = context.config.attributes.get("guard_action")
    if action:
        _backfill(op.get_bind(), action)


def _backfill(connection, action: str) -> None:
    """Every case's records as engine/cases.py guard_records read them from the trail."""
    found: dict[int, list[dict]] = {}
    rows = connection.execute(sa.select(_events.c.case_id, _events.c.seq, _events.c.actor_username, _events.c.data_in)
                              .where(_events.c.action == action, _events.c.stream.like("case/%"))
                              .order_by(_events.c.case_id, _events.c.seq))
    for case_id, seq, username, data_in in rows:
        found.setdefault(case_id, []).append({**data_in, "declared_by": username, "seq": seq})
    connection.execute(_cases.update().values(guard_records=[]))
    for case_id, records in found.items():
        connection.execute(_cases.update().where(_cases.c.id == case_id).values(guard_records=records))


def downgrade() -> None:
    op.execute("ALTER TABLE cases DROP COLUMN guard_records")  # SQLite 3.35+ and PostgreSQL
