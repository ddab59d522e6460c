"""web dashboard: one-time sign-in links, browser sessions and the audit log of what
coordinators did in the dashboard

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 04:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _string(name: str, length: int) -> sa.Column[str]:
    return sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=length), nullable=False)


def _owner() -> list[sa.Column[int]]:
    return [
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
    ]


def _owner_keys() -> list[sa.ForeignKeyConstraint]:
    return [
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["account_id"], ["platform_account.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["program_id"], ["program.id"], ondelete="CASCADE"),
    ]


def upgrade() -> None:
    op.create_table(
        "web_signin",
        sa.Column("id", sa.Integer(), nullable=False),
        *_owner(),
        _string("token_hash", 64),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("used_at", storage.types.UTCDateTime(), nullable=True),
        *_owner_keys(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_web_signin_person_id", "web_signin", ["person_id"])
    op.create_index("ix_web_signin_token_hash", "web_signin", ["token_hash"], unique=True)
    op.create_index("ix_web_signin_expires_at", "web_signin", ["expires_at"])
    op.create_table(
        "web_session",
        sa.Column("id", sa.Integer(), nullable=False),
        *_owner(),
        _string("session_hash", 64),
        _string("csrf_token", 64),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", storage.types.UTCDateTime(), nullable=False),
        *_owner_keys(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_web_session_person_id", "web_session", ["person_id"])
    op.create_index("ix_web_session_session_hash", "web_session", ["session_hash"], unique=True)
    op.create_index("ix_web_session_expires_at", "web_session", ["expires_at"])
    op.create_table(
        "web_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("program_id", sa.Integer(), nullable=False),
        _string("action", 32),
        _string("detail", 300),
        _string("outcome", 16),
        sa.Column("at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["program_id"], ["program.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_web_audit_program", "web_audit", ["program_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_web_audit_program", table_name="web_audit")
    op.drop_table("web_audit")
    for table, secret in (("web_session", "session_hash"), ("web_signin", "token_hash")):
        for column in ("expires_at", secret, "person_id"):
            op.drop_index(f"ix_{table}_{column}", table_name=table)
        op.drop_table(table)
