"""languages: the language each person chose and the one their messenger reports, and a
program's default language (core.i18n)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 03:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _language() -> sa.Column[str]:
    return sa.Column(
        "language", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False, server_default=""
    )


def upgrade() -> None:
    with op.batch_alter_table("person") as batch:
        batch.add_column(_language())
        batch.add_column(
            sa.Column(
                "platform_language",
                sqlmodel.sql.sqltypes.AutoString(length=16),
                nullable=False,
                server_default="",
            )
        )
    with op.batch_alter_table("program") as batch:
        batch.add_column(_language())


def downgrade() -> None:
    with op.batch_alter_table("program") as batch:
        batch.drop_column("language")
    with op.batch_alter_table("person") as batch:
        batch.drop_column("platform_language")
        batch.drop_column("language")
