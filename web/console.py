"""`/console`: the office's web console, server-rendered, working without JavaScript.

A session is a signed cookie (itsdangerous) holding the account's id and its
generation, so a password change ends every session. Every form carries a CSRF token:
the signed form of a random value kept in its own cookie (double submit); a POST
without the pair is refused before anything is read. The rules (who sees which ward,
lockout) live in `office/webusers.py`; a route checks, calls, renders.
"""

import hmac
import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from jinja2 import Environment, FileSystemLoader, select_autoescape

from handlers.catalogue import office_text
from office.errors import OfficeError
from office.webusers import (
    UserView,
    change_password,
    check_login_link,
    check_password_link,
    log_in,
    session_user,
    set_password,
    use_login_link,
)
from web.deps import SessionDep, StateDep
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
