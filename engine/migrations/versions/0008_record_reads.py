"""the read trail also holds reads of keyed reference records (a registry's person, a search of
them): `record_kind`, `record_key` and `detail` (e.g. the words searched and how many matched);
`case_id` is empty on such rows

Revision ID: 0008_record_reads
Revises: 0007_registry
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_record_reads"
down_revision = "0007_registry"
branch_labels = None
depends_on = None

GUARDED = ("UPDATE", "DELETE")


def _drop_sqlite_triggers() -> None:
    for name in GUARDED:
        op.execute(f"DROP TRIGGER IF EXISTS access_records_no_{name.lower()}")


def _sqlite_triggers() -> None:
    # SQLite rebuilds the table to change a column (batch mode), which drops its triggers: put them back
    for name in GUARDED:
        op.execute(f"CREATE TRIGGER access_records_no_{name.lower()} BEFORE {name} ON access_records BEGIN "
                   f"SELECT RAISE(ABORT, 'cadreflow: {name} on access_records is refused (append-only read "
                   "trail)'); END")


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        _drop_sqlite_triggers()
    with op.batch_alter_table("access_records") as batch:
        batch.add_column(sa.Column("record_kind", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("record_key", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("detail", sa.JSON(), nullable=True))
        batch.alter_column("case_id", existing_type=sa.Integer(), nullable=True)
    op.create_index("ix_access_records_record_at", "access_records", ["record_kind", "record_key", "at"])
    if sqlite:
        _sqlite_triggers()


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.drop_index("ix_access_records_record_at", table_name="access_records")
    if sqlite:
        _drop_sqlite_triggers()
    else:  # the rows of record reads go with their columns; the triggers would refuse that
        op.execute("ALTER TABLE access_records DISABLE TRIGGER USER")
    op.execute("DELETE FROM access_records WHERE case_id IS NULL")
    with op.batch_alter_table("access_records") as batch:
        batch.drop_column("detail")
        batch.drop_column("record_key")
        batch.drop_column("record_kind")
        batch.alter_column("case_id", existing_type=sa.Integer(), nullable=False)
    if sqlite:
        _sqlite_triggers()
    else:
        op.execute("ALTER TABLE access_records ENABLE TRIGGER USER")
