"""What the console's clerk pages list: a ward's recent cases and procedures.

The rules of registering and marking cases stay in `office/cases.py`; this module
only reads, for pages that show many cases at once.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.suggestions import page_status
from office import audit
from office.answers import web_photo
from office.cases import CaseStatus, case_status
from office.exports import ANONYMOUS, page_author
from office.wards import get_ward
from storage.models import BookPage, Case

RECENT_CASES = 100
RECENT_PROCEDURES = 20


@dataclass(frozen=True)
class CaseRow:
    """One line of the cases table (no personal data)."""

    code: str
    procedure: str
    status: CaseStatus
    registered_at: datetime
    desk: int | None


async def recent_cases(
    session: AsyncSession, ward: str, limit: int = RECENT_CASES
) -> list[CaseRow]:
    """The ward's newest cases first."""
    kept = await get_ward(session, ward)
    found = await session.exec(
        select(Case)
        .where(Case.ward_id == kept.id)
        .order_by(col(Case.created_at).desc(), col(Case.id).desc())
        .limit(limit)
    )
    return [
        CaseRow(case.code, case.procedure, case_status(case), case.created_at, case.desk)
        for case in found.all()
    ]


async def recent_procedures(
    session: AsyncSession, ward: str, limit: int = RECENT_PROCEDURES
) -> list[str]:
    """The procedures the ward registered most lately, for the form to offer."""
    kept = await get_ward(session, ward)
    found = await session.exec(
        select(Case.procedure)
        .where(Case.ward_id == kept.id)
        .group_by(col(Case.procedure))
        .order_by(func.max(Case.created_at).desc())
        .limit(limit)
    )
    return list(found.all())


BOOK_SHOWN = 200  # pages on one screen, newest or oldest first
STATUSES = ("unread", "seen", "answered", "overdue", "closed")


@dataclass(frozen=True)
class BookLine:
    """One page of the book as the leader's page shows it (author «Ẩn danh» unless signed)."""

    page: int
    time: datetime
    text: str
    photo: bool
    case_code: str | None
    procedure: str | None
    author: str
    seen_by: str | None
    answer: str | None
    status: str
    answer_photo: str | None = None  # the token of a photo attached on the web


async def ward_book(
    session: AsyncSession,
    ward: str,
    *,
    now: datetime,
    reader: str,
    reader_kind: str,
    status: str | None = None,
    text: str = "",
    newest_first: bool = True,
) -> list[BookLine]:
    """The ward's book filtered by status and by words in the text; shown authors' names
    are recorded in the audit trail as the API's reads are."""
    kept = await get_ward(session, ward)
    order = col(BookPage.page_no).desc() if newest_first else col(BookPage.page_no)
    query = (
        select(BookPage, Case)
        .outerjoin(Case, col(Case.id) == BookPage.case_id)
        .where(BookPage.ward_id == kept.id)
        .order_by(order)
    )
    # matched here, not with LIKE: SQLite folds the case of ASCII letters only ("ĐÈN")
    words = " ".join(text.split()).casefold()
    if not words and status is None:
        query = query.limit(BOOK_SHOWN)
    lines = []
    for page, case in (await session.exec(query)).all():
        if words and words not in " ".join(page.text.split()).casefold():
            continue
        state = page_status(page, kept.deadline_days, now)
        if status is not None and state != status:
            continue
        lines.append(
            BookLine(
                page.page_no,
                page.created_at,
                page.text,
                page.photo_file_id is not None,
                case.code if case is not None else None,
                case.procedure if case is not None else None,
                page_author(page),
                page.seen_by_name,
                page.answer_text,
                state,
                web_photo(page),
            )
        )
        if len(lines) == BOOK_SHOWN:
            break
    named = sum(1 for line in lines if line.author != ANONYMOUS)
    if named:
        audit.record(
            session, actor=reader, actor_kind=reader_kind, action="read_book",
            subject=f"ward {kept.code}", how="console", at=now, detail=f"{named} named pages",
        )  # fmt: skip
        await session.commit()
    return lines
