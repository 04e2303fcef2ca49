"""the read trail: access_records, append-only (triggers as on the audit events); who acted on a
case, indexed for need-to-know lists

Revision ID: 0006_access_records
Revises: 0005_web_sessions
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_access_records"
down_revision = "0005_web_sessions"
branch_labels = None
depends_on = None

GUARDED = ("UPDATE", "DELETE")


def upgrade() -> None:
    op.create_table(
        "access_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("door", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_access_records_case_at", "access_records", ["case_id", "at"])
    # "the cases this user acted on" (need-to-know lists: engine/reading.py)
    op.create_index("ix_audit_events_actor_case", "audit_events", ["actor_username", "case_id"])
    op.create_index("ix_audit_events_role_case", "audit_events", ["actor_role", "case_id"])
    if op.get_bind().dialect.name == "postgresql":
        # the function comes with 0001 (cadreflow_refuse_change)
        for name in GUARDED:
            op.execute(f"CREATE TRIGGER access_records_no_{name.lower()} BEFORE {name} ON access_records "
                       "FOR EACH ROW EXECUTE FUNCTION cadreflow_refuse_change()")
        op.execute("CREATE TRIGGER access_records_no_truncate BEFORE TRUNCATE ON access_records "
                   "FOR EACH STATEMENT EXECUTE FUNCTION cadreflow_refuse_change()")
    else:
        for name in GUARDED:
            op.execute(f"CREATE TRIGGER access_records_no_{name.lower()} BEFORE {name} ON access_records BEGIN "
                       f"SELECT RAISE(ABORT, 'cadreflow: {name} on access_records is refused (append-only read "
                       "trail)'); END")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name in GUARDED:
        op.execute(f"DROP TRIGGER IF EXISTS access_records_no_{name.lower()}" + (" ON access_records" if postgres else ""))
    if postgres:
        op.execute("DROP TRIGGER IF EXISTS access_records_no_truncate ON access_records")
    op.drop_index("ix_audit_events_actor_case", table_name="audit_events")
    op.drop_index("ix_audit_events_role_case", table_name="audit_events")
    op.drop_table("access_records")
