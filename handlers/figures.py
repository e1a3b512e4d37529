"""/baocao: the satisfaction figures in chat, a short summary and a chart.

A leader sees their ward (the first one they lead); an admin (SOGOPY_ADMINS) sees
every ward, ranked. Everything is recomputed from the raw answers by
`storage.report.build_report`; the period is the last 30 days unless the person
picks another one with the buttons (`/baocao 90` works too).
"""

from datetime import date, datetime, time, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.catalogue import ELEMENTS, Html, element_label, say
from handlers.charts import render_chart
from handlers.context import Context
from handlers.events import Choice, Reply, Response
from handlers.leaders import led_wards
from handlers.suggestions import page_status
from storage.models import BookPage, Person, Ward
from storage.report import Cell, Report, build_report

FIGURES = "f"  # callback data: f:<days>
PERIODS = (7, 30, 90, 365)
DEFAULT_DAYS = 30
LOWEST = 3


def _figure(language: str, cell: Cell) -> str:
    if cell.share is None:
        return say(language, "figures_none")
    percent, count = round(100 * cell.share), f"{cell.answers:,}".replace(",", ".")
    key = "figures_too_few" if cell.too_few else "figures_value"
    return say(language, key, percent=percent, count=count)


def _period(ctx: Context, days: int) -> tuple[date, date]:
    today = ctx.clock().astimezone(ctx.timezone).date()
    return today - timedelta(days=days - 1), today


async def _report(
    session: AsyncSession, ctx: Context, days: int, ward_id: int | None, by: str, language: str
) -> Report:
    since, until = _period(ctx, days)
    labels = {code: element_label(language, code) for code in ELEMENTS}
    return await build_report(
        session, zone=ctx.timezone, since=since, until=until, ward_id=ward_id, by=by,
        element_labels=labels,
    )  # fmt: skip


async def _pages_line(
    session: AsyncSession, ctx: Context, ward: Ward, report: Report, language: str
) -> str:
    start = datetime.combine(report.since, time(), ctx.timezone)
    pages = (
        await session.exec(
            select(BookPage).where(BookPage.ward_id == ward.id, col(BookPage.created_at) >= start)
        )
    ).all()
    counts = {"unread": 0, "seen": 0, "answered": 0, "overdue": 0}
    for page in pages:
        counts[page_status(page, ward.deadline_days, ctx.clock())] += 1
    return say(language, "figures_pages", count=len(pages), **counts)


def _period_buttons(language: str) -> tuple[Choice, ...]:
    return tuple(Choice(say(language, "btn_days", days=d), f"{FIGURES}:{d}") for d in PERIODS)


async def figures(
    session: AsyncSession, ctx: Context, person: Person, days: int = DEFAULT_DAYS
) -> Response:
    """The summary and the chart for a leader's ward, or for every ward for an admin."""
    language = person.language
    assert person.id is not None
    days = min(max(days, 1), 366)
    is_admin = person.platform == "telegram" and person.chat_id in ctx.admins
    wards = await led_wards(session, person.id)
    if not is_admin and not wards:
        return Response([Reply(say(language, "figures_not_allowed"))])
    ward = None if is_admin else wards[0]
    by = "ward" if ward is None else "element"
    report = await _report(session, ctx, days, ward.id if ward else None, by, language)
    scope = ward.name if ward else say(language, "figures_city")
    lines = [
        say(
            language,
            "figures_title",
            scope=scope,
            since=report.since.strftime("%d/%m/%Y"),
            until=report.until.strftime("%d/%m/%Y"),
        ),
        "",
        say(language, "figures_overall", figure=Html(_figure(language, report.overall))),
    ]
    if ward is None:
        lines.append(say(language, "figures_ranking"))
    for cell in report.rows:
        line = say(language, "figures_line", label=cell.label, figure=Html(_figure(language, cell)))
        lines.append(line)
    rate = f"{round(100 * report.response_rate)}%" if report.response_rate is not None else "—"
    lines.append("")
    lines.append(
        say(
            language,
            "figures_rate",
            rate=rate,
            answered=report.cases_answered,
            done=report.cases_done,
            walkins=report.walkin_answers,
        )
    )
    if ward is not None:
        lines.extend(await _ward_details(session, ctx, ward, report, days, language))
    chart = render_chart(report, scope, language)
    return Response(
        [
            Reply("📊", image=chart),
            Reply("\n".join(lines), _period_buttons(language), columns=4),
        ]
    )


async def _ward_details(
    session: AsyncSession, ctx: Context, ward: Ward, report: Report, days: int, language: str
) -> list[str]:
    """A leader's extra lines: the weekly trend, the weakest procedures, the book."""
    assert ward.id is not None
    weeks = await _report(session, ctx, days, ward.id, "week", language)
    trend = " → ".join(
        "—" if cell.share is None else f"{round(100 * cell.share)}%" for cell in weeks.rows[-8:]
    )
    lines = [say(language, "figures_trend", weeks=trend)]
    procedures = await _report(session, ctx, days, ward.id, "procedure", language)
    lowest = [cell for cell in procedures.rows if cell.share is not None][:LOWEST]
    if lowest:
        lines.append(say(language, "figures_lowest"))
        for cell in lowest:
            figure = Html(_figure(language, cell))
            lines.append(say(language, "figures_line", label=cell.label, figure=figure))
    lines.append(await _pages_line(session, ctx, ward, report, language))
    return lines


async def on_period(session: AsyncSession, ctx: Context, person: Person, data: str) -> Response:
    """A period button: the same figures over that many days."""
    days = data.partition(":")[2]
    if not days.isdigit():
        return Response(notice=say(person.language, "bad_button"))
    return await figures(session, ctx, person, int(days))
