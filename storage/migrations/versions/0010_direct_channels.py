"""direct channels: the DM channel a messenger opened with each account and when it last
asked them to open their DMs, kept across restarts

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 01:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "direct_channel",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("asked_to_open_at", storage.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["platform_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("account_id"),
    )


def downgrade() -> None:
    op.drop_table("direct_channel")
