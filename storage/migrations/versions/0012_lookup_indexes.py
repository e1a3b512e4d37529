"""lookup indexes: what a survey's end and the periodic jobs look for, by an index

Revision ID: 0012_lookup_indexes
Revises: 0011_answer_months

Every survey's last press and every text typed mid-survey look up the run's draft
(`storage.queries.draft_of_run`). Drafts stay until sent, skipped or erased, and most
citizens leave the suggestion prompt alone, so the table grows by about one row per
survey: with 200,000 drafts the lookup scanned them all, 16 ms of PostgreSQL per press.

The leaders' outbox job asks for the notices not yet sent every two seconds, among all
ever sent (one per page and leader): with 300,000 it scanned them all on both cores,
20 ms each time; `ix_notice_unsent` holds only those still to send. Likewise the done
cases whose citizen is still to be asked, among all cases ever done (38 ms at 300,000):
`ix_case_to_prompt`. And the people with a command menu of their own (leaders, admins),
among everyone who ever wrote (40 ms at 300,000): `ix_person_menu`. Every minute, the
pages still unseen (reminders) and those unanswered and not yet escalated, among the
whole book (28 ms each at 300,000 pages): `ix_bookpage_unseen`, `ix_bookpage_to_escalate`.

`ix_bookpage_session_id`, which the model has always declared, was never made by a
migration: made here too, so the schema is the models' (checked by a test since).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

UNSENT = sa.text("sent_at IS NULL AND failed IS NULL")
UNSEEN = sa.text("seen_at IS NULL")
TO_ESCALATE = sa.text("answered_at IS NULL AND escalated_at IS NULL")
MENU_KEPT = sa.text("menu IS NOT NULL OR role <> 'citizen'")
TO_PROMPT = sa.text("done_at IS NOT NULL AND prompted_at IS NULL AND person_id IS NOT NULL")

revision: str = "0012_lookup_indexes"
down_revision: str | None = "0011_answer_months"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_draft_session_id", "draft", ["session_id"])
    op.create_index("ix_bookpage_session_id", "bookpage", ["session_id"])
    op.create_index(
        "ix_notice_unsent", "notice", ["id"], postgresql_where=UNSENT, sqlite_where=UNSENT
    )
    op.create_index(
        "ix_bookpage_unseen",
        "bookpage",
        ["ward_id", "page_no"],
        postgresql_where=UNSEEN,
        sqlite_where=UNSEEN,
    )
    op.create_index(
        "ix_bookpage_to_escalate",
        "bookpage",
        ["created_at"],
        postgresql_where=TO_ESCALATE,
        sqlite_where=TO_ESCALATE,
    )
    op.create_index(
        "ix_person_menu", "person", ["platform"], postgresql_where=MENU_KEPT, sqlite_where=MENU_KEPT
    )
    op.create_index(
        "ix_case_to_prompt",
        "case",
        ["done_at"],
        postgresql_where=TO_PROMPT,
        sqlite_where=TO_PROMPT,
    )


def downgrade() -> None:
    op.drop_index("ix_bookpage_to_escalate", table_name="bookpage")
    op.drop_index("ix_bookpage_unseen", table_name="bookpage")
    op.drop_index("ix_person_menu", table_name="person")
    op.drop_index("ix_case_to_prompt", table_name="case")
    op.drop_index("ix_notice_unsent", table_name="notice")
    op.drop_index("ix_bookpage_session_id", table_name="bookpage")
    op.drop_index("ix_draft_session_id", table_name="draft")
