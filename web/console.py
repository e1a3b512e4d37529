"""`/console`: the office's web console, server-rendered, working without JavaScript.

A session is a signed cookie (itsdangerous) holding the account's id and its
generation, so a password change ends every session. Every form carries a CSRF token:
the signed form of a random value kept in its own cookie (double submit); a POST
without the pair is refused before anything is read. The rules (who sees which ward,
lockout) live in `office/webusers.py`; a route checks, calls, renders.
"""

import hmac
import secrets
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.catalogue import office_text
from office.answers import sign_page
from office.case_import import import_cases, read_table
from office.cases import DESKS, get_case, mark_case_done, register_case
from office.console import STATUSES, recent_cases, recent_procedures, ward_book
from office.errors import Invalid, OfficeError
from office.links import start_link
from office.poster import poster_pdf
from office.receipts import case_links, receipt_pdf
from office.wards import desk_payload, get_ward
from office.webusers import (
    Role,
    UserView,
    change_password,
    check_login_link,
    check_password_link,
    check_ward,
    log_in,
    session_user,
    set_password,
    use_login_link,
)
from web.deps import RowNumber, RowQuery, SessionDep, StateDep, pdf_response
from web.state import HttpState

SESSION_COOKIE = "sogopy_session"
CSRF_COOKIE = "sogopy_csrf"
SESSION_AGE = 12 * 3600  # a working day: then log in again
CSRF_AGE = SESSION_AGE

router = APIRouter(prefix="/console", include_in_schema=False)
templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
)
templates.globals["t"] = office_text


def _signer(state: HttpState, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(state.secret_key, salt=salt)


def _unsign(state: HttpState, salt: str, value: str | None, max_age: int) -> Any:
    if not value:
        return None
    try:
        return _signer(state, salt).loads(value, max_age=max_age)
    except BadSignature:
        return None


async def current_user(request: Request, state: HttpState, session: SessionDep) -> UserView | None:
    """The logged-in account, or None (no cookie, a forged or old one, a changed password)."""
    found = _unsign(state, "session", request.cookies.get(SESSION_COOKIE), SESSION_AGE)
    if not (isinstance(found, list) and len(found) == 2 and all(isinstance(n, int) for n in found)):
        return None
    return await session_user(session, found[0], found[1])


def _csrf_value(request: Request) -> str:
    """This browser's CSRF value: its cookie's, or a new one (set by `_page`)."""
    value = request.cookies.get(CSRF_COOKIE, "")
    return value if 20 <= len(value) <= 64 else secrets.token_urlsafe(24)


def csrf_ok(request: Request, state: HttpState, token: str) -> bool:
    """The form's token is the signed form of this browser's CSRF cookie."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    signed = _unsign(state, "csrf", token, CSRF_AGE)
    return bool(cookie) and isinstance(signed, str) and hmac.compare_digest(signed, cookie)


def _cookie(response: Response, state: HttpState, name: str, value: str, age: int) -> None:
    secure = state.public_url.startswith("https://")
    response.set_cookie(
        name, value, max_age=age, httponly=True, samesite="lax", secure=secure, path="/"
    )


def page(
    request: Request,
    state: HttpState,
    template: str,
    /,
    *,
    user: UserView | None = None,
    status: int = 200,
    **values: Any,
) -> HTMLResponse:
    """A template rendered with the user and a CSRF token for its forms."""
    value = _csrf_value(request)
    csrf = _signer(state, "csrf").dumps(value)
    body = templates.get_template(template).render(user=user, csrf=csrf, **values)
    response = HTMLResponse(body, status_code=status)
    if request.cookies.get(CSRF_COOKIE) != value:
        _cookie(response, state, CSRF_COOKIE, value, CSRF_AGE)
    response.headers["Cache-Control"] = "no-store"
    return response


def refused(request: Request, state: HttpState, user: UserView | None) -> HTMLResponse:
    """A POST without a valid CSRF token: 403, nothing done."""
    return page(
        request,
        state,
        "message.html",
        user=user,
        status=403,
        heading=office_text("web_forbidden"),
        error=office_text("bad_csrf"),
    )


def to_login() -> RedirectResponse:
    return RedirectResponse("/console/login", status_code=303)


@router.get("")
async def home(request: Request, state: StateDep, session: SessionDep) -> Response:
    user = await current_user(request, state, session)
    if user is None:
        return to_login()
    return page(request, state, "home.html", user=user)


@router.get("/login")
async def login_form(request: Request, state: StateDep) -> Response:
    return page(request, state, "login.html", name="")


@router.post("/login")
async def login(
    request: Request,
    state: StateDep,
    session: SessionDep,
    name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    if not csrf_ok(request, state, csrf):
        return refused(request, state, None)
    try:
        user = await log_in(session, name, password, state.clock())
    except OfficeError as exc:
        return page(request, state, "login.html", status=exc.status, name=name, error=exc.message)
    return logged_in(state, user)


def logged_in(state: HttpState, user: UserView) -> RedirectResponse:
    """To the console's home, with the session cookie of `user`."""
    response = RedirectResponse("/console", status_code=303)
    cookie = _signer(state, "session").dumps([user.id, user.generation])
    _cookie(response, state, SESSION_COOKIE, cookie, SESSION_AGE)
    return response


def error_page(
    request: Request, status: int, heading: str, error: str | None, headers: dict[str, str] | None
) -> HTMLResponse:
    """The page `web.errors` answers with under `/console`: a person reads it, not a program."""
    response = page(
        request, request.app.state.http, "message.html", status=status, heading=heading, error=error
    )
    response.headers.update(headers or {})
    return response


def not_found(request: Request, state: HttpState) -> HTMLResponse:
    heading = office_text("web_not_found")
    return page(request, state, "message.html", status=404, heading=heading)


@router.get("/link/{token}")
async def chat_link(request: Request, token: str, state: StateDep, session: SessionDep) -> Response:
    """`/web`'s link: a button to press, so a chat's link preview does not spend it."""
    try:
        account = await check_login_link(session, token, state.clock())
    except OfficeError:
        return not_found(request, state)
    return page(request, state, "chat_login.html", account=account)


@router.post("/link/{token}")
async def chat_link_use(
    request: Request,
    token: str,
    state: StateDep,
    session: SessionDep,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    if not csrf_ok(request, state, csrf):
        return refused(request, state, None)
    try:
        user = await use_login_link(session, token, state.clock())
    except OfficeError:
        return not_found(request, state)
    return logged_in(state, user)


@router.post("/logout")
async def logout(request: Request, state: StateDep, csrf: Annotated[str, Form()] = "") -> Response:
    if not csrf_ok(request, state, csrf):
        return refused(request, state, None)
    response = to_login()
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/password/{token}")
async def password_form(
    request: Request, token: str, state: StateDep, session: SessionDep
) -> Response:
    try:
        account = await check_password_link(session, token, state.clock())
    except OfficeError:
        return not_found(request, state)
    return page(request, state, "set_password.html", account=account)


@router.post("/password/{token}")
async def password_set(
    request: Request,
    token: str,
    state: StateDep,
    session: SessionDep,
    password: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    if not csrf_ok(request, state, csrf):
        return refused(request, state, None)
    try:
        account = await check_password_link(session, token, state.clock())
        await set_password(session, token, password, state.clock())
    except OfficeError as exc:
        if exc.status == 404:
            return not_found(request, state)
        return page(
            request,
            state,
            "set_password.html",
            status=exc.status,
            account=account,
            error=exc.message,
        )
    note = office_text("web_password_set")
    return page(request, state, "login.html", name=account.name, note=note)


@router.post("/password")
async def password_change(
    request: Request,
    state: StateDep,
    session: SessionDep,
    old: Annotated[str, Form()] = "",
    new: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    user = await current_user(request, state, session)
    if user is None:
        return to_login()
    if not csrf_ok(request, state, csrf):
        return refused(request, state, user)
    try:
        await change_password(session, user.id, old, new, state.clock())
    except OfficeError as exc:
        return page(request, state, "home.html", user=user, status=exc.status, error=exc.message)
    response = page(
        request, state, "login.html", name=user.name, note=office_text("web_password_set")
    )
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def ward_user(
    request: Request, state: HttpState, session: AsyncSession, ward: str
) -> tuple[UserView, str] | Response:
    """The user and the ward's code when the user may see it; else the page to answer
    (the login, or 403)."""
    user = await current_user(request, state, session)
    if user is None:
        return to_login()
    try:
        return user, check_ward(user, ward)
    except OfficeError as exc:
        heading = office_text("web_forbidden")
        return page(request, state, "message.html", user=user, status=exc.status, heading=heading)


async def ward_page(
    request: Request,
    state: HttpState,
    session: AsyncSession,
    user: UserView,
    ward: str,
    *,
    status: int = 200,
    form: dict[str, str] | None = None,
    **values: Any,
) -> HTMLResponse:
    kept = await get_ward(session, ward)
    zone = state.zone

    def when(moment: datetime) -> str:
        return moment.astimezone(zone).strftime("%d/%m/%Y %H:%M")

    return page(
        request,
        state,
        "ward.html",
        user=user,
        status=status,
        ward_name=kept.name,
        base=f"/console/ward/{kept.code}",
        cases=await recent_cases(session, kept.code),
        procedures=await recent_procedures(session, kept.code),
        form=form or {"code": "", "procedure": "", "desk": ""},
        when=when,
        **values,
    )


@router.get("/ward/{ward}")
async def ward_cases(
    request: Request, ward: str, state: StateDep, session: SessionDep, made: str = ""
) -> Response:
    """The clerk's page: register a case, list the recent ones, mark returned ones."""
    found = await ward_user(request, state, session, ward)
    if isinstance(found, Response):
        return found
    return await ward_page(request, state, session, found[0], found[1], made=made)


@router.post("/ward/{ward}/cases")
async def ward_register(
    request: Request,
    ward: str,
    state: StateDep,
    session: SessionDep,
    code: Annotated[str, Form()] = "",
    procedure: Annotated[str, Form()] = "",
    desk: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    found = await ward_user(request, state, session, ward)
    if isinstance(found, Response):
        return found
    user, code_of_ward = found
    if not csrf_ok(request, state, csrf):
        return refused(request, state, user)
    form = {"code": code, "procedure": procedure, "desk": desk}
    try:
        if desk.strip() and not desk.strip().isdecimal():  # isdigit() takes "²", int() not
            raise Invalid("bad_desk", office_text("web_bad_desk"), "desk")
        case, _ = await register_case(
            session,
            ward=code_of_ward,
            code=code,
            procedure=procedure,
            desk=int(desk) if desk.strip() else None,
        )
    except OfficeError as exc:
        return await ward_page(
            request, state, session, user, code_of_ward, status=exc.status, form=form,
            error=exc.message,
        )  # fmt: skip
    await state.durable()
    made = quote(case.code, safe="")
    return RedirectResponse(f"/console/ward/{code_of_ward}?made={made}", status_code=303)


@router.post("/ward/{ward}/done")
async def ward_done(
    request: Request,
    ward: str,
    state: StateDep,
    session: SessionDep,
    codes: Annotated[list[str] | None, Form()] = None,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Mark the picked cases returned; the running bot then asks their citizens."""
    found = await ward_user(request, state, session, ward)
    if isinstance(found, Response):
        return found
    user, code_of_ward = found
    if not csrf_ok(request, state, csrf):
        return refused(request, state, user)
    marked = 0
    try:
        for code in codes or []:
            _, changed = await mark_case_done(session, code, ward=code_of_ward, now=state.clock())
            marked += changed
    except OfficeError as exc:
        return await ward_page(
            request, state, session, user, code_of_ward, status=exc.status, error=exc.message
        )
    await state.durable()
    note = office_text("web_marked_done", count=marked)
    return await ward_page(request, state, session, user, code_of_ward, note=note)


@router.get("/ward/{ward}/cases/{code:path}/receipt.pdf")
async def ward_receipt(
    request: Request, ward: str, code: str, state: StateDep, session: SessionDep
) -> Response:
    """The case's slip, the API's PDF, opened in the browser to print."""
    found = await ward_user(request, state, session, ward)
    if isinstance(found, Response):
        return found
    try:
        case = await get_case(session, code, ward=found[1])
    except OfficeError:
        return not_found(request, state)
    links = case_links(case, state.telegram_username, state.zalo_name)
    pdf = await run_in_threadpool(receipt_pdf, case, links)
    return pdf_response(pdf, f"phieu-{case.code}.pdf")


@router.get("/ward/{ward}/poster.pdf")
async def ward_poster(
    request: Request,
    ward: str,
    state: StateDep,
    session: SessionDep,
    desk: Annotated[int | None, Query(ge=DESKS[0], le=DESKS[1])] = None,
) -> Response:
    """The desk poster: the walk-in survey's QR and six-digit code, on A4."""
    found = await ward_user(request, state, session, ward)
    if isinstance(found, Response):
        return found
    kept = await get_ward(session, found[1])
    payload, short_code = await desk_payload(session, kept.code, desk)
    username = state.telegram_username
    qr_text = start_link(username, payload) if username else payload
    pdf = await run_in_threadpool(poster_pdf, kept.name, qr_text, short_code, desk)
    return pdf_response(pdf, f"ap-phich-{kept.code}.pdf")


def _read_upload(name: str, data: bytes) -> list[list[object]]:
    """The rows of an uploaded export, read as `sogopy case import` reads a file."""
    suffix = Path(name).suffix.lower()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"export{suffix}"
        path.write_bytes(data)
        return read_table(path)


@router.post("/ward/{ward}/import")
async def ward_import(
    request: Request,
    ward: str,
    state: StateDep,
    session: SessionDep,
    file: Annotated[UploadFile | None, File()] = None,
    done: Annotated[bool, Form()] = False,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """The one-stop software's daily export: cases registered (and returned ones marked
    done), with the summary `sogopy case import` prints."""
    found = await ward_user(request, state, session, ward)
    if isinstance(found, Response):
        return found
    user, code_of_ward = found
    if not csrf_ok(request, state, csrf):
        return refused(request, state, user)
    try:
        if file is None or not file.filename:
            raise Invalid("import_bad_kind", office_text("import_bad_kind", file="-"), "file")
        data = await file.read()
        rows = await run_in_threadpool(_read_upload, file.filename, data)
        summary = await import_cases(
            session, rows, ward=code_of_ward, zone=state.zone, done=done, now=state.clock()
        )
    except OfficeError as exc:
        return await ward_page(
            request, state, session, user, code_of_ward, status=exc.status, error=exc.message
        )
    await state.durable()
    return await ward_page(request, state, session, user, code_of_ward, summary=summary)


@router.get("/ward/{ward}/book")
async def ward_book_page(
    request: Request,
    ward: str,
    state: StateDep,
    session: SessionDep,
    status: str = "",
    q: str = "",
    order: str = "newest",
    after: RowQuery = None,
    before: RowQuery = None,
) -> Response:
    """The book: filtered by status and text, newest or oldest first, a screen at a time
    (`after`/`before` a page number); «Ẩn danh» unless signed."""
    found = await ward_user(request, state, session, ward)
    if isinstance(found, Response):
        return found
    user, code_of_ward = found
    kept = await get_ward(session, code_of_ward)
    chosen = status if status in STATUSES else None
    screen = await ward_book(
        session, code_of_ward, now=state.clock(), reader=user.name,
        reader_kind=user.role.value, status=chosen, text=q,
        newest_first=order != "oldest", after=after, before=before,
    )  # fmt: skip
    kept_filters = {"status": chosen or "", "q": q, "order": order}
    zone = state.zone
    return page(
        request,
        state,
        "book.html",
        user=user,
        ward_name=kept.name,
        statuses=STATUSES,
        picked=chosen,
        base=f"/console/ward/{kept.code}",
        can_sign=user.role is not Role.CLERK,
        q=q,
        newest=order != "oldest",
        lines=screen.lines,
        later=f"?{urlencode({**kept_filters, 'after': screen.later})}" if screen.later else None,
        earlier=(
            f"?{urlencode({**kept_filters, 'before': screen.earlier})}" if screen.earlier else None
        ),
        when=lambda moment: moment.astimezone(zone).strftime("%d/%m/%Y %H:%M"),
        this_month=f"{state.clock().astimezone(zone):%Y-%m}",  # the archive's month picker
    )


@router.post("/ward/{ward}/book/{page_no}/seen")
async def ward_book_seen(
    request: Request,
    ward: str,
    page_no: RowNumber,
    state: StateDep,
    session: SessionDep,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """«Đã xem» from the web: the running bot redraws every leader's notification and
    sends the citizen's line from its outbox (both written with the signature)."""
    found = await ward_user(request, state, session, ward)
    if isinstance(found, Response):
        return found
    user, code_of_ward = found
    if not csrf_ok(request, state, csrf):
        return refused(request, state, user)
    try:
        await sign_page(session, code_of_ward, page_no, user, state.clock(), state.zone)
    except OfficeError as exc:
        heading = office_text("web_forbidden") if exc.status == 403 else exc.message
        return page(
            request, state, "message.html", user=user, status=exc.status, heading=heading,
            error=exc.message,
        )  # fmt: skip
    await state.durable()
    return RedirectResponse(f"/console/ward/{code_of_ward}/book", status_code=303)
