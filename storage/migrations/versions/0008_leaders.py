"""leaders: official name and title, answer drafts, pages closed without an answer, menus

Revision ID: 0008_leaders
Revises: 0007_privacy
Create Date: 2026-12-01 06:10:00

A leader signs with an official name and title (given on the invite, or asked when
joining); a leader's answer waits as a draft until «Gửi»; a page that needs no answer
is closed as such; the Telegram command menu last set for each person.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008_leaders"
down_revision: str | None = "0008_zalo"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(length: int) -> sa.types.TypeEngine[str]:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    with op.batch_alter_table("invite", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name", _text(200), nullable=True))
        batch_op.add_column(sa.Column("title", _text(200), nullable=True))
    with op.batch_alter_table("leadership", schema=None) as batch_op:
        batch_op.add_column(sa.Column("title", _text(200), nullable=True))
    with op.batch_alter_table("bookpage", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("no_answer", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.add_column(sa.Column("page_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("menu", _text(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("menu")
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.drop_column("page_id")
    with op.batch_alter_table("bookpage", schema=None) as batch_op:
        batch_op.drop_column("no_answer")
    with op.batch_alter_table("leadership", schema=None) as batch_op:
        batch_op.drop_column("title")
    with op.batch_alter_table("invite", schema=None) as batch_op:
        batch_op.drop_column("title")
        batch_op.drop_column("name")
