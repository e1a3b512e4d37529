"""leaders, invites, notices, signatures

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 00:22:59.575748
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.models

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "jobrun",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("day", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("done_at", storage.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("job", "key", "day"),
    )
    op.create_table(
        "invite",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ward_id", sa.Integer(), nullable=False),
        sa.Column("token", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("created_at", storage.models.UTCDateTime(), nullable=False),
        sa.Column("expires_at", storage.models.UTCDateTime(), nullable=False),
        sa.Column("used_at", storage.models.UTCDateTime(), nullable=True),
        sa.Column("used_by_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", storage.models.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["used_by_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["ward_id"],
            ["ward.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token"),
    )
    with op.batch_alter_table("invite", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invite_ward_id"), ["ward_id"], unique=False)

    op.create_table(
        "leadership",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("ward_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("invite_id", sa.Integer(), nullable=True),
        sa.Column("joined_at", storage.models.UTCDateTime(), nullable=False),
        sa.Column("removed_at", storage.models.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["invite_id"],
            ["invite.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["ward_id"],
            ["ward.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "ward_id"),
    )
    with op.batch_alter_table("leadership", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_leadership_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_leadership_ward_id"), ["ward_id"], unique=False)

    op.create_table(
        "notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.models.UTCDateTime(), nullable=False),
        sa.Column("sent_at", storage.models.UTCDateTime(), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("failed", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["page_id"],
            ["bookpage.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("page_id", "person_id"),
    )
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notice_page_id"), ["page_id"], unique=False)

    with op.batch_alter_table("bookpage", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seen_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("seen_by_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )
        batch_op.add_column(sa.Column("seen_at", storage.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("answer_text", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "answer_photo_file_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True
            )
        )
        batch_op.add_column(sa.Column("answered_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "answered_by_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True
            )
        )
        batch_op.add_column(sa.Column("answered_at", storage.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("reminded_at", storage.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("escalated_at", storage.models.UTCDateTime(), nullable=True))
        batch_op.create_foreign_key(
            "fk_bookpage_seen_by_id_person", "person", ["seen_by_id"], ["id"]
        )
        batch_op.create_foreign_key(
            "fk_bookpage_answered_by_id_person", "person", ["answered_by_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("bookpage", schema=None) as batch_op:
        batch_op.drop_constraint("fk_bookpage_answered_by_id_person", type_="foreignkey")
        batch_op.drop_constraint("fk_bookpage_seen_by_id_person", type_="foreignkey")
        batch_op.drop_column("escalated_at")
        batch_op.drop_column("reminded_at")
        batch_op.drop_column("answered_at")
        batch_op.drop_column("answered_by_name")
        batch_op.drop_column("answered_by_id")
        batch_op.drop_column("answer_photo_file_id")
        batch_op.drop_column("answer_text")
        batch_op.drop_column("seen_at")
        batch_op.drop_column("seen_by_name")
        batch_op.drop_column("seen_by_id")

    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_page_id"))

    op.drop_table("notice")
    with op.batch_alter_table("leadership", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_leadership_ward_id"))
        batch_op.drop_index(batch_op.f("ix_leadership_person_id"))

    op.drop_table("leadership")
    with op.batch_alter_table("invite", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invite_ward_id"))

    op.drop_table("invite")
    op.drop_table("jobrun")
