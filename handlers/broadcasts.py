"""Broadcast surveys: the citizen's consent, the invitation, and the admin's wizard.

Citizens are asked once, after their first survey, whether the ward may send them
future surveys; /huy and /nhan change their mind at any time. An invitation is one
message (the survey's first question with its buttons); the survey run is created
only when the citizen presses, so nobody is pulled out of what they are doing.

Admins (SOGOPY_ADMINS) walk through /guikhaosat: survey, audience (count shown),
preview exactly as citizens see it, then now or at a local time. Every step is a
row in the database (a draft broadcast), so a restart loses nothing.
"""

import html
import re
from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers import survey
from handlers.catalogue import level_label, localized, say
from handlers.context import Context
from handlers.events import Choice, Incoming, Reply, Response, data_id
from handlers.numbered import fold
from handlers.survey_library import Survey
from handlers.wards import person_ward, ward_choices
from storage.broadcasts import (
    ACTIVE,
    PAUSABLE,
    Progress,
    audience_size,
    largest_audiences,
    progress,
    schedule,
    set_wards,
    ward_ids_of,
    ward_names,
)
from storage.models import (
    Broadcast,
    BroadcastStatus,
    Dialog,
    Person,
    Recipient,
    RecipientStatus,
    SessionStatus,
    Source,
    SurveySession,
    Ward,
)
from storage.queries import cancel_active_sessions

OPTIN = "o"  # o:<1|0>
FOR_OPTIN = "o"  # w:<ward>:o (see handlers.wards): the ward whose surveys a person wants
INVITE = "s"  # s:<recipient id>:<level>: the first answer to a broadcast survey
WIZARD = "x"  # x:<broadcast id>:<step>[:<value>]
TOP_WARDS = 8  # ward buttons offered in the wizard; any ward can be typed
TIME_FORMATS = ("%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M")


# ---- the citizen's consent ---------------------------------------------------------------


def with_optin(ctx: Context, person: Person, reply: Reply, kind: str) -> Reply:
    """The closing message of a survey, with the consent question the first time only."""
    if person.optin is not None or person.optin_at is not None or person.role != "citizen":
        return reply
    person.optin_at = ctx.clock()  # asked: not again, whatever the answer
    language = person.language
    choices = (
        Choice(say(language, "btn_optin_yes"), f"{OPTIN}:1"),
        Choice(say(language, "btn_optin_no"), f"{OPTIN}:0"),
    )
    text = f"{reply.text}\n\n{say(language, 'optin_ask', kind=kind)}"
    return Reply(text, choices, columns=2, to=reply.to)


def on_optin(ctx: Context, person: Person, data: str, kind: str | None) -> Response:
    if data not in (f"{OPTIN}:1", f"{OPTIN}:0"):
        return Response(notice=say(person.language, "bad_button"))
    return set_optin(ctx, person, data.endswith(":1"), kind)


def set_optin(ctx: Context, person: Person, optin: bool, kind: str | None = None) -> Response:
    """Record the choice and its time (the evidence of consent); /huy and /nhan too."""
    person.optin, person.optin_at = optin, ctx.clock()
    key = "optin_yes" if optin else "optin_no"
    said = say(person.language, key, kind=kind)
    return Response([Reply(said)], notice=say(person.language, key + "_short"))


async def opt_in(session: AsyncSession, ctx: Context, person: Person) -> Response:
    """/nhan: surveys come from a ward, so a person whose ward is not known is asked which;
    until then they are not in any audience (nobody is counted who cannot be reached)."""
    ward, wards = await person_ward(session, person)
    response = set_optin(ctx, person, True, ward.kind if ward is not None else None)
    if ward is not None:
        person.ward_id = ward.id
        return response
    if not wards:
        return Response([Reply(say(person.language, "optin_no_ward"))], response.notice)
    choices = ward_choices(wards, FOR_OPTIN)
    return Response([Reply(say(person.language, "optin_choose_ward"), choices)], response.notice)


def optin_ward(ctx: Context, person: Person, ward: Ward) -> Response:
    """The ward chosen after /nhan: its surveys reach the person from now on."""
    person.ward_id = ward.id
    if not person.optin:
        person.optin, person.optin_at = True, ctx.clock()
    shown = say(person.language, "optin_yes_ward", ward=ward.name)
    return Response([Reply(shown)], notice=say(person.language, "optin_yes_short"))


# ---- the invitation ----------------------------------------------------------------------


def invitation(
    survey_def: Survey, recipient_id: int, ward_name: str, language: str, preview_of: int = 0
) -> Reply:
    """The one message a recipient gets: who asks, then the first question with its buttons.

    In an admin's preview (`preview_of` = the broadcast) the buttons only say so.
    """
    question = survey_def.questions[survey.next_step(survey_def, Source.BROADCAST)]
    count = len(survey_def.asked(Source.BROADCAST))
    title = html.escape(localized(language, survey_def.title), quote=False)
    lines = [
        f"<b>{title}</b>",
        say(language, "invite_intro", ward=ward_name, count=count),
        "",
        say(language, "question", number=1, count=count, text=localized(language, question.text)),
    ]
    choices = tuple(
        Choice(
            level_label(language, level),
            f"{WIZARD}:{preview_of}:v" if preview_of else f"{INVITE}:{recipient_id}:{level}",
        )
        for level in survey_def.choices
    )
    return Reply("\n".join(lines), choices)


async def on_invitation(
    session: AsyncSession,
    ctx: Context,
    person: Person,
    data: str,
    message_id: int | None,
    resend: bool = False,
) -> Response:
    """The first press on an invitation: the run begins, and that press is its first answer.

    Pressed again once recorded (`resend`), it shows where the run is now.
    """
    language = person.language
    numbers = [data_id(part) for part in data.split(":")[1:]]  # recipient id, level
    if len(numbers) != 2 or None in numbers:
        return Response(notice=say(language, "bad_button"))
    recipient_id, level = numbers[0] or 0, numbers[1] or 0
    recipient = await session.get(Recipient, recipient_id)
    if recipient is None or recipient.person_id != person.id:
        return Response(notice=say(language, "bad_button"))
    broadcast = await session.get(Broadcast, recipient.broadcast_id)
    assert broadcast is not None and broadcast.survey_version_id is not None
    assert person.id is not None and broadcast.id is not None
    run = (
        await session.exec(
            select(SurveySession).where(
                SurveySession.broadcast_id == broadcast.id, SurveySession.person_id == person.id
            )
        )
    ).first()
    first = survey.next_step(ctx.surveys.survey(broadcast.survey_version_id), Source.BROADCAST)
    if run is not None and run.step > first:
        if resend and run.id is not None:
            again = survey.answer_data(run, first, level)
            return await survey.on_answer(session, ctx, person, again, message_id, resend)
        return Response(notice=say(language, "already_answered"))
    if person.ward_id is None:
        return Response(notice=say(language, "bad_button"))
    if run is None:
        await cancel_active_sessions(session, person.id)
        run = SurveySession(
            person_id=person.id,
            ward_id=person.ward_id,
            survey_version_id=broadcast.survey_version_id,
            source=Source.BROADCAST,
            broadcast_id=broadcast.id,
            step=first,
            started_at=ctx.clock(),
        )
        session.add(run)
        await session.flush()
    run.status = SessionStatus.ACTIVE
    person.dialog, person.dialog_ref = Dialog.SURVEY, run.id
    assert run.id is not None
    answer = survey.answer_data(run, first, level)
    return await survey.on_answer(session, ctx, person, answer, message_id)


# ---- the admin's wizard ------------------------------------------------------------------


async def start_wizard(session: AsyncSession, ctx: Context, person: Person) -> Response:
    """/guikhaosat: a new draft, and the surveys to choose from."""
    language = person.language
    if not ctx.is_admin(person):
        return Response([Reply(say(language, "unknown_command"))])
    draft = Broadcast(survey_key="", created_by=person.chat_id, created_at=ctx.clock())
    draft.progress_platform, draft.progress_chat_id = person.platform, person.chat_id
    session.add(draft)
    await session.flush()
    choices = tuple(
        Choice(
            localized(language, ctx.surveys.survey(version_id).title),
            f"{WIZARD}:{draft.id}:s:{key}",
        )
        for key, version_id in sorted(ctx.surveys.current.items())
    )
    lines = [say(language, "bc_choose_survey")]
    if ctx.survey_problems:
        lines.append(say(language, "bc_broken_surveys"))
        lines.extend(f"• {html.escape(problem, quote=False)}" for problem in ctx.survey_problems)
    choices += (Choice(say(language, "btn_cancel"), f"{WIZARD}:{draft.id}:c"),)
    return Response([Reply("\n".join(lines), choices)])


async def _own_broadcast(
    session: AsyncSession, ctx: Context, person: Person, broadcast_id: str
) -> Broadcast | None:
    row_id = data_id(broadcast_id)
    if not ctx.is_admin(person) or row_id is None:
        return None
    return await session.get(Broadcast, row_id)


async def on_wizard(
    session: AsyncSession, ctx: Context, person: Person, event: Incoming
) -> Response:
    """Every admin button: survey, audience, send now, at a time, pause, resume, cancel."""
    language = person.language
    _, broadcast_id, step, value = [*event.choice.split(":"), "", "", ""][:4]
    broadcast = await _own_broadcast(session, ctx, person, broadcast_id)
    if broadcast is None:
        return Response(notice=say(language, "bad_button"))
    draft = broadcast.status == BroadcastStatus.DRAFT
    match step:
        case "s" if draft and value in ctx.surveys.current:
            broadcast.survey_key = value
            broadcast.survey_version_id = ctx.surveys.current[value]
            return await _audience_step(session, ctx, person, broadcast)
        case "a" if draft and broadcast.survey_version_id:
            await set_wards(session, broadcast, [])
            return await _preview_step(session, ctx, person, broadcast)
        case "w" if draft and broadcast.survey_version_id and data_id(value) is not None:
            ward = await session.get(Ward, data_id(value))
            if ward is None or ward.id is None or ward.removed_at is not None:
                return Response(notice=say(language, "bad_button"))
            await set_wards(session, broadcast, [ward.id])
            return await _preview_step(session, ctx, person, broadcast)
        case "v":
            return Response(notice=say(language, "bc_preview_only"))
        case "n" if draft and broadcast.survey_version_id:
            return await _schedule(session, ctx, person, broadcast, ctx.clock())
        case "t" if draft and broadcast.survey_version_id:
            person.dialog, person.dialog_ref = Dialog.BROADCAST_AT, broadcast.id
            return Response([Reply(say(language, "bc_ask_time"))])
        case "p" | "r" | "c":
            return await _control(session, ctx, person, broadcast, step, event.message_id)
    return Response(notice=say(language, "bad_button"))


async def _audience_step(
    session: AsyncSession, ctx: Context, person: Person, broadcast: Broadcast
) -> Response:
    language = person.language
    person.dialog, person.dialog_ref = Dialog.BROADCAST_WARDS, broadcast.id
    total = await audience_size(session, [])
    top = await largest_audiences(session, TOP_WARDS)
    choices = [Choice(say(language, "btn_all_wards", count=total), f"{WIZARD}:{broadcast.id}:a")]
    choices += [
        Choice(
            say(language, "btn_one_ward", ward=name, count=count),
            f"{WIZARD}:{broadcast.id}:w:{ward_id}",
        )
        for ward_id, name, count in top
    ]
    choices.append(Choice(say(language, "btn_cancel"), f"{WIZARD}:{broadcast.id}:c"))
    return Response([Reply(say(language, "bc_choose_audience"), tuple(choices))])


async def _draft_typed_for(session: AsyncSession, ctx: Context, person: Person) -> Broadcast | None:
    """The draft an admin is typing wards or a time for; None ends a stale dialog."""
    broadcast = await _own_broadcast(session, ctx, person, str(person.dialog_ref))
    if broadcast is None or broadcast.status != BroadcastStatus.DRAFT:
        person.dialog, person.dialog_ref = Dialog.IDLE, None
        return None
    return broadcast


async def on_wards_text(
    session: AsyncSession, ctx: Context, person: Person, event: Incoming
) -> Response:
    """Wards typed by the admin, by code or by name, separated by commas."""
    language = person.language
    broadcast = await _draft_typed_for(session, ctx, person)
    if broadcast is None:
        return Response([Reply(say(language, "idle_text"))])
    typed = [piece.strip() for piece in re.split(r"[,;\n]", event.text) if piece.strip()]
    known = (await session.exec(select(Ward).where(col(Ward.removed_at).is_(None)))).all()
    wards, unknown = [], []
    for piece in typed:
        found = next((ward for ward in known if _names(ward, piece)), None)
        if found is None:
            unknown.append(piece)
        elif found not in wards:
            wards.append(found)
    if not wards or unknown:
        return Response([Reply(say(language, "bc_unknown_wards", codes=", ".join(unknown) or "—"))])
    await set_wards(session, broadcast, [ward.id for ward in wards if ward.id is not None])
    return await _preview_step(session, ctx, person, broadcast)


def _names(ward: Ward, typed: str) -> bool:
    """ "nghia-tan", "Nghĩa Tân" and "phuong nghia tan" all name Phường Nghĩa Tân."""
    wanted = fold(typed)
    name = fold(ward.name)
    return wanted in (fold(ward.code), name, name.removeprefix("phuong ").removeprefix("xa "))


async def _preview_step(
    session: AsyncSession, ctx: Context, person: Person, broadcast: Broadcast
) -> Response:
    language = person.language
    assert broadcast.id is not None and broadcast.survey_version_id is not None
    person.dialog, person.dialog_ref = Dialog.IDLE, None
    ward_ids = await ward_ids_of(session, broadcast.id)
    count = await audience_size(session, ward_ids)
    names = await ward_names(session, broadcast.id)
    scope = ", ".join(names) if names else say(language, "figures_city")
    sample_ward = names[0] if names else await _sample_ward(session)
    survey_def = ctx.surveys.survey(broadcast.survey_version_id)
    bid = broadcast.id
    decision = (
        Choice(say(language, "btn_send_now"), f"{WIZARD}:{bid}:n"),
        Choice(say(language, "btn_send_later"), f"{WIZARD}:{bid}:t"),
        Choice(say(language, "btn_cancel"), f"{WIZARD}:{bid}:c"),
    )
    return Response(
        [
            Reply(say(language, "bc_preview", scope=scope, count=count)),
            invitation(survey_def, 0, sample_ward, language, preview_of=bid),
            Reply(say(language, "bc_decide", count=count), decision),
        ]
    )


async def _sample_ward(session: AsyncSession) -> str:
    """A ward name for a city-wide preview: each citizen sees their own ward."""
    ward = (await session.exec(select(Ward).order_by(col(Ward.code)).limit(1))).first()
    return ward.name if ward is not None else "…"


def parse_local_time(ctx: Context, text: str) -> datetime | None:
    """A local "YYYY-MM-DD HH:MM" or "dd/mm/yyyy HH:MM" as UTC-aware, or None."""
    for pattern in TIME_FORMATS:
        try:
            naive = datetime.strptime(text.strip(), pattern)
        except ValueError:
            continue
        return naive.replace(tzinfo=ctx.timezone)
    return None


async def on_time_text(
    session: AsyncSession, ctx: Context, person: Person, event: Incoming
) -> Response:
    language = person.language
    broadcast = await _draft_typed_for(session, ctx, person)
    if broadcast is None:
        return Response([Reply(say(language, "idle_text"))])
    at = parse_local_time(ctx, event.text)
    if at is None:
        return Response([Reply(say(language, "bc_bad_time"))])
    if at <= ctx.clock():
        return Response([Reply(say(language, "bc_past_time"))])
    if at > ctx.clock() + timedelta(days=366):
        return Response([Reply(say(language, "bc_bad_time"))])
    person.dialog, person.dialog_ref = Dialog.IDLE, None
    return await _schedule(session, ctx, person, broadcast, at)


async def _schedule(
    session: AsyncSession, ctx: Context, person: Person, broadcast: Broadcast, at: datetime
) -> Response:
    language = person.language
    count = await schedule(session, broadcast, at)
    if count == 0:
        broadcast.status = BroadcastStatus.CANCELLED
        return Response([Reply(say(language, "bc_nobody"))])
    if at <= ctx.clock():
        return Response([Reply(say(language, "bc_started", id=broadcast.id, count=count))])
    cancel = (Choice(say(language, "btn_cancel"), f"{WIZARD}:{broadcast.id}:c"),)
    when = ctx.local_time(at)
    return Response(
        [Reply(say(language, "bc_scheduled", id=broadcast.id, count=count, when=when), cancel)]
    )


async def _control(
    session: AsyncSession,
    ctx: Context,
    person: Person,
    broadcast: Broadcast,
    step: str,
    message_id: int | None,
) -> Response:
    """Pause, resume or cancel; the progress message shows the new state at once."""
    language = person.language
    status = broadcast.status
    if step == "c" and status in (BroadcastStatus.DRAFT, *ACTIVE):
        broadcast.status, broadcast.finished_at = BroadcastStatus.CANCELLED, ctx.clock()
        person.dialog, person.dialog_ref = Dialog.IDLE, None
    elif step == "p" and status in PAUSABLE:
        broadcast.status = BroadcastStatus.PAUSED
    elif step == "r" and status == BroadcastStatus.PAUSED:
        broadcast.status = BroadcastStatus.SCHEDULED  # picked up again when its time has come
    else:
        return Response(notice=say(language, "bc_no_change"))
    notice = say(language, f"bc_now_{broadcast.status}")
    report = await progress(session, broadcast)
    if not report.audience or message_id is None:  # a draft: no progress message yet
        return Response([Reply(notice)], notice=notice)
    title = localized(language, ctx.surveys.survey(broadcast.survey_version_id or 0).title)
    edited = progress_reply(language, broadcast, title, report, None, None, False)
    return Response([Reply(edited.text, edited.choices, edit=message_id)], notice=notice)


def progress_reply(
    language: str,
    broadcast: Broadcast,
    title: str,
    report: Progress,
    rate: float | None,
    eta_seconds: float | None,
    quiet: bool,
) -> Reply:
    """The admin's progress message: counts, rate and ETA, and the buttons that still apply."""
    lines = [
        say(language, "bc_progress_title", id=broadcast.id, title=title),
        say(
            language,
            "bc_progress_counts",
            sent=report.delivered,
            audience=report.audience,
            blocked=report.count(RecipientStatus.BLOCKED),
            failed=report.count(RecipientStatus.FAILED),
            skipped=report.count(RecipientStatus.SKIPPED),
            remaining=report.remaining,
        ),
    ]
    if rate is not None and report.remaining:
        minutes = max(1, round((eta_seconds or 0) / 60))
        lines.append(say(language, "bc_progress_rate", rate=f"{rate:.1f}", minutes=minutes))
    if report.delivered:
        share = f"{(report.response_rate or 0) * 100:.0f}"
        lines.append(say(language, "bc_progress_answered", answered=report.answered, share=share))
    state = "bc_state_quiet" if quiet and broadcast.status == BroadcastStatus.RUNNING else ""
    lines.append(say(language, state or f"bc_state_{broadcast.status}"))
    bid = broadcast.id
    choices: tuple[Choice, ...] = ()
    if broadcast.status in PAUSABLE:
        choices = (Choice(say(language, "btn_pause"), f"{WIZARD}:{bid}:p"),)
    elif broadcast.status == BroadcastStatus.PAUSED:
        choices = (Choice(say(language, "btn_resume"), f"{WIZARD}:{bid}:r"),)
    if broadcast.status in ACTIVE:
        choices += (Choice(say(language, "btn_cancel"), f"{WIZARD}:{bid}:c"),)
    return Reply("\n".join(lines), choices, columns=2)
