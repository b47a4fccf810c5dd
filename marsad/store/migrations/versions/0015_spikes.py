"""spikes: windows in which an entity or a rule had unusually many distinct stories

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import marsad.store.timeutil

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

UTC = marsad.store.timeutil.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "spikes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_kind", sa.String(length=16), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("window", sa.String(length=8), nullable=False),
        sa.Column("window_start", UTC, nullable=False),
        sa.Column("window_end", UTC, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=False),
        sa.Column("p_value", sa.Float(), nullable=False),
        sa.Column("story_ids", sa.JSON(), nullable=False),
        sa.Column("detected_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "target_kind", "target", "window", "window_start", name="uq_spikes_window"
        ),
    )
    op.create_index(
        "ix_spikes_target_start", "spikes", ["target_kind", "target", "window_start"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_spikes_target_start", table_name="spikes")
    op.drop_table("spikes")
