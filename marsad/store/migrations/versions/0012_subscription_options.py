"""per-subscription options (severity, sources, languages, mode); per-chat quiet hours, silence

Revision ID: 0012
Revises: 0011, 0003
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = ("0011", "0003")  # merges the chats branch: it alters its tables
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every existing subscription keeps alerting as before: any severity, source and language,
    # at once; every chat has no quiet hours and rings.
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("min_severity", sa.String(length=8), nullable=False, server_default="low")
        )
        batch_op.add_column(
            sa.Column("sources", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.add_column(
            sa.Column("languages", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.add_column(
            sa.Column("mode", sa.String(length=8), nullable=False, server_default="instant")
        )
    with op.batch_alter_table("chats", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quiet_start", sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column("quiet_end", sa.String(length=5), nullable=True))
        batch_op.add_column(
            sa.Column("silent", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("held", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("held")
    with op.batch_alter_table("chats", schema=None) as batch_op:
        batch_op.drop_column("silent")
        batch_op.drop_column("quiet_end")
        batch_op.drop_column("quiet_start")
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_column("mode")
        batch_op.drop_column("languages")
        batch_op.drop_column("sources")
        batch_op.drop_column("min_severity")
