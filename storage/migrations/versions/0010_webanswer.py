"""webanswer: photos attached to answers on the web console

Revision ID: 0010_webanswer
Revises: 0009_console

A leader answering from the web uploads a photo; its bytes are kept here for the
citizen's chat, the book page and the archive (issue 13).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision: str = "0010_webanswer"
down_revision: str | None = "0009_console"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "webphoto",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=43), nullable=False),
        sa.Column("ward_id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=True),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["ward_id"], ["ward.id"]),
        sa.ForeignKeyConstraint(["page_id"], ["bookpage.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token"),
    )
    op.create_index("ix_webphoto_page_id", "webphoto", ["page_id"])


def downgrade() -> None:
    op.drop_index("ix_webphoto_page_id", table_name="webphoto")
    op.drop_table("webphoto")
