"""archive index: every stored item's words, for archive questions (a branch off 0001)

Revision ID: 0008
Revises: 0001
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

from marsad.store import archive

revision = "0008"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The items stored before this migration are indexed here, in batches (see docs/archive.md
    # for what it costs on a large store); a SQLite without FTS5 gets no index.
    connection = op.get_bind()
    if archive.create(connection):
        archive.reindex(connection)


def downgrade() -> None:
    archive.drop(op.get_bind())
