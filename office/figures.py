"""Satisfaction figures: the period's rules and the report, as the CLI and the API give it."""

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.catalogue import ELEMENTS, element_label, office_text
from office.errors import Invalid
from office.exports import cell_dict
from office.wards import get_ward
from storage.report import GROUPINGS, NO_DESK, SOURCES, Cell, Report, build_reports

DEFAULT_DAYS = 30  # a report's period when none is given
DAY_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)  # what a period may span


def _within(day: date, value: object, field: str) -> date:
    """A day outside 2000-2100 is refused rather than guessed at (year 1 or 9999 overflow
    the zone's conversion, and no answer is from then)."""
    if not FIRST_DAY <= day <= LAST_DAY:
        first, last = f"{FIRST_DAY:%d/%m/%Y}", f"{LAST_DAY:%d/%m/%Y}"
        message = office_text("day_out_of_range", value=value, first=first, last=last)
        raise Invalid("day_out_of_range", message, field)
    return day


def parse_day(value: str, field: str) -> date:
    """A day typed as YYYY-MM-DD or dd/mm/yyyy, within the years a period may span."""
    for layout in DAY_FORMATS:
        try:
            day = datetime.strptime(value.strip(), layout).date()
        except ValueError:
            continue
        return _within(day, value, field)
    raise Invalid("bad_day", office_text("bad_day", value=value), field)


def span(
    since: date | None, until: date | None, today: date, named: str | None = None
) -> tuple[date, date]:
    """Local days, both included; by default the last 30 days up to today; `named`, a whole
    month, quarter or year (`named_period`), instead of `since` and `until`. The one
    period rule of every door (the CLI types days as text, the API as dates)."""
    if named is not None:
        if since or until:
            raise Invalid("period_and_days", office_text("period_and_days"), "period")
        return named_period(named)
    last = _within(until, until, "until") if until else today
    first = _within(since, since, "since") if since else last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        message = office_text(
            "period_backwards", first=f"{first:%d/%m/%Y}", last=f"{last:%d/%m/%Y}"
        )
        raise Invalid("period_backwards", message, "since")
    return first, last


_MONTH = re.compile(r"(\d{4})-(\d{1,2})|(\d{1,2})/(\d{4})")
_QUARTER = re.compile(r"(\d{4})-[Qq]([1-4])|[Qq]([1-4])/(\d{4})")
_YEAR = re.compile(r"\d{4}")


def _named(value: str) -> tuple[date, date] | None:
    text = value.strip()
    if month := _MONTH.fullmatch(text):
        year, number = int(month[1] or month[4]), int(month[2] or month[3])
        if not 1 <= number <= 12:
            return None
        first = date(year, number, 1)
        return first, _months_later(first, 1) - timedelta(days=1)
    if quarter := _QUARTER.fullmatch(text):
        year, number = int(quarter[1] or quarter[4]), int(quarter[2] or quarter[3])
        first = date(year, 3 * number - 2, 1)
        return first, _months_later(first, 3) - timedelta(days=1)
    if _YEAR.fullmatch(text):
        return date(int(text), 1, 1), date(int(text), 12, 31)
    return None


def _months_later(first: date, months: int) -> date:
    """The first day `months` months after (negative: before) the first day of a month."""
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def named_period(value: str) -> tuple[date, date]:
    """A month (2026-11, 11/2026), a quarter (2026-Q4, Q4/2026) or a year (2026) as its
    first and last days."""
    try:
        found = _named(value)
    except ValueError:  # year 0, or a period running past year 9999
        found = None
    if found is None:
        raise Invalid("bad_period", office_text("bad_period", value=value), "period")
    _within(found[0], value, "period")
    _within(found[1], value, "period")
    return found


def previous_span(first: date, last: date) -> tuple[date, date]:
    """The period just before: the previous month, quarter or year when the period is a
    whole one, else as many days ending the day before."""
    if first.day == 1 and (last + timedelta(days=1)).day == 1:  # whole months
        months = (last.year - first.year) * 12 + last.month - first.month + 1
        if months in (1, 3, 12) and (months == 1 or (first.month - 1) % months == 0):
            return _months_later(first, -months), first - timedelta(days=1)
    days = (last - first).days + 1
    return first - timedelta(days=days), first - timedelta(days=1)


def period(
    since: str | None,
    until: str | None,
    zone: ZoneInfo,
    today: date | None = None,
    named: str | None = None,
) -> tuple[date, date]:
    """`span` of days typed as text, or of a month, quarter or year named whole (`named`)."""
    return span(
        parse_day(since, "since") if since else None,
        parse_day(until, "until") if until else None,
        today or datetime.now(zone).date(),
        named,
    )


def check_grouping(by: str) -> str:
    if by not in GROUPINGS:
        choices = ", ".join(GROUPINGS)
        raise Invalid("bad_by", office_text("bad_by", value=by, choices=choices), "by")
    return by


def check_source(source: str) -> str:
    if source not in SOURCES:
        choices = ", ".join(SOURCES)
        raise Invalid(
            "bad_source", office_text("bad_source", value=source, choices=choices), "source"
        )
    return source


async def figures(
    session: AsyncSession,
    *,
    zone: ZoneInfo,
    since: date,
    until: date,
    ward: str | None = None,
    by: str = "element",
    source: str = "visit",
) -> Report:
    """Satisfaction per ward and SIPAS element for the period, of one ward or all, in
    Vietnamese, with the same figures over the period before (`previous_span`) beside."""
    (report,) = await figures_grouped(
        session, zone=zone, since=since, until=until, ward=ward, groupings=(by,), source=source
    )
    return report


async def figures_grouped(
    session: AsyncSession,
    *,
    zone: ZoneInfo,
    since: date,
    until: date,
    ward: str | None = None,
    groupings: Sequence[str] = ("element",),
    source: str = "visit",
) -> list[Report]:
    """`figures` grouped each of these ways, over the same days, counted together
    (`build_reports`): what a page of several tables asks."""
    for by in groupings:
        check_grouping(by)
    check_source(source)
    found = await get_ward(session, ward) if ward else None
    labels = {code: element_label("vi", code) for code in ELEMENTS}
    current, previous = [
        await build_reports(
            session,
            zone=zone,
            since=first,
            until=last,
            ward_id=found.id if found else None,
            groupings=groupings,
            element_labels=labels,
            source=source,
        )
        for first, last in ((since, until), previous_span(since, until))
    ]
    return [
        replace(labelled(report), previous=labelled(before))
        for report, before in zip(current, previous, strict=True)
    ]


def _row_label(by: str, cell: Cell, language: str) -> str:
    if by == "desk":
        if cell.key == NO_DESK:
            return office_text("report_no_desk", language)
        return office_text("report_desk", language, desk=cell.key)
    if by == "quarter":
        year, quarter = cell.key.split("-Q")
        return office_text("report_quarter", language, quarter=quarter, year=year)
    return cell.label


def labelled(report: Report, language: str = "vi") -> Report:
    """The report with words people read: the overall row named, desks and quarters
    spelled out, the broadcast row named; codes stay in the cells' keys."""
    scope = scope_name(report, language)
    return replace(
        report,
        overall=replace(report.overall, label=office_text("report_overall", language, scope=scope)),
        rows=[replace(cell, label=_row_label(report.by, cell, language)) for cell in report.rows],
        broadcast=replace(report.broadcast, label=office_text("report_broadcast", language)),
    )


def scope_name(report: Report, language: str = "vi") -> str:
    """The ward's name, or the whole city: what a title says the report is about."""
    return report.ward_name or office_text("report_city", language)


def report_json(result: Report) -> dict[str, object]:
    """The report for other programs: every figure with its distribution."""
    return {
        "since": result.since.isoformat(),
        "until": result.until.isoformat(),
        "ward": result.ward,
        "by": result.by,
        "overall": cell_dict(result.overall),
        "rows": [cell_dict(cell) for cell in result.rows],
        "elements": {
            code: [cell_dict(cell) for cell in cells] for code, cells in result.elements.items()
        },
        "cases_done": result.cases_done,
        "cases_answered": result.cases_answered,
        "response_rate": result.response_rate,
        "response_too_few": result.response_too_few,
        "walkin_answers": result.walkin_answers,
        "source": result.source,
        "broadcast": cell_dict(result.broadcast),
        "previous": None
        if result.previous is None
        else {
            "since": result.previous.since.isoformat(),
            "until": result.previous.until.isoformat(),
            "overall": cell_dict(result.previous.overall),
            "rows": [cell_dict(cell) for cell in result.previous.rows],
        },
    }
