"""Satisfaction figures: the period's rules and the report, as the CLI and the API give it."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.catalogue import ELEMENTS, element_label, office_text
from office.errors import Invalid
from office.exports import cell_dict
from office.wards import get_ward
from storage.report import GROUPINGS, Report, build_report

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


def span(since: date | None, until: date | None, today: date) -> tuple[date, date]:
    """Local days, both included; by default the last 30 days up to today. The one period
    rule of every door (the CLI types days as text, the API as dates)."""
    last = _within(until, until, "until") if until else today
    first = _within(since, since, "since") if since else last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        message = office_text(
            "period_backwards", first=f"{first:%d/%m/%Y}", last=f"{last:%d/%m/%Y}"
        )
        raise Invalid("period_backwards", message, "since")
    return first, last


def period(
    since: str | None, until: str | None, zone: ZoneInfo, today: date | None = None
) -> tuple[date, date]:
    """`span` of days typed as text."""
    return span(
        parse_day(since, "since") if since else None,
        parse_day(until, "until") if until else None,
        today or datetime.now(zone).date(),
    )


def check_grouping(by: str) -> str:
    if by not in GROUPINGS:
        choices = ", ".join(GROUPINGS)
        raise Invalid(
            "bad_by", office_text("bad_choice", field="by", value=by, choices=choices), "by"
        )
    return by


async def figures(
    session: AsyncSession,
    *,
    zone: ZoneInfo,
    since: date,
    until: date,
    ward: str | None = None,
    by: str = "element",
) -> Report:
    """Satisfaction per ward and SIPAS element for the period, of one ward or all."""
    check_grouping(by)
    found = await get_ward(session, ward) if ward else None
    labels = {code: element_label("vi", code) for code in ELEMENTS}
    return await build_report(
        session, zone=zone, since=since, until=until, ward_id=found.id if found else None,
        by=by, element_labels=labels,
    )  # fmt: skip


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
    }
