"""Ward leaders: joining by invite, the page notifications, signing «Đã xem», answering.

A leader's right is checked on every action against an active leadership of the
page's ward, so a removed leader loses access at once, old buttons included. The
signature is taken with one conditional UPDATE: two leaders pressing together leave
exactly one signature, and both messages show that one.
"""

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.catalogue import Html, say, shorten
from handlers.context import Context
from handlers.events import Address, Choice, Incoming, Reply, Response, data_id
from office.audit import record_page_views
from storage.models import BookPage, Case, Dialog, Invite, Leadership, Notice, Person, Ward
from storage.text import clip

SEEN, ANSWER, BOOK = "v", "r", "b"  # callback data: v:<page id>, r:<page id>, b:<ward>:<page no>
INVITE = "l"  # start payload: l_<invite token>
BLOCKED = "blocked"  # Notice.failed for a leader who had blocked the bot: sent again on return
UNREAD_LIMIT = 10
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
    name = user_name.strip() or "?"
    existing = (
        await session.exec(
            select(Leadership).where(
                Leadership.person_id == person.id, Leadership.ward_id == ward.id
            )
        )
    ).first()
    if existing is None:
        session.add(
            Leadership(
                person_id=person.id, ward_id=ward.id, name=name, invite_id=invite.id, joined_at=now
            )
        )
    else:  # back after a removal
        existing.removed_at, existing.name, existing.joined_at = None, name, now
        existing.invite_id = invite.id
    person.role, person.name = "leader", name
    return Response([Reply(say(language, "leader_welcome", name=name, ward=ward.name))])


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
        .values(failed=None)
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
    if page.answered_at is not None:
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
) -> tuple[BookPage | None, str]:
    """The page a leader's button names, or the notice to show instead."""
    page_id = data_id(data.partition(":")[2])
    page = await session.get(BookPage, page_id) if page_id is not None else None
    if page is None:
        return None, "bad_button"
    assert person.id is not None
    if await leadership(session, person.id, page.ward_id) is None:
        return None, "not_allowed"
    return page, ""


async def on_seen(session: AsyncSession, ctx: Context, person: Person, event: Incoming) -> Response:
    """«Đã xem»: sign the page once; every notification shows the one signature."""
    language = person.language
    page, problem = await _page_for_leader(session, person, event.choice)
    if page is None:
        return Response(notice=say(language, problem))
    replies: list[Reply] = []
    now = ctx.clock()
    signed = await session.exec(  # type: ignore[call-overload]
        update(BookPage)
        .where(col(BookPage.id) == page.id, col(BookPage.seen_at).is_(None))
        .values(seen_by_id=person.id, seen_by_name=person.name or event.user_name, seen_at=now)
    )
    await session.refresh(page)
    if signed.rowcount == 1:
        replies.append(await _tell_citizen_seen(session, page))
    mine = await render_notice(session, ctx, page, language)
    pressed = Reply(mine.text, mine.choices, columns=2, to=event.address, edit=event.message_id)
    replies[:0] = await _refresh_notices(session, ctx, page, pressed)
    return Response(replies, notice=say(language, "signed_notice"))


async def _tell_citizen_seen(session: AsyncSession, page: BookPage) -> Reply:
    citizen = await session.get(Person, page.person_id)
    ward = await session.get(Ward, page.ward_id)
    assert citizen is not None and ward is not None
    text = say(citizen.language, "citizen_seen", ward=ward.name, page=page.page_no)
    return Reply(text, to=Address(citizen.platform, citizen.chat_id))


async def on_answer_start(
    session: AsyncSession, ctx: Context, person: Person, event: Incoming
) -> Response:
    """«Trả lời»: the next message from this leader is the page's answer."""
    language = person.language
    page, problem = await _page_for_leader(session, person, event.choice)
    if page is None:
        return Response(notice=say(language, problem))
    if page.answered_at is not None:
        return Response(notice=say(language, "already_answered_page"))
    ward = await session.get(Ward, page.ward_id)
    assert ward is not None
    person.dialog, person.dialog_ref = Dialog.LEADER_ANSWER, page.id
    return Response([Reply(say(language, "ask_answer", page=page.page_no, ward=ward.name))])


async def on_answer_text(
    session: AsyncSession, ctx: Context, person: Person, event: Incoming
) -> Response:
    """The leader's answer (text, photo as evidence): stored, sent to the citizen."""
    language = person.language
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
    now = ctx.clock()
    name = person.name or event.user_name or "?"
    page.answer_text, page.answer_photo_file_id = event.text, event.photo
    page.answered_by_id, page.answered_by_name, page.answered_at = person.id, name, now
    first_sight = page.seen_at is None
    if first_sight:  # an answered page counts as seen
        page.seen_by_id, page.seen_by_name, page.seen_at = person.id, name, now
    citizen = await session.get(Person, page.person_id)
    ward = await session.get(Ward, page.ward_id)
    assert citizen is not None and ward is not None
    to_citizen = Address(citizen.platform, citizen.chat_id)
    replies = [Reply(say(language, "answer_sent", page=page.page_no))]
    if event.photo:
        replies.append(Reply("📷", to=to_citizen, photo=event.photo))
    answer = say(
        citizen.language, "citizen_answer", ward=ward.name, page=page.page_no, answer=event.text
    )
    replies.append(Reply(answer, to=to_citizen))
    replies.extend(await _refresh_notices(session, ctx, page))
    return Response(replies)


async def unread(session: AsyncSession, ctx: Context, person: Person) -> Response:
    """/chuaxem: the led wards' unread pages, oldest first, each with its buttons."""
    language = person.language
    assert person.id is not None
    wards = await led_wards(session, person.id)
    if not wards:
        return Response([Reply(say(language, "not_a_leader"))])
    result = await session.exec(
        select(BookPage)
        .where(col(BookPage.ward_id).in_([w.id for w in wards]), col(BookPage.seen_at).is_(None))
        .order_by(col(BookPage.created_at), col(BookPage.id))
        .limit(UNREAD_LIMIT)
    )
    pages = list(result.all())
    if not pages:
        return Response([Reply(say(language, "unread_none"))])
    record_page_views(session, person, pages, person.platform, ctx.clock())  # audit trail
    replies = [Reply(say(language, "unread_title", count=len(pages)))]
    by_id = {ward.id: ward for ward in wards}
    for page in pages:
        replies.append(await render_notice(session, ctx, page, language))
        replies.extend(continuation(page, by_id[page.ward_id], language))
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
