"""The month's archive: a ward's book of one month as a PDF to print and file like the
paper book.

A cover (ward, month, how many suggestions, from which page to which), then one A4
page per suggestion: its number, the local time, the status, the case and procedure,
the author or «Ẩn danh», the text (a long one continues on the next sheet, headed
"(tiếp)"), the photo, the leader's signature "Đã xem — name, title — dd/mm/yyyy
HH:MM", and the answer or the closing. Text is drawn as text, so markup a citizen
typed prints as typed. The photos are fetched back from the chat that keeps them
(`bot/photos.py`): the bot stores no picture, and a photo that cannot be fetched is
named on its page as kept in the chat, never silently dropped.
"""

import asyncio
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from fpdf import FPDF
from PIL import Image, ImageOps
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.catalogue import office_text
from handlers.suggestions import page_status
from office import audit
from office.answers import PhotoSource, web_photos
from office.console import STATUSES
from office.errors import Forbidden, Invalid
from office.exports import ANONYMOUS, TIME_FORMAT, page_author
from office.figures import named_period
from office.receipts import FONT, FONT_BOLD
from office.wards import get_ward
from office.webusers import Role, UserView
from storage.models import BookPage, Case
from storage.report import utc_bounds

MARGIN_MM = 18
TEXT_PT = 11
PHOTO_MAX_MM = 120  # a photo's height on the page: room for the signature below it
PHOTO_MIN_MM = 50  # less room than this left on the sheet: the photo goes to the next
PHOTO_PIXELS = 1600  # a photo is scaled down to this (longest side) to keep the file small


@dataclass(frozen=True)
class ArchivePage:
    """One suggestion as its archive page shows it; `author` is «Ẩn danh» unless signed."""

    page: int
    time: datetime
    status: str
    case_code: str | None
    procedure: str | None
    text: str
    photo: str | None
    author: str
    seen_by: str | None
    seen_at: datetime | None
    answer: str | None
    answer_photo: str | None
    answered_by: str | None
    answered_at: datetime | None
    closed: bool


@dataclass(frozen=True)
class Archive:
    """A ward's book of one month, in page order, as of `made_at`."""

    ward_code: str
    ward_name: str
    month: date  # its first day
    pages: list[ArchivePage]
    made_at: datetime
    kept: Mapping[str, bytes] = field(default_factory=dict)  # photos held in the database

    @property
    def month_label(self) -> str:
        return f"{self.month:%m/%Y}"

    def photo_refs(self) -> list[str]:
        """Every photo the pages and their answers carry that a chat keeps, once each
        (a photo a leader attached on the web is in `kept`)."""
        refs = (ref for page in self.pages for ref in (page.photo, page.answer_photo) if ref)
        return [ref for ref in dict.fromkeys(refs) if ref not in self.kept]


@dataclass(frozen=True)
class Printed:
    """The PDF, its number of sheets, and how many photos are only named, not shown."""

    pdf: bytes
    sheets: int
    photos_missing: int


def parse_month(value: str) -> date:
    """A month typed as 2026-11 (or 11/2026): its first day; a quarter or a year is refused."""
    try:
        first, last = named_period(value)
    except Invalid:
        first, last = date.min, date.max
    if (first.year, first.month) != (last.year, last.month):
        raise Invalid("bad_month", office_text("archive_bad_month", value=value), "month")
    return first


def _next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def may_print(user: UserView) -> None:
    """The archive shows every page with its author: the ward's leaders and admins only."""
    if user.role not in (Role.LEADER, Role.ADMIN):
        raise Forbidden("archive_not_allowed", office_text("archive_not_allowed"))


async def month_archive(
    session: AsyncSession,
    ward: str,
    month: str,
    *,
    zone: ZoneInfo,
    now: datetime,
    actor: str,
    actor_kind: str,
    how: str,
) -> Archive:
    """The pages written in the month (local time) in page order; an archive with authors'
    names is recorded in the audit trail, as every export of the book is."""
    first = parse_month(month)
    kept = await get_ward(session, ward)
    start, end = utc_bounds(zone, first, _next_month(first) - timedelta(days=1))
    found = await session.exec(
        select(BookPage, Case)
        .outerjoin(Case, col(Case.id) == BookPage.case_id)
        .where(
            BookPage.ward_id == kept.id,
            col(BookPage.created_at) >= start,
            col(BookPage.created_at) < end,
        )
        .order_by(col(BookPage.page_no))
    )
    pages = [
        ArchivePage(
            page=page.page_no,
            time=page.created_at,
            status=page_status(page, kept.deadline_days, now),
            case_code=case.code if case is not None else None,
            procedure=case.procedure if case is not None else None,
            text=page.text,
            photo=page.photo_file_id,
            author=page_author(page),
            seen_by=page.seen_by_name,
            seen_at=page.seen_at,
            answer=page.answer_text,
            answer_photo=page.answer_photo_file_id,
            answered_by=page.answered_by_name,
            answered_at=page.answered_at,
            closed=page.no_answer and page.answered_at is not None,
        )
        for page, case in found.all()
    ]
    named = sum(1 for page in pages if page.author != ANONYMOUS)
    if named:
        audit.record(
            session, actor=actor, actor_kind=actor_kind, action="export_archive",
            subject=f"ward {kept.code}", how=how, at=now,
            detail=f"{named} named pages, {first:%Y-%m}",
        )  # fmt: skip
    held = await web_photos(session, kept, [page.answer_photo for page in pages])
    await session.commit()  # also ends the read: fetching the photos holds no connection
    return Archive(kept.code, kept.name, first, pages, now, held)


async def print_archive(archive: Archive, zone: ZoneInfo, photos: PhotoSource | None) -> Printed:
    """Fetch the month's photos from the chats (when a source is given), then lay out the
    PDF in a worker thread: a month of pages takes a while to draw."""
    refs = archive.photo_refs()
    fetched = await photos(refs) if photos is not None and refs else {}
    return await asyncio.to_thread(archive_pdf, archive, {**fetched, **archive.kept}, zone)


def printable(data: bytes) -> tuple[bytes, int, int] | None:
    """A photo as a JPEG fit to print (upright, RGB, at most `PHOTO_PIXELS`), with its
    size in pixels; None for bytes that are not a picture."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.draft("RGB", (PHOTO_PIXELS, PHOTO_PIXELS))  # a JPEG decoded at print size
            image = ImageOps.exif_transpose(opened).convert("RGB")
        image.thumbnail((PHOTO_PIXELS, PHOTO_PIXELS))
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=85)
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    return out.getvalue(), image.width, image.height


class _Book(FPDF):
    """The archive's sheets: a running head on continued pages, a footer on every sheet."""

    def __init__(self, archive: Archive) -> None:
        super().__init__(format="A4")
        self.archive = archive
        self.entry: int | None = None  # the book page being drawn
        self.fresh = True  # the sheet was begun by `new_entry`, not by a page break

    def header(self) -> None:
        if self.entry is not None and not self.fresh:
            self.set_font("DejaVu", "B", 12)
            text = office_text("archive_continued", page=self.entry)
            self.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
            self.ln(2)
        self.fresh = False

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", "", 8)
        text = office_text(
            "archive_footer",
            ward=self.archive.ward_name,
            month=self.archive.month_label,
            sheet=self.page_no(),
            total="{nb}",
        )
        self.cell(0, 5, text, align="C")

    def new_entry(self, page: int) -> None:
        self.entry, self.fresh = page, True
        self.add_page()

    def lines(self, text: str, size: float = TEXT_PT, bold: bool = False) -> None:
        self.set_font("DejaVu", "B" if bold else "", size)
        self.multi_cell(self.epw, size * 0.5, text, align="L", new_x="LMARGIN", new_y="NEXT")


def archive_pdf(archive: Archive, photos: Mapping[str, bytes], zone: ZoneInfo) -> Printed:
    """The cover and one page per suggestion (more when a text or photo runs over)."""
    pdf = _Book(archive)
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(True, margin=MARGIN_MM)
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.add_font("DejaVu", "B", str(FONT_BOLD))
    pdf.set_title(office_text("archive_title", month=archive.month_label, ward=archive.ward_name))
    pdf.set_creator("Sổ góp ý")

    def when(moment: datetime) -> str:
        return moment.astimezone(zone).strftime(TIME_FORMAT)

    _cover(pdf, archive, when(archive.made_at), str(zone))
    missing = 0
    for entry in archive.pages:
        pdf.new_entry(entry.page)
        pdf.lines(office_text("web_page_no", page=entry.page), 18, bold=True)
        pdf.ln(1)
        pdf.lines(office_text("archive_time", time=when(entry.time)))
        status = office_text(f"web_page_{entry.status}")
        pdf.lines(office_text("archive_status", status=status))
        if entry.case_code is not None:
            pdf.lines(
                office_text("archive_case", code=entry.case_code, procedure=entry.procedure or "")
            )
        pdf.lines(office_text("archive_author", author=entry.author), bold=True)
        pdf.ln(3)
        pdf.lines(office_text("archive_text"), bold=True)
        if entry.text:
            pdf.lines(entry.text)
        if entry.photo:
            missing += not _photo(pdf, entry.photo, photos)
        pdf.ln(4)
        if entry.seen_by and entry.seen_at:
            signed = office_text("archive_seen", name=entry.seen_by, time=when(entry.seen_at))
            pdf.lines(signed, bold=True)
        else:
            pdf.lines(office_text("archive_not_seen"))
        pdf.ln(2)
        if entry.answered_at is not None:
            key = "archive_closed" if entry.closed else "archive_answer"
            pdf.lines(
                office_text(key, name=entry.answered_by or "", time=when(entry.answered_at)),
                bold=True,
            )
            if entry.answer and not entry.closed:
                pdf.lines(entry.answer)
            if entry.answer_photo:
                missing += not _photo(pdf, entry.answer_photo, photos)
        else:
            pdf.lines(office_text("archive_no_answer"))
    return Printed(bytes(pdf.output()), pdf.pages_count, missing)


def _cover(pdf: _Book, archive: Archive, made: str, zone: str) -> None:
    pdf.add_page()
    pdf.set_y(60)

    def centred(text: str, size: float, bold: bool = False) -> None:
        pdf.set_font("DejaVu", "B" if bold else "", size)
        pdf.multi_cell(pdf.epw, size * 0.6, text, align="C", new_x="LMARGIN", new_y="NEXT")

    centred(office_text("archive_heading"), 32, bold=True)
    centred(office_text("archive_subheading"), 13)
    pdf.ln(8)
    centred(archive.ward_name, 22, bold=True)
    centred(office_text("archive_month", month=archive.month_label), 18)
    pdf.ln(16)
    pages = archive.pages
    centred(office_text("archive_count", count=len(pages)), 13)
    if pages:
        centred(office_text("archive_range", first=pages[0].page, last=pages[-1].page), 13)
        counts = dict.fromkeys(STATUSES, 0)
        for entry in pages:
            counts[entry.status] += 1
        shown = (f"{office_text(f'web_page_{s}')}: {n}" for s, n in counts.items() if n)
        centred(" · ".join(shown), 13)
    else:
        centred(office_text("archive_none"), 13)
    pdf.ln(8)
    centred(office_text("archive_made", time=made, zone=zone), 11)


def _photo(pdf: _Book, ref: str, photos: Mapping[str, bytes]) -> bool:
    """The photo, fit to the sheet (on the next one when little room is left); else the
    line that says where it is kept. False when only the line was drawn."""
    found = photos.get(ref)
    ready = printable(found) if found is not None else None
    pdf.ln(2)
    if ready is None:
        platform = "Zalo" if ref.startswith(("http://", "https://")) else "Telegram"
        pdf.lines(office_text("archive_photo_kept", platform=platform))
        return False
    jpeg, width, height = ready
    room = pdf.page_break_trigger - pdf.get_y()
    if room < PHOTO_MIN_MM:
        pdf.add_page()
        room = pdf.page_break_trigger - pdf.get_y()
    scale = min(pdf.epw / width, min(PHOTO_MAX_MM, room) / height)
    shown_w, shown_h = width * scale, height * scale
    top = pdf.get_y()
    pdf.image(io.BytesIO(jpeg), x=(pdf.w - shown_w) / 2, y=top, w=shown_w, h=shown_h)
    pdf.set_y(top + shown_h + 2)
    return True
