"""PostgreSQL: case snapshots compressed with lz4 instead of pglz

A snapshot is 100-300 kB of JSON that every step reads and writes and every verify hashes on the
server; decompressing it with pglz was most of the server's time in `audit verify` (the case rows'
check), lz4 takes about half. Only values written from now on use lz4 (a case's snapshot is
rewritten by its next step); a server built without lz4 keeps pglz. SQLite: nothing to do.

Revision ID: 0010_snapshot_lz4
Revises: 0009_case_guard_records
Create Date: 2026-12-07
"""
from alembic import op

revision = "0010_snapshot_lz4"
down_revision = "0009_case_guard_records"
branch_labels = None
depends_on = None


def _set_compression(method: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql" or bind.dialect.server_version_info < (14,):
        return
    op.execute(f"""DO $$ BEGIN
        ALTER TABLE cases ALTER COLUMN snapshot SET COMPRESSION {method};
    EXCEPTION WHEN feature_not_supported THEN NULL;  -- built without lz4: pglz stays
    END $$""")


def upgrade() -> None:
    _set_compression("lz4")


def downgrade() -> None:
    _set_compression("pglz")
