"""office: a ward's kind, six-digit codes for desks and cases, wrong codes per chat

Revision ID: 0008_office
Revises: 0007_privacy
Create Date: 2026-12-01 06:00:00

Issue 11: a xã's citizens read "xã" (`ward.kind`, "phường" for the wards already kept);
a desk or a case can be reached by typing a six-digit code (`shortcode`), and a chat
that types wrong codes in a row is slowed down (`person.code_misses`, `code_missed_at`).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0008_office"
down_revision: str | None = "0008_citizen"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ward", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=16), nullable=False, server_default="phường")
        )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("code_misses", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("code_missed_at", storage.models.UTCDateTime(), nullable=True)
        )
    op.create_table(
        "shortcode",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=6), nullable=False),
        sa.Column("ward_id", sa.Integer(), nullable=False),
        sa.Column("desk", sa.Integer(), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("created_at", storage.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.ForeignKeyConstraint(["ward_id"], ["ward.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id"),
        sa.UniqueConstraint("code"),
    )
    op.create_index(op.f("ix_shortcode_ward_id"), "shortcode", ["ward_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_shortcode_ward_id"), table_name="shortcode")
    op.drop_table("shortcode")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("code_missed_at")
        batch_op.drop_column("code_misses")
    with op.batch_alter_table("ward", schema=None) as batch_op:
        batch_op.drop_column("kind")
