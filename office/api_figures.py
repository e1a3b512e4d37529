"""The satisfaction figures for the HTTP API, as `sogopy report --format json` gives them.

The API's days come parsed (dates, not text), so only the period's bounds are checked
here; the figures are `office.figures`' own, as the CLI prints them.
"""

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.catalogue import office_text
from office.errors import Invalid
from office.figures import figures as office_figures
from office.figures import report_json

DEFAULT_DAYS = 30  # a period's length when no first day is given, as in the CLI
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)  # no figure lies outside


def period(since: date | None, until: date | None, today: date) -> tuple[date, date]:
    """Local dates, both included; by default the last 30 days up to today."""
    for field, day in (("since", since), ("until", until)):
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise Invalid("bad_date", office_text("bad_date", day=day.isoformat()), field)
    last = until or today
    first = since or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise Invalid("bad_period", office_text("bad_period"), "since")
    return first, last


async def figures(
    session: AsyncSession,
    *,
    zone: ZoneInfo,
    today: date,
    ward: str | None = None,
    since: date | None = None,
    until: date | None = None,
    by: str = "element",
) -> dict[str, Any]:
    """The report of one ward (or every ward) over the period, as `sogopy report --format json`."""
    first, last = period(since, until, today)
    result = await office_figures(session, zone=zone, since=first, until=last, ward=ward, by=by)
    return report_json(result)
