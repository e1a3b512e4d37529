"""api: keys of the HTTP API

Revision ID: 0007_api_keys
Revises: 0007_api
Create Date: 2026-12-01 03:15:00

Hashed keys (sha256) with a short prefix to show; a key without a ward is city-wide.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.models

revision: str = "0007_api_keys"
down_revision: str | None = "0007_api"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "apikey",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("ward_id", sa.Integer(), nullable=True),
        sa.Column("prefix", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("key_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", storage.models.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", storage.models.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["ward_id"], ["ward.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
    )
    op.create_index("ix_apikey_prefix", "apikey", ["prefix"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_apikey_prefix", table_name="apikey")
    op.drop_table("apikey")
