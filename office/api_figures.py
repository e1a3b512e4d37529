"""The satisfaction figures for the HTTP API, as `sogopy report --format json` gives them.

A thin function of the API engineer's (issue 12): it calls `storage.report` directly,
with the CLI's default period and element labels; `bot/cli.py report_json` builds the
same dictionary, and the two may become one office function.
"""

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.export import cell_dict
from handlers.catalogue import ELEMENTS, element_label, office_text
from office.cases import normal_ward_code
from office.errors import Invalid, NotFound
from storage.queries import ward_by_code
from storage.report import build_report

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
    """The report of one ward (or every ward) over the period, as a JSON-ready dictionary."""
    first, last = period(since, until, today)
    ward_id = None
    if ward is not None:
        found = await ward_by_code(session, normal_ward_code(ward))
        if found is None:
            raise NotFound("unknown_ward", office_text("unknown_ward", ward=ward), "ward")
        ward_id = found.id
    labels = {code: element_label("vi", code) for code in ELEMENTS}
    report = await build_report(
        session, zone=zone, since=first, until=last, ward_id=ward_id, by=by, element_labels=labels
    )
    return {
        "since": report.since,
        "until": report.until,
        "ward": report.ward,
        "by": report.by,
        "overall": cell_dict(report.overall),
        "rows": [cell_dict(cell) for cell in report.rows],
        "elements": {
            code: [cell_dict(c) for c in cells] for code, cells in report.elements.items()
        },
        "cases_done": report.cases_done,
        "cases_answered": report.cases_answered,
        "response_rate": report.response_rate,
        "response_too_few": report.response_too_few,
        "walkin_answers": report.walkin_answers,
    }
