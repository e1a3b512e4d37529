"""Exports for the office: the book, the answers and the reports, as CSV or Excel.

A table is built once (a header and rows of plain values) and then written in either
format, so both always carry the same rows. Times are local to the configured zone:
dates in Excel, dd/mm/yyyy HH:MM in CSV; shares and means are numbers in Excel with
their number format, and written as "80.0%" and "4.30" in CSV. A report's header block
(unit, period, date made, response rate) is Excel's alone: CSV stays one table for
other programs. An anonymous page never shows who wrote it: the author column says
"Ẩn danh", and no person id or chat id is ever part of a row.
"""

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.catalogue import ELEMENTS, OFFICE_TEXTS, element_label, office_text, status_label
from handlers.suggestions import page_status
from office import audit
from office.wards import get_ward
from storage.models import NO_OPINION, Answer, BookPage, Case, SurveyVersion, Ward, utcnow
from storage.report import SOURCES, Cell, Report, utc_bounds

Value = int | float | str | datetime | date | None
Row = list[Value]
PERCENT, MEAN, DAY, MOMENT = "0.0%", "0.00", "dd/mm/yyyy", "dd/mm/yyyy hh:mm"  # Excel formats

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
    sheet: str = "Sổ góp ý"
    formats: dict[int, str] = field(default_factory=dict)  # column index: PERCENT or MEAN
    heading: list[tuple[str, Value, str | None]] = field(default_factory=list)  # Excel's


def local_moment(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    """The moment as a local wall-clock time (Excel knows no zones), or None when unknown."""
    return None if moment is None else moment.astimezone(zone).replace(tzinfo=None)


def as_text(value: Value, number_format: str | None = None) -> str:
    """A value as CSV writes it: 80.0%, 4.30, dd/mm/yyyy HH:MM, empty for None."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime(TIME_FORMAT)
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, int | float) and number_format == PERCENT:
        return f"{100 * value:.1f}%"
    if isinstance(value, int | float) and number_format == MEAN:
        return f"{value:.2f}"
    return str(value)


def page_author(page: BookPage) -> str:
    """The name the citizen chose to sign with, or «Ẩn danh»: never who wrote it anonymously."""
    return page.author_name if page.signed and page.author_name else ANONYMOUS


def page_row(
    page: BookPage, case: Case | None, deadline_days: int, zone: ZoneInfo, now: datetime
) -> Row:
    """One page of the book as a row of `BOOK_HEADER`."""
    return [
        page.page_no,
        local_moment(page.created_at, zone),
        page.text,
        YES if page.photo_file_id else NO,
        case.code if case is not None else "",
        case.procedure if case is not None else "",
        page_author(page),
        page.seen_by_name or "",
        local_moment(page.seen_at, zone),
        page.answer_text or "",
        local_moment(page.answered_at, zone),
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
    session: AsyncSession,
    ward: str,
    zone: ZoneInfo,
    now: datetime | None = None,
    how: str = "cli",
    actor: tuple[str, str] | None = None,
) -> tuple[Ward, Table]:
    """The book of the ward with this code, with each page's status as of `now`; an export
    that shows authors' names is recorded in the audit trail, under `actor` (name, kind)
    or, at the terminal, the OS user."""
    found = await get_ward(session, ward)
    table = await book_table(session, found, zone, now or utcnow())
    await record_book_export(session, found, table, how, actor)
    await session.commit()
    return found, table


async def record_book_export(
    session: AsyncSession, ward: Ward, table: Table, how: str, actor: tuple[str, str] | None = None
) -> None:
    """An export that shows authors' names goes into the audit trail, under `actor` (name,
    kind: a console account) or the OS user."""
    author = BOOK_HEADER.index("Người viết")
    named = sum(1 for row in table.rows if row[author] != ANONYMOUS)
    if named:
        name, kind = actor or (audit.os_user(), "cli")
        audit.record(
            session, actor=name, actor_kind=kind, action="export_book",
            subject=f"ward {ward.code}", how=how, at=utcnow(), detail=f"{named} named pages",
        )  # fmt: skip


def write_csv(table: Table, stream: BinaryIO) -> None:
    """CSV in UTF-8 with a BOM, so that Excel shows Vietnamese; values exactly as kept."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        writer = csv.writer(text)
        writer.writerow(table.header)
        formats = [table.formats.get(index) for index in range(len(table.header))]
        for row in table.rows:
            writer.writerow(as_text(v, f) for v, f in zip(row, formats, strict=True))
        text.flush()
    finally:
        text.detach()  # the caller owns the stream


def _xlsx_value(value: Value) -> Value:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        # XML cannot carry most control characters; everything else is kept as typed
        return ILLEGAL_CHARACTERS_RE.sub("", value) or None
    return value


def _width(values: Sequence[str]) -> float:
    longest = max((len(line) for value in values for line in value.splitlines()), default=0)
    return min(max(longest + 2, MIN_WIDTH), MAX_WIDTH)


def _number_format(value: Value, column_format: str | None) -> str | None:
    if isinstance(value, datetime):
        return MOMENT
    if isinstance(value, date):
        return DAY
    return column_format if isinstance(value, float) else None


def write_xlsx(table: Table, target: Path | BinaryIO) -> None:
    """An Excel workbook: the heading block if any, then a bold frozen header, columns
    sized to their content, long text wrapped; numbers and times as Excel's own, shown
    with their number formats.

    Text is always stored as text: a page starting with "=" stays words, never a formula.
    """
    from openpyxl import Workbook  # only here: openpyxl is slow to load
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = table.sheet
    workbook.properties.title = table.title
    for label, value, number_format in table.heading:
        sheet.append([label, _xlsx_value(value)])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True)
        sheet.cell(sheet.max_row, 2).number_format = (
            _number_format(value, number_format) or "General"
        )
    if table.heading:
        sheet.append([])  # a blank line between the block and the table
    top = len(table.heading) + 2 if table.heading else 1  # the table's header row
    sheet.append(table.header)
    for cell in sheet[top]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for row in table.rows:
        sheet.append([_xlsx_value(value) for value in row])
    for line in sheet.iter_rows(min_row=top + 1):
        for cell in line:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # openpyxl would take "=..." for a formula
                cell.alignment = Alignment(vertical="top", wrap_text=True)
            elif cell.value is not None:
                cell.alignment = Alignment(vertical="top")
                column_format = table.formats.get(cell.column - 1)
                cell.number_format = _number_format(cell.value, column_format) or "General"
    for index, name in enumerate(table.header, start=1):
        column_format = table.formats.get(index - 1)
        values = [name, *(as_text(row[index - 1], column_format) for row in table.rows)]
        sheet.column_dimensions[get_column_letter(index)].width = _width(values)
    sheet.freeze_panes = f"A{top + 1}"
    if table.rows:
        last = get_column_letter(len(table.header))
        sheet.auto_filter.ref = f"A{top}:{last}{top + len(table.rows)}"
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
    """One row per answer in the local period, for the provincial system: the question's
    stable code, the element, source and «Chưa có ý kiến» in words."""
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
            element_label("vi", answer.element) if answer.element in ELEMENTS else answer.element,
            office_text("report_no_opinion") if answer.level == NO_OPINION else answer.level,
            f"{version.key} v{version.version}",
            source_label(answer.source),
            local_moment(answer.answered_at, zone),
        ]
        for answer, ward_code, ward_name, case_code, procedure, version in (
            await session.exec(query)
        ).all()
    ]
    return Table(list(ANSWERS_HEADER), rows, "Câu trả lời", sheet="Câu trả lời")


async def export_answers(
    session: AsyncSession, *, ward: str | None, since: date, until: date, zone: ZoneInfo
) -> Table:
    """The answers of the local period (both days included), of one ward or all."""
    found = await get_ward(session, ward) if ward else None
    return await answers_table(session, zone, since, until, found.id if found else None)


def source_label(source: str) -> str:
    """An answer's source in words: «Hồ sơ», «Tại quầy», «Khảo sát gửi đi»."""
    key = f"report_answers_source_{source}"
    return office_text(key) if key in OFFICE_TEXTS else source


def _percent(value: float | None) -> str:
    return as_text(value, PERCENT) or "—"


def _days(first: date, last: date) -> str:
    return f"{first:%d/%m/%Y} – {last:%d/%m/%Y}"


def report_lines(report: Report) -> list[tuple[str, Cell, Cell | None]]:
    """Every line of a report: (what people read, its cell, the previous period's)."""
    before = report.previous
    earlier = {cell.key: cell for cell in before.rows} if before else {}
    lines = [(report.overall.label, report.overall, before.overall if before else None)]
    for cell in report.rows:
        lines.append((cell.label, cell, earlier.get(cell.key)))
        earlier_elements = {}
        if before is not None:
            earlier_elements = {e.key: e for e in before.elements.get(cell.key, [])}
        lines.extend(
            (f"{cell.label} — {e.label}", e, earlier_elements.get(e.key))
            for e in report.elements.get(cell.key, [])
        )
    if "broadcast" not in SOURCES[report.source]:  # counted apart, on a line of its own
        lines.append(
            (report.broadcast.label, report.broadcast, before.broadcast if before else None)
        )
    return lines


def report_table(report: Report, made: date | None = None) -> Table:
    """The report as a table: each line with its distribution, «Chưa có ý kiến» apart, the
    previous period beside and a too-few mark; the heading block (for Excel) names the
    unit, the periods, the day it was made (`made`) and the response rate."""
    word = office_text
    header = [word("report_col_name"), word("report_col_answers"), word("report_col_share"),
              word("report_col_mean"), *(word("report_col_level", level=n) for n in range(1, 6)),
              word("report_no_opinion"), word("report_col_previous_share"),
              word("report_col_previous_answers"), word("report_col_note")]  # fmt: skip
    rows: list[Row] = []
    for label, cell, earlier in report_lines(report):
        rows.append(
            [
                label,
                cell.answers,
                cell.share,
                cell.mean,
                *cell.levels,
                cell.no_opinion,
                earlier.share if earlier else None,
                earlier.answers if earlier else None,
                word("report_too_few") if cell.too_few else "",
            ]
        )
    heading: list[tuple[str, Value, str | None]] = [
        (word("report_head"), None, None),
        (word("report_head_unit"), scope_of(report), None),
        (word("report_head_period"), _days(report.since, report.until), None),
    ]
    if report.previous is not None:
        previous = _days(report.previous.since, report.previous.until)
        heading.append((word("report_head_previous"), previous, None))
    heading += [
        (word("report_head_by"), word(f"report_by_{report.by}"), None),
        (word("report_head_source"), word(f"report_source_{report.source}"), None),
    ]
    if made is not None:
        heading.append((word("report_head_made"), made, None))
    heading += [
        (word("report_head_done"), report.cases_done, None),
        (word("report_head_answered"), report.cases_answered, None),
        (word("report_head_rate"), report.response_rate, PERCENT),
        (word("report_head_walkins"), report.walkin_answers, None),
        (word("report_no_opinion"), report.overall.no_opinion, None),
        (word("report_head_broadcast"), report.broadcast.answers, None),
    ]
    formats = {2: PERCENT, 3: MEAN, 10: PERCENT}
    return Table(header, rows, word("report_head"), "Báo cáo", formats, heading)


def scope_of(report: Report) -> str:
    """The ward's name, or the whole city."""
    return report.ward_name or office_text("report_city")


def report_text(report: Report) -> str:
    """The report as an aligned table for the terminal, with the response rate, the
    answers counted apart and the previous period below."""
    table = report_table(report)
    columns = (0, 1, 2, 3, 9, 10, 12)  # name, answers, share, mean, no opinion, before, note
    shown = [[as_text(row[i], table.formats.get(i)) for i in columns] for row in table.rows]
    short = ("report_short_answers", "report_short_share", "report_short_mean",
             "report_no_opinion", "report_short_previous")  # fmt: skip
    titles = ["", *(office_text(key) for key in short), ""]
    widths = [max(len(row[i]) for row in [titles, *shown]) for i in range(len(columns))]
    by = office_text(f"report_by_{report.by}")
    title = office_text(
        "report_title", since=f"{report.since:%d/%m/%Y}", until=f"{report.until:%d/%m/%Y}",
        scope=scope_of(report), by=by,
    )  # fmt: skip
    lines = [title, "  ".join(t.ljust(w) for t, w in zip(titles, widths, strict=True)).rstrip()]
    lines += [
        "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in shown
    ]
    few = ""
    if report.response_rate is not None and report.response_too_few:
        few = f", {office_text('report_too_few')}"
    lines.append(
        office_text(
            "report_line_rate",
            rate=_percent(report.response_rate),
            answered=report.cases_answered,
            done=report.cases_done,
            few=few,
            walkins=report.walkin_answers,
        )
    )
    lines.append(office_text("report_line_no_opinion", count=report.overall.no_opinion))
    if "broadcast" not in SOURCES[report.source]:
        broadcast = report.broadcast
        share = _percent(broadcast.share)
        lines.append(office_text("report_line_broadcast", answers=broadcast.answers, share=share))
    if report.previous is not None:
        before = report.previous
        lines.append(
            office_text(
                "report_line_previous",
                since=f"{before.since:%d/%m/%Y}",
                until=f"{before.until:%d/%m/%Y}",
                answers=before.overall.answers,
                share=_percent(before.overall.share),
            )
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
        "no_opinion": cell.no_opinion,
    }
