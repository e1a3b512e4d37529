"""`/console/ward/{ward}/archive.pdf?month=2026-11`: the month's archive, the book of one
month as a PDF to print and file (`office/archive.py`), for the ward's leaders and admins.

The photos are fetched back from the chats by the running bot's `HttpState.photos`;
without it (or when a chat no longer has one) the page names where the photo is kept.
"""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from handlers.catalogue import office_text
from office.archive import may_print, month_archive, print_archive
from office.errors import OfficeError
from web.console import page, ward_user
from web.deps import SessionDep, StateDep, pdf_response

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("/ward/{ward}/archive.pdf")
async def ward_archive(
    request: Request, ward: str, state: StateDep, session: SessionDep, month: str = ""
) -> Response:
    """The month picked on the book page (this month, local time, when none is given)."""
    found = await ward_user(request, state, session, ward)
    if isinstance(found, Response):
        return found
    user, code_of_ward = found
    now = state.clock()
    try:
        may_print(user)
        archive = await month_archive(
            session, code_of_ward, month.strip() or f"{now.astimezone(state.zone):%Y-%m}",
            zone=state.zone, now=now, actor=user.name, actor_kind=user.role.value,
            how="console",
        )  # fmt: skip
    except OfficeError as exc:
        heading = office_text("web_forbidden") if exc.status == 403 else exc.message
        return page(
            request, state, "message.html", user=user, status=exc.status, heading=heading,
            error=exc.message,
        )  # fmt: skip
    printed = await print_archive(archive, state.zone, state.photos)
    return pdf_response(printed.pdf, f"so-gop-y-{archive.ward_code}-{archive.month:%Y-%m}.pdf")
