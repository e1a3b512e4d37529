"""`/console/ward/{ward}/book/{page}/answer`: «Trả lời» from the web, with an optional
photo, previewed as the citizen will read it before «Gửi»; «Không cần trả lời»; and
the photos themselves. The rules are `office/answers.py`'s; a route checks, calls,
renders.
"""

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from handlers.catalogue import office_text
from handlers.markup import html, parse, plain
from office.answers import (
    MAX_PHOTO,
    chat_photo,
    close_page,
    drop_photo,
    keep_photo,
    may_act,
    preview_answer,
    send_answer,
    shared_photo,
    ward_photo,
)
from office.errors import OfficeError
from office.webusers import UserView
from web.console import csrf_ok, not_found, page, refused, ward_user
from web.deps import RowNumber, SessionDep, StateDep
from web.state import HttpState

router = APIRouter(prefix="/console", include_in_schema=False)


def _book(ward: str) -> RedirectResponse:
    return RedirectResponse(f"/console/ward/{ward}/book", status_code=303)


def _failed(request: Request, state: HttpState, user: UserView, exc: OfficeError) -> Response:
    """A refusal that is not about the form's fields: a clerk, a page gone or answered."""
    heading = office_text("web_forbidden") if exc.status == 403 else exc.message
    return page(
        request, state, "message.html", user=user, status=exc.status, heading=heading,
        error=exc.message,
    )  # fmt: skip


def _form(
    request: Request,
    state: HttpState,
    user: UserView,
    ward: str,
    page_no: int,
    *,
    text: str = "",
    photo: str | None = None,
    error: OfficeError | None = None,
) -> Response:
    return page(
        request, state, "answer.html", user=user, status=error.status if error else 200,
        base=f"/console/ward/{ward}", page_no=page_no, text=text, photo=photo,
        error=error.message if error else None,
    )  # fmt: skip


@router.get("/ward/{ward}/book/{page_no}/answer")
async def answer_form(
    request: Request, ward: str, page_no: RowNumber, state: StateDep, session: SessionDep
) -> Response:
    found = await ward_user(request, state, session, ward)
    if isinstance(found, Response):
        return found
    try:
        may_act(found[0])
    except OfficeError as exc:
        return _failed(request, state, found[0], exc)
    return _form(request, state, found[0], found[1], page_no)


@router.post("/ward/{ward}/book/{page_no}/answer")
async def answer_preview(
    request: Request,
    ward: str,
    page_no: RowNumber,
    state: StateDep,
    session: SessionDep,
    text: Annotated[str, Form()] = "",
    photo: Annotated[UploadFile | None, File()] = None,
    kept: Annotated[str, Form()] = "",
    drop: Annotated[bool, Form()] = False,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """The answer typed (and its photo) shown as the citizen will get it; nothing sent."""
    found = await ward_user(request, state, session, ward)
    if isinstance(found, Response):
        return found
    user, code = found
    if not csrf_ok(request, state, csrf):
        return refused(request, state, user)
    token = kept or None
    try:
        if token and drop:
            await drop_photo(session, code, token)
            token = None
        if photo is not None and photo.filename:
            data = await photo.read(MAX_PHOTO + 1)
            new = await keep_photo(session, code, user, data, state.clock())
            if token:
                await drop_photo(session, code, token)
            token = new
        shown = await preview_answer(session, code, page_no, user, text, token)
    except OfficeError as exc:
        if exc.field is None:
            return _failed(request, state, user, exc)
        kept_photo = token if exc.field != "photo" else kept or None
        return _form(request, state, user, code, page_no, text=text, photo=kept_photo, error=exc)
    spans = parse(shown.message)
    message = plain(spans) if shown.platform == "zalo" else Markup(html(spans))
    zalo_without_photo = shown.platform == "zalo" and shown.photo and not state.public_url
    return page(
        request, state, "answer_preview.html", user=user, base=f"/console/ward/{code}",
        preview=shown, message=message, zalo_without_photo=zalo_without_photo,
    )  # fmt: skip


@router.post("/ward/{ward}/book/{page_no}/answer/confirm")
async def answer_confirm(
    request: Request,
    ward: str,
    page_no: RowNumber,
    state: StateDep,
    session: SessionDep,
    text: Annotated[str, Form()] = "",
    photo: Annotated[str, Form()] = "",
    action: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """«Gửi» records and hands the answer to the bot; «Sửa lại» opens the form again;
    «Huỷ» drops it."""
    found = await ward_user(request, state, session, ward)
    if isinstance(found, Response):
        return found
    user, code = found
    if not csrf_ok(request, state, csrf):
        return refused(request, state, user)
    if action == "edit":
        return _form(request, state, user, code, page_no, text=text, photo=photo or None)
    try:
        if action == "cancel":
            if photo:
                await drop_photo(session, code, photo)
            return _book(code)
        await send_answer(
            session, code, page_no, user, text, photo or None, now=state.clock(),
            public_url=state.public_url,
        )  # fmt: skip
    except OfficeError as exc:
        if exc.field is None:
            return _failed(request, state, user, exc)
        return _form(request, state, user, code, page_no, text=text, photo=photo or None, error=exc)
    await state.durable()
    return _book(code)


@router.post("/ward/{ward}/book/{page_no}/close")
async def close(
    request: Request,
    ward: str,
    page_no: RowNumber,
    state: StateDep,
    session: SessionDep,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """«Không cần trả lời»: the page closed with the signature; the citizen thanked."""
    found = await ward_user(request, state, session, ward)
    if isinstance(found, Response):
        return found
    user, code = found
    if not csrf_ok(request, state, csrf):
        return refused(request, state, user)
    try:
        await close_page(session, code, page_no, user, state.clock(), state.zone)
    except OfficeError as exc:
        return _failed(request, state, user, exc)
    await state.durable()
    return _book(code)


def _image(content_type: str, data: bytes, cache: str) -> Response:
    return Response(data, media_type=content_type, headers={"Cache-Control": cache})


@router.get("/ward/{ward}/photo/{token}")
async def photo(
    request: Request, ward: str, token: str, state: StateDep, session: SessionDep
) -> Response:
    """An answer's photo (or a preview's), for the ward's own pages."""
    found = await ward_user(request, state, session, ward)
    if isinstance(found, Response):
        return found
    try:
        kept = await ward_photo(session, found[1], token)
    except OfficeError:
        return not_found(request, state)
    return _image(kept.content_type, kept.data, "private, max-age=3600")


@router.get("/ward/{ward}/book/{page_no}/photo")
async def page_photo(
    request: Request, ward: str, page_no: RowNumber, state: StateDep, session: SessionDep
) -> Response:
    """The citizen's photo of a page, fetched back from the chat that keeps it."""
    found = await ward_user(request, state, session, ward)
    if isinstance(found, Response):
        return found
    try:
        content_type, data = await chat_photo(session, found[1], page_no, state.photos)
    except OfficeError:
        return not_found(request, state)
    return _image(content_type, data, "private, max-age=3600")


@router.get("/shared/{token}")
async def shared(request: Request, token: str, state: StateDep, session: SessionDep) -> Response:
    """A sent answer's photo at its unguessable URL: what a Zalo citizen's chat loads."""
    try:
        kept = await shared_photo(session, token)
    except OfficeError:
        return not_found(request, state)
    return _image(kept.content_type, kept.data, "public, max-age=86400")
