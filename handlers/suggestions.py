"""Suggestions: writing a page of the ward's book, signing or not, and listing one's own.

What a citizen types is kept in a draft row at once, so nothing is lost while they
choose between signing and anonymity; the page and its number are created in the
same transaction as that choice, and the confirmation goes out after the commit.
"""

from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, false, not_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers import broadcasts, drafts, leaders, survey
from handlers.catalogue import Html, say, shorten, status_label
from handlers.context import Context
from handlers.drafts import PREVIEW, SIGN
from handlers.events import Choice, Incoming, Reply, Response, data_id
from handlers.wards import WARD as WARD  # the router dispatches on it
from handlers.wards import person_ward, ward_choices
from storage.models import BookPage, Dialog, Draft, Person, Ward
from storage.queries import kind_of, next_page_number, pages_of_person

# callback prefixes: k:<draft>, g:<draft>:<action> (see drafts), w:<ward>[:o] (see wards)
SKIP = "k"
# the conversation states in which a draft of the person's is open
DRAFTING = (Dialog.SUGGEST_TEXT, Dialog.SUGGEST_SIGN, Dialog.SUGGEST_OFFER, Dialog.SUGGEST_WARD)
LIST_PREVIEW = 80
MY_PAGES = 10


async def _open_draft(session: AsyncSession, person: Person, ward: Ward) -> Draft:
    draft = Draft(person_id=person.id, ward_id=ward.id)
    session.add(draft)
    await session.flush()
    person.dialog, person.dialog_ref, person.ward_id = Dialog.SUGGEST_TEXT, draft.id, ward.id
    return draft


async def start_free(session: AsyncSession, ctx: Context, person: Person) -> Response:
    """/gopy: write to the ward the person last dealt with, or let them pick one."""
    language = person.language
    ward, wards = await person_ward(session, person)
    if ward is None:
        if wards:
            return Response([Reply(say(language, "choose_ward"), ward_choices(wards))])
        return Response([Reply(say(language, "no_ward_known"))])
    await _open_draft(session, person, ward)
    return Response([Reply(say(language, "ask_suggestion_free", ward=ward.name))])


async def on_ward_choice(
    session: AsyncSession, ctx: Context, person: Person, event: Incoming
) -> Response:
    """A ward button: for a new suggestion, for the message kept waiting, or for surveys."""
    language = person.language
    ward_part, _, purpose = event.choice.partition(":")[2].partition(":")
    ward_id = data_id(ward_part)
    ward = await session.get(Ward, ward_id) if ward_id is not None else None
    if ward is None or ward.removed_at is not None:
        return Response(notice=say(language, "bad_button"))
    if purpose == broadcasts.FOR_OPTIN:
        return broadcasts.optin_ward(ctx, person, ward)
    if person.dialog == Dialog.SUGGEST_WARD and person.dialog_ref is not None:
        draft = await session.get(Draft, person.dialog_ref)
        if draft is not None and draft.person_id == person.id:
            draft.ward_id = person.ward_id = ward.id
            person.dialog = Dialog.SUGGEST_OFFER
            offered = drafts.offer_message(language, draft, ward.name, event.user_name)
            return Response([offered], notice=ward.name)
    await _open_draft(session, person, ward)
    return Response([Reply(say(language, "ask_suggestion_free", ward=ward.name))])


async def offer(session: AsyncSession, person: Person, event: Incoming) -> Response:
    """Text or a photo outside any flow: kept at once, and offered to the person's ward as a
    suggestion (or first, which ward), so nothing has to be typed again."""
    language = person.language
    if not drafts.worth_keeping(event):
        return Response([Reply(say(language, "idle_text"))])
    ward, wards = await person_ward(session, person)
    if ward is None and not wards:
        return Response([Reply(say(language, "no_ward_known"))])
    draft = Draft(person_id=person.id, ward_id=ward.id if ward else None)
    drafts.add_to(draft, event)
    session.add(draft)
    await session.flush()
    if ward is None:
        person.dialog, person.dialog_ref = Dialog.SUGGEST_WARD, draft.id
        return Response([Reply(say(language, "offer_choose_ward"), ward_choices(wards))])
    person.dialog, person.dialog_ref = Dialog.SUGGEST_OFFER, draft.id
    return Response([drafts.offer_message(language, draft, ward.name, event.user_name)])


async def on_text(session: AsyncSession, person: Person, event: Incoming) -> Response:
    """Text or a photo while a suggestion is open: add it to the draft, then ask how to sign
    (or, for a draft offered to send or waiting for its ward, that question again)."""
    language = person.language
    draft = await session.get(Draft, person.dialog_ref) if person.dialog_ref else None
    if draft is None or draft.person_id != person.id:
        person.dialog, person.dialog_ref = Dialog.IDLE, None
        return await offer(session, person, event)
    drafts.add_to(draft, event)
    if not draft.text and not draft.photo_file_id:
        return Response([Reply(say(language, "empty_suggestion"))])
    if person.dialog in (Dialog.SUGGEST_OFFER, Dialog.SUGGEST_WARD):
        return Response([await prompt(session, person, draft, event.user_name)])
    person.dialog = Dialog.SUGGEST_SIGN
    kind = await kind_of(session, draft.ward_id)
    return Response([_sign_prompt(language, draft, event.user_name, kind)])


def _sign_prompt(language: str, draft: Draft, user_name: str, kind: str | None) -> Reply:
    shown = drafts.preview(language, draft)
    prompt = say(language, "ask_sign", preview=shown, name=user_name or "?", kind=kind)
    choices = (
        Choice(say(language, "btn_sign"), f"{SIGN}:{draft.id}:{drafts.SIGNED}"),
        Choice(say(language, "btn_anonymous"), f"{SIGN}:{draft.id}:{drafts.ANONYMOUS}"),
    )
    return Reply(prompt, choices, columns=2)


async def prompt(session: AsyncSession, person: Person, draft: Draft, user_name: str) -> Reply:
    """What an open suggestion waits for: its text (or the skip), how to sign it, whether to
    send what was typed, or its ward."""
    language = person.language
    if person.dialog == Dialog.SUGGEST_WARD or draft.ward_id is None:
        _, wards = await person_ward(session, person)
        return Reply(say(language, "offer_choose_ward"), ward_choices(wards))
    ward = await session.get(Ward, draft.ward_id)
    assert ward is not None
    if person.dialog == Dialog.SUGGEST_SIGN:
        return _sign_prompt(language, draft, user_name, ward.kind)
    if person.dialog == Dialog.SUGGEST_OFFER:
        if draft.session_id is not None:
            return drafts.offer_kept(language, draft)
        return drafts.offer_message(language, draft, ward.name, user_name)
    if draft.session_id is not None:
        return survey.skip_prompt(language, draft.id, ward.kind)
    return Reply(say(language, "ask_suggestion_free", ward=ward.name))


async def _own_draft(
    session: AsyncSession, person: Person, data: str, *dialogs: Dialog
) -> Draft | None:
    """The draft a button names, if it is this person's and still waiting for that button."""
    draft_id = data_id(data.split(":")[1] if data.count(":") >= 1 else "")
    if draft_id is None or person.dialog not in dialogs or person.dialog_ref != draft_id:
        return None
    draft = await session.get(Draft, draft_id)
    return draft if draft is not None and draft.person_id == person.id else None


async def _filed_from(session: AsyncSession, person: Person, data: str) -> BookPage | None:
    """The page this person filed from the draft a button names, if any."""
    draft_id = data.split(":")[1] if data.count(":") >= 1 else ""
    if not draft_id.isdigit():
        return None
    result = await session.exec(
        select(BookPage).where(BookPage.person_id == person.id, BookPage.draft_id == int(draft_id))
    )
    return result.first()


async def on_skip(
    session: AsyncSession,
    ctx: Context,
    person: Person,
    data: str,
    message_id: int | None,
    resend: bool = False,
) -> Response:
    language = person.language
    draft = await _own_draft(session, person, data, Dialog.SUGGEST_TEXT)
    if draft is None:
        gone = resend and data.split(":")[-1].isdigit() and person.dialog == Dialog.IDLE
        if gone and await session.get(Draft, int(data.split(":")[-1])) is None:
            if await _filed_from(session, person, data) is None:  # skipped: say it again
                kind = await kind_of(session, person.ward_id)
                return Response(_skipped(ctx, person, message_id, kind))
        return Response(notice=say(language, "bad_button"))
    kind = await kind_of(session, draft.ward_id)
    await session.delete(draft)
    person.dialog, person.dialog_ref = Dialog.IDLE, None
    return Response(_skipped(ctx, person, message_id, kind))


def _skipped(ctx: Context, person: Person, message_id: int | None, kind: str | None) -> list[Reply]:
    language = person.language
    return [
        Reply(say(language, "ask_suggestion", kind=kind), edit=message_id, replaces=True, news=""),
        broadcasts.with_optin(ctx, person, Reply(say(language, "skipped")), kind),
    ]


async def on_sign(session: AsyncSession, ctx: Context, person: Person, event: Incoming) -> Response:
    """The signing choice files the page: the choice and its time are the consent evidence.

    Pressed again once filed (`resend`), it shows the same page number: nothing is filed twice.
    """
    language = person.language
    action = event.choice.rpartition(":")[2]
    if action in (drafts.SEND, drafts.MORE, drafts.DROP):
        return await _on_offer(session, ctx, person, event, action)
    dialogs = (Dialog.SUGGEST_SIGN, Dialog.SUGGEST_OFFER)
    draft = await _own_draft(session, person, event.choice, *dialogs)
    signed = action == drafts.SIGNED
    if draft is None or action not in (drafts.SIGNED, drafts.ANONYMOUS):
        filed = await _filed_from(session, person, event.choice) if event.resend else None
        if filed is not None:
            return Response(await _filed_replies(session, ctx, person, filed, event.message_id))
        return Response(notice=say(language, "bad_button"))
    now = ctx.clock()
    name = event.user_name.strip() or None if signed else None
    if signed:
        person.name = name
    assert draft.ward_id is not None  # a draft waits for its ward in SUGGEST_WARD only
    page = BookPage(
        ward_id=draft.ward_id,
        page_no=await next_page_number(session, draft.ward_id),
        person_id=person.id,
        case_id=draft.case_id,
        session_id=draft.session_id,
        draft_id=draft.id,
        text=draft.text or "",
        photo_file_id=draft.photo_file_id,
        signed=signed,
        author_name=name,
        consent_at=now,
        created_at=now,
    )
    session.add(page)
    await session.flush()
    await leaders.queue_notices(session, page)
    await session.delete(draft)
    person.dialog, person.dialog_ref = Dialog.IDLE, None
    return Response(await _filed_replies(session, ctx, person, page, event.message_id))


async def _on_offer(
    session: AsyncSession, ctx: Context, person: Person, event: Incoming, action: str
) -> Response:
    """What was typed, offered: send it (then sign or not), add more to it, or drop it."""
    language = person.language
    dialogs = (Dialog.SUGGEST_OFFER, Dialog.SUGGEST_SIGN)
    draft = await _own_draft(session, person, event.choice, *dialogs)
    if draft is None:
        return Response(notice=say(language, "bad_button"))
    if action == drafts.SEND:
        person.dialog = Dialog.SUGGEST_SIGN
        kind = await kind_of(session, draft.ward_id)
        shown = _sign_prompt(language, draft, event.user_name, kind)
        return Response([replace(shown, edit=event.message_id)])
    if action == drafts.MORE:
        person.dialog = Dialog.SUGGEST_TEXT
        return Response([Reply(say(language, "write_more"), edit=event.message_id)])
    await session.delete(draft)
    person.dialog, person.dialog_ref = Dialog.IDLE, None
    dropped = Reply(say(language, "not_sent"), edit=event.message_id)
    if draft.session_id is None:
        return Response([dropped])
    skipped = Reply(say(language, "skipped"))
    kind = await kind_of(session, draft.ward_id)
    return Response([dropped, broadcasts.with_optin(ctx, person, skipped, kind)])


async def _filed_replies(
    session: AsyncSession, ctx: Context, person: Person, page: BookPage, message_id: int | None
) -> list[Reply]:
    """The signing prompt showing the choice, and the page number."""
    language = person.language
    ward = await session.get(Ward, page.ward_id)
    assert ward is not None
    shown = shorten(page.text, PREVIEW) if page.text else say(language, "photo_only")
    chosen = (
        say(language, "chose_sign", preview=shown, name=page.author_name or "?")
        if page.signed
        else say(language, "chose_anonymous", preview=shown)
    )
    filed = Reply(say(language, "filed", page=page.page_no, ward=ward.name, kind=ward.kind))
    return [
        Reply(chosen, edit=message_id, replaces=True, news=""),  # the page number says it
        filed if page.session_id is None else broadcasts.with_optin(ctx, person, filed, ward.kind),
    ]


def page_status(page: BookPage, deadline_days: int, now: datetime) -> str:
    """closed (no answer needed), answered, overdue (not answered within the ward's
    deadline), seen, or unread."""
    if page.no_answer and page.answered_at is not None:
        return "closed"
    if page.answered_at is not None:
        return "answered"
    if now > page.created_at + timedelta(days=deadline_days):
        return "overdue"
    return "seen" if page.seen_at is not None else "unread"


def page_status_is(status: str, deadline_days: int, now: datetime) -> ColumnElement[bool]:
    """`page_status(page, …) == status` as SQL, so a book of 10,000 pages is filtered by
    the database and read a screen at a time; an unknown status matches no page."""
    answered = col(BookPage.answered_at).is_not(None)
    late = col(BookPage.created_at) < now - timedelta(days=deadline_days)
    waiting = and_(col(BookPage.answered_at).is_(None), not_(late))
    conditions = {
        "closed": and_(col(BookPage.no_answer), answered),
        "answered": and_(not_(col(BookPage.no_answer)), answered),
        "overdue": and_(col(BookPage.answered_at).is_(None), late),
        "seen": and_(waiting, col(BookPage.seen_at).is_not(None)),
        "unread": and_(waiting, col(BookPage.seen_at).is_(None)),
    }
    return conditions.get(status, false())


async def my_pages(session: AsyncSession, ctx: Context, person: Person) -> Response:
    """/gopycuatoi: the person's latest pages with their status."""
    language = person.language
    assert person.id is not None
    rows = await pages_of_person(session, person.id, MY_PAGES)
    if not rows:
        return Response([Reply(say(language, "my_pages_empty"))])
    lines = [say(language, "my_pages_title")]
    for page, ward in rows:
        status = page_status(page, ward.deadline_days, ctx.clock())
        text = page.text or say(language, "photo_only")
        lines.append(
            say(
                language,
                "my_page_line",
                page=page.page_no,
                ward=ward.name,
                date=ctx.local_date(page.created_at),
                status=Html(status_label(language, status)),
                preview=shorten(text, LIST_PREVIEW),
            )
        )
    return Response([Reply("\n".join(lines))])
