"""event counters: each (re)join and each changed check-in answer is numbered, so the
notices about them name the event rather than the clock

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 18:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("enrollment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("joins", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("checkin_answer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("checkin_answer", schema=None) as batch_op:
        batch_op.drop_column("revision")
    with op.batch_alter_table("enrollment", schema=None) as batch_op:
        batch_op.drop_column("joins")
