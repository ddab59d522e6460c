"""match drafts: a program's required language and score weights, and the drafts `match`
computes for coordinators to review and publish

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 22:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("program", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "match_language",
                sqlmodel.sql.sqltypes.AutoString(length=16),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(
            sa.Column(
                "match_weights",
                sqlmodel.sql.sqltypes.AutoString(length=120),
                nullable=False,
                server_default="",
            )
        )
    op.create_table(
        "match_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("stable", sa.Boolean(), nullable=False),
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("census", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("k_used", sa.Integer(), nullable=False),
        sa.Column("widened", sa.Boolean(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("published_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["created_by"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["program_id"], ["program.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("program_id", "number", name="uq_match_draft"),
    )
    op.create_index(op.f("ix_match_draft_program_id"), "match_draft", ["program_id"])
    op.create_table(
        "match_draft_row",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("mentee_id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", storage.types.JSONType, nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("reason_code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("phrase", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.ForeignKeyConstraint(["draft_id"], ["match_draft.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["mentee_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["mentor_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_match_draft_row_draft_id"), "match_draft_row", ["draft_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_match_draft_row_draft_id"), table_name="match_draft_row")
    op.drop_table("match_draft_row")
    op.drop_index(op.f("ix_match_draft_program_id"), table_name="match_draft")
    op.drop_table("match_draft")
    with op.batch_alter_table("program", schema=None) as batch_op:
        batch_op.drop_column("match_weights")
        batch_op.drop_column("match_language")
