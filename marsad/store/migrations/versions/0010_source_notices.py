"""source notices: what the admins were last told about a source, shared by every process

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

FAILING_AFTER = 5  # marsad.bot.source_notices.FAILING_AFTER when this was written


def upgrade() -> None:
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notified_health", sa.String(length=16), nullable=True))
    # What the admins were told before: the process kept it in memory, rebuilt from these.
    op.execute("UPDATE sources SET notified_health = 'disabled' WHERE disabled_reason IS NOT NULL")
    op.execute(
        "UPDATE sources SET notified_health = 'failing' "
        f"WHERE disabled_reason IS NULL AND consecutive_failures >= {FAILING_AFTER}"
    )


def downgrade() -> None:
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_column("notified_health")
