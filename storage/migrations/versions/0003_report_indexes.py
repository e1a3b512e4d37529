"""report indexes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 01:30:00.000000

The satisfaction report counts answers with GROUP BY ward, element, level and source
over a period: `ix_answer_report` holds exactly those columns in that order, so the
count is a scan of the index alone, already in group order (no sort, no table). The
response rate counts cases done in a period (`ix_case_done_at_ward_id`) and, for each,
looks for an answer from its survey (`ix_answer_case_id_source`).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.create_index(
            "ix_answer_report",
            ["ward_id", "element", "level", "source", "answered_at"],
            unique=False,
        )
        batch_op.create_index("ix_answer_case_id_source", ["case_id", "source"], unique=False)

    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.create_index("ix_case_done_at_ward_id", ["done_at", "ward_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_index("ix_case_done_at_ward_id")

    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.drop_index("ix_answer_case_id_source")
        batch_op.drop_index("ix_answer_report")
