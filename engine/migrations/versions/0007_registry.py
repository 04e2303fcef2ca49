"""reference terms: what keyed reference records (e.g. a personnel registry) are found by

Revision ID: 0007_registry
Revises: 0006_access_records
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_registry"
down_revision = "0006_access_records"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reference_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("term", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_reference_terms_lookup", "reference_terms", ["kind", "field", "term"])
    op.create_index("ix_reference_terms_entry", "reference_terms", ["kind", "key"])


def downgrade() -> None:
    op.drop_table("reference_terms")
