"""`/console/admin/…`: the city admin's pages. Every ward ranked, a ward's leaders and
invites (with a QR code to scan), API keys, broadcasts with their live progress.

City admins only (`office.webusers.check_admin`): these are what `sogopy ward`,
`leader`, `apikey` and `broadcast` do, which the brief gives to the office, not to a
ward's leaders; a leader who could invite leaders could hand the book's signature to
anyone. Each route checks the role, then the CSRF token, calls the same office
function as the CLI, and renders. A broadcast paused or cancelled here is a changed
row that the sending bot reads again within a second, exactly as with the CLI's
`broadcast cancel` and the chat's buttons.
"""

import base64
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.catalogue import office_text, say
from office.broadcasts import (
    BroadcastView,
    broadcast_status,
    cancel_broadcast,
    create_broadcast,
    list_broadcasts,
    parse_local_time,
    pause_broadcast,
    resume_broadcast,
)
from office.errors import Invalid, NotFound, OfficeError
from office.figures import named_period
from office.keys import create_key, list_keys, revoke_key
from office.leaders import (
    invite_leader,
    list_invites,
    list_leaders,
    remove_leader,
    revoke_invite_id,
)
from office.links import start_link
from office.ranking import ward_ranking
from office.receipts import qr_png
from office.surveys import list_surveys
from office.wards import get_ward, list_wards
from office.webusers import UserView, check_admin
from storage.broadcasts import PAUSABLE
from storage.models import BroadcastStatus, RecipientStatus
from web.console import csrf_ok, current_user, not_found, page, refused, to_login
from web.deps import RowNumber, SessionDep, StateDep
from web.state import HttpState

router = APIRouter(prefix="/console", include_in_schema=False)

CITY = "*"  # the key form's choice for a city-wide key: no ward code has a "*"
MONTHS, QUARTERS, YEARS = 12, 4, 3  # periods the ranking's picker offers, newest first
FINISHED = (BroadcastStatus.DONE, BroadcastStatus.CANCELLED)


async def admin_user(
    request: Request, state: HttpState, session: AsyncSession, csrf: str | None = None
) -> UserView | Response:
    """The logged-in admin; else the login page, or 403 for a clerk or a leader, or (a
    POST passes its form's `csrf`) 403 for a form without this browser's token."""
    user = await current_user(request, state, session)
    if user is None:
        return to_login()
    try:
        check_admin(user)
    except OfficeError as exc:
        heading = office_text("web_forbidden")
        return page(
            request, state, "message.html", user=user, status=exc.status, heading=heading,
            error=exc.message,
        )  # fmt: skip
    if csrf is not None and not csrf_ok(request, state, csrf):
        return refused(request, state, user)
    return user


async def open_wards(session: AsyncSession) -> list[Any]:
    """The wards a new key or broadcast may name: not removed."""
    return [row for row in await list_wards(session) if row.removed_at is None]


def _when(state: HttpState) -> Callable[[datetime | None], str]:
    """Local "dd/mm/yyyy HH:MM" of a UTC instant, "" for none (for the templates)."""

    def when(moment: datetime | None) -> str:
        return moment.astimezone(state.zone).strftime("%d/%m/%Y %H:%M") if moment else ""

    return when


def percent(share: float | None) -> str:
    """82.66% as Vietnamese write it, "82,7%"; "–" when nothing was counted."""
    return "–" if share is None else f"{share * 100:.1f}%".replace(".", ",")


# ---- every ward ranked ----------------------------------------------------------------


def periods(today: date) -> list[tuple[str, str]]:
    """The picker's periods, each as (`named_period`'s value, its Vietnamese name)."""
    shown: list[tuple[str, str]] = []
    index = today.year * 12 + today.month - 1
    for back in range(MONTHS):
        year, month = divmod(index - back, 12)
        shown.append(
            (f"{year}-{month + 1:02d}", office_text("web_month", month=month + 1, year=year))
        )
    quarter = (today.month - 1) // 3
    for back in range(QUARTERS):
        year, number = divmod(today.year * 4 + quarter - back, 4)
        label = office_text("report_quarter", quarter=number + 1, year=year)
        shown.append((f"{year}-Q{number + 1}", label))
    for back in range(YEARS):
        shown.append((str(today.year - back), office_text("web_year", year=today.year - back)))
    return shown


@router.get("/admin/wards")
async def ranking(
    request: Request, state: StateDep, session: SessionDep, period: str = ""
) -> Response:
    """Every ward ranked by share satisfied over a month, quarter or year."""
    found = await admin_user(request, state, session)
    if isinstance(found, Response):
        return found
    today = state.clock().astimezone(state.zone).date()
    choices = periods(today)
    chosen = period.strip() or choices[0][0]
    values: dict[str, Any] = {
        "choices": choices,
        "chosen": chosen,
        "ranking": None,
        "percent": percent,
    }
    try:
        since, until = named_period(chosen)
        values["ranking"] = await ward_ranking(session, zone=state.zone, since=since, until=until)
    except OfficeError as exc:
        return page(
            request, state, "admin_wards.html", user=found, status=exc.status, error=exc.message,
            **values,
        )  # fmt: skip
    return page(request, state, "admin_wards.html", user=found, **values)


# ---- a ward: its leaders and invites --------------------------------------------------


async def ward_admin_page(
    request: Request,
    state: HttpState,
    session: AsyncSession,
    user: UserView,
    ward: str,
    *,
    status: int = 200,
    **values: Any,
) -> HTMLResponse:
    """The ward's page with `values` (a note, an error, the invite just made)."""
    kept = await get_ward(session, ward)
    return page(
        request,
        state,
        "admin_ward.html",
        user=user,
        status=status,
        ward=kept,
        leaders=await list_leaders(session, kept.code),
        invites=await list_invites(session, kept.code, state.clock()),
        when=_when(state),
        **values,
    )


async def _ward_or_404(
    request: Request, state: HttpState, session: AsyncSession, user: UserView, ward: str
) -> str | Response:
    """The ward's code, or the page answering a ward that does not exist (or an
    ambiguous name, with the wards it may be)."""
    try:
        return (await get_ward(session, ward)).code
    except NotFound:
        return not_found(request, state)
    except OfficeError as exc:
        heading = office_text("web_not_found")
        return page(
            request, state, "message.html", user=user, status=exc.status, heading=heading,
            error=exc.message,
        )  # fmt: skip


@router.get("/admin/wards/{ward}")
async def ward_admin(request: Request, ward: str, state: StateDep, session: SessionDep) -> Response:
    """A ward's page: its figures' links, leaders, invites still open, a new invite."""
    found = await admin_user(request, state, session)
    if isinstance(found, Response):
        return found
    code = await _ward_or_404(request, state, session, found, ward)
    if isinstance(code, Response):
        return code
    return await ward_admin_page(request, state, session, found, code)


def invite_link(state: HttpState, token: str) -> str:
    """What the leader scans or opens: the bot's start link, or the payload to send
    `/start` with when the bot's name is not known yet (no Telegram connected)."""
    payload = f"l_{token}"
    return start_link(state.telegram_username, payload) if state.telegram_username else payload


@router.post("/admin/wards/{ward}/invites")
async def ward_invite(
    request: Request,
    ward: str,
    state: StateDep,
    session: SessionDep,
    name: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
    days: Annotated[str, Form()] = "7",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """A one-time invite, as `sogopy leader invite`: its link and QR code, shown now."""
    found = await admin_user(request, state, session, csrf)
    if isinstance(found, Response):
        return found
    code = await _ward_or_404(request, state, session, found, ward)
    if isinstance(code, Response):
        return code
    form = {"name": name, "title": title, "days": days}
    try:
        if not days.strip().isdecimal():  # isdigit() takes "²", int() does not
            raise Invalid("bad_days", office_text("web_bad_days"), "days")
        invite = await invite_leader(
            session, code, int(days), state.clock(), name=name.strip() or None,
            title=title.strip() or None,
        )  # fmt: skip
    except OfficeError as exc:
        return await ward_admin_page(
            request, state, session, found, code, status=exc.status, error=exc.message, form=form
        )
    await state.durable()
    link = invite_link(state, invite.token)
    qr = base64.b64encode(await run_in_threadpool(qr_png, link, 6)).decode()
    made = {"link": link, "qr": qr, "expires_at": invite.expires_at}
    return await ward_admin_page(request, state, session, found, code, made=made)


@router.post("/admin/wards/{ward}/invites/{invite_id}/revoke")
async def ward_invite_revoke(
    request: Request,
    ward: str,
    invite_id: RowNumber,
    state: StateDep,
    session: SessionDep,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """An invite not used yet stops working, as `sogopy leader revoke-invite`."""
    found = await admin_user(request, state, session, csrf)
    if isinstance(found, Response):
        return found
    code = await _ward_or_404(request, state, session, found, ward)
    if isinstance(code, Response):
        return code
    try:
        await revoke_invite_id(session, invite_id, code, state.zone)
    except OfficeError as exc:
        return await ward_admin_page(
            request, state, session, found, code, status=exc.status, error=exc.message
        )
    await state.durable()
    note = office_text("web_invite_revoked")
    return await ward_admin_page(request, state, session, found, code, note=note)


@router.get("/admin/wards/{ward}/leaders/{leader_id}/remove")
async def leader_remove_confirm(
    request: Request, ward: str, leader_id: RowNumber, state: StateDep, session: SessionDep
) -> Response:
    """Ask first: removing a leader ends their access at once."""
    found = await admin_user(request, state, session)
    if isinstance(found, Response):
        return found
    code = await _ward_or_404(request, state, session, found, ward)
    if isinstance(code, Response):
        return code
    leader = next((one for one in await list_leaders(session, code) if one.id == leader_id), None)
    if leader is None:
        return not_found(request, state)
    return page(
        request,
        state,
        "confirm.html",
        user=found,
        heading=office_text("web_remove_leader_ask", name=leader.name),
        explain=office_text("web_remove_leader_explain"),
        action=f"/console/admin/wards/{code}/leaders/{leader_id}/remove",
        button=office_text("web_remove_leader"),
        back=f"/console/admin/wards/{code}",
    )


@router.post("/admin/wards/{ward}/leaders/{leader_id}/remove")
async def leader_remove(
    request: Request,
    ward: str,
    leader_id: RowNumber,
    state: StateDep,
    session: SessionDep,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """`sogopy leader remove`: the person loses the ward at once, old buttons included."""
    found = await admin_user(request, state, session, csrf)
    if isinstance(found, Response):
        return found
    code = await _ward_or_404(request, state, session, found, ward)
    if isinstance(code, Response):
        return code
    try:
        leadership, kept = await remove_leader(session, leader_id, state.zone, code)
    except OfficeError as exc:
        return await ward_admin_page(
            request, state, session, found, code, status=exc.status, error=exc.message
        )
    await state.durable()
    note = office_text("web_leader_removed", name=leadership.name)
    return await ward_admin_page(request, state, session, found, kept.code, note=note)


# ---- API keys -------------------------------------------------------------------------


async def keys_page(
    request: Request,
    state: HttpState,
    session: AsyncSession,
    user: UserView,
    *,
    status: int = 200,
    **values: Any,
) -> HTMLResponse:
    """The keys page with `values` (a note, an error, the key just made)."""
    wards = await open_wards(session)
    return page(
        request,
        state,
        "admin_keys.html",
        user=user,
        status=status,
        keys=await list_keys(session),
        wards=wards,
        city=CITY,
        when=_when(state),
        **values,
    )


@router.get("/admin/keys")
async def keys(request: Request, state: StateDep, session: SessionDep) -> Response:
    """The HTTP API's keys, revoked ones too, and a form for a new one."""
    found = await admin_user(request, state, session)
    if isinstance(found, Response):
        return found
    return await keys_page(request, state, session, found)


@router.post("/admin/keys")
async def key_create(
    request: Request,
    state: StateDep,
    session: SessionDep,
    ward: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """`sogopy apikey create`: the key is on this page once, never again."""
    found = await admin_user(request, state, session, csrf)
    if isinstance(found, Response):
        return found
    try:
        if not ward.strip():
            raise Invalid("key_scope", office_text("web_key_scope_missing"), "ward")
        view, secret = await create_key(session, ward=None if ward == CITY else ward, name=name)
    except OfficeError as exc:
        form = {"ward": ward, "name": name}
        return await keys_page(
            request, state, session, found, status=exc.status, error=exc.message, form=form
        )
    await state.durable()
    return await keys_page(request, state, session, found, made=view, secret=secret)


@router.get("/admin/keys/{key_id}/revoke")
async def key_revoke_confirm(
    request: Request, key_id: RowNumber, state: StateDep, session: SessionDep
) -> Response:
    """Ask first: the one-stop software using the key is refused from then on."""
    found = await admin_user(request, state, session)
    if isinstance(found, Response):
        return found
    key = next((one for one in await list_keys(session) if one.id == key_id), None)
    if key is None:
        return not_found(request, state)
    scope = key.ward_code or office_text("web_city")
    return page(
        request,
        state,
        "confirm.html",
        user=found,
        heading=office_text("web_revoke_key_ask", prefix=key.prefix, scope=scope),
        explain=office_text("web_revoke_key_explain"),
        action=f"/console/admin/keys/{key_id}/revoke",
        button=office_text("web_revoke_key"),
        back="/console/admin/keys",
    )


@router.post("/admin/keys/{key_id}/revoke")
async def key_revoke(
    request: Request,
    key_id: RowNumber,
    state: StateDep,
    session: SessionDep,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """`sogopy apikey revoke`: refused at once; revoking twice changes nothing."""
    found = await admin_user(request, state, session, csrf)
    if isinstance(found, Response):
        return found
    try:
        view, _ = await revoke_key(session, key_id)
    except OfficeError as exc:
        return await keys_page(request, state, session, found, status=exc.status, error=exc.message)
    await state.durable()
    note = office_text("web_key_revoked", prefix=view.prefix)
    return await keys_page(request, state, session, found, note=note)


# ---- broadcasts -----------------------------------------------------------------------


def state_label(status: str) -> str:
    """A broadcast's state in the chat's words ("Đang gửi…", "Đã tạm dừng")."""
    return say("vi", f"bc_state_{status}")


def progress_json(view: BroadcastView) -> dict[str, object]:
    """What the broadcast page's script shows: the numbers and the state."""
    report, status = view.progress, view.broadcast.status
    return {
        "id": view.broadcast.id,
        "status": status,
        "state": state_label(status),
        "total": report.audience,
        "sent": report.delivered,
        "failed": report.count(RecipientStatus.FAILED),
        "blocked": report.count(RecipientStatus.BLOCKED),
        "skipped": report.count(RecipientStatus.SKIPPED),
        "pending": report.remaining,
        "processed": report.audience - report.remaining,
        "answered": report.answered,
    }


async def survey_titles(state: HttpState) -> dict[str, str]:
    """The library's surveys, key to Vietnamese title (files read off the event loop)."""
    surveys, _ = await run_in_threadpool(list_surveys, state.survey_folders)
    return {key: survey.title["vi"] for key, survey in surveys.items()}


async def broadcasts_page(
    request: Request,
    state: HttpState,
    session: AsyncSession,
    user: UserView,
    *,
    status: int = 200,
    **values: Any,
) -> HTMLResponse:
    """The broadcasts page with `values` (an error and the form as typed)."""
    titles = await survey_titles(state)
    wards = await open_wards(session)
    return page(
        request,
        state,
        "admin_broadcasts.html",
        user=user,
        status=status,
        broadcasts=await list_broadcasts(session),
        surveys=sorted(titles.items()),
        titles=titles,
        wards=wards,
        state_label=state_label,
        when=_when(state),
        **values,
    )


@router.get("/admin/broadcasts")
async def broadcasts(request: Request, state: StateDep, session: SessionDep) -> Response:
    """The newest broadcasts with their progress, and a form for a new one."""
    found = await admin_user(request, state, session)
    if isinstance(found, Response):
        return found
    return await broadcasts_page(request, state, session, found)


@router.post("/admin/broadcasts")
async def broadcast_create(
    request: Request,
    state: StateDep,
    session: SessionDep,
    survey: Annotated[str, Form()] = "",
    wards: Annotated[list[str] | None, Form()] = None,
    at: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """`sogopy broadcast create`: the running bot sends it, now or at its time."""
    found = await admin_user(request, state, session, csrf)
    if isinstance(found, Response):
        return found
    try:
        # a datetime-local field sends "2026-11-26T08:30"
        when = parse_local_time(at.replace("T", " "), state.zone) if at.strip() else None
        view = await create_broadcast(
            session, survey=survey, folders=state.survey_folders, wards=wards or [], at=when,
            quiet=state.quiet, created_by=f"web {found.name}"[:64],
        )  # fmt: skip
    except OfficeError as exc:
        form = {"survey": survey, "wards": wards or [], "at": at}
        return await broadcasts_page(
            request, state, session, found, status=exc.status, error=exc.message, form=form
        )
    await state.durable()
    return RedirectResponse(f"/console/admin/broadcasts/{view.broadcast.id}", status_code=303)


async def _broadcast_view(
    request: Request, state: HttpState, session: AsyncSession, broadcast_id: int
) -> BroadcastView | Response:
    try:
        return await broadcast_status(session, broadcast_id)
    except OfficeError:
        return not_found(request, state)


async def broadcast_page(
    request: Request,
    state: HttpState,
    user: UserView,
    view: BroadcastView,
    *,
    status: int = 200,
    **values: Any,
) -> HTMLResponse:
    """One broadcast's page: the buttons that apply to its state, the script if it may
    still change."""
    current = view.broadcast.status
    return page(
        request,
        state,
        "admin_broadcast.html",
        user=user,
        status=status,
        view=view,
        numbers=progress_json(view),
        can_pause=current in PAUSABLE,
        can_resume=current == BroadcastStatus.PAUSED,
        finished=current in FINISHED,
        titles=await survey_titles(state),
        when=_when(state),
        **values,
    )


DONE_NOTES = ("paused", "resumed", "cancelled")  # after a POST: what the page says was done


@router.get("/admin/broadcasts/{broadcast_id}")
async def broadcast(
    request: Request, broadcast_id: RowNumber, state: StateDep, session: SessionDep, done: str = ""
) -> Response:
    """One broadcast: its numbers (kept fresh by a small script), pause, resume, cancel."""
    found = await admin_user(request, state, session)
    if isinstance(found, Response):
        return found
    view = await _broadcast_view(request, state, session, broadcast_id)
    if isinstance(view, Response):
        return view
    note = office_text(f"web_broadcast_{done}") if done in DONE_NOTES else None
    return await broadcast_page(request, state, found, view, note=note)


@router.get("/admin/broadcasts/{broadcast_id}/progress")
async def broadcast_progress(
    request: Request, broadcast_id: RowNumber, state: StateDep, session: SessionDep
) -> Response:
    """The numbers as JSON, for the page's script; 401/403/404 as JSON too."""
    user = await current_user(request, state, session)
    if user is None:
        return JSONResponse({"error": office_text("web_login_again")}, status_code=401)
    try:
        check_admin(user)
        view = await broadcast_status(session, broadcast_id)
    except OfficeError as exc:
        return JSONResponse({"error": exc.message}, status_code=exc.status)
    return JSONResponse(progress_json(view), headers={"Cache-Control": "no-store"})


async def _control(
    request: Request,
    state: HttpState,
    session: AsyncSession,
    broadcast_id: int,
    csrf: str,
    act: Callable[[AsyncSession, int], Awaitable[object]],
    done: str,
) -> Response:
    """Pause, resume or cancel: refused ones are shown on the broadcast's page."""
    found = await admin_user(request, state, session, csrf)
    if isinstance(found, Response):
        return found
    try:
        await act(session, broadcast_id)
    except NotFound:
        return not_found(request, state)
    except OfficeError as exc:
        view = await broadcast_status(session, broadcast_id)
        return await broadcast_page(
            request, state, found, view, status=exc.status, error=exc.message
        )
    await state.durable()
    return RedirectResponse(
        f"/console/admin/broadcasts/{broadcast_id}?done={done}", status_code=303
    )


@router.post("/admin/broadcasts/{broadcast_id}/pause")
async def broadcast_pause(
    request: Request,
    broadcast_id: RowNumber,
    state: StateDep,
    session: SessionDep,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    return await _control(request, state, session, broadcast_id, csrf, pause_broadcast, "paused")


@router.post("/admin/broadcasts/{broadcast_id}/resume")
async def broadcast_resume(
    request: Request,
    broadcast_id: RowNumber,
    state: StateDep,
    session: SessionDep,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    return await _control(request, state, session, broadcast_id, csrf, resume_broadcast, "resumed")


@router.get("/admin/broadcasts/{broadcast_id}/cancel")
async def broadcast_cancel_confirm(
    request: Request, broadcast_id: RowNumber, state: StateDep, session: SessionDep
) -> Response:
    """Ask first: a cancelled broadcast cannot be taken up again."""
    found = await admin_user(request, state, session)
    if isinstance(found, Response):
        return found
    view = await _broadcast_view(request, state, session, broadcast_id)
    if isinstance(view, Response):
        return view
    return page(
        request,
        state,
        "confirm.html",
        user=found,
        heading=office_text("web_cancel_broadcast_ask", id=broadcast_id),
        explain=office_text(
            "web_cancel_broadcast_explain",
            sent=view.progress.delivered,
            pending=view.progress.remaining,
        ),
        action=f"/console/admin/broadcasts/{broadcast_id}/cancel",
        button=office_text("web_cancel_broadcast"),
        back=f"/console/admin/broadcasts/{broadcast_id}",
    )


@router.post("/admin/broadcasts/{broadcast_id}/cancel")
async def broadcast_cancel(
    request: Request,
    broadcast_id: RowNumber,
    state: StateDep,
    session: SessionDep,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    return await _control(
        request, state, session, broadcast_id, csrf, cancel_broadcast, "cancelled"
    )
