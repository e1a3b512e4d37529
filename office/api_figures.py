"""The satisfaction figures for the HTTP API, as `sogopy report --format json` gives them.

The API's days come parsed (dates, not text): the period is `office.figures.span`, and
the figures are `office.figures`' own, as the CLI prints them.
"""

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from office.figures import figures as office_figures
from office.figures import report_json, span


async def figures(
    session: AsyncSession,
    *,
    zone: ZoneInfo,
    today: date,
    ward: str | None = None,
    since: date | None = None,
    until: date | None = None,
    by: str = "element",
    source: str = "visit",
    period: str | None = None,
) -> dict[str, Any]:
    """The report of one ward (or every ward) over the period, as `sogopy report --format json`;
    `period` names a whole month, quarter or year instead of `since` and `until`."""
    first, last = span(since, until, today, period)
    result = await office_figures(
        session, zone=zone, since=first, until=last, ward=ward, by=by, source=source
    )
    return report_json(result)
