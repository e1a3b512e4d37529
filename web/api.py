"""`/api/v1`: the one-stop software's door to the office (cases, figures, the book).

Each route checks the caller's key and scope, calls one office function, and shapes
its answer; the rules live in `office/`.
"""

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Body, Query, Response
from fastapi.concurrency import run_in_threadpool

from office.api_book import book_pages
from office.api_figures import figures
from office.cases import CaseView, get_case, mark_case_done, register_case
from office.figures import span
from office.keys import key_ward
from office.receipts import case_links, qr_png, receipt_pdf
from web.deps import KeyDep, SessionDep, StateDep, pdf_response
from web.errors import ErrorOut
from web.schemas import (
    CASE_EXAMPLES,
    BookOut,
    CaseIn,
    CaseOut,
    FiguresOut,
    Grouping,
    PageStatusName,
    SourceChoice,
)
from web.state import HttpState

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": description}
    for status, description in (
        (401, "thiếu khoá hoặc khoá sai / no key, or a wrong or revoked one"),
        (403, "dữ liệu của phường khác / another ward's data"),
        (404, "không có hồ sơ, phường / no such case or ward"),
        (413, "dữ liệu quá lớn / body too large"),
        (422, "giá trị không hợp lệ, có tên trường / bad input, the field named"),
    )
}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorOut, "description": "mã hồ sơ đã có với phường/thủ tục khác / conflict"},
}

router = APIRouter(prefix="/api/v1", responses=ERRORS)


def _case_out(state: HttpState, case: CaseView) -> CaseOut:
    links = case_links(case, state.telegram_username, state.zalo_name)
    base = f"{state.public_url}/api/v1/cases/{quote(case.code, safe='')}"
    return CaseOut(
        code=case.code,
        ward=case.ward_code,
        ward_name=case.ward_name,
        procedure=case.procedure,
        status=case.status.value,
        received_at=case.received_at,
        desk=case.desk,
        due_at=case.due_at,
        done_at=case.done_at,
        telegram_link=links.telegram,
        short_code=links.short_code,
        zalo_code=links.payload,
        zalo_line=links.zalo_line,
        qr_url=f"{base}/qr.png",
        receipt_url=f"{base}/receipt.pdf",
    )


@router.post(
    "/cases",
    tags=["cases"],
    status_code=201,
    response_model=CaseOut,
    responses={200: {"model": CaseOut, "description": "the same case again"}, **CONFLICT},
    summary="Đăng ký hồ sơ / register a case",
)
async def post_case(
    body: Annotated[CaseIn, Body(openapi_examples=CASE_EXAMPLES)],
    response: Response,
    state: StateDep,
    session: SessionDep,
    key: KeyDep,
) -> CaseOut:
    """201 with the receipt's links for a new case; 200 when the same case (code, ward,
    procedure) was registered before; 409 when the code is taken by another case."""
    ward = await key_ward(session, key, body.ward) or body.ward
    case, created = await register_case(
        session,
        ward=ward,
        code=body.code,
        procedure=body.procedure,
        received_at=body.received_at,
        desk=body.desk,
        due_at=body.due_at,
    )
    await state.durable()
    response.status_code = 201 if created else 200
    return _case_out(state, case)


@router.post(
    "/cases/{code:path}/done",
    tags=["cases"],
    response_model=CaseOut,
    summary="Đã trả kết quả / the result was returned",
)
async def post_case_done(code: str, state: StateDep, session: SessionDep, key: KeyDep) -> CaseOut:
    """The running bot then asks the linked citizen for the survey; again changes nothing."""
    case, _ = await mark_case_done(session, code, ward=key.ward_code, now=state.clock())
    await state.durable()
    return _case_out(state, case)


@router.get(
    "/cases/{code:path}/qr.png",
    tags=["cases"],
    response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "the QR code"}},
    summary="Mã QR của hồ sơ / the case's QR code",
)
async def get_case_qr(code: str, state: StateDep, session: SessionDep, key: KeyDep) -> Response:
    case = await get_case(session, code, ward=key.ward_code)
    text = case_links(case, state.telegram_username, state.zalo_name).qr_text
    return Response(await run_in_threadpool(qr_png, text), media_type="image/png")


@router.get(
    "/cases/{code:path}/receipt.pdf",
    tags=["cases"],
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "an A6 slip"}},
    summary="Phiếu in kèm kết quả / the printable slip",
)
async def get_case_receipt(
    code: str, state: StateDep, session: SessionDep, key: KeyDep
) -> Response:
    case = await get_case(session, code, ward=key.ward_code)
    links = case_links(case, state.telegram_username, state.zalo_name)
    pdf = await run_in_threadpool(receipt_pdf, case, links)
    return pdf_response(pdf, f"phieu-{case.code}.pdf")


@router.get(
    "/cases/{code:path}",
    tags=["cases"],
    response_model=CaseOut,
    summary="Tình trạng hồ sơ / a case and its status",
)
async def get_one_case(code: str, state: StateDep, session: SessionDep, key: KeyDep) -> CaseOut:
    return _case_out(state, await get_case(session, code, ward=key.ward_code))


@router.get(
    "/figures",
    tags=["figures"],
    response_model=FiguresOut,
    summary="Chỉ số hài lòng / satisfaction figures",
)
async def get_figures(
    state: StateDep,
    session: SessionDep,
    key: KeyDep,
    ward: Annotated[str | None, Query(description="mã phường (a ward key: its own)")] = None,
    since: Annotated[date | None, Query(description="từ ngày / first day, YYYY-MM-DD")] = None,
    until: Annotated[date | None, Query(description="đến ngày / last day, YYYY-MM-DD")] = None,
    by: Annotated[
        Grouping,
        Query(description="element, procedure, ward, desk, week, month, quarter or year"),
    ] = "element",
    source: Annotated[
        SourceChoice,
        Query(description="nguồn: visit (hồ sơ và tại quầy), case, walkin, broadcast, all"),
    ] = "visit",
    period: Annotated[
        str | None,
        Query(description="cả tháng/quý/năm: 2026-11, 2026-Q4, 2026 (instead of since/until)"),
    ] = None,
) -> dict[str, Any]:
    """The same figures as `sogopy report --format json` (last 30 days by default)."""
    today = state.clock().astimezone(state.zone).date()
    return await figures(
        session,
        zone=state.zone,
        today=today,
        ward=await key_ward(session, key, ward),
        since=since,
        until=until,
        by=by,
        source=source,
        period=period,
    )


@router.get(
    "/book",
    tags=["book"],
    response_model=BookOut,
    summary="Sổ góp ý / the suggestion book",
)
async def get_book(
    state: StateDep,
    session: SessionDep,
    key: KeyDep,
    ward: Annotated[str | None, Query(description="mã phường (a ward key: its own)")] = None,
    since: Annotated[date | None, Query(description="từ ngày / first day, YYYY-MM-DD")] = None,
    until: Annotated[date | None, Query(description="đến ngày / last day, YYYY-MM-DD")] = None,
    status: Annotated[
        PageStatusName | None, Query(description="chỉ trang ở tình trạng này")
    ] = None,
) -> dict[str, Any]:
    """The pages written in the period (last 30 days by default), by ward and page."""
    now = state.clock()
    today = now.astimezone(state.zone).date()
    first, last = span(since, until, today)
    pages = await book_pages(
        session,
        zone=state.zone,
        today=today,
        now=now,
        ward=await key_ward(session, key, ward),
        since=first,
        until=last,
        status=status,
        reader=f"API key {key.prefix}… {key.name}".strip(),
    )
    return {"since": first, "until": last, "pages": [asdict(page) for page in pages]}
