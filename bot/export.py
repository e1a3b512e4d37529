"""Exports for the office: the ward's suggestion book as CSV or as an Excel workbook.

A table is built once (a header and rows of plain values) and then written in either
format, so both always carry the same content. Times are shown in the configured zone
as dd/mm/yyyy HH:MM. An anonymous page never shows who wrote it: the author column says
"Ẩn danh", and no person id or chat id is ever part of a row.
"""

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.catalogue import status_label
from handlers.suggestions import page_status
from storage.models import BookPage, Case, Ward

Cell = int | str
Row = list[Cell]

BOOK_HEADER: tuple[str, ...] = (
    "Trang",
    "Thời gian",
    "Nội dung",
    "Ảnh",
    "Mã hồ sơ",
    "Thủ tục",
    "Người viết",
    "Người xem",
    "Lúc xem",
    "Trả lời",
    "Lúc trả lời",
    "Tình trạng",
)
ANONYMOUS = "Ẩn danh"
YES, NO = "có", "không"
TIME_FORMAT = "%d/%m/%Y %H:%M"

MIN_WIDTH, MAX_WIDTH = 6, 60  # xlsx column widths, in characters


@dataclass
class Table:
    """A header and its rows: what every export writes."""

    header: list[str]
    rows: list[Row]
    title: str


def local_time(moment: datetime | None, zone: ZoneInfo) -> str:
    """dd/mm/yyyy HH:MM in `zone`, or empty when the moment is unknown."""
    return "" if moment is None else moment.astimezone(zone).strftime(TIME_FORMAT)


def page_row(
    page: BookPage, case: Case | None, deadline_days: int, zone: ZoneInfo, now: datetime
) -> Row:
    """One page of the book as a row of `BOOK_HEADER`."""
    author = page.author_name if page.signed and page.author_name else ANONYMOUS
    return [
        page.page_no,
        local_time(page.created_at, zone),
        page.text,
        YES if page.photo_file_id else NO,
        case.code if case is not None else "",
        case.procedure if case is not None else "",
        author,
        page.seen_by_name or "",
        local_time(page.seen_at, zone),
        page.answer_text or "",
        local_time(page.answered_at, zone),
        status_label("vi", page_status(page, deadline_days, now)),
    ]


async def _book_pages(
    session: AsyncSession, ward_id: int
) -> Sequence[tuple[BookPage, Case | None]]:
    query = (
        select(BookPage, Case)
        .outerjoin(Case, col(BookPage.case_id) == col(Case.id))
        .where(BookPage.ward_id == ward_id)
        .order_by(col(BookPage.page_no))
    )
    return (await session.exec(query)).all()


async def book_table(session: AsyncSession, ward: Ward, zone: ZoneInfo, now: datetime) -> Table:
    """The ward's suggestion book, one row per page in page order."""
    assert ward.id is not None
    rows = [
        page_row(page, case, ward.deadline_days, zone, now)
        for page, case in await _book_pages(session, ward.id)
    ]
    return Table(list(BOOK_HEADER), rows, f"Sổ góp ý - {ward.name}")


def write_csv(table: Table, stream: BinaryIO) -> None:
    """CSV in UTF-8 with a BOM, so that Excel shows Vietnamese; values exactly as kept."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        writer = csv.writer(text)
        writer.writerow(table.header)
        writer.writerows(table.rows)
        text.flush()
    finally:
        text.detach()  # the caller owns the stream


def _xlsx_value(value: Cell) -> Cell | None:
    if isinstance(value, str):
        # XML cannot carry most control characters; everything else is kept as typed
        return ILLEGAL_CHARACTERS_RE.sub("", value) or None
    return value


def _width(values: Sequence[Cell | None]) -> float:
    longest = max(
        (len(line) for value in values if value is not None for line in str(value).splitlines()),
        default=0,
    )
    return min(max(longest + 2, MIN_WIDTH), MAX_WIDTH)


def write_xlsx(table: Table, target: Path | BinaryIO) -> None:
    """An Excel workbook: bold frozen header, columns sized to their content, long text wrapped.

    Text is always stored as text: a page starting with "=" stays words, never a formula.
    """
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Sổ góp ý"
    workbook.properties.title = table.title
    sheet.append(table.header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for row in table.rows:
        sheet.append([_xlsx_value(value) for value in row])
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # openpyxl would take "=..." for a formula
                cell.alignment = Alignment(vertical="top", wrap_text=True)
            elif cell.value is not None:
                cell.alignment = Alignment(vertical="top")
    for index, name in enumerate(table.header, start=1):
        values: list[Cell | None] = [name, *(row[index - 1] for row in table.rows)]
        sheet.column_dimensions[get_column_letter(index)].width = _width(values)
    sheet.freeze_panes = "A2"
    if table.rows:
        sheet.auto_filter.ref = sheet.dimensions
    workbook.save(target)
