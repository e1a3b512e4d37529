"""Suggestions: writing a page of the ward's book, signing or not, and listing one's own.

What a citizen types is kept in a draft row at once, so nothing is lost while they
choose between signing and anonymity; the page and its number are created in the
same transaction as that choice, and the confirmation goes out after the commit.
"""

from datetime import datetime, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers import broadcasts, leaders, survey
from handlers.catalogue import Html, say, shorten, status_label
from handlers.context import Context
from handlers.events import Choice, Incoming, Reply, Response, data_id
from storage.models import BookPage, Dialog, Draft, Person, Ward
from storage.queries import kind_of, list_wards, next_page_number, pages_of_person

SKIP, SIGN, WARD = "k", "g", "w"  # callback prefixes: k:<draft>, g:<draft>:<1|0>, w:<ward>
PREVIEW = 300
LIST_PREVIEW = 80
MAX_WARD_BUTTONS = 10
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
    ward = await session.get(Ward, person.ward_id) if person.ward_id else None
    if ward is None:
        wards = await list_wards(session)
        if len(wards) == 1:
            ward = wards[0]
        elif 1 < len(wards) <= MAX_WARD_BUTTONS:
            choices = tuple(Choice(w.name, f"{WARD}:{w.id}") for w in wards)
            return Response([Reply(say(language, "choose_ward"), choices)])
        else:
            return Response([Reply(say(language, "no_ward_known"))])
    await _open_draft(session, person, ward)
    return Response([Reply(say(language, "ask_suggestion_free", ward=ward.name))])


async def on_ward_choice(session: AsyncSession, person: Person, data: str) -> Response:
    language = person.language
    ward_id = data_id(data.partition(":")[2])
    ward = await session.get(Ward, ward_id) if ward_id is not None else None
    if ward is None:
        return Response(notice=say(language, "bad_button"))
    await _open_draft(session, person, ward)
    return Response([Reply(say(language, "ask_suggestion_free", ward=ward.name))])


async def on_text(session: AsyncSession, person: Person, event: Incoming) -> Response:
    """Text or a photo while a suggestion is open: add it to the draft, then ask how to sign."""
    language = person.language
    draft = await session.get(Draft, person.dialog_ref) if person.dialog_ref else None
    if draft is None or draft.person_id != person.id:
        person.dialog, person.dialog_ref = Dialog.IDLE, None
        return Response([Reply(say(language, "idle_text"))])
    if event.text.strip():
        draft.text = f"{draft.text}\n{event.text}" if draft.text else event.text
    if event.photo:
        draft.photo_file_id = event.photo
    if not draft.text and not draft.photo_file_id:
        return Response([Reply(say(language, "empty_suggestion"))])
    person.dialog = Dialog.SUGGEST_SIGN
    kind = await kind_of(session, draft.ward_id)
    return Response([_sign_prompt(language, draft, event.user_name, kind)])


def _sign_prompt(language: str, draft: Draft, user_name: str, kind: str | None) -> Reply:
    shown = shorten(draft.text, PREVIEW) if draft.text else say(language, "photo_only")
    prompt = say(language, "ask_sign", preview=shown, name=user_name or "?", kind=kind)
    choices = (
        Choice(say(language, "btn_sign"), f"{SIGN}:{draft.id}:1"),
        Choice(say(language, "btn_anonymous"), f"{SIGN}:{draft.id}:0"),
    )
    return Reply(prompt, choices, columns=2)


async def prompt(session: AsyncSession, person: Person, draft: Draft, user_name: str) -> Reply:
    """What an open suggestion waits for: its text (or the skip), or how to sign it."""
    language = person.language
    ward = await session.get(Ward, draft.ward_id)
    assert ward is not None
    if person.dialog == Dialog.SUGGEST_SIGN:
        return _sign_prompt(language, draft, user_name, ward.kind)
    if draft.session_id is not None:
        return survey.skip_prompt(language, draft, ward.kind)
    return Reply(say(language, "ask_suggestion_free", ward=ward.name))


async def _own_draft(
    session: AsyncSession, person: Person, data: str, dialog: Dialog
) -> Draft | None:
    """The draft a button names, if it is this person's and still waiting for that button."""
    draft_id = data_id(data.split(":")[1] if data.count(":") >= 1 else "")
    if draft_id is None or person.dialog != dialog or person.dialog_ref != draft_id:
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
        Reply(say(language, "ask_suggestion", kind=kind), edit=message_id),
        broadcasts.with_optin(ctx, person, Reply(say(language, "skipped")), kind),
    ]


async def on_sign(session: AsyncSession, ctx: Context, person: Person, event: Incoming) -> Response:
    """The signing choice files the page: the choice and its time are the consent evidence.

    Pressed again once filed (`resend`), it shows the same page number: nothing is filed twice.
    """
    language = person.language
    draft = await _own_draft(session, person, event.choice, Dialog.SUGGEST_SIGN)
    signed = event.choice.endswith(":1")
    if draft is None or not event.choice.endswith((":1", ":0")):
        filed = await _filed_from(session, person, event.choice) if event.resend else None
        if filed is not None:
            return Response(await _filed_replies(session, ctx, person, filed, event.message_id))
        return Response(notice=say(language, "bad_button"))
    now = ctx.clock()
    name = event.user_name.strip() or None if signed else None
    if signed:
        person.name = name
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
        Reply(chosen, edit=message_id),
        filed if page.session_id is None else broadcasts.with_optin(ctx, person, filed, ward.kind),
    ]


def page_status(page: BookPage, deadline_days: int, now: datetime) -> str:
    """answered, overdue (not answered within the ward's deadline), seen, or unread."""
    if page.answered_at is not None:
        return "answered"
    if now > page.created_at + timedelta(days=deadline_days):
        return "overdue"
    return "seen" if page.seen_at is not None else "unread"


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
