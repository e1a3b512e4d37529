"""zalo: the platform of a broadcast's progress message

Revision ID: 0008_zalo
Revises: 0007_privacy
Create Date: 2026-12-01 06:30:00

The admin's progress message was addressed to Telegram in the code; its platform is
now stored beside its chat id. Every progress message before this was on Telegram.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008_zalo"
down_revision: str | None = "0007_privacy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("broadcast") as batch:
        batch.add_column(
            sa.Column(
                "progress_platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True
            )
        )
    op.execute(
        "UPDATE broadcast SET progress_platform = 'telegram' WHERE progress_chat_id IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("broadcast") as batch:
        batch.drop_column("progress_platform")
