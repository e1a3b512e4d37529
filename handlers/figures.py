"""/baocao: the satisfaction figures in chat, a short summary and a chart.

A leader sees their ward (a leader of several picks one with a button first, as with
/so); an admin (SOGOPY_ADMINS) sees every ward, ranked. Everything is recomputed from
the raw answers by `storage.report.build_report`; the period is the last 30 days
unless the person picks another one with the buttons (`/baocao 90` works too). Each
share has the same share over the days just before beside it ("kỳ trước"), as the
office's reports have the previous period.
"""

from datetime import date, datetime, time, timedelta
from functools import partial

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.catalogue import ELEMENTS, Html, element_label, say
from handlers.context import Context
from handlers.events import Choice, Reply, Response, data_id
from handlers.leaders import led_wards
from handlers.suggestions import page_status
from storage.broadcasts import broadcast_reach
from storage.models import BookPage, Person, Ward
from storage.report import Cell, Report, build_report, utc_bounds

FIGURES = "f"  # callback data: f:<days> (the city), f:<days>:<ward id> (a led ward)
PERIODS = (7, 30, 90, 365)
DEFAULT_DAYS = 30
LOWEST = 3
WEEKS = 8  # the trend's last weeks, each on its own line with its answers


def _figure(language: str, cell: Cell, before: Cell | None = None) -> str:
    """A share with its answers, and the same share over the days before when known."""
    if cell.share is None:
        return say(language, "figures_none")
    percent, count = round(100 * cell.share), f"{cell.answers:,}".replace(",", ".")
    key = "figures_too_few" if cell.too_few else "figures_value"
    shown = say(language, key, percent=percent, count=count)
    if before is None or before.share is None:
        return shown
    return shown + say(language, "figures_previous", percent=round(100 * before.share))


def _period(ctx: Context, days: int, back: int = 0) -> tuple[date, date]:
    """The last `days` days, or with `back=1` the `days` days just before them."""
    until = ctx.clock().astimezone(ctx.timezone).date() - timedelta(days=days * back)
    return until - timedelta(days=days - 1), until


async def _report(
    session: AsyncSession,
    ctx: Context,
    days: int,
    ward_id: int | None,
    by: str,
    language: str,
    back: int = 0,
) -> Report:
    since, until = _period(ctx, days, back)
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
    counts = {"unread": 0, "seen": 0, "answered": 0, "overdue": 0, "closed": 0}
    for page in pages:
        counts[page_status(page, ward.deadline_days, ctx.clock())] += 1
    return say(language, "figures_pages", count=len(pages), **counts)


def _period_buttons(language: str, ward: Ward | None) -> tuple[Choice, ...]:
    """The same scope over another period: the ward stays in the button."""
    scope = "" if ward is None else f":{ward.id}"
    return tuple(
        Choice(say(language, "btn_days", days=d), f"{FIGURES}:{d}{scope}") for d in PERIODS
    )


def _rate(language: str, report: Report) -> str:
    """The response rate with the cases it stands on; too few cases are marked, as answers."""
    values = {
        "answered": report.cases_answered,
        "done": report.cases_done,
        "walkins": report.walkin_answers,
    }
    if report.response_rate is None:
        return say(language, "figures_rate", rate="—", **values)
    rate = f"{round(100 * report.response_rate)}%"
    key = "figures_rate_too_few" if report.response_too_few else "figures_rate"
    return say(language, key, rate=rate, **values)


async def figures(
    session: AsyncSession,
    ctx: Context,
    person: Person,
    days: int = DEFAULT_DAYS,
    ward_id: int | None = None,
) -> Response:
    """The summary and the chart for a leader's ward, or for every ward for an admin.

    A leader of several wards is asked which one first (`ward_id` then comes with the
    button); a ward id that is not theirs is refused, so an old button of a removed
    leader shows nothing.
    """
    language = person.language
    assert person.id is not None
    days = min(max(days, 1), 366)
    is_admin = person.platform == "telegram" and person.chat_id in ctx.admins
    wards = await led_wards(session, person.id)
    ward: Ward | None = None
    if ward_id is not None:
        ward = next((w for w in wards if w.id == ward_id), None)
        if ward is None and is_admin:
            ward = await session.get(Ward, ward_id)
        if ward is None:
            return Response(notice=say(language, "not_allowed"))
    elif not is_admin:
        if not wards:
            return Response([Reply(say(language, "figures_not_allowed"))])
        if len(wards) > 1:
            choices = tuple(Choice(w.name, f"{FIGURES}:{days}:{w.id}") for w in wards)
            return Response([Reply(say(language, "figures_choose_ward"), choices)])
        ward = wards[0]
    by = "ward" if ward is None else "element"
    report = await _report(session, ctx, days, ward.id if ward else None, by, language)
    before = await _report(session, ctx, days, ward.id if ward else None, by, language, back=1)
    earlier = {cell.key: cell for cell in before.rows}
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
        say(
            language,
            "figures_overall",
            figure=Html(_figure(language, report.overall, before.overall)),
        ),
    ]
    if ward is None:
        lines.append(say(language, "figures_ranking"))
    for cell in report.rows:
        figure = Html(_figure(language, cell, earlier.get(cell.key)))
        lines.append(say(language, "figures_line", label=cell.label, figure=figure))
    lines.append("")
    lines.append(_rate(language, report))
    lines.append(say(language, "figures_no_opinion", count=report.overall.no_opinion))
    if report.broadcast.answers:  # given without any visit: apart from the figures above
        broadcast = Html(_figure(language, report.broadcast))
        lines.append(say(language, "figures_broadcast_apart", figure=broadcast))
    if ward is None:
        lines.append(await _broadcasts_line(session, ctx, report, language))
    if ward is not None:
        lines.extend(await _ward_details(session, ctx, ward, report, days, language))
    return Response(
        [
            Reply("📊", draw=partial(_chart, report, scope, language)),
            Reply("\n".join(lines), _period_buttons(language, ward), columns=4),
        ]
    )


def _chart(report: Report, title: str, language: str) -> bytes:
    """The chart, drawn once the transaction is over, in a thread (`Reply.draw`)."""
    from handlers.charts import render_chart  # here: matplotlib is a third of start-up

    return render_chart(report, title, language)


async def _broadcasts_line(
    session: AsyncSession, ctx: Context, report: Report, language: str
) -> str:
    """For admins: the period's broadcasts, answered / reached (unique people)."""
    start, end = utc_bounds(ctx.timezone, report.since, report.until)
    count, reached, answered = await broadcast_reach(session, start, end)
    rate = f"{round(100 * answered / reached)}%" if reached else "—"
    return say(
        language, "figures_broadcasts", count=count, reached=reached, answered=answered, rate=rate
    )


async def _ward_details(
    session: AsyncSession, ctx: Context, ward: Ward, report: Report, days: int, language: str
) -> list[str]:
    """A leader's extra lines: the weekly trend, the weakest procedures, the book."""
    assert ward.id is not None
    weeks = await _report(session, ctx, days, ward.id, "week", language)
    lines = [say(language, "figures_trend")]
    for cell in weeks.rows[-WEEKS:]:
        figure = Html(_figure(language, cell))
        lines.append(say(language, "figures_line", label=cell.label, figure=figure))
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
    """A period or ward button: the figures over that many days, for that ward."""
    parts = data.split(":")
    numbers = [data_id(part) for part in parts[1:]]
    if not 1 <= len(numbers) <= 2 or None in numbers:
        return Response(notice=say(person.language, "bad_button"))
    ward_id = numbers[1] if len(numbers) == 2 else None
    return await figures(session, ctx, person, numbers[0] or 0, ward_id)
