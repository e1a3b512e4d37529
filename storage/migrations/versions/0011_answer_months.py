"""answer months: a ward's answers counted per whole local month that has ended

Revision ID: 0011_answer_months
Revises: 0010_notices

The console's figures page counts a ward's year by month, and the year before: a
million answers for a busy ward, 1.4 s each year on SQLite. `answermonth` keeps the
counts of months that have ended (per element, procedure and desk, level and source),
derived from `answer` by `storage.answer_months.roll_up`; `rollup` says which months,
in which zone. Nothing is filled here: the zone is the running bot's setting, and its
scheduled job counts the months past on its first run (until then reports count
the answers, as before).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision: str = "0011_answer_months"
down_revision: str | None = "0010_notices"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "answermonth",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ward_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=500), nullable=True),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["ward_id"], ["ward.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_answermonth_ward",
        "answermonth",
        ["ward_id", "kind", "month", "code", "level", "source"],
    )
    op.create_index(
        "ix_answermonth_city",
        "answermonth",
        ["kind", "month", "ward_id", "code", "level", "source"],
    )
    op.create_table(
        "rollup",
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("through", sa.Date(), nullable=False),
        sa.Column("done_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("zone"),
    )


def downgrade() -> None:
    op.drop_table("rollup")
    op.drop_index("ix_answermonth_city", table_name="answermonth")
    op.drop_index("ix_answermonth_ward", table_name="answermonth")
    op.drop_table("answermonth")
