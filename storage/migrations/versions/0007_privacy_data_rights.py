"""privacy: the notice shown, last activity, the append-only audit trail, redraws

Revision ID: 0007_privacy
Revises: 0007_api_keys
Create Date: 2026-12-01 03:10:00

The Personal Data Protection Law (91/2025/QH15): each person's privacy notice version
and its time, their last activity (for the retention period), and an audit trail of
who read or exported personal data, which triggers keep append-only on both databases;
and leaders' notifications to redraw after an erasure at the desk.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.models

revision: str = "0007_privacy"
down_revision: str | None = "0007_api_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_TRIGGERS = [
    f"CREATE TRIGGER auditentry_no_{verb.lower()} BEFORE {verb} ON auditentry "
    "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END"
    for verb in ("UPDATE", "DELETE")
]
PG_FUNCTION = """
CREATE FUNCTION auditentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only';
END;
$$ LANGUAGE plpgsql
"""
PG_TRIGGER = (
    "CREATE TRIGGER auditentry_append_only BEFORE UPDATE OR DELETE ON auditentry "
    "FOR EACH ROW EXECUTE FUNCTION auditentry_append_only()"
)


def upgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notice_version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("notice_at", storage.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("last_seen_at", storage.models.UTCDateTime(), nullable=True))
    op.create_table(
        "auditentry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", storage.models.UTCDateTime(), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("actor_kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("how", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_auditentry_action"), "auditentry", ["action"], unique=False)
    op.create_table(
        "noticeredraw",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["notice_id"], ["notice.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("notice_id"),
    )
    if op.get_bind().dialect.name == "sqlite":
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)
    else:
        op.execute(PG_FUNCTION)
        op.execute(PG_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP TRIGGER auditentry_append_only ON auditentry")
        op.execute("DROP FUNCTION auditentry_append_only()")
    op.drop_table("noticeredraw")
    op.drop_index(op.f("ix_auditentry_action"), table_name="auditentry")
    op.drop_table("auditentry")  # SQLite drops its triggers with the table
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("last_seen_at")
        batch_op.drop_column("notice_at")
        batch_op.drop_column("notice_version")
