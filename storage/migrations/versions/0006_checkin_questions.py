"""check-in answers keep every question asked, each with its answer

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 10:00:00.000000

A check-in asks all of its program's questions (one to five), so an answer is no longer
two fixed columns (progress, blockers) but the questions as asked and one answer per
question. Answers saved before keep the labels the brief showed for them. Programs still
on the old default questions get the new wording, which suits mentors and mentees alike.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_LABELS = ["Progress", "Blockers"]
OLD_DEFAULT = [
    "What progress did you make toward your goals?",
    "What is blocking you, if anything?",
]
NEW_DEFAULT = [
    "What progress did you make toward the goals you agreed on?",
    "What is blocking you, if anything?",
]

_answer = sa.table(
    "checkin_answer",
    sa.column("id", sa.Integer()),
    sa.column("progress", sa.String()),
    sa.column("blockers", sa.String()),
    sa.column("questions", storage.types.JSONType),
    sa.column("answers", storage.types.JSONType),
)
_program = sa.table(
    "program", sa.column("id", sa.Integer()), sa.column("questions", storage.types.JSONType)
)


def upgrade() -> None:
    with op.batch_alter_table("checkin_answer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("questions", storage.types.JSONType, nullable=True))
        batch_op.add_column(sa.Column("answers", storage.types.JSONType, nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.select(_answer.c.id, _answer.c.progress, _answer.c.blockers))
    for row_id, progress, blockers in rows.all():
        connection.execute(
            _answer.update()
            .where(_answer.c.id == row_id)
            .values(questions=OLD_LABELS, answers=[progress, blockers])
        )
    with op.batch_alter_table("checkin_answer", schema=None) as batch_op:
        batch_op.alter_column("questions", existing_type=storage.types.JSONType, nullable=False)
        batch_op.alter_column("answers", existing_type=storage.types.JSONType, nullable=False)
        batch_op.drop_column("progress")
        batch_op.drop_column("blockers")
    _replace_default_questions(OLD_DEFAULT, NEW_DEFAULT)


def downgrade() -> None:
    _replace_default_questions(NEW_DEFAULT, OLD_DEFAULT)
    with op.batch_alter_table("checkin_answer", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("progress", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True)
        )
        batch_op.add_column(
            sa.Column("blockers", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True)
        )
    connection = op.get_bind()
    rows = connection.execute(sa.select(_answer.c.id, _answer.c.answers))
    for row_id, answers in rows.all():
        first, second = [*(answers or []), "", ""][:2]
        connection.execute(
            _answer.update()
            .where(_answer.c.id == row_id)
            .values(progress=first[:1000], blockers=second[:1000])
        )
    with op.batch_alter_table("checkin_answer", schema=None) as batch_op:
        batch_op.alter_column("progress", existing_type=sa.String(1000), nullable=False)
        batch_op.alter_column("blockers", existing_type=sa.String(1000), nullable=False)
        batch_op.drop_column("answers")
        batch_op.drop_column("questions")


def _replace_default_questions(old: list[str], new: list[str]) -> None:
    connection = op.get_bind()
    for program_id, questions in connection.execute(
        sa.select(_program.c.id, _program.c.questions)
    ).all():
        if list(questions or []) == old:
            connection.execute(
                _program.update().where(_program.c.id == program_id).values(questions=new)
            )
