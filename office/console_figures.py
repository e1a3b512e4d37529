"""What the console's figures page shows: the period picked, its tables and downloads.

Every figure is `office.figures.figures`' own, the one `sogopy report` prints and
`/api/v1/figures` gives: this module only picks the period, pairs each line with the
period before and writes the same workbooks as `sogopy report --format xlsx` and
`sogopy export book --format xlsx`. The figures are for leaders and admins: they judge
the desk and the civil servant who handled each case, that is the clerks themselves,
and the brief gives them to those who lead ("admins read the satisfaction figures",
leaders "use what they read to fix problems"), not to the desk.
"""

import io
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.catalogue import office_text
from office.errors import Forbidden, Invalid
from office.exports import (
    PERCENT,
    Table,
    as_text,
    export_book,
    report_lines,
    scope_of,
    write_xlsx,
)
from office.figures import figures, figures_grouped, named_period
from office.webusers import Role, UserView
from storage.report import PERIODS, Cell, Report

UNITS = ("month", "quarter", "year")
PER_YEAR = {"month": 12, "quarter": 4, "year": 1}
TABLES = ("element", "procedure", "desk", "month")  # the page's tables, in order


def check_reader(user: UserView) -> None:
    """Leaders and admins read the figures and download them; a clerk is refused (403)."""
    if user.role is Role.CLERK:
        raise Forbidden("figures_not_for_clerks", office_text("web_figures_clerk"), "role")


@dataclass(frozen=True)
class Period:
    """A whole month, quarter or year: what the page's picker names."""

    unit: str  # one of UNITS
    year: int
    number: int  # the month (1-12) or the quarter (1-4); 1 for a year

    @property
    def name(self) -> str:
        """As `sogopy report --period` takes it: 2026-11, 2026-Q4, 2026."""
        if self.unit == "month":
            return f"{self.year}-{self.number:02d}"
        if self.unit == "quarter":
            return f"{self.year}-Q{self.number}"
        return str(self.year)

    @property
    def days(self) -> tuple[date, date]:
        return named_period(self.name)

    @property
    def label(self) -> str:
        if self.unit == "month":
            return office_text("web_month_of", month=self.number, year=self.year)
        if self.unit == "quarter":
            return office_text("report_quarter", quarter=self.number, year=self.year)
        return office_text("web_year_of", year=self.year)

    @property
    def query(self) -> str:
        """The page's query string for this period (the picker's fields)."""
        fields: dict[str, object] = {"unit": self.unit, "year": self.year}
        if self.unit != "year":
            fields[self.unit] = self.number
        return urlencode(fields)

    def shifted(self, step: int) -> "Period | None":
        """The period `step` units later (earlier when negative); None outside the years a
        period may span."""
        index = self.year * PER_YEAR[self.unit] + self.number - 1 + step
        year, number = divmod(index, PER_YEAR[self.unit])
        moved = Period(self.unit, year, number + 1)
        try:
            named_period(moved.name)
        except Invalid:
            return None
        return moved


def _number(value: str, default: int) -> int | None:
    text = value.strip()
    if not text:
        return default
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 4 else None


def pick_period(unit: str, year: str, month: str, quarter: str, today: date) -> Period:
    """The picker's fields as a period; by default the month of `today`, any field left
    empty taken from `today`. Raises Invalid naming the period for anything else."""
    unit = unit.strip() or "month"
    numbers = {
        "month": _number(month, today.month),
        "quarter": _number(quarter, (today.month - 1) // 3 + 1),
        "year": 1,
    }
    picked_year = _number(year, today.year)
    number = numbers.get(unit)
    if unit not in UNITS or picked_year is None or number is None:
        typed = "/".join(part for part in (month or quarter, year) if part) or unit
        raise Invalid("bad_period", office_text("bad_period", value=typed), "period")
    found = Period(unit, picked_year, number)
    named_period(found.name)  # a month 13 or a year outside 2000-2100 is refused here
    return found


def table_days(period: Period, by: str) -> tuple[date, date]:
    """A table's days: the period's, or its whole year for the month-by-month table."""
    if by == "month":
        return named_period(str(period.year))
    return period.days


@dataclass(frozen=True)
class Line:
    """A line of a table: what people read, its figures, the period before's."""

    label: str
    cell: Cell
    before: Cell | None


@dataclass(frozen=True)
class FiguresTable:
    by: str
    report: Report
    lines: list[Line]


def _lines(report: Report) -> list[Line]:
    """The report's lines as its xlsx has them; a month of the year-by-month table has the
    same month of the year before beside it (their keys differ: 2026-03, 2025-03)."""
    lines = [Line(*line) for line in report_lines(report)]
    before = report.previous
    if report.by in PERIODS and before is not None and len(before.rows) == len(report.rows):
        rows = range(1, 1 + len(report.rows))  # after the overall line
        for index, earlier in zip(rows, before.rows, strict=True):
            lines[index] = Line(lines[index].label, lines[index].cell, earlier)
    return lines


async def figures_table(
    session: AsyncSession, ward: str, period: Period, zone: ZoneInfo, by: str
) -> FiguresTable:
    """One table of the page: the report `sogopy report --by BY` gives for its days."""
    first, last = table_days(period, by)
    report = await figures(session, zone=zone, since=first, until=last, ward=ward, by=by)
    return FiguresTable(by, report, _lines(report))


async def figures_page(
    session: AsyncSession, ward: str, period: Period, zone: ZoneInfo
) -> list[FiguresTable]:
    """Every table of the page, in TABLES' order; the tables of the same days are counted
    together (`figures_grouped`)."""
    by_days: dict[tuple[date, date], list[str]] = {}
    for by in TABLES:
        by_days.setdefault(table_days(period, by), []).append(by)
    reports: dict[str, Report] = {}
    for (first, last), groupings in by_days.items():
        grouped = await figures_grouped(
            session, zone=zone, since=first, until=last, ward=ward, groupings=groupings
        )
        reports.update(zip(groupings, grouped, strict=True))
    return [FiguresTable(by, reports[by], _lines(reports[by])) for by in TABLES]


def chart_title(report: Report) -> str:
    return office_text("web_figures_of", ward=scope_of(report))


def percent(share: float | None) -> str:
    """A share as the CLI's table writes it: 66.7%, or — when there is none."""
    return as_text(share, PERCENT) or "—"


def chart_alt(report: Report) -> str:
    """What the chart shows, for people who cannot see it."""
    overall = report.overall
    if overall.share is None:
        figure = office_text("web_chart_none")
    else:
        figure = office_text(
            "web_chart_share", share=percent(overall.share), answers=overall.answers
        )
    return office_text(
        "web_chart_alt",
        by=office_text(f"report_by_{report.by}"),
        scope=scope_of(report),
        first=f"{report.since:%d/%m/%Y}",
        last=f"{report.until:%d/%m/%Y}",
        overall=figure,
    )


def xlsx(table: Table) -> bytes:
    """The workbook the CLI writes for this table (`write_xlsx`), as bytes to send."""
    buffer = io.BytesIO()
    write_xlsx(table, buffer)
    return buffer.getvalue()


async def book_sheet(
    session: AsyncSession, ward: str, zone: ZoneInfo, now: datetime, user: UserView
) -> tuple[str, Table]:
    """The ward's code and its book as `sogopy export book` gives it; an export showing
    names goes into the audit trail under the account."""
    found, table = await export_book(
        session, ward, zone, now, how="console", actor=(user.name, user.role.value)
    )
    return found.code, table
