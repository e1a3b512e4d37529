"""citizen: a draft may wait for its ward

Revision ID: 0008_citizen
Revises: 0007_privacy
Create Date: 2026-12-01 06:10:00

Text a person types outside any flow is kept as a draft at once (issue 11); when their
ward is not known yet the draft waits, without one, for them to choose it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_citizen"
down_revision: str | None = "0008_leaders"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.alter_column("ward_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM draft WHERE ward_id IS NULL")
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.alter_column("ward_id", existing_type=sa.Integer(), nullable=False)
