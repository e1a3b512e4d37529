"""webbench: the book's search column, and a ward's answers by time

Revision ID: 0010_webbench
Revises: 0009_console

The console filters a ward's book by words in SQL (issue 13): `bookpage.folded` holds the
text without case, diacritics or punctuation (`storage.text.fold`, the rule the Zalo
choices and ward names already use), so "den duong" finds "Đèn đường" on SQLite, whose
LIKE folds ASCII letters only, and on PostgreSQL alike. The pages already written are
folded here, a thousand at a time.

The console's figures are a ward's month: `ix_answer_report` (ward, element, level,
source, time) holds them only spread over every month the ward ever had, read whole
(a second or more for a ward with a million answers). `ix_answer_ward_time` (ward, time,
element, level, source) holds them as one range. SQLite chooses it only with statistics
(else it keeps the index whose order is the GROUP BY's): they are gathered here, and
refreshed daily by the running bot (`storage.db.gather_statistics`).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.db import gather_statistics
from storage.text import fold

revision: str = "0010_webbench"
down_revision: str | None = "0010_webfigures"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000


def upgrade() -> None:
    with op.batch_alter_table("bookpage", schema=None) as batch_op:
        batch_op.add_column(sa.Column("folded", sa.Text(), nullable=False, server_default=""))
    connection = op.get_bind()
    page = sa.table("bookpage", sa.column("id", sa.Integer), sa.column("text", sa.Text))
    folded = sa.table("bookpage", sa.column("id", sa.Integer), sa.column("folded", sa.Text))
    write = (
        sa.update(folded)
        .where(folded.c.id == sa.bindparam("page_id"))
        .values(folded=sa.bindparam("value"))
    )
    last = 0
    while True:
        rows = connection.execute(
            sa.select(page.c.id, page.c.text)
            .where(page.c.id > last)
            .order_by(page.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        connection.execute(write, [{"page_id": id_, "value": fold(text)} for id_, text in rows])
        last = rows[-1][0]
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.create_index(
            "ix_answer_ward_time",
            ["ward_id", "answered_at", "element", "level", "source"],
            unique=False,
        )
    gather_statistics(connection)


def downgrade() -> None:
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.drop_index("ix_answer_ward_time")
    # not in a batch: on SQLite a batch copies the table, which the notices point at
    op.drop_column("bookpage", "folded")
