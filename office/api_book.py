"""The suggestion book's pages for the HTTP API: what `sogopy export book` shows, as data.

The author is the signed name or «Ẩn danh» (`office.exports.page_author`): who wrote an
anonymous page never leaves the database; no person or chat id is part of a page.
"""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.catalogue import office_text
from handlers.suggestions import page_status
from office import audit
from office.cases import normal_ward_code
from office.errors import NotFound
from office.exports import ANONYMOUS, page_author
from office.figures import span
from storage.models import BookPage, Case, Ward
from storage.queries import ward_by_code
from storage.report import utc_bounds

PAGE_LIMIT = 5000  # pages in one answer at most: a longer book is asked for by period


@dataclass(frozen=True)
class PageView:
    ward: str
    page: int
    time: datetime  # in the configured zone
    text: str
    photo: bool
    case_code: str | None
    procedure: str | None
    author: str  # the signed name, or «Ẩn danh»
    seen_by: str | None
    seen_at: datetime | None
    answer: str | None
    answered_at: datetime | None
    status: str  # unread, seen, answered, overdue, closed (no answer needed)


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    return None if moment is None else moment.astimezone(zone)


async def book_pages(
    session: AsyncSession,
    *,
    zone: ZoneInfo,
    today: date,
    now: datetime,
    ward: str | None = None,
    since: date | None = None,
    until: date | None = None,
    status: str | None = None,
    reader: str | None = None,
) -> list[PageView]:
    """The pages written in the period (last 30 days by default), by ward and page number.

    A `reader` (the API key's description) shown authors' names is recorded in the audit
    trail, in this operation's own transaction.
    """
    first, last = span(since, until, today)
    start, end = utc_bounds(zone, first, last)
    query = (
        select(BookPage, Ward, Case)
        .join(Ward, col(Ward.id) == BookPage.ward_id)
        .outerjoin(Case, col(Case.id) == BookPage.case_id)
        .where(col(BookPage.created_at) >= start, col(BookPage.created_at) < end)
        .order_by(col(Ward.code), col(BookPage.page_no))
        .limit(PAGE_LIMIT)
    )
    if ward is not None:
        found = await ward_by_code(session, normal_ward_code(ward))
        if found is None:
            raise NotFound("unknown_ward", office_text("unknown_ward", ward=ward), "ward")
        query = query.where(BookPage.ward_id == found.id)
    pages = []
    for page, kept, case in (await session.exec(query)).all():
        state = page_status(page, kept.deadline_days, now)
        if status is not None and state != status:
            continue
        pages.append(
            PageView(
                ward=kept.code,
                page=page.page_no,
                time=page.created_at.astimezone(zone),
                text=page.text,
                photo=page.photo_file_id is not None,
                case_code=case.code if case is not None else None,
                procedure=case.procedure if case is not None else None,
                author=page_author(page),
                seen_by=page.seen_by_name,
                seen_at=_local(page.seen_at, zone),
                answer=page.answer_text,
                answered_at=_local(page.answered_at, zone),
                status=state,
            )
        )
    named = sum(1 for page in pages if page.author != ANONYMOUS)
    if reader is not None and named:
        audit.record(
            session, actor=reader, actor_kind="apikey", action="read_book",
            subject=f"ward {ward or 'all'}", how="api", at=now, detail=f"{named} named pages",
        )  # fmt: skip
        await session.commit()
    return pages
