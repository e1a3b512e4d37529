"""`/console/ward/{ward}/figures`: the ward's satisfaction figures, charts and downloads.

Leaders and admins only (`office.console_figures.check_reader` says why). The period is
picked with a GET form, so the page works without JavaScript; every table, chart and
workbook is the report `sogopy report` gives for the same days. Charts and workbooks are
drawn in the threadpool: matplotlib and openpyxl would hold the event loop the bot runs on.
"""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.catalogue import office_text
from handlers.charts import render_chart
from office.console_figures import (
    TABLES,
    FiguresTable,
    Period,
    book_sheet,
    chart_alt,
    chart_title,
    check_reader,
    figures_page,
    figures_table,
    percent,
    pick_period,
    xlsx,
)
from office.errors import Invalid, OfficeError
from office.exports import report_table
from office.wards import get_ward
from office.webusers import UserView
from storage.report import TOO_FEW
from web.console import page, ward_user
from web.deps import SessionDep, StateDep
from web.state import HttpState

router = APIRouter(prefix="/console", include_in_schema=False)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Field = Annotated[str, Query(max_length=10)]


async def _reader(
    request: Request, state: HttpState, session: AsyncSession, ward: str
) -> tuple[UserView, str] | Response:
    """The user and the ward's code when the user may read its figures; else the page to
    answer (the login, 403)."""
    found = await ward_user(request, state, session, ward)
    if isinstance(found, Response):
        return found
    try:
        check_reader(found[0])
    except OfficeError as exc:
        return _message(request, state, found[0], exc, office_text("web_forbidden"))
    return found


def _message(
    request: Request, state: HttpState, user: UserView, exc: OfficeError, heading: str
) -> Response:
    return page(
        request, state, "message.html", user=user, status=exc.status, heading=heading,
        error=exc.message,
    )  # fmt: skip


def _today(state: HttpState) -> datetime:
    return state.clock().astimezone(state.zone)


def _xlsx_response(content: bytes, filename: str) -> Response:
    disposition = f'attachment; filename="{filename}"'
    headers = {"Content-Disposition": disposition, "Cache-Control": "no-store"}
    return Response(content, media_type=XLSX, headers=headers)


def _by(by: str) -> str:
    if by not in TABLES:
        choices = ", ".join(TABLES)
        raise Invalid("bad_by", office_text("bad_by", value=by, choices=choices), "by")
    return by


@router.get("/ward/{ward}/figures")
async def figures_view(
    request: Request,
    ward: str,
    state: StateDep,
    session: SessionDep,
    unit: Field = "",
    year: Field = "",
    month: Field = "",
    quarter: Field = "",
) -> Response:
    """The period's tables with the period before beside, each with its chart and workbook."""
    found = await _reader(request, state, session, ward)
    if isinstance(found, Response):
        return found
    user, code = found
    try:
        period = pick_period(unit, year, month, quarter, _today(state).date())
    except OfficeError as exc:
        return _message(request, state, user, exc, office_text("web_figures"))
    kept = await get_ward(session, code)
    tables = await figures_page(session, code, period, state.zone)
    return page(
        request,
        state,
        "figures.html",
        user=user,
        ward_name=kept.name,
        base=f"/console/ward/{kept.code}",
        period=period,
        earlier=period.shifted(-1),
        later=period.shifted(1),
        tables=tables,
        main=tables[0].report,
        units=("month", "quarter", "year"),
        percent=percent,
        alt=chart_alt,
        too_few=TOO_FEW,
    )


async def _table_of(
    request: Request, state: HttpState, session: AsyncSession, ward: str, fields: dict[str, str]
) -> tuple[Period, str, FiguresTable] | Response:
    """The period, ward and table a chart or workbook asks for; else the page to answer."""
    found = await _reader(request, state, session, ward)
    if isinstance(found, Response):
        return found
    user, code = found
    try:
        period = pick_period(
            fields["unit"], fields["year"], fields["month"], fields["quarter"], _today(state).date()
        )
        by = _by(fields["by"])
    except OfficeError as exc:
        return _message(request, state, user, exc, office_text("web_figures"))
    return period, code, await figures_table(session, code, period, state.zone, by)


@router.get("/ward/{ward}/figures/chart.png")
async def figures_chart(
    request: Request,
    ward: str,
    state: StateDep,
    session: SessionDep,
    by: Field = "element",
    unit: Field = "",
    year: Field = "",
    month: Field = "",
    quarter: Field = "",
) -> Response:
    """One table's chart: the chat's matplotlib chart of the same report, as a PNG."""
    fields = {"by": by, "unit": unit, "year": year, "month": month, "quarter": quarter}
    found = await _table_of(request, state, session, ward, fields)
    if isinstance(found, Response):
        return found
    report = found[2].report
    png = await run_in_threadpool(render_chart, report, chart_title(report))
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=300"})


@router.get("/ward/{ward}/figures.xlsx")
async def figures_download(
    request: Request,
    ward: str,
    state: StateDep,
    session: SessionDep,
    by: Field = "element",
    unit: Field = "",
    year: Field = "",
    month: Field = "",
    quarter: Field = "",
) -> Response:
    """One table as the workbook `sogopy report --format xlsx` writes."""
    fields = {"by": by, "unit": unit, "year": year, "month": month, "quarter": quarter}
    found = await _table_of(request, state, session, ward, fields)
    if isinstance(found, Response):
        return found
    period, code, table = found
    sheet = report_table(table.report, made=_today(state).date())
    content = await run_in_threadpool(xlsx, sheet)
    return _xlsx_response(content, f"muc-do-hai-long-{code}-{period.name}-{by}.xlsx")


@router.get("/ward/{ward}/book.xlsx")
async def book_download(
    request: Request, ward: str, state: StateDep, session: SessionDep
) -> Response:
    """The book as `sogopy export book --format xlsx` writes it: «Ẩn danh» unless signed."""
    found = await _reader(request, state, session, ward)
    if isinstance(found, Response):
        return found
    user, code = found
    code, table = await book_sheet(session, code, state.zone, state.clock(), user)
    await state.durable()
    content = await run_in_threadpool(xlsx, table)
    return _xlsx_response(content, f"so-gop-y-{code}.xlsx")
