"""the inbox index: ready tasks by role in inbox order (created_at, case_id, element_id, id)

Revision ID: 0004_inbox_index
Revises: 0003_tokens_and_login_attempts
Create Date: 2026-11-23
"""
from alembic import op

revision = "0004_inbox_index"
down_revision = "0003_tokens_and_login_attempts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # engine/inbox.py reads a page straight from this index (one ordered range per role); the
    # narrow ix_case_tasks_role stays for the inbox's COUNT.
    op.create_index("ix_case_tasks_inbox", "case_tasks", ["role", "created_at", "case_id", "element_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_case_tasks_inbox", table_name="case_tasks")
