"""The satisfaction survey: starting a run, recording each press, rendering the questions.

A run is one message that grows: each press records the answer, then the message
is edited to show the chosen level and the next question, so the chat stays short
and every press costs one edit. The run's place (`SurveySession.step`) lives in
the database, so a restarted bot continues at the same question.
"""

import html
from dataclasses import dataclass, replace

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers import drafts, privacy
from handlers.catalogue import element_label, level_label, localized, say
from handlers.context import Context
from handlers.events import Choice, Incoming, Kind, Reply, Response, data_id
from handlers.survey_library import Survey
from storage.models import (
    Case,
    Dialog,
    Draft,
    Person,
    SessionStatus,
    Source,
    SurveySession,
    Ward,
)
from storage.queries import (
    answers_of,
    cancel_active_sessions,
    draft_of_run,
    kind_of,
    press_in_one_statement,
    presses_in_one_statement,
    record_answer,
    run_with_answers,
)

ANSWER = "a"  # callback data: a:<run id>:<question index>:<level>:<survey version>:<source>
SOURCES = frozenset(Source)


def answer_data(run: SurveySession, index: int, level: int) -> str:
    """A level button's data. The run's survey version and source let a press be decided
    without reading the run first (`press_at_once`); the statement checks both. Buttons
    sent before they were added (four fields) take the full path."""
    return f"{ANSWER}:{run.id}:{index}:{level}:{run.survey_version_id}:{run.source}"


@dataclass(frozen=True)
class Press:
    """What a level button's data says."""

    run_id: int | None  # None: digits no run id can have (a forged button)
    index: int
    level: int
    version_id: int | None  # None: a button of the older four-field kind
    source: str | None


def parsed_press(data: str) -> Press | None:
    """A level button's fields; None for data no button of ours carries."""
    fields = data.split(":")
    if len(fields) not in (4, 6) or fields[0] != ANSWER:
        return None
    try:
        index, level = int(fields[2]), int(fields[3])
    except ValueError:
        return None
    if len(fields) == 4:
        return Press(data_id(fields[1]), index, level, None, None)
    return Press(data_id(fields[1]), index, level, data_id(fields[4]), fields[5])


def pressed(event: Incoming) -> Press | None:
    """The level button an event pressed, if it pressed one."""
    if event.kind != Kind.CHOICE or not event.choice.startswith(f"{ANSWER}:"):
        return None
    return parsed_press(event.choice)


def pressed_run(event: Incoming) -> int | None:
    """The survey run a level press names, read with the person (`get_or_create_person`)."""
    press = pressed(event)
    return None if press is None else press.run_id


def next_step(survey: Survey, source: str, after: int = -1) -> int:
    """The index of the next question a run of `source` asks after `after`; past the end
    (`len(survey.questions)`) when none is left. Walk-ins skip what they cannot answer."""
    return next((i for i in survey.asked(source) if i > after), len(survey.questions))


def render(survey: Survey, run: SurveySession, answers: dict[str, int], language: str) -> Reply:
    """The run's message: answered questions with their level, then the current question.

    Its news, for chats that cannot edit: the answer just given, and the next question.
    """
    lines = [f"<b>{html.escape(localized(language, survey.title), quote=False)}</b>"]
    asked = survey.asked(run.source)
    count = len(asked)
    just_answered = max((index for index in asked if index < run.step), default=None)
    news: list[str] = []
    for number, index in enumerate(asked, start=1):
        question = survey.questions[index]
        if question.code in answers:
            line = say(
                language,
                "answered_line",
                number=number,
                element=element_label(language, question.element),
                level=level_label(language, answers[question.code]),
            )
            lines.append(line)
            news = [line] if index == just_answered else news
    choices: tuple[Choice, ...] = ()
    if run.status == SessionStatus.ACTIVE and run.step in asked:
        question = survey.questions[run.step]
        text = localized(language, question.text)
        number = asked.index(run.step) + 1
        current = say(language, "question", number=number, count=count, text=text)
        lines += ["", current]
        news += ["", current] if news else [current]
        assert run.id is not None
        choices = tuple(
            Choice(level_label(language, level), answer_data(run, run.step, level))
            for level in survey.choices
        )
    return Reply("\n".join(lines), choices, news="\n".join(news))


async def begin(
    session: AsyncSession,
    ctx: Context,
    person: Person,
    ward: Ward,
    source: Source,
    case: Case | None = None,
    desk: int | None = None,
) -> list[Reply]:
    """Start a new run of the default survey (ending any unfinished one): intro and question 1."""
    assert person.id is not None and ward.id is not None
    await cancel_active_sessions(session, person.id)
    version_id = ctx.surveys.current["sipas"]
    run = SurveySession(
        person_id=person.id,
        ward_id=ward.id,
        survey_version_id=version_id,
        source=source,
        case_id=case.id if case else None,
        desk=desk,
        started_at=ctx.clock(),
    )
    survey = ctx.surveys.survey(version_id)
    run.step = next_step(survey, source)
    session.add(run)
    await session.flush()
    person.dialog, person.dialog_ref, person.ward_id = Dialog.SURVEY, run.id, ward.id
    return [greeting(ctx, person, ward, run, case), render(survey, run, {}, person.language)]


def greeting(
    ctx: Context, person: Person, ward: Ward, run: SurveySession, case: Case | None
) -> Reply:
    """The words before a run: the ward, and the case when the survey is about one."""
    survey = ctx.surveys.survey(run.survey_version_id)
    language = person.language
    count = len(survey.asked(run.source))
    if case is not None:
        return Reply(
            say(
                language,
                "survey_intro_case",
                code=case.code,
                procedure=case.procedure,
                ward=ward.name,
                count=count,
            )
        )
    return Reply(say(language, "survey_intro_walkin", ward=ward.name, count=count))


async def resume(session: AsyncSession, ctx: Context, person: Person, run: SurveySession) -> Reply:
    """The run's message again, sent anew (after a restart, or when the person typed)."""
    survey = ctx.surveys.survey(run.survey_version_id)
    assert run.id is not None
    return render(survey, run, await answers_of(session, run.id), person.language)


async def on_answer(
    session: AsyncSession,
    ctx: Context,
    person: Person,
    data: str,
    message_id: int | None,
    resend: bool = False,
) -> Response:
    """A press on a level button: record it once, then show the next question.

    A press already recorded (`resend`: redelivered after a crash, or its replies lost)
    shows again where the run is now, and the suggestion prompt when it is over.
    """
    language = person.language
    press = parsed_press(data)
    if press is None:
        return Response(notice=say(language, "bad_button"))
    run_id, index_number, level_number = press.run_id, press.index, press.level
    for fresh in (False, True):  # read again if the run moved since it was read
        run, answers, kind = (
            await run_with_answers(session, run_id, fresh=fresh)
            if run_id is not None
            else (None, {}, None)
        )
        if run is None or run.person_id != person.id:
            return Response(notice=say(language, "bad_button"))
        survey = ctx.surveys.survey(run.survey_version_id)
        if resend and index_number < run.step and run.status != SessionStatus.CANCELLED:
            return await _shown_again(session, ctx, person, run, message_id)
        if run.status != SessionStatus.ACTIVE:
            return Response(notice=say(language, "survey_over"))
        if index_number < run.step:
            return Response(notice=say(language, "already_answered"))
        if index_number != run.step or level_number not in survey.choices:
            return Response(notice=say(language, "bad_button"))
        question = survey.questions[run.step]
        now = ctx.clock()
        step = next_step(survey, run.source, run.step)
        answer = {
            "question_code": question.code,
            "element": question.element,
            "level": level_number,
            "answered_at": now,
        }
        stored = await record_answer(
            session,
            run,
            answer,
            step=step,
            completed_at=now if step == len(survey.questions) else None,
            first=run.step == next_step(survey, run.source),
        )
        if stored:
            answers[question.code] = level_number
            break
    else:  # the run moved under a read made after the lock: it cannot
        raise RuntimeError(f"survey run {run_id} moved while its chat was locked")
    closing = []
    if run.status == SessionStatus.COMPLETED:
        closing.append(await _closing(session, person, run, kind))
    return _recorded(survey, run, answers, language, level_number, message_id, closing)


def _recorded(
    survey: Survey,
    run: SurveySession,
    answers: dict[str, int],
    language: str,
    level: int,
    message_id: int | None,
    closing: list[Reply],
) -> Response:
    """What a recorded press shows: the run's message edited, then what follows its end."""
    edited = replace(render(survey, run, answers, language), edit=message_id, replaces=True)
    return Response([edited, *closing], notice=level_label(language, level))


async def press_at_once(event: Incoming, ctx: Context) -> Response | None:
    """A press on a level button decided and committed by one statement
    (`press_in_one_statement`), before any session's transaction: the bot's busiest event,
    four round trips to PostgreSQL on the full path (issue 14).

    None, with nothing stored, when the full path must decide: on SQLite, for an older
    button, a forged one, a press already recorded or on a run that moved, stopped or is
    not the presser's, a last press after the person typed during the survey (what they
    typed is offered), and a presser the full path has more to do for (a first contact's
    notice, a chat that blocked the bot, activity to note after an hour's rest).
    """
    if not presses_in_one_statement(ctx.db):
        return None
    press = pressed(event)
    if press is None or press.run_id is None or press.version_id is None:
        return None
    survey = ctx.surveys.versions.get(press.version_id)
    if survey is None or press.source not in SOURCES or press.level not in survey.choices:
        return None
    source = Source(press.source)
    if press.index not in survey.asked(source):
        return None
    step = next_step(survey, source, press.index)
    last = step == len(survey.questions)
    status = SessionStatus.COMPLETED if last else SessionStatus.ACTIVE
    question = survey.questions[press.index]
    now = ctx.clock()
    statement = {
        "chat_platform": event.address.platform,
        "chat": event.address.chat_id,
        "notice_shown": privacy.NOTICE_VERSION,
        "seen_since": now - privacy.ACTIVITY_GRAIN,
        "run_id": press.run_id,
        "version_id": press.version_id,
        "run_source": source,
        "from_step": press.index,
        "to_step": step,
        "last": last,
        "question_code": question.code,
        "element": question.element,
        "level": press.level,
        "answered_at": now,
        "first": press.index == next_step(survey, source),
    }
    read = await press_in_one_statement(ctx.db, statement)
    if read is None:
        return None
    answers = {**read.answers, question.code: press.level}
    run = SurveySession(
        id=press.run_id,
        survey_version_id=press.version_id,
        source=source,
        step=step,
        status=status,
    )
    closing = [skip_prompt(read.language, read.draft_id, read.kind)] if last else []
    return _recorded(survey, run, answers, read.language, press.level, event.message_id, closing)


async def _closing(
    session: AsyncSession, person: Person, run: SurveySession, kind: str | None
) -> Reply:
    """After the last rating: what the person typed meanwhile, offered; else the empty
    prompt, which names the ward's `kind`."""
    assert run.id is not None
    draft = await draft_of_run(session, run.id)
    if draft is not None:
        person.dialog, person.dialog_ref = Dialog.SUGGEST_OFFER, draft.id
        return drafts.offer_kept(person.language, draft)
    assert run.completed_at is not None
    draft = Draft(
        person_id=person.id,
        ward_id=run.ward_id,
        session_id=run.id,
        case_id=run.case_id,
        created_at=run.completed_at,  # the clock's time, as `press_at_once` makes it
    )
    session.add(draft)
    await session.flush()
    person.dialog, person.dialog_ref = Dialog.SUGGEST_TEXT, draft.id
    return skip_prompt(person.language, draft.id, kind)


async def keep_typed(
    session: AsyncSession, ctx: Context, person: Person, run: SurveySession, event: Incoming
) -> Response:
    """Text or a photo sent mid-survey: kept as the run's draft suggestion (offered when the
    ratings are done), then the current question again."""
    assert run.id is not None
    draft = await draft_of_run(session, run.id)
    if draft is None:
        draft = Draft(
            person_id=person.id,
            ward_id=run.ward_id,
            session_id=run.id,
            case_id=run.case_id,
            created_at=ctx.clock(),
        )
        session.add(draft)
    drafts.add_to(draft, event)
    kept = Reply(say(person.language, "text_kept"))
    return Response([kept, await resume(session, ctx, person, run)])


async def _shown_again(
    session: AsyncSession,
    ctx: Context,
    person: Person,
    run: SurveySession,
    message_id: int | None,
) -> Response:
    """The run's message as it should be now, and the suggestion prompt it led to, if open."""
    assert run.id is not None
    survey = ctx.surveys.survey(run.survey_version_id)
    shown = render(survey, run, await answers_of(session, run.id), person.language)
    replies = [Reply(shown.text, shown.choices, edit=message_id)]
    offered = (Dialog.SUGGEST_TEXT, Dialog.SUGGEST_OFFER)
    if run.status == SessionStatus.COMPLETED and person.dialog in offered:
        draft = await session.get(Draft, person.dialog_ref) if person.dialog_ref else None
        if draft is not None and draft.session_id == run.id:
            kind = await kind_of(session, run.ward_id)
            replies.append(
                drafts.offer_kept(person.language, draft)
                if person.dialog == Dialog.SUGGEST_OFFER
                else skip_prompt(person.language, draft.id, kind)
            )
    return Response(replies, notice=say(person.language, "already_answered"))


def skip_prompt(language: str, draft_id: int | None, kind: str | None) -> Reply:
    """After the ratings: ask for a suggestion, with a button to skip it."""
    return Reply(
        say(language, "ask_suggestion", kind=kind),
        (Choice(say(language, "btn_skip"), f"k:{draft_id}"),),
        free_text=True,
    )
