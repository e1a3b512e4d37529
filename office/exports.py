"""Exports for the office: the book, the answers and the reports, as CSV or Excel.

A table is built once (a header and rows of plain values) and then written in either
format, so both always carry the same content. Times are shown in the configured zone
as dd/mm/yyyy HH:MM. An anonymous page never shows who wrote it: the author column says
"Ẩn danh", and no person id or chat id is ever part of a row.
"""

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.catalogue import status_label
from handlers.suggestions import page_status
from office import audit
from office.wards import get_ward
from storage.models import Answer, BookPage, Case, SurveyVersion, Ward, utcnow
from storage.report import Cell, Report, utc_bounds

Value = int | str
Row = list[Value]

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


def page_author(page: BookPage) -> str:
    """The name the citizen chose to sign with, or «Ẩn danh»: never who wrote it anonymously."""
    return page.author_name if page.signed and page.author_name else ANONYMOUS


def page_row(
    page: BookPage, case: Case | None, deadline_days: int, zone: ZoneInfo, now: datetime
) -> Row:
    """One page of the book as a row of `BOOK_HEADER`."""
    return [
        page.page_no,
        local_time(page.created_at, zone),
        page.text,
        YES if page.photo_file_id else NO,
        case.code if case is not None else "",
        case.procedure if case is not None else "",
        page_author(page),
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


async def export_book(
    session: AsyncSession, ward: str, zone: ZoneInfo, now: datetime | None = None, how: str = "cli"
) -> tuple[Ward, Table]:
    """The book of the ward with this code, with each page's status as of `now`; an export
    that shows authors' names is recorded in the audit trail."""
    found = await get_ward(session, ward)
    table = await book_table(session, found, zone, now or utcnow())
    await record_book_export(session, found, table, how)
    await session.commit()
    return found, table


async def record_book_export(session: AsyncSession, ward: Ward, table: Table, how: str) -> None:
    """An export that shows authors' names goes into the audit trail, under the OS user."""
    author = BOOK_HEADER.index("Người viết")
    named = sum(1 for row in table.rows if row[author] != ANONYMOUS)
    if named:
        audit.record(
            session, actor=audit.os_user(), actor_kind="cli", action="export_book",
            subject=f"ward {ward.code}", how=how, at=utcnow(), detail=f"{named} named pages",
        )  # fmt: skip


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


def _xlsx_value(value: Value) -> Value | None:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        # XML cannot carry most control characters; everything else is kept as typed
        return ILLEGAL_CHARACTERS_RE.sub("", value) or None
    return value


def _width(values: Sequence[Value | None]) -> float:
    longest = max(
        (len(line) for value in values if value is not None for line in str(value).splitlines()),
        default=0,
    )
    return min(max(longest + 2, MIN_WIDTH), MAX_WIDTH)


def write_xlsx(table: Table, target: Path | BinaryIO) -> None:
    """An Excel workbook: bold frozen header, columns sized to their content, long text wrapped.

    Text is always stored as text: a page starting with "=" stays words, never a formula.
    """
    from openpyxl import Workbook  # only here: openpyxl is slow to load
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

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
        values: list[Value | None] = [name, *(row[index - 1] for row in table.rows)]
        sheet.column_dimensions[get_column_letter(index)].width = _width(values)
    sheet.freeze_panes = "A2"
    if table.rows:
        sheet.auto_filter.ref = sheet.dimensions
    workbook.save(target)


ANSWERS_HEADER: tuple[str, ...] = (
    "Mã hồ sơ",
    "Thủ tục",
    "Mã phường",
    "Phường",
    "Mã câu hỏi",
    "Yếu tố",
    "Mức (1-5)",
    "Phiên bản khảo sát",
    "Nguồn",
    "Thời gian",
)


async def answers_table(
    session: AsyncSession, zone: ZoneInfo, since: date, until: date, ward_id: int | None
) -> Table:
    """One row per answer in the local period, with stable codes, for the provincial system."""
    start, end = utc_bounds(zone, since, until)
    query = (
        select(Answer, Ward.code, Ward.name, Case.code, Case.procedure, SurveyVersion)
        .join(Ward, col(Ward.id) == Answer.ward_id)
        .join(SurveyVersion, col(SurveyVersion.id) == Answer.survey_version_id)
        .outerjoin(Case, col(Case.id) == Answer.case_id)
        .where(col(Answer.answered_at) >= start, col(Answer.answered_at) < end)
        .order_by(col(Answer.answered_at), col(Answer.id))
    )
    if ward_id is not None:
        query = query.where(Answer.ward_id == ward_id)
    rows: list[Row] = [
        [
            case_code or "",
            procedure or "",
            ward_code,
            ward_name,
            answer.question_code,
            answer.element,
            answer.level,
            f"{version.key} v{version.version}",
            answer.source,
            local_time(answer.answered_at, zone),
        ]
        for answer, ward_code, ward_name, case_code, procedure, version in (
            await session.exec(query)
        ).all()
    ]
    return Table(list(ANSWERS_HEADER), rows, "Câu trả lời")


async def export_answers(
    session: AsyncSession, *, ward: str | None, since: date, until: date, zone: ZoneInfo
) -> Table:
    """The answers of the local period (both days included), of one ward or all."""
    found = await get_ward(session, ward) if ward else None
    return await answers_table(session, zone, since, until, found.id if found else None)


def _percent(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.1f}%"


def report_table(report: Report) -> Table:
    """The report's rows as a table: each figure with its distribution and a too-few mark."""
    header = ["Nhóm", "Tên", "Số câu trả lời", "Hài lòng (mức 4-5)", "Điểm trung bình"]
    header += [f"Mức {level}" for level in range(1, 6)] + ["Ghi chú"]
    cells: list[tuple[str, Cell]] = [("Tổng", report.overall)]
    for cell in report.rows:
        cells.append((cell.key, cell))
        cells.extend((f"{cell.key} / {e.key}", e) for e in report.elements.get(cell.key, []))
    rows: list[Row] = []
    for key, cell in cells:
        mean = "" if cell.mean is None else f"{cell.mean:.2f}"
        note = "ít dữ liệu" if cell.too_few else ""
        label = "" if cell is report.overall else cell.label
        rows.append([key, label, cell.answers, _percent(cell.share), mean, *cell.levels, note])
    return Table(header, rows, "Báo cáo")


def report_text(report: Report) -> str:
    """The report as an aligned table for the terminal, with the response rate below."""
    table = report_table(report)
    shown = [[str(v) for v in (r[1], r[2], r[3], r[4], r[10])] for r in table.rows]
    titles = ["Tên", "Câu", "Hài lòng", "TB", ""]
    widths = [max(len(row[i]) for row in [titles, *shown]) for i in range(5)]
    lines = [
        f"Mức độ hài lòng {report.since:%d/%m/%Y} – {report.until:%d/%m/%Y}"
        f" — {report.ward or 'toàn thành phố'} (theo {report.by})",
        "  ".join(t.ljust(w) for t, w in zip(titles, widths, strict=True)).rstrip(),
    ]
    lines += [
        "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in shown
    ]
    rate = _percent(report.response_rate) or "—"
    few = ", ít dữ liệu" if report.response_rate is not None and report.response_too_few else ""
    lines.append(
        f"Tỉ lệ phản hồi (hồ sơ): {rate} ({report.cases_answered}/{report.cases_done}{few});"
        f" tại quầy: {report.walkin_answers} câu trả lời"
    )
    return "\n".join(lines)


def cell_dict(cell: Cell) -> dict[str, object]:
    return {
        "key": cell.key,
        "label": cell.label,
        "answers": cell.answers,
        "satisfied": cell.satisfied,
        "share": cell.share,
        "mean": cell.mean,
        "levels": list(cell.levels),
        "too_few": cell.too_few,
    }
