"""sources added from Telegram and the chats allowed or denied from Telegram

Sources added with /addsource need no schema change: they are rows of ``sources`` with origin
``telegram`` (the column of 0009).  ``chat_access`` holds each chat's latest /allow or /deny.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import marsad.store.timeutil

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

UTC = marsad.store.timeutil.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "chat_access",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("decided_by", sa.BigInteger(), nullable=False),
        sa.Column("decided_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("chat_id"),
    )


def downgrade() -> None:
    op.drop_table("chat_access")
