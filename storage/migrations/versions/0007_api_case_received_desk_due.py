"""api: a case's received time, desk and due date

Revision ID: 0007_api
Revises: 0007_outbox
Create Date: 2026-12-01 03:10:00

The one-stop software sends these with a case (HTTP API, import); all optional, so
cases registered before keep working.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0007_api"
down_revision: str | None = "0007_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("received_at", storage.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("desk", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("due_at", storage.models.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_column("due_at")
        batch_op.drop_column("desk")
        batch_op.drop_column("received_at")
