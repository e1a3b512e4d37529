"""photos: a photo's reference may be longer than 255 characters

Revision ID: 0010_photos
Revises: 0010_webanswer

A Zalo photo arrives as a signed URL, often longer than 255 characters; PostgreSQL
refused the page (SQLite never checked the length). Drafts, pages and answers keep the
reference as text.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_photos"
down_revision: str | None = "0010_webanswer"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (("draft", "photo_file_id"), ("bookpage", "photo_file_id"))
COLUMNS += (("bookpage", "answer_photo_file_id"),)


def upgrade() -> None:
    for table, column in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(column, type_=sa.Text(), existing_type=sa.String(length=255))


def downgrade() -> None:
    for table, column in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(column, type_=sa.String(length=255), existing_type=sa.Text())
