"""outbox: pending replies, the draft a page was filed from

Revision ID: 0007_outbox
Revises: 0006
Create Date: 2026-12-01 03:10:00

A reply the platform could not take after the transport's retries is kept and sent
again by a job, in order per chat; a page remembers its draft, so a repeated signing
press (a redelivery after a crash) re-sends the same page number.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.models

revision: str = "0007_outbox"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pendingreply",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("chat_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.Column("created_at", storage.models.UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_try_at", storage.models.UTCDateTime(), nullable=False),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_pendingreply_chat", "pendingreply", ["platform", "chat_id", "id"])
    with op.batch_alter_table("bookpage", schema=None) as batch_op:
        batch_op.add_column(sa.Column("draft_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bookpage", schema=None) as batch_op:
        batch_op.drop_column("draft_id")
    op.drop_index("ix_pendingreply_chat", table_name="pendingreply")
    op.drop_table("pendingreply")
