"""broadcasts, opt-in, removed wards

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 02:01:03.385655

Broadcasts and their recipients (one row each, written before sending), the ward
filter, the citizen's opt-in with its time, a broadcast survey run (one per person and
broadcast), and wards that were removed (their citizens are skipped).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.models

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "broadcast",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("survey_version_id", sa.Integer(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", storage.models.UTCDateTime(), nullable=False),
        sa.Column("scheduled_at", storage.models.UTCDateTime(), nullable=True),
        sa.Column("started_at", storage.models.UTCDateTime(), nullable=True),
        sa.Column("finished_at", storage.models.UTCDateTime(), nullable=True),
        sa.Column("progress_chat_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("progress_message_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["survey_version_id"],
            ["surveyversion.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("broadcast", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_broadcast_status"), ["status"], unique=False)

    op.create_table(
        "broadcastward",
        sa.Column("broadcast_id", sa.Integer(), nullable=False),
        sa.Column("ward_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["broadcast_id"],
            ["broadcast.id"],
        ),
        sa.ForeignKeyConstraint(
            ["ward_id"],
            ["ward.id"],
        ),
        sa.PrimaryKeyConstraint("broadcast_id", "ward_id"),
    )
    op.create_table(
        "recipient",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("broadcast_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("sent_at", storage.models.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["broadcast_id"],
            ["broadcast.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("broadcast_id", "person_id"),
    )
    with op.batch_alter_table("recipient", schema=None) as batch_op:
        batch_op.create_index(
            "ix_recipient_broadcast_status_id", ["broadcast_id", "status", "id"], unique=False
        )

    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("optin", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("optin_at", storage.models.UTCDateTime(), nullable=True))

    with op.batch_alter_table("surveysession", schema=None) as batch_op:
        batch_op.add_column(sa.Column("broadcast_id", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(
            "uq_surveysession_broadcast_id_person_id", ["broadcast_id", "person_id"]
        )
        batch_op.create_foreign_key(
            "fk_surveysession_broadcast_id", "broadcast", ["broadcast_id"], ["id"]
        )

    with op.batch_alter_table("ward", schema=None) as batch_op:
        batch_op.add_column(sa.Column("removed_at", storage.models.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ward", schema=None) as batch_op:
        batch_op.drop_column("removed_at")

    with op.batch_alter_table("surveysession", schema=None) as batch_op:
        batch_op.drop_constraint("fk_surveysession_broadcast_id", type_="foreignkey")
        batch_op.drop_constraint("uq_surveysession_broadcast_id_person_id", type_="unique")
        batch_op.drop_column("broadcast_id")

    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("optin_at")
        batch_op.drop_column("optin")

    with op.batch_alter_table("recipient", schema=None) as batch_op:
        batch_op.drop_index("ix_recipient_broadcast_status_id")

    op.drop_table("recipient")
    op.drop_table("broadcastward")
    with op.batch_alter_table("broadcast", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_broadcast_status"))

    op.drop_table("broadcast")
