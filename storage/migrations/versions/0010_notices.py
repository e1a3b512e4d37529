"""notices: a leader's notification is claimed before it leaves

Revision ID: 0010_notices
Revises: 0010_webbench

With several processes the scheduler's leader may die between Telegram taking a notice
and the commit that marks it sent; the next leader sent it again. A notice is now
claimed (committed) just before it leaves, and one claimed but never marked sent is
not sent again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision: str = "0010_notices"
down_revision: str | None = "0010_webbench"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notice") as batch:
        batch.add_column(sa.Column("claimed_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notice") as batch:
        batch.drop_column("claimed_at")
