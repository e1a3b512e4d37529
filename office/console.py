"""What the console's clerk pages list: a ward's recent cases and procedures.

The rules of registering and marking cases stay in `office/cases.py`; this module
only reads, for pages that show many cases at once.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.suggestions import page_status, page_status_is
from office import audit
from office.answers import web_photo
from office.cases import CaseStatus, case_status
from office.exports import ANONYMOUS, page_author
from office.wards import get_ward
from storage.models import BookPage, Case
from storage.text import fold

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


BOOK_SHOWN = 50  # pages on one screen; «Trang sau» and «Trang trước» turn the rest
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


@dataclass(frozen=True)
class BookScreen:
    """One screen of the filtered book, and where the screens beside it start: `later`
    is the page number to continue after (None at the end), `earlier` the one to go back
    before (None on the first screen), both in the order shown."""

    lines: list[BookLine]
    later: int | None
    earlier: int | None


def _matching(text: str) -> ColumnElement[bool] | None:
    """Pages whose text holds the words typed, whatever their case and diacritics ("den
    duong" finds "Đèn đường"); typed text with no letter or digit (a "%", an emoji) is
    looked for as typed. LIKE's wildcards in it are escaped."""
    words = fold(text)
    if words:
        return col(BookPage.folded).contains(words, autoescape=True)
    typed = " ".join(text.split())
    return col(BookPage.text).contains(typed, autoescape=True) if typed else None


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
    after: int | None = None,
    before: int | None = None,
) -> BookScreen:
    """A screen of the ward's book filtered by status and words, from the page after
    `after` (or the screen ending before `before`) in the order asked; shown authors'
    names are recorded in the audit trail as the API's reads are.

    The filters are SQL (`page_status_is`, the `folded` column) and a screen is at most
    BOOK_SHOWN pages found by page number, so a book of 10,000 pages costs one screen.
    """
    kept = await get_ward(session, ward)
    number = col(BookPage.page_no)
    chosen = [col(BookPage.ward_id) == kept.id]
    if status is not None:
        chosen.append(page_status_is(status, kept.deadline_days, now))
    if (words := _matching(text)) is not None:
        chosen.append(words)

    def further(mark: int) -> ColumnElement[bool]:  # past `mark` in the order shown
        return number < mark if newest_first else number > mark

    def sooner(mark: int) -> ColumnElement[bool]:
        return number > mark if newest_first else number < mark

    backwards = before is not None and after is None
    where = [*chosen]
    if after is not None:
        where.append(further(after))
    elif before is not None:
        where.append(sooner(before))
    forward = newest_first != backwards
    query = (
        select(BookPage, Case)
        .outerjoin(Case, col(Case.id) == BookPage.case_id)
        .where(*where)
        .order_by(number.desc() if forward else number)
        .limit(BOOK_SHOWN + 1)
    )
    rows = list((await session.exec(query)).all())
    more = len(rows) > BOOK_SHOWN
    rows = rows[:BOOK_SHOWN]
    if backwards:
        rows.reverse()
    lines = [
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
            page_status(page, kept.deadline_days, now),
            web_photo(page),
        )
        for page, case in rows
    ]
    later = earlier = None
    if lines:
        first, last = lines[0].page, lines[-1].page
        if backwards:
            earlier = first if more else None
            later = last
        else:
            later = last if more else None
            if after is not None:  # the first screen has nothing before it
                sooner_page = select(BookPage.id).where(*chosen, sooner(first)).limit(1)
                earlier = first if (await session.exec(sooner_page)).first() else None
    named = sum(1 for line in lines if line.author != ANONYMOUS)
    if named:
        audit.record(
            session, actor=reader, actor_kind=reader_kind, action="read_book",
            subject=f"ward {kept.code}", how="console", at=now, detail=f"{named} named pages",
        )  # fmt: skip
        await session.commit()
    return BookScreen(lines, later, earlier)
