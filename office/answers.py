"""A leader's acts on a page from the web: «Đã xem», «Trả lời» (with a photo), and
«Không cần trả lời», with the chat's rules (`handlers/leaders.py`).

A leader of the ward or an admin acts; one signature and one answer, each taken with a
conditional UPDATE so two leaders (chat and web) acting at once leave one; answering or
closing an unsigned page signs it. The page's change, the citizen's message (a row of
the replies' outbox) and the redraw of every leader's notification commit in one
transaction: the running bot sends all of them, or nothing happened.

A photo attached on the web is kept as bytes (`WebPhoto`), named on the page as
`web:<token>`: a Telegram citizen gets it uploaded (sendPhoto), a Zalo citizen by its
public URL when `SOGOPY_PUBLIC_URL` is set (Zalo's sendPhoto takes a URL, nothing else),
else the line saying Zalo cannot show it.
"""

import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.catalogue import office_text, say
from handlers.events import Address, Reply
from handlers.leaders import citizen_answer, leadership, signature
from office import outbox
from office.errors import Conflict, Forbidden, Invalid, NotFound
from office.privacy import queue_redraws
from office.wards import get_ward
from office.webusers import Role, UserView
from storage.models import ERASED, BookPage, Person, Ward, WebPhoto, WebUser

PhotoSource = Callable[[Sequence[str]], Awaitable[dict[str, bytes]]]  # `bot.photos.ChatPhotos`
WEB_PHOTO = "web:"  # BookPage.answer_photo_file_id of a photo attached on the web
MAX_PHOTO = 5 * 1024 * 1024  # bytes; Telegram takes 10 MB, the outbox row holds it as text
MAX_ANSWER = 4000  # characters: one Telegram message, with the ward's heading
PHOTO_TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
PREVIEW_KEPT = timedelta(days=1)  # a photo of a preview never sent is dropped after this
SHARED_PATH = "/console/shared/"  # + token: the public URL Zalo fetches a photo from


@dataclass(frozen=True)
class Acted:
    """What a leader's act did: the page, and the name it was signed with."""

    page: int
    name: str


@dataclass(frozen=True)
class Preview:
    """The answer as the citizen will get it (`message` in the replies' markup, shown as
    their platform shows it), before anything leaves."""

    page: int
    text: str
    photo: str | None  # the WebPhoto's token
    message: str
    platform: str


def may_act(user: UserView, refusal: str = "answer_not_allowed") -> None:
    """A leader or an admin acts on pages; a clerk is refused."""
    if user.role not in (Role.LEADER, Role.ADMIN):
        raise Forbidden(refusal, office_text(refusal))


async def _leader_page(
    session: AsyncSession, ward: str, page_no: int, user: UserView, refusal: str
) -> tuple[Ward, BookPage, str, int | None]:
    """The ward, the page, the name the user signs with (their chat signature when the
    account is tied to a leader's chat) and that leader's person id; a clerk is refused."""
    may_act(user, refusal)
    kept = await get_ward(session, ward)
    found = await session.exec(
        select(BookPage).where(BookPage.ward_id == kept.id, BookPage.page_no == page_no)
    )
    page = found.first()
    if page is None:
        raise NotFound("no_page", office_text("no_page", page=page_no))
    account = await session.get(WebUser, user.id)
    person_id = account.person_id if account is not None else None
    held = await leadership(session, person_id, kept.id) if person_id and kept.id else None
    return kept, page, signature(held) if held is not None else user.name, person_id


async def _sign(
    session: AsyncSession, page: BookPage, name: str, who: int | None, now: datetime
) -> bool:
    """The page's one signature, unless it has one; True when this call signed it."""
    signed = await session.exec(  # type: ignore[call-overload]
        update(BookPage)
        .where(col(BookPage.id) == page.id, col(BookPage.seen_at).is_(None))
        .values(seen_by_id=who, seen_by_name=name, seen_at=now)
    )
    return bool(signed.rowcount == 1)


async def _citizen(session: AsyncSession, page: BookPage) -> Person | None:
    """The page's author, if there is still a chat to tell."""
    citizen = await session.get(Person, page.person_id)
    return None if citizen is None or citizen.platform == ERASED else citizen


async def _tell(
    session: AsyncSession,
    kept: Ward,
    page: BookPage,
    key: str,
    name: str,
    now: datetime,
    zone: ZoneInfo,
) -> None:
    """The citizen's line (read, or closed), in the outbox, in this transaction."""
    citizen = await _citizen(session, page)
    if citizen is None:
        return
    time = now.astimezone(zone).strftime("%d/%m/%Y %H:%M")
    told = say(citizen.language, key, ward=kept.name, page=page.page_no, name=name, time=time)
    address = Address(citizen.platform, citizen.chat_id)
    outbox.add(session, {address: [Reply(told, to=address)]}, "console", now)


async def sign_page(
    session: AsyncSession, ward: str, page_no: int, user: UserView, now: datetime, zone: ZoneInfo
) -> Acted:
    """«Đã xem» from the web: signed once; the citizen told and every leader's notification
    redrawn by the running bot (nothing more when the page was signed already)."""
    kept, page, name, who = await _leader_page(session, ward, page_no, user, "sign_not_allowed")
    if not await _sign(session, page, name, who, now):
        await session.rollback()
        await session.refresh(page)
        return Acted(page.page_no, page.seen_by_name or name)
    await session.refresh(page)
    await _tell(session, kept, page, "citizen_seen", name, now, zone)
    await queue_redraws(session, [page])
    await session.commit()
    return Acted(page.page_no, name)


async def close_page(
    session: AsyncSession, ward: str, page_no: int, user: UserView, now: datetime, zone: ZoneInfo
) -> Acted:
    """«Không cần trả lời»: the page is closed with the signature (signed if it was not),
    never overdue; the citizen is thanked. A page answered or closed already is refused."""
    kept, page, name, who = await _leader_page(session, ward, page_no, user, "answer_not_allowed")
    closed = await session.exec(  # type: ignore[call-overload]
        update(BookPage)
        .where(col(BookPage.id) == page.id, col(BookPage.answered_at).is_(None))
        .values(no_answer=True, answered_by_id=who, answered_by_name=name, answered_at=now)
    )
    if closed.rowcount != 1:
        await session.rollback()
        raise Conflict("already_answered", office_text("web_already_answered"))
    await _sign(session, page, name, who, now)
    await session.refresh(page)
    await _tell(session, kept, page, "citizen_thanked", name, now, zone)
    await queue_redraws(session, [page])
    await session.commit()
    return Acted(page.page_no, name)


def photo_type(data: bytes) -> str:
    """The photo's type, read from its first bytes (a browser's word is not enough)."""
    if not data:
        raise Invalid("bad_photo", office_text("web_photo_bad"), "photo")
    if len(data) > MAX_PHOTO:
        size = MAX_PHOTO // (1024 * 1024)
        raise Invalid("big_photo", office_text("web_photo_big", size=size), "photo")
    for magic, kind in PHOTO_TYPES.items():
        if data.startswith(magic):
            return kind
    raise Invalid("bad_photo", office_text("web_photo_bad"), "photo")


async def keep_photo(
    session: AsyncSession, ward: str, user: UserView, data: bytes, now: datetime
) -> str:
    """A photo uploaded for an answer's preview, checked and kept; its token. Photos of
    previews left unsent for a day go at the same time."""
    may_act(user, "answer_not_allowed")
    kind = photo_type(data)
    kept = await get_ward(session, ward)
    assert kept.id is not None
    await session.exec(  # type: ignore[call-overload]
        delete(WebPhoto).where(
            col(WebPhoto.page_id).is_(None), col(WebPhoto.created_at) < now - PREVIEW_KEPT
        )
    )
    token = secrets.token_urlsafe(32)
    session.add(
        WebPhoto(token=token, ward_id=kept.id, content_type=kind, data=data, created_at=now)
    )
    await session.commit()
    return token


async def ward_photo(session: AsyncSession, ward: str, token: str) -> WebPhoto:
    """A photo of the ward's answers (or of a preview), for the console to show."""
    kept = await get_ward(session, ward)
    found = await session.exec(
        select(WebPhoto).where(WebPhoto.token == token, WebPhoto.ward_id == kept.id)
    )
    photo = found.first()
    if photo is None:
        raise NotFound("no_photo", office_text("web_photo_gone"), "photo")
    return photo


async def shared_photo(session: AsyncSession, token: str) -> WebPhoto:
    """A photo sent with an answer, for the public URL a Zalo citizen's chat loads; a
    preview's photo is not shared."""
    found = await session.exec(
        select(WebPhoto).where(WebPhoto.token == token, col(WebPhoto.page_id).is_not(None))
    )
    photo = found.first()
    if photo is None:
        raise NotFound("no_photo", office_text("web_photo_gone"), "photo")
    return photo


async def chat_photo(
    session: AsyncSession, ward: str, page_no: int, photos: PhotoSource | None
) -> tuple[str, bytes]:
    """A page's photo (the citizen's, as the chat keeps it: a Telegram file id or a Zalo
    URL) for the book page: its type and bytes, fetched back from the chat, since the bot
    stores no picture. NotFound when the page has none or the chat no longer gives it."""
    kept = await get_ward(session, ward)
    found = await session.exec(
        select(BookPage.photo_file_id).where(
            BookPage.ward_id == kept.id, BookPage.page_no == page_no
        )
    )
    reference = found.first()
    await session.commit()  # the read ends here: fetching holds no connection
    fetched = await photos([reference]) if photos is not None and reference else {}
    data = fetched.get(reference or "")
    if data is None:
        raise NotFound("no_photo", office_text("web_photo_in_chat"), "photo")
    try:
        return photo_type(data), data
    except Invalid:
        raise NotFound("no_photo", office_text("web_photo_in_chat"), "photo") from None


def web_photo(page: BookPage) -> str | None:
    """The token of the answer's photo when it was attached on the web (its bytes:
    `ward_photo`), for the book page and the archive."""
    reference = page.answer_photo_file_id or ""
    return reference.removeprefix(WEB_PHOTO) if reference.startswith(WEB_PHOTO) else None


async def web_photos(
    session: AsyncSession, ward: Ward, references: list[str | None]
) -> dict[str, bytes]:
    """The bytes of the answers' photos attached on the web, by page reference
    (`web:<token>`), for the archive, which prints them without asking any chat."""
    tokens = [
        ref.removeprefix(WEB_PHOTO) for ref in references if ref and ref.startswith(WEB_PHOTO)
    ]
    if not tokens:
        return {}
    found = await session.exec(
        select(WebPhoto).where(col(WebPhoto.token).in_(tokens), WebPhoto.ward_id == ward.id)
    )
    return {WEB_PHOTO + photo.token: photo.data for photo in found.all()}


async def drop_photo(session: AsyncSession, ward: str, token: str) -> None:
    """A preview's photo, cancelled («Huỷ», or removed from the draft)."""
    kept = await get_ward(session, ward)
    await session.exec(  # type: ignore[call-overload]
        delete(WebPhoto).where(
            col(WebPhoto.token) == token,
            col(WebPhoto.ward_id) == kept.id,
            col(WebPhoto.page_id).is_(None),
        )
    )
    await session.commit()


async def _draft(
    session: AsyncSession, ward: str, page_no: int, user: UserView, text: str, photo: str | None
) -> tuple[BookPage, str, int | None, WebPhoto | None]:
    """The chat's checks of an answer: a page not answered yet, some words or a photo."""
    _, page, name, who = await _leader_page(session, ward, page_no, user, "answer_not_allowed")
    if page.answered_at is not None:
        raise Conflict("already_answered", office_text("web_already_answered"))
    attached = await ward_photo(session, ward, photo) if photo else None
    if attached is not None and attached.page_id is not None:
        raise NotFound("no_photo", office_text("web_photo_gone"), "photo")
    if not text.strip() and attached is None:
        raise Invalid("answer_empty", office_text("web_answer_empty"), "text")
    if len(text) > MAX_ANSWER:
        raise Invalid("answer_long", office_text("web_answer_long", limit=MAX_ANSWER), "text")
    return page, name, who, attached


async def preview_answer(
    session: AsyncSession, ward: str, page_no: int, user: UserView, text: str, photo: str | None
) -> Preview:
    """The answer exactly as the citizen will read it; nothing is written or sent."""
    page, _, _, attached = await _draft(session, ward, page_no, user, text, photo)
    citizen = await session.get(Person, page.person_id)
    platform = citizen.platform if citizen is not None else ERASED
    shown = await citizen_answer(session, page, text, None)
    token = attached.token if attached is not None else None
    return Preview(page.page_no, text, token, shown[-1].text, platform)


async def send_answer(
    session: AsyncSession,
    ward: str,
    page_no: int,
    user: UserView,
    text: str,
    photo: str | None,
    *,
    now: datetime,
    public_url: str = "",
) -> Acted:
    """«Gửi»: the answer recorded once (signing the page if unsigned), the citizen's
    messages in the outbox and the leaders' notifications to redraw, in one commit."""
    page, name, who, attached = await _draft(session, ward, page_no, user, text, photo)
    reference = WEB_PHOTO + attached.token if attached is not None else None
    answered = await session.exec(  # type: ignore[call-overload]
        update(BookPage)
        .where(col(BookPage.id) == page.id, col(BookPage.answered_at).is_(None))
        .values(
            answer_text=text, answer_photo_file_id=reference, answered_by_id=who,
            answered_by_name=name, answered_at=now,
        )
    )  # fmt: skip
    if answered.rowcount != 1:
        await session.rollback()
        raise Conflict("already_answered", office_text("web_already_answered"))
    await _sign(session, page, name, who, now)  # an answered page counts as seen
    await session.refresh(page)
    if attached is not None:
        attached.page_id = page.id
    citizen = await _citizen(session, page)
    if citizen is not None:
        link, image = None, attached.data if attached is not None else None
        if attached is not None and citizen.platform == "zalo" and public_url:
            link, image = public_url.rstrip("/") + SHARED_PATH + attached.token, None
        replies = await citizen_answer(session, page, text, link, image)
        outbox.add(session, {Address(citizen.platform, citizen.chat_id): replies}, "console", now)
    await queue_redraws(session, [page])
    await session.commit()
    return Acted(page.page_no, name)
