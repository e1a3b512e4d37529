"""multi: handled update ids pruned by time

Revision ID: 0008_multi
Revises: 0007_privacy

Webhook deliveries (several processes, several connections) come in any order, so
Telegram's update ids join Zalo's message ids in `seenmessage`; a job deletes the rows
older than a few days, by this index.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008_multi"
down_revision: str | None = "0008_office"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("seenmessage", schema=None) as batch_op:
        batch_op.create_index("ix_seenmessage_seen_at", ["seen_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("seenmessage", schema=None) as batch_op:
        batch_op.drop_index("ix_seenmessage_seen_at")
