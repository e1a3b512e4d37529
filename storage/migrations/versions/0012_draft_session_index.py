"""draft session index: a survey run's draft found by an index, not a scan

Revision ID: 0012_draft_session_index
Revises: 0011_answer_months

Every survey's last press and every text typed mid-survey look up the run's draft
(`storage.queries.draft_of_run`). Drafts stay until sent, skipped or erased, and most
citizens leave the suggestion prompt alone, so the table grows by about one row per
survey: with 200,000 drafts the lookup scanned them all, 16 ms of PostgreSQL per press.

`ix_bookpage_session_id`, which the model has always declared, was never made by a
migration: made here too, so the schema is the models' (checked by a test since).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012_draft_session_index"
down_revision: str | None = "0011_answer_months"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_draft_session_id", "draft", ["session_id"])
    op.create_index("ix_bookpage_session_id", "bookpage", ["session_id"])


def downgrade() -> None:
    op.drop_index("ix_bookpage_session_id", table_name="bookpage")
    op.drop_index("ix_draft_session_id", table_name="draft")
