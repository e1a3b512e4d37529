"""report speed: a per-case survey marker for the response rate

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 02:10:00.000000

The response rate (cases whose survey was answered / cases done in a period) looked up
every case done in `answer` (`ix_answer_case_id_source`): 200,000 probes for a city's
year, as long as the figures themselves on PostgreSQL. `case.survey_answered_at` (the
first answer to the case's survey, written with it) makes it a count over one index,
`ix_case_response`, that holds everything it reads. The answers of cases already
answered fill it here. `ix_answer_case_id_source` then has no reader left, and
`ix_answer_ward_id` is the head of `ix_answer_report`: both go, one write less per answer.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("survey_answered_at", storage.models.UTCDateTime(), nullable=True)
        )
    op.execute(
        'UPDATE "case" SET survey_answered_at = (SELECT min(answer.answered_at) FROM answer'
        " WHERE answer.case_id = \"case\".id AND answer.source = 'case')"
    )
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_index("ix_case_done_at_ward_id")
        batch_op.create_index(
            "ix_case_response", ["done_at", "ward_id", "survey_answered_at"], unique=False
        )

    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.drop_index("ix_answer_case_id_source")
        batch_op.drop_index("ix_answer_ward_id")


def downgrade() -> None:
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.create_index("ix_answer_ward_id", ["ward_id"], unique=False)
        batch_op.create_index("ix_answer_case_id_source", ["case_id", "source"], unique=False)

    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_index("ix_case_response")
        batch_op.create_index("ix_case_done_at_ward_id", ["done_at", "ward_id"], unique=False)
    # not in a batch: on SQLite a batch copies the table, and dropping the old one with
    # answers and sessions pointing at it fails their foreign keys; ALTER TABLE does not
    op.drop_column("case", "survey_answered_at")
