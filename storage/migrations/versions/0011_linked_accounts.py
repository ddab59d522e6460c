"""linked accounts: one-time link codes, rate events, each account's place in the nudge
order and when it went away, and each partner's yes to relayed messages

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 01:45:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("platform_account") as batch_op:
        batch_op.add_column(
            sa.Column("notify_rank", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("gone_at", storage.types.UTCDateTime(), nullable=True))
    with op.batch_alter_table("pair") as batch_op:
        batch_op.add_column(
            sa.Column("relay_mentor", sa.Boolean(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("relay_mentee", sa.Boolean(), nullable=False, server_default="0")
        )
    op.create_table(
        "link_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("claimed_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("claimant_platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column(
            "claimant_workspace", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False
        ),
        sa.Column("claimant_user_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("claimant_name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["platform_account.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_link_code_person_id", "link_code", ["person_id"])
    op.create_index("ix_link_code_expires_at", "link_code", ["expires_at"])
    op.create_table(
        "rate_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("at", storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_rate_event_key", "rate_event", ["key", "kind", "at"])


def downgrade() -> None:
    op.drop_index("ix_rate_event_key", table_name="rate_event")
    op.drop_table("rate_event")
    op.drop_index("ix_link_code_expires_at", table_name="link_code")
    op.drop_index("ix_link_code_person_id", table_name="link_code")
    op.drop_table("link_code")
    with op.batch_alter_table("pair") as batch_op:
        batch_op.drop_column("relay_mentee")
        batch_op.drop_column("relay_mentor")
    with op.batch_alter_table("platform_account") as batch_op:
        batch_op.drop_column("gone_at")
        batch_op.drop_column("notify_rank")
