"""story merges: a story folded into another points at it (a branch off 0002)

Revision ID: 0007
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merged_into", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.drop_column("merged_into")
