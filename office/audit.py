"""The audit trail: who read or exported personal data, when and how.

Rows are only ever added (the database refuses UPDATE and DELETE on them), in the
transaction of the reading itself, so a reading that happened is never missing.
"""

import getpass
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import AuditEntry, BookPage, Person


def os_user() -> str:
    """The operator at the terminal: the CLI's actor."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def record(
    session: AsyncSession,
    *,
    actor: str,
    actor_kind: str,
    action: str,
    subject: str,
    how: str,
    at: datetime,
    detail: str = "",
) -> None:
    """Add one entry to the caller's transaction."""
    session.add(
        AuditEntry(
            at=at,
            actor=actor[:200],
            actor_kind=actor_kind,
            action=action,
            subject=subject[:200],
            how=how,
            detail=detail,
        )
    )


def record_page_views(
    session: AsyncSession, viewer: Person, pages: Iterable[BookPage], how: str, at: datetime
) -> None:
    """A leader was shown the author of named pages: one entry per named page."""
    for page in pages:
        if page.signed and page.author_name:
            record(
                session,
                actor=viewer.name or f"person {viewer.id}",
                actor_kind=viewer.role,
                action="read_named_page",
                subject=f"page {page.id} (ward {page.ward_id}, no. {page.page_no})",
                how=how,
                at=at,
            )


async def entries(
    session: AsyncSession, since: datetime | None = None, who: str | None = None
) -> Sequence[AuditEntry]:
    """The trail, oldest first; `who` matches the actor or its kind (case-insensitive)."""
    query = select(AuditEntry).order_by(col(AuditEntry.at), col(AuditEntry.id))
    if since is not None:
        query = query.where(col(AuditEntry.at) >= since)
    if who:
        pattern = f"%{who.lower()}%"
        query = query.where(
            or_(
                col(AuditEntry.actor).ilike(pattern),
                col(AuditEntry.actor_kind).ilike(pattern),
            )
        )
    return (await session.exec(query)).all()
