"""Ward leaders: joining by invite, the page notifications, signing «Đã xem», answering.

A leader's right is checked on every action against an active leadership of the
page's ward, so a removed leader loses access at once, old buttons included. The
signature is taken with one conditional UPDATE: two leaders pressing together leave
exactly one signature, and both messages show that one.
"""

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.catalogue import Html, say, shorten
from handlers.context import Context
from handlers.events import Address, Choice, Incoming, Reply, Response, data_id
from office.audit import record_page_views
from storage.models import (
    BookPage,
    Case,
    Dialog,
    Draft,
    Invite,
    Leadership,
    Notice,
    Person,
    Ward,
)
from storage.queries import kind_of
from storage.text import NAME_LENGTH, clip

SEEN, ANSWER, BOOK = "v", "r", "b"  # callback data: v:<page id>, r:<page id>, b:<ward>:<page no>
# issue 11: n:<page id> closes a page needing no answer, h:<page id> sends its photo,
# u:<last page id shown> the next unread pages, e:<draft id>:<s send|e edit|c cancel>
NO_ANSWER, PHOTO, MORE, REVIEW = "n", "h", "u", "e"
INVITE = "l"  # start payload: l_<invite token>
BLOCKED = "blocked"  # Notice.failed for a leader who had blocked the bot: sent again on return
UNREAD_BATCH = 5  # pages per /chuaxem message batch: 300 unread pages are not 300 messages
NOTICE_TEXT = 3000  # a notification stays one message (edited in place); the rest follows it
NOTICE_ANSWER = 500


def _page_parts(page: BookPage) -> tuple[str, str]:
    """The page's text as the notice shows it, and the rest, for the continuation."""
    head = clip(page.text, NOTICE_TEXT - 1)
    excess = len(head.encode("utf-16-le")) // 2 - (NOTICE_TEXT - 1)  # Telegram counts an emoji 2
    if excess > 0:
        head = clip(head, len(head) - excess)
    return head, page.text[len(head) :]


def continuation(page: BookPage, ward: Ward, language: str) -> list[Reply]:
    """What a notification cannot hold, as a message of its own: leaders read every word."""
    rest = _page_parts(page)[1]
    if not rest:
        return []
    return [Reply(say(language, "notice_more", ward=ward.name, page=page.page_no, text=rest))]


async def leadership(session: AsyncSession, person_id: int, ward_id: int) -> Leadership | None:
    result = await session.exec(
        select(Leadership).where(
            Leadership.person_id == person_id,
            Leadership.ward_id == ward_id,
            col(Leadership.removed_at).is_(None),
        )
    )
    return result.first()


async def led_wards(session: AsyncSession, person_id: int) -> list[Ward]:
    result = await session.exec(
        select(Ward)
        .join(Leadership, col(Leadership.ward_id) == Ward.id)
        .where(Leadership.person_id == person_id, col(Leadership.removed_at).is_(None))
        .order_by(col(Ward.code))
    )
    return list(result.all())


async def join(
    session: AsyncSession, ctx: Context, person: Person, token: str, user_name: str
) -> Response:
    """/start l_<token>: a valid invite makes this account a leader of its ward, once."""
    language = person.language
    now = ctx.clock()
    invite = (await session.exec(select(Invite).where(Invite.token == token))).first()
    if invite is None or invite.revoked_at is not None or invite.expires_at <= now:
        return Response([Reply(say(language, "invite_bad"))])
    ward = await session.get(Ward, invite.ward_id)
    assert ward is not None and person.id is not None and ward.id is not None
    won = False
    if invite.used_at is None:  # one use: of chats opening it at once, exactly one wins
        taken = await session.exec(  # type: ignore[call-overload]
            update(Invite)
            .where(col(Invite.id) == invite.id, col(Invite.used_at).is_(None))
            .values(used_at=now, used_by_id=person.id)
        )
        won = taken.rowcount == 1
        await session.refresh(invite)
    if not won:
        if invite.used_by_id != person.id:
            return Response([Reply(say(language, "invite_used"))])
        if await leadership(session, person.id, ward.id):
            return Response([Reply(say(language, "already_leader", ward=ward.name))])
        return Response([Reply(say(language, "invite_bad"))])
    name = invite.name or user_name.strip() or "?"
    existing = (
        await session.exec(
            select(Leadership).where(
                Leadership.person_id == person.id, Leadership.ward_id == ward.id
            )
        )
    ).first()
    if existing is None:
        existing = Leadership(person_id=person.id, ward_id=ward.id, name=name, joined_at=now)
        session.add(existing)
    else:  # back after a removal
        existing.removed_at, existing.name, existing.joined_at = None, name, now
    existing.invite_id, existing.title = invite.id, invite.title
    await session.flush()
    if person.role != "admin":
        person.role = "leader"
    person.name = name
    welcome = say(language, "leader_welcome", name=name, ward=ward.name)
    if invite.name is None or invite.title is None:  # the signature is asked once, here
        asked = "leader_ask_name" if invite.name is None else "leader_ask_title"
        person.dialog = Dialog.LEADER_NAME if invite.name is None else Dialog.LEADER_TITLE
        person.dialog_ref = existing.id
        welcome = f"{welcome}\n\n{say(language, asked)}"
    return Response([Reply(welcome)])


def signature(leadership: Leadership) -> str:
    """How a leader signs a page: "Nguyễn Văn A, Chủ tịch UBND phường" (name alone without
    a title), within the column that keeps it."""
    name = " ".join(leadership.name.split())
    title = " ".join((leadership.title or "").split())
    return clip(f"{name}, {title}" if title else name, NAME_LENGTH)


def signature_prompt(person: Person) -> Reply:
    """What a joining leader is asked: their official name, then their title."""
    asked = "leader_ask_name" if person.dialog == Dialog.LEADER_NAME else "leader_ask_title"
    return Reply(say(person.language, asked))


async def on_signature_text(session: AsyncSession, person: Person, event: Incoming) -> Response:
    """A new leader's official name, then title: what their signature on every page reads."""
    language = person.language
    held = await session.get(Leadership, person.dialog_ref) if person.dialog_ref else None
    if held is None or held.person_id != person.id or held.removed_at is not None:
        person.dialog, person.dialog_ref = Dialog.IDLE, None
        return Response([Reply(say(language, "not_allowed"))])
    typed = clip(" ".join(event.text.split()), NAME_LENGTH)
    if not typed:
        return Response([signature_prompt(person)])
    if person.dialog == Dialog.LEADER_NAME:
        held.name = person.name = typed
        if held.title is None:
            person.dialog = Dialog.LEADER_TITLE
            return Response([Reply(say(language, "leader_ask_title"))])
    else:
        held.title = typed
    person.dialog, person.dialog_ref = Dialog.IDLE, None
    return Response([Reply(say(language, "leader_signature_set", signature=signature(held)))])


async def notify_again(session: AsyncSession, person: Person) -> None:
    """A leader who had blocked the bot writes again: the notices the block stopped are sent
    (by the outbox, oldest first, once; only while they still lead the page's ward)."""
    await session.exec(
        update(Notice)  # type: ignore[arg-type]
        .where(
            col(Notice.person_id) == person.id,
            col(Notice.failed) == BLOCKED,
            col(Notice.sent_at).is_(None),
        )
        .values(failed=None, claimed_at=None)
    )


async def answer_prompt(session: AsyncSession, person: Person, page_id: int) -> Reply:
    """What a leader who pressed «Trả lời» is asked for."""
    page = await session.get(BookPage, page_id)
    ward = await session.get(Ward, page.ward_id) if page is not None else None
    if page is None or ward is None:
        return Reply(say(person.language, "bad_button"))
    return Reply(say(person.language, "ask_answer", page=page.page_no, ward=ward.name))


async def queue_notices(session: AsyncSession, page: BookPage) -> None:
    """The page's notifications to every active leader of its ward, in the page's transaction."""
    result = await session.exec(
        select(Leadership.person_id).where(
            Leadership.ward_id == page.ward_id, col(Leadership.removed_at).is_(None)
        )
    )
    for person_id in result.all():
        session.add(Notice(page_id=page.id, person_id=person_id, created_at=page.created_at))


async def render_notice(
    session: AsyncSession, ctx: Context, page: BookPage, language: str
) -> Reply:
    """A page as a leader sees it: never who wrote an anonymous one."""
    ward = await session.get(Ward, page.ward_id)
    assert ward is not None
    case_line = ""
    if page.case_id is not None:
        case = await session.get(Case, page.case_id)
        if case is not None:
            case_line = say(language, "notice_case", code=case.code, procedure=case.procedure)
    author = page.author_name if page.signed and page.author_name else say(language, "anonymous")
    lines = [
        say(
            language,
            "notice",
            ward=ward.name,
            page=page.page_no,
            time=ctx.local_time(page.created_at),
            case=Html(case_line),
            author=author,
            text=_shown(page) or say(language, "photo_only"),
        )
    ]
    if page.seen_at is not None:
        name = page.seen_by_name or "?"
        lines.append(say(language, "notice_seen", name=name, time=ctx.local_time(page.seen_at)))
    if page.no_answer and page.answered_at is not None:
        name = page.answered_by_name or "?"
        time = ctx.local_time(page.answered_at)
        lines.append(say(language, "notice_no_answer", name=name, time=time))
    elif page.answered_at is not None:
        lines.append(
            say(
                language,
                "notice_answered",
                name=page.answered_by_name or "?",
                time=ctx.local_time(page.answered_at),
                answer=shorten(page.answer_text or "", NOTICE_ANSWER),
            )
        )
    choices: list[Choice] = []
    if page.seen_at is None:
        choices.append(Choice(say(language, "btn_seen"), f"{SEEN}:{page.id}"))
    if page.answered_at is None:
        choices.append(Choice(say(language, "btn_answer"), f"{ANSWER}:{page.id}"))
        choices.append(Choice(say(language, "btn_no_answer"), f"{NO_ANSWER}:{page.id}"))
    if page.photo_file_id:
        choices.append(Choice(say(language, "btn_photo"), f"{PHOTO}:{page.id}"))
    return Reply("\n\n".join(lines), tuple(choices), columns=2)


def _shown(page: BookPage) -> str:
    head, rest = _page_parts(page)
    return f"{head}…" if rest else head


async def notice_message(
    session: AsyncSession, ctx: Context, notice: Notice
) -> tuple[Address, list[Reply], list[Reply]] | None:
    """What the outbox sends for one notice (the last of them is the message later edited),
    then its continuation; None when its leader is no longer one."""
    page = await session.get(BookPage, notice.page_id)
    leader = await session.get(Person, notice.person_id)
    if page is None or leader is None or leader.id is None:
        return None
    if await leadership(session, leader.id, page.ward_id) is None:
        return None
    replies = []
    if page.photo_file_id:
        replies.append(Reply("📷", photo=page.photo_file_id))
    replies.append(await render_notice(session, ctx, page, leader.language))
    ward = await session.get(Ward, page.ward_id)
    assert ward is not None
    more = continuation(page, ward, leader.language)
    return Address(leader.platform, leader.chat_id), replies, more


async def _refresh_notices(
    session: AsyncSession, ctx: Context, page: BookPage, pressed: Reply | None = None
) -> list[Reply]:
    """Edits that make every leader's notification of the page show its current state."""
    result = await session.exec(
        select(Notice, Person)
        .join(Person, col(Person.id) == Notice.person_id)
        .where(Notice.page_id == page.id, col(Notice.message_id).is_not(None))
    )
    edits = []
    for notice, leader in result.all():
        shown = await render_notice(session, ctx, page, leader.language)
        address = Address(leader.platform, leader.chat_id)
        edits.append(
            Reply(shown.text, shown.choices, columns=2, to=address, edit=notice.message_id)
        )
    if pressed is not None and not any(
        e.to == pressed.to and e.edit == pressed.edit for e in edits
    ):
        edits.append(pressed)
    return edits


async def page_edits(session: AsyncSession, ctx: Context, page: BookPage) -> list[Reply]:
    """The leaders' notifications of a page redrawn as it now is (its author erased or hidden)."""
    return await _refresh_notices(session, ctx, page)


async def _page_for_leader(
    session: AsyncSession, person: Person, data: str
) -> tuple[BookPage, Leadership] | str:
    """The page a leader's button names with the leadership that allows it, or the notice
    to show instead."""
    page_id = data_id(data.partition(":")[2])
    page = await session.get(BookPage, page_id) if page_id is not None else None
    if page is None:
        return "bad_button"
    assert person.id is not None
    held = await leadership(session, person.id, page.ward_id)
    if held is None:
        return "not_allowed"
    return page, held


async def on_seen(session: AsyncSession, ctx: Context, person: Person, event: Incoming) -> Response:
    """«Đã xem»: sign the page once; every notification shows the one signature."""
    language = person.language
    found = await _page_for_leader(session, person, event.choice)
    if isinstance(found, str):
        return Response(notice=say(language, found))
    page, held = found
    replies: list[Reply] = []
    now = ctx.clock()
    signed = await session.exec(  # type: ignore[call-overload]
        update(BookPage)
        .where(col(BookPage.id) == page.id, col(BookPage.seen_at).is_(None))
        .values(seen_by_id=person.id, seen_by_name=signature(held), seen_at=now)
    )
    await session.refresh(page)
    if signed.rowcount == 1:
        told = await _tell_citizen(session, ctx, page, "citizen_seen", signature(held), now)
        replies.append(told)
    mine = await render_notice(session, ctx, page, language)
    pressed = Reply(
        mine.text,
        mine.choices,
        columns=2,
        to=event.address,
        edit=event.message_id,
        replaces=True,  # Zalo: the short "signed" line, not the whole page again
        news=say(language, "signed_notice"),
    )
    replies[:0] = await _refresh_notices(session, ctx, page, pressed)
    return Response(replies, notice=say(language, "signed_notice"))


async def _tell_citizen(
    session: AsyncSession, ctx: Context, page: BookPage, key: str, signed: str, at: datetime
) -> Reply:
    """The citizen hears that a leader read (or closed) their page, with the signature."""
    citizen = await session.get(Person, page.person_id)
    ward = await session.get(Ward, page.ward_id)
    assert citizen is not None and ward is not None
    values = {"ward": ward.name, "page": page.page_no, "name": signed, "time": ctx.local_time(at)}
    to_citizen = Address(citizen.platform, citizen.chat_id)
    return Reply(say(citizen.language, key, **values), to=to_citizen)


async def on_answer_start(
    session: AsyncSession, ctx: Context, person: Person, event: Incoming
) -> Response:
    """«Trả lời»: the next message from this leader is the page's answer."""
    language = person.language
    found = await _page_for_leader(session, person, event.choice)
    if isinstance(found, str):
        return Response(notice=say(language, found))
    page = found[0]
    await drop_review(session, person)
    if page.answered_at is not None:
        return Response(notice=say(language, "already_answered_page"))
    ward = await session.get(Ward, page.ward_id)
    assert ward is not None
    person.dialog, person.dialog_ref = Dialog.LEADER_ANSWER, page.id
    return Response([Reply(say(language, "ask_answer", page=page.page_no, ward=ward.name))])


async def on_answer_text(
    session: AsyncSession, ctx: Context, person: Person, event: Incoming
) -> Response:
    """The leader's answer (text, photo as evidence): kept as a draft and shown exactly as
    the citizen will get it, with «Gửi», «Sửa lại», «Huỷ»; nothing leaves before «Gửi»."""
    language = person.language
    if person.dialog == Dialog.LEADER_REVIEW:  # typed again over the preview: a new version
        draft = await session.get(Draft, person.dialog_ref) if person.dialog_ref else None
        person.dialog_ref = draft.page_id if draft is not None else None
        await drop_review(session, person)
    page = await session.get(BookPage, person.dialog_ref) if person.dialog_ref else None
    person.dialog, person.dialog_ref = Dialog.IDLE, None
    assert person.id is not None
    if page is None or await leadership(session, person.id, page.ward_id) is None:
        return Response([Reply(say(language, "not_allowed"))])
    if page.answered_at is not None:
        return Response([Reply(say(language, "already_answered_page"))])
    if not event.text.strip() and not event.photo:
        person.dialog, person.dialog_ref = Dialog.LEADER_ANSWER, page.id
        return Response([Reply(say(language, "answer_empty"))])
    draft = Draft(
        person_id=person.id,
        ward_id=page.ward_id,
        page_id=page.id,
        text=event.text,
        photo_file_id=event.photo,
        created_at=ctx.clock(),
    )
    session.add(draft)
    await session.flush()
    person.dialog, person.dialog_ref = Dialog.LEADER_REVIEW, draft.id
    return Response(await review(session, person, draft))


async def review(session: AsyncSession, person: Person, draft: Draft) -> list[Reply]:
    """The draft answer as the citizen will see it, under a line saying nothing left yet."""
    page = await session.get(BookPage, draft.page_id)
    assert page is not None
    language = person.language
    shown = await citizen_answer(session, page, draft.text or "", draft.photo_file_id)
    buttons = tuple(
        Choice(say(language, f"btn_answer_{key}"), f"{REVIEW}:{draft.id}:{key[0]}")
        for key in ("send", "edit", "cancel")
    )
    last = shown[-1]
    preview = [Reply(text=r.text, photo=r.photo) for r in shown[:-1]]
    preview.append(Reply(last.text, buttons, columns=3))
    return [Reply(say(language, "answer_preview", page=page.page_no)), *preview]


async def citizen_answer(
    session: AsyncSession,
    page: BookPage,
    text: str,
    photo: str | None,
    image: bytes | None = None,
) -> list[Reply]:
    """The answer's messages as the citizen gets them (the photo first, as evidence): a
    photo the platform knows (`photo`: its id or URL), or one to upload (`image`, the web's)."""
    citizen = await session.get(Person, page.person_id)
    ward = await session.get(Ward, page.ward_id)
    assert citizen is not None and ward is not None
    to_citizen = Address(citizen.platform, citizen.chat_id)
    shown = photo or image is not None
    replies = [Reply("📷", to=to_citizen, photo=photo, image=image)] if shown else []
    answer = say(citizen.language, "citizen_answer", ward=ward.name, page=page.page_no, answer=text)
    replies.append(Reply(answer, to=to_citizen))
    return replies


async def drop_review(session: AsyncSession, person: Person) -> None:
    """The draft answer shown for review goes (sent, cancelled, replaced, or left)."""
    if person.dialog == Dialog.LEADER_REVIEW and person.dialog_ref is not None:
        draft = await session.get(Draft, person.dialog_ref)
        if draft is not None and draft.person_id == person.id and draft.page_id is not None:
            await session.delete(draft)
    person.dialog, person.dialog_ref = Dialog.IDLE, None


async def on_review(
    session: AsyncSession, ctx: Context, person: Person, event: Incoming
) -> Response:
    """«Gửi» sends the answer shown, «Sửa lại» asks for it again, «Huỷ» drops it."""
    language = person.language
    parts = event.choice.split(":")
    draft_id = data_id(parts[1]) if len(parts) == 3 else None
    draft = await session.get(Draft, draft_id) if draft_id is not None else None
    current = person.dialog == Dialog.LEADER_REVIEW and person.dialog_ref == draft_id
    if draft is None or draft.page_id is None or draft.person_id != person.id or not current:
        return Response(notice=say(language, "bad_button"))
    page = await session.get(BookPage, draft.page_id)
    assert page is not None and person.id is not None
    shown = await review(session, person, draft)
    done = Reply(shown[-1].text, edit=event.message_id)  # the preview loses its buttons
    await drop_review(session, person)
    if await leadership(session, person.id, page.ward_id) is None:
        return Response([done], notice=say(language, "not_allowed"))
    if parts[2] == "c":
        return Response([done, Reply(say(language, "answer_cancelled"))])
    if parts[2] == "e" and page.answered_at is None:
        person.dialog, person.dialog_ref = Dialog.LEADER_ANSWER, page.id
        return Response([done, await answer_prompt(session, person, page.id)])
    if page.answered_at is not None:
        return Response([done, Reply(say(language, "already_answered_page"))])
    held = await leadership(session, person.id, page.ward_id)
    assert held is not None
    now = ctx.clock()
    name = signature(held)
    answered = await session.exec(  # type: ignore[call-overload]
        update(BookPage)  # one answer, even against the web's at the same moment
        .where(col(BookPage.id) == page.id, col(BookPage.answered_at).is_(None))
        .values(
            answer_text=draft.text or "", answer_photo_file_id=draft.photo_file_id,
            answered_by_id=person.id, answered_by_name=name, answered_at=now,
        )
    )  # fmt: skip
    if answered.rowcount != 1:
        return Response([done, Reply(say(language, "already_answered_page"))])
    await session.exec(  # type: ignore[call-overload]
        update(BookPage)  # an answered page counts as seen
        .where(col(BookPage.id) == page.id, col(BookPage.seen_at).is_(None))
        .values(seen_by_id=person.id, seen_by_name=name, seen_at=now)
    )
    await session.refresh(page)
    replies = [done, Reply(say(language, "answer_sent", page=page.page_no))]
    replies.extend(await citizen_answer(session, page, page.answer_text, draft.photo_file_id))
    replies.extend(await _refresh_notices(session, ctx, page))
    return Response(replies)


async def on_no_answer(
    session: AsyncSession, ctx: Context, person: Person, event: Incoming
) -> Response:
    """«Không cần trả lời»: the page (a compliment) is closed with the leader's signature;
    it is never overdue, and the citizen is thanked."""
    language = person.language
    found = await _page_for_leader(session, person, event.choice)
    if isinstance(found, str):
        return Response(notice=say(language, found))
    page, held = found
    now, name = ctx.clock(), signature(held)
    closed = await session.exec(  # type: ignore[call-overload]
        update(BookPage)
        .where(col(BookPage.id) == page.id, col(BookPage.answered_at).is_(None))
        .values(no_answer=True, answered_by_id=person.id, answered_by_name=name, answered_at=now)
    )
    if closed.rowcount != 1:
        return Response(notice=say(language, "already_answered_page"))
    await session.exec(  # type: ignore[call-overload]
        update(BookPage)
        .where(col(BookPage.id) == page.id, col(BookPage.seen_at).is_(None))
        .values(seen_by_id=person.id, seen_by_name=name, seen_at=now)
    )
    await session.refresh(page)
    mine = await render_notice(session, ctx, page, language)
    pressed = Reply(
        mine.text,
        mine.choices,
        columns=2,
        to=event.address,
        edit=event.message_id,
        replaces=True,
        news=say(language, "no_answer_notice"),
    )
    replies = await _refresh_notices(session, ctx, page, pressed)
    replies.append(await _tell_citizen(session, ctx, page, "citizen_thanked", name, now))
    return Response(replies, notice=say(language, "no_answer_notice"))


async def on_photo(session: AsyncSession, person: Person, event: Incoming) -> Response:
    """📷: the page's photo, for a leader reading the book or the unread list."""
    found = await _page_for_leader(session, person, event.choice)
    if isinstance(found, str):
        return Response(notice=say(person.language, found))
    page = found[0]
    if not page.photo_file_id:
        return Response(notice=say(person.language, "bad_button"))
    caption = say(person.language, "page_photo", page=page.page_no)
    return Response([Reply(caption, photo=page.photo_file_id)])


def _after(page: BookPage) -> ColumnElement[bool]:
    """The pages after this one in the unread list's order (oldest first)."""
    same_time = (col(BookPage.created_at) == page.created_at) & (col(BookPage.id) > page.id)
    return or_(col(BookPage.created_at) > page.created_at, same_time)


async def unread(
    session: AsyncSession, ctx: Context, person: Person, data: str = "", numbered: bool = False
) -> Response:
    """/chuaxem: how many pages are unread, then the oldest few, each with its buttons, and
    «Xem tiếp» for the next few (`data`: u:<the last page shown>).

    A chat without buttons answers only the numbers of the last message: it gets one page
    at a time, «Xem tiếp» among that page's own choices.
    """
    language = person.language
    assert person.id is not None
    wards = await led_wards(session, person.id)
    if not wards:
        if data:
            return Response(notice=say(language, "not_allowed"))
        return Response([Reply(say(language, "not_a_leader"))])
    waiting = col(BookPage.ward_id).in_([w.id for w in wards]) & col(BookPage.seen_at).is_(None)
    query = select(BookPage).where(waiting)
    if data:  # the pages after the last one shown, in the same order
        last = await session.get(BookPage, data_id(data.partition(":")[2]) or 0)
        if last is None:
            return Response(notice=say(language, "bad_button"))
        query = query.where(_after(last))
    order = (col(BookPage.created_at), col(BookPage.id))
    batch = 1 if numbered else UNREAD_BATCH
    pages = list((await session.exec(query.order_by(*order).limit(batch + 1))).all())
    more, pages = len(pages) > batch, pages[:batch]
    replies: list[Reply] = []
    if not data:
        total = await session.scalar(select(func.count()).select_from(BookPage).where(waiting))
        if not total:
            return Response([Reply(say(language, "unread_none"))])
        replies.append(Reply(say(language, "unread_title", count=total)))
    if not pages:
        return Response([Reply(say(language, "unread_none"))])
    record_page_views(session, person, pages, person.platform, ctx.clock())  # audit trail
    by_id = {ward.id: ward for ward in wards}
    notice = 0
    for page in pages:
        notice = len(replies)
        replies.append(await render_notice(session, ctx, page, language))
        replies.extend(continuation(page, by_id[page.ward_id], language))
    if more:
        after = select(func.count()).select_from(BookPage).where(waiting)
        left = say(language, "unread_more", count=await session.scalar(after.where(_after(page))))
        button = Choice(say(language, "btn_more"), f"{MORE}:{page.id}")
        if numbered:
            shown = replies[notice]
            replies[notice] = replace(
                shown, text=f"{shown.text}\n\n{left}", choices=(*shown.choices, button)
            )
        else:
            replies.append(Reply(left, (button,)))
    return Response(replies)


async def browse(
    session: AsyncSession, ctx: Context, person: Person, data: str = "", edit: int | None = None
) -> Response:
    """/so: the book page by page, newest first, with buttons to turn the pages."""
    language = person.language
    assert person.id is not None
    wards = await led_wards(session, person.id)
    if not wards:
        if data:
            return Response(notice=say(language, "not_allowed"))
        return Response([Reply(say(language, "not_a_leader"))])
    parts = data.split(":")
    if len(parts) != 3 or data_id(parts[1]) is None or data_id(parts[2]) is None:
        if len(wards) > 1:  # a leader of several wards picks the book first
            choices = tuple(Choice(w.name, f"{BOOK}:{w.id}:0") for w in wards)
            return Response([Reply(say(language, "choose_book"), choices)])
        parts = ["", str(wards[0].id), "0"]
    ward = next((w for w in wards if w.id == int(parts[1])), None)
    if ward is None:
        return Response(notice=say(language, "not_allowed"))
    number = int(parts[2]) or None  # 0: the newest page
    number = min(number or ward.last_page, ward.last_page)
    if number < 1:
        return Response([Reply(say(language, "book_empty", ward=ward.name))])
    page = (
        await session.exec(
            select(BookPage).where(BookPage.ward_id == ward.id, BookPage.page_no == number)
        )
    ).first()
    if page is None:
        return Response(notice=say(language, "bad_button"))
    shown = await render_notice(session, ctx, page, language)
    record_page_views(session, person, [page], person.platform, ctx.clock())  # audit trail
    turn = []
    if number > 1:
        turn.append(Choice(say(language, "btn_previous"), f"{BOOK}:{ward.id}:{number - 1}"))
    if number < ward.last_page:
        turn.append(Choice(say(language, "btn_next"), f"{BOOK}:{ward.id}:{number + 1}"))
    shown = Reply(shown.text, shown.choices + tuple(turn), columns=2, edit=edit)
    return Response([shown, *continuation(page, ward, language)])


async def unreachable_alert(session: AsyncSession, ctx: Context, page_id: int) -> list[Reply]:
    """Messages to the admins when no active leader of the page's ward can be reached."""
    page = await session.get(BookPage, page_id)
    if page is None:
        return []
    reachable = await session.exec(
        select(Leadership.id)
        .join(Person, col(Person.id) == Leadership.person_id)
        .where(
            Leadership.ward_id == page.ward_id,
            col(Leadership.removed_at).is_(None),
            col(Person.blocked_at).is_(None),
        )
    )
    if reachable.first() is not None:
        return []
    ward = await session.get(Ward, page.ward_id)
    assert ward is not None
    text = say("vi", "no_reachable_leader", ward=ward.name, page=page.page_no)
    return [Reply(text, to=Address("telegram", admin)) for admin in sorted(ctx.admins)]


# The command menus (issue 11): citizens' in Telegram's default scope; leaders' and
# admins' set on their own chat (a per-chat scope) by the bot's menu job.
CITIZEN_COMMANDS = (
    "gopy",
    "gopycuatoi",
    "thoat",
    "ngonngu",
    "dulieucuatoi",
    "xoadulieu",
    "quyenriengtu",
    "help",
)
LEADER_COMMANDS = ("chuaxem", "so", "baocao", "web")
ADMIN_COMMANDS = ("baocao", "guikhaosat", "web")


async def roles(session: AsyncSession, ctx: Context, person: Person) -> str | None:
    """The person's menu beyond a citizen's: "leader", "admin", "admin+leader", or None."""
    return (await roles_of(session, ctx, [person]))[person.id]


async def roles_of(
    session: AsyncSession, ctx: Context, people: Sequence[Person]
) -> dict[int | None, str | None]:
    """`roles` of each of `people`, by id, in one query: the menus job asks it of every
    leader and admin every two seconds."""
    ids = [person.id for person in people]
    leading: set[int] = set()
    if ids:
        found = await session.exec(
            select(Leadership.person_id).where(
                col(Leadership.person_id).in_(ids), col(Leadership.removed_at).is_(None)
            )
        )
        leading.update(found.all())
    return {person.id: _role(ctx.is_admin(person), person.id in leading) for person in people}


def _role(admin: bool, leader: bool) -> str | None:
    held = (["admin"] if admin else []) + (["leader"] if leader else [])
    return "+".join(held) or None


def menu(role: str | None, language: str = "vi") -> list[tuple[str, str]]:
    """The commands (name, description) that a chat of this role sees in its menu."""
    names = list(CITIZEN_COMMANDS)
    for part, extra in (("leader", LEADER_COMMANDS), ("admin", ADMIN_COMMANDS)):
        if part in (role or "").split("+"):
            names.extend(name for name in extra if name not in names)
    return [(name, say(language, f"menu_{name}")) for name in names]


async def help_text(session: AsyncSession, ctx: Context, person: Person) -> str:
    """/help: a citizen's commands, then a leader's and an admin's for those who are."""
    language = person.language
    role = (await roles(session, ctx, person) or "").split("+")
    parts = [say(language, "help", kind=await kind_of(session, person.ward_id))]
    parts.extend(say(language, f"help_{part}") for part in ("leader", "admin") if part in role)
    return "\n\n".join(parts)
