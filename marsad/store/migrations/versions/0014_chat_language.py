"""a chat's language as chosen with /lang, kept apart from the Telegram language of whoever writes

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = ("0003",)  # the chats table (another branch of the chain)


def upgrade() -> None:
    # Every chat so far follows the language of whoever writes (none has chosen one).
    with op.batch_alter_table("chats", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("language_chosen", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("chats", schema=None) as batch_op:
        batch_op.drop_column("language_chosen")
