"""The entry point of the handlers: one event in, one decision out.

Each event is one transaction: the person is loaded (or created), the decision is
made and committed, and only then are the replies returned to the transport, so a
person is never told "recorded" before it is.
"""

import asyncio
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers import (
    broadcasts,
    console_link,
    drafts,
    figures,
    leaders,
    numbered,
    privacy,
    suggestions,
    survey,
)
from handlers.callbacks import CALLBACKS
from handlers.catalogue import say
from handlers.context import Context
from handlers.events import Address, Incoming, Kind, Reply, Response, data_id
from storage.codes import code_target, typed_code
from storage.models import Case, Dialog, Draft, Person, SessionStatus, Source, SurveySession, Ward
from storage.queries import (
    PERSON_LOCK,
    cancel_active_sessions,
    case_by_token,
    get_or_create_person,
    kind_of,
    seen_before,
    session_for_case,
    walkin_since,
    ward_by_code,
)
from storage.text import NAME_LENGTH, clip

DESK, CASE = "d", "c"  # start payloads: d_<WARD>[_<desk>], c_<case token>
CODE_MISSES_FREE = 3  # wrong six-digit codes a chat may type in a row before waiting
CODE_WAIT = timedelta(minutes=1)  # then one try per minute
CODE_FORGET = timedelta(hours=1)  # wrong codes older than this are forgotten


async def handle(event: Incoming, ctx: Context) -> Response:
    """Decide what to do with one event from a person, and commit it."""
    if len(event.user_name) > NAME_LENGTH:  # every name a handler stores then fits its column
        event = replace(event, user_name=clip(event.user_name))
    pressed = await survey.press_at_once(event, ctx)
    if pressed is not None:
        return pressed
    async with ctx.db() as session:
        address = event.address
        person = await get_or_create_person(
            session, address.platform, address.chat_id, with_run=survey.pressed_run(event)
        )
        handled = False  # a redelivered message: decided already, perhaps never answered
        if event.kind == Kind.CHOICE:
            pass  # a press recorded before is known by its handler, which shows the state
        elif event.seen_id is not None:  # Zalo's ids, webhook updates: they come in any order
            handled = await seen_before(session, event.address.platform, event.seen_id)
        elif event.message_id is not None:  # polled: in order
            handled = event.message_id <= person.last_message_id
            if not handled:
                person.last_message_id = event.message_id
        if handled:
            if not event.resend:
                return Response()
            response = await _again(session, ctx, person, event)
        else:
            if person.blocked_at is not None:  # they blocked the bot, and now write to it again
                person.blocked_at = None
                await leaders.notify_again(session, person)
            event = numbered.as_choice(event, person)
            again = numbered.not_offered(event, person)
            if again is not None:
                response = Response([again])
            else:
                response = await _route(session, ctx, person, event)
            # data protection: first contact
            response = await privacy.with_notice(session, ctx, person, response)
        await session.commit()
    return await _drawn(response)


async def _drawn(response: Response) -> Response:
    """The pictures drawn (`Reply.draw`), after the commit and in a thread: drawing a chart
    takes tenths of a second, and matplotlib's first load more; on the event loop no
    other chat would be answered meanwhile, and in the transaction SQLite's write lock
    would hold every other chat's transaction."""
    if not any(reply.draw for reply in response.replies):
        return response
    replies = [
        replace(reply, image=await asyncio.to_thread(reply.draw), draw=None)
        if reply.draw is not None
        else reply
        for reply in response.replies
    ]
    return replace(response, replies=replies)


REPEATABLE = frozenset({"start", "help", "trogiup", "gopycuatoi", "chuaxem", "so", "huy", "nhan"})


async def _again(session: AsyncSession, ctx: Context, person: Person, event: Incoming) -> Response:
    """A message handled before (redelivered after a crash): what the person should now see.

    Commands that change nothing the second time are answered again; anything else gets
    the conversation's current step, and nothing is recorded twice.
    """
    if event.kind == Kind.COMMAND and event.command in REPEATABLE:
        return await _command(session, ctx, person, event)
    return Response(await current_step(session, ctx, person, event.user_name))


async def current_step(
    session: AsyncSession, ctx: Context, person: Person, user_name: str
) -> list[Reply]:
    """The message that asks for what the bot waits for from the person (none when idle)."""
    ref = person.dialog_ref
    if ref is None:
        return []
    if person.dialog == Dialog.SURVEY:
        run = await session.get(SurveySession, ref)
        if run is not None and run.status == SessionStatus.ACTIVE:
            return [await survey.resume(session, ctx, person, run)]
    if person.dialog in suggestions.DRAFTING:
        draft = await session.get(Draft, ref)
        if draft is not None and draft.person_id == person.id:
            return [await suggestions.prompt(session, person, draft, user_name)]
    if person.dialog == Dialog.LEADER_ANSWER:
        return [await leaders.answer_prompt(session, person, ref)]
    if person.dialog == Dialog.LEADER_REVIEW:
        draft = await session.get(Draft, ref)
        if draft is not None and draft.person_id == person.id and draft.page_id is not None:
            return await leaders.review(session, person, draft)
    if person.dialog in (Dialog.LEADER_NAME, Dialog.LEADER_TITLE):
        return [leaders.signature_prompt(person)]
    return []


async def _route(session: AsyncSession, ctx: Context, person: Person, event: Incoming) -> Response:
    language = person.language
    if event.kind == Kind.COMMAND:
        return await _command(session, ctx, person, event)
    if event.kind == Kind.CHOICE:
        return await CALLBACKS.handle(session, ctx, person, event)
    if person.dialog == Dialog.SURVEY and person.dialog_ref is not None:
        run = await session.get(SurveySession, person.dialog_ref)
        if run is not None and run.status == SessionStatus.ACTIVE:  # anything but an answer
            if drafts.worth_keeping(event):  # kept, and offered at the end
                return await survey.keep_typed(session, ctx, person, run, event)
            reminder = Reply(say(language, "press_a_button"))
            return Response([reminder, await survey.resume(session, ctx, person, run)])
    if event.kind == Kind.UNSUPPORTED:
        return Response([Reply(say(language, "unsupported"))])
    if person.dialog in suggestions.DRAFTING:
        return await suggestions.on_text(session, person, event)
    if person.dialog in (Dialog.LEADER_ANSWER, Dialog.LEADER_REVIEW):
        return await leaders.on_answer_text(session, ctx, person, event)
    if person.dialog in (Dialog.LEADER_NAME, Dialog.LEADER_TITLE) and event.kind == Kind.TEXT:
        return await leaders.on_signature_text(session, person, event)
    if person.dialog == Dialog.BROADCAST_WARDS and event.kind == Kind.TEXT:
        return await broadcasts.on_wards_text(session, ctx, person, event)
    if person.dialog == Dialog.BROADCAST_AT and event.kind == Kind.TEXT:
        return await broadcasts.on_time_text(session, ctx, person, event)
    typed = await _typed_code(session, ctx, person, event)
    if typed is not None:
        return typed
    # nothing in progress: what was typed is offered as a suggestion at once
    return await suggestions.offer(session, person, event)


async def _command(
    session: AsyncSession, ctx: Context, person: Person, event: Incoming
) -> Response:
    language = person.language
    match event.command:
        case "start":
            return await _start(session, ctx, person, event.text.strip(), event.user_name)
        case "help" | "trogiup":
            return Response([Reply(await leaders.help_text(session, ctx, person))])
        case "gopy":
            return await suggestions.start_free(session, ctx, person)
        case "gopycuatoi":
            return await suggestions.my_pages(session, ctx, person)
        case "thoat":
            return await _stop(session, person)
        case "chuaxem":
            return await leaders.unread(session, ctx, person, numbered=event.numbered)
        case "so":
            return await leaders.browse(session, ctx, person)
        case "baocao":
            days = data_id(event.text.strip())
            return await figures.figures(session, ctx, person, days or figures.DEFAULT_DAYS)
        case "huy":
            return broadcasts.set_optin(ctx, person, False)
        case "nhan":
            return await broadcasts.opt_in(session, ctx, person)
        case "guikhaosat" | "broadcast":
            return await broadcasts.start_wizard(session, ctx, person)
        case "quyenriengtu" | "privacy":  # data protection (issue 15)
            return privacy.full_notice(ctx, person, await kind_of(session, person.ward_id))
        case "dulieucuatoi" | "mydata":
            return await privacy.my_data(session, ctx, person)
        case "xoadulieu" | "erase":
            return privacy.erase_start(person)
        case "angdanh":
            return await privacy.withdraw(session, ctx, person)
        case "web":  # the web console (issue 13)
            return await console_link.web_link(session, ctx, person)
        case "ngonngu" | "language":
            person.language = "en" if language == "vi" else "vi"
            return Response([Reply(say(person.language, "language_set"))])
        case _:
            return Response([Reply(say(language, "unknown_command"))])


async def _stop(session: AsyncSession, person: Person) -> Response:
    """/thoat: leave the current survey or suggestion; answers already given stay counted."""
    language = person.language
    if person.dialog == Dialog.IDLE:
        return Response([Reply(say(language, "nothing_to_stop"))])
    if person.dialog == Dialog.SURVEY and person.dialog_ref is not None:
        run = await session.get(SurveySession, person.dialog_ref)
        if run is not None and run.status == SessionStatus.ACTIVE:
            run.status = SessionStatus.CANCELLED
    elif person.dialog in suggestions.DRAFTING and person.dialog_ref:
        # a suggestion the person chose not to send
        draft = await session.get(Draft, person.dialog_ref)
        if draft is not None and draft.person_id == person.id:
            await session.delete(draft)
    await leaders.drop_review(session, person)  # a leader's answer not sent
    person.dialog, person.dialog_ref = Dialog.IDLE, None
    return Response([Reply(say(language, "stopped"))])


async def _start(
    session: AsyncSession, ctx: Context, person: Person, payload: str, user_name: str
) -> Response:
    """/start, with the payload of a desk QR code or a case receipt link."""
    language = person.language
    if not payload:
        kind = await kind_of(session, person.ward_id)
        return Response([Reply(say(language, "start", kind=kind))])
    code = typed_code(payload)
    if code is not None:  # a deep link or a Zalo message carrying a six-digit code
        return await _open_code(session, ctx, person, code)
    kind, _, rest = payload.partition("_")
    if kind == DESK and rest:
        ward_code, _, desk = rest.partition("_")
        ward = await ward_by_code(session, ward_code.upper())
        if ward is not None and (not desk or desk.isdigit()):
            return await _walk_in(session, ctx, person, ward, int(desk) if desk else None)
    if kind == leaders.INVITE and rest:
        return await leaders.join(session, ctx, person, rest, user_name)
    if kind == CASE and rest:
        case = await case_by_token(session, rest)
        if case is not None:
            return await _open_case(session, ctx, person, case)
    return Response([Reply(say(language, "bad_link"))])


async def _typed_code(
    session: AsyncSession, ctx: Context, person: Person, event: Incoming
) -> Response | None:
    """A message that is exactly a six-digit code ("123456", "c123456", "C 123456"), typed
    outside a flow: the desk's or the case's flow, as its QR code would start it."""
    code = typed_code(event.text) if event.kind == Kind.TEXT else None
    return None if code is None else await _open_code(session, ctx, person, code)


async def _open_code(session: AsyncSession, ctx: Context, person: Person, code: str) -> Response:
    """The flow a six-digit code names. Wrong codes in a row slow the chat down: after
    `CODE_MISSES_FREE` of them, one try per `CODE_WAIT`, so that nobody can walk through
    the million codes to reach a neighbour's case."""
    language = person.language
    now = ctx.clock()
    last = person.code_missed_at
    if last is not None and now - last > CODE_FORGET:
        person.code_misses = 0
    if person.code_misses >= CODE_MISSES_FREE and last is not None and now - last < CODE_WAIT:
        minutes = max(1, round((CODE_WAIT - (now - last)).total_seconds() / 60))
        return Response([Reply(say(language, "code_wait", minutes=minutes))])
    found = await code_target(session, code)
    if found is None:
        person.code_misses, person.code_missed_at = person.code_misses + 1, now
        return Response([Reply(say(language, "code_unknown", code=code))])
    person.code_misses, person.code_missed_at = 0, None
    if found.case_id is not None:
        case = await session.get(Case, found.case_id)
        assert case is not None
        return await _open_case(session, ctx, person, case)
    ward = await session.get(Ward, found.ward_id)
    assert ward is not None
    return await _walk_in(session, ctx, person, ward, found.desk)


async def _walk_in(
    session: AsyncSession, ctx: Context, person: Person, ward: Ward, desk: int | None
) -> Response:
    """A desk QR code: one walk-in survey per person, ward and local day."""
    assert person.id is not None and ward.id is not None
    today = await walkin_since(session, person.id, ward.id, ctx.local_midnight())
    if today is not None and today.status == SessionStatus.COMPLETED:
        person.ward_id = ward.id
        return Response([Reply(say(person.language, "walkin_done_today", ward=ward.name))])
    if today is not None and person.dialog == Dialog.SURVEY and person.dialog_ref == today.id:
        greeting = survey.greeting(ctx, person, ward, today, None)
        return Response([greeting, await survey.resume(session, ctx, person, today)])
    replies = await survey.begin(session, ctx, person, ward, Source.WALKIN, desk=desk)
    return Response(replies)


async def _open_case(session: AsyncSession, ctx: Context, person: Person, case: Case) -> Response:
    """A receipt link: link the case to this chat; survey now if the result is back."""
    language = person.language
    ward = await session.get(Ward, case.ward_id)
    assert ward is not None and case.id is not None
    if case.person_id is None:  # the first to open the link owns the case
        await session.exec(
            update(Case)
            .where(col(Case.id) == case.id, col(Case.person_id).is_(None))
            .values(person_id=person.id, linked_at=ctx.clock())
        )
        await session.refresh(case)
    if case.person_id != person.id:
        return Response([Reply(say(language, "case_taken"))])
    person.ward_id = ward.id
    run = await session_for_case(session, case.id)
    if run is not None and run.status == SessionStatus.COMPLETED:
        return Response([Reply(say(language, "case_answered", code=case.code))])
    if case.done_at is None:
        return Response(
            [
                Reply(
                    say(
                        language,
                        "case_linked",
                        code=case.code,
                        procedure=case.procedure,
                        ward=ward.name,
                    )
                )
            ]
        )
    case.prompted_at = case.prompted_at or ctx.clock()
    return Response(await _case_survey(session, ctx, person, ward, case, run))


async def _case_survey(
    session: AsyncSession,
    ctx: Context,
    person: Person,
    ward: Ward,
    case: Case,
    run: SurveySession | None,
) -> list[Reply]:
    """The case's survey: its unfinished (or stopped) run again, or a new one: one per case."""
    if run is None:
        return await survey.begin(session, ctx, person, ward, Source.CASE, case)
    assert person.id is not None
    if run.status != SessionStatus.ACTIVE:
        await cancel_active_sessions(session, person.id)
        run.status = SessionStatus.ACTIVE
    person.dialog, person.dialog_ref = Dialog.SURVEY, run.id
    return [
        survey.greeting(ctx, person, ward, run, case),
        await survey.resume(session, ctx, person, run),
    ]


async def case_prompt(ctx: Context, case_id: int) -> tuple[Address, Response] | None:
    """The survey prompt for a returned case, for the scheduler; None when nothing is due."""
    async with ctx.db() as session:
        case = await session.get(Case, case_id)
        if case is None or case.person_id is None or case.done_at is None or case.prompted_at:
            return None
        person = await session.get(Person, case.person_id, with_for_update=PERSON_LOCK)
        ward = await session.get(Ward, case.ward_id)
        assert person is not None and ward is not None and case.id is not None
        run = await session_for_case(session, case.id)
        if run is not None and run.status == SessionStatus.COMPLETED:
            return None
        replies = await _case_survey(session, ctx, person, ward, case, run)
        await session.commit()
    return Address(person.platform, person.chat_id), Response(replies)


async def mark_prompted(ctx: Context, case_id: int) -> None:
    """Record that the case's prompt went out (after it did), so it is sent once."""
    async with ctx.db() as session:
        case = await session.get(Case, case_id)
        if case is not None and case.prompted_at is None:
            case.prompted_at = ctx.clock()
            await session.commit()
