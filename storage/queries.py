"""Small queries shared by the handlers, the CLI and the scheduler.

Each takes an open session and leaves committing to the caller, so that one
person's action is one transaction.
"""

import secrets
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Boolean, bindparam, case, delete, exists, func, insert, join, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import SessionMaker
from storage.models import (
    Answer,
    BookPage,
    Broadcast,
    BroadcastStatus,
    Case,
    Dialog,
    Draft,
    Notice,
    PendingReply,
    Person,
    Recipient,
    SeenMessage,
    SessionStatus,
    Source,
    SurveySession,
    SurveyVersion,
    Ward,
)


async def person_by_chat(session: AsyncSession, platform: str, chat_id: str) -> Person | None:
    result = await session.exec(
        select(Person).where(Person.platform == platform, Person.chat_id == chat_id)
    )
    return result.first()


PERSON_LOCK = {"key_share": True}  # FOR NO KEY UPDATE: see `get_or_create_person`


async def get_or_create_person(
    session: AsyncSession, platform: str, chat_id: str, *, with_run: int | None = None
) -> Person:
    """The person, created on first contact, locked until the caller's transaction ends.

    Several bot processes may receive one chat's events at once (webhooks): on PostgreSQL
    the row lock makes them decide one at a time, each seeing what the one before
    committed; SQLite's writers are one at a time anyway (BEGIN IMMEDIATE). The lock is
    `FOR NO KEY UPDATE` (`PERSON_LOCK`): a row written elsewhere that names this person
    (a page signed on the web by this leader) only key-shares it, and must not wait on
    the chat, or the two deadlock. Two first contacts at once: the one that loses the
    insert takes the winner's row.

    A survey press names its run (`with_run`): the run, its answers and its ward's kind
    come in the same statement, one round trip fewer on the bot's busiest path (issue
    14), kept for `run_with_answers`. Read while the lock was being waited for, they may
    be older than the lock; `record_answer` writes only if the run is still as read.
    """
    chat = {"platform": platform, "chat_id": chat_id}
    if with_run is not None:
        rows = (
            await session.exec(_PERSON_LOCKED_WITH_RUN, params={**chat, "run_id": with_run})
        ).all()
        if rows:
            if rows[0][1] is not None:
                session.info[_READ_WITH_PERSON] = (with_run, *_run_read(rows, 1))
            return rows[0][0]
    person = (await session.exec(_PERSON_LOCKED, params=chat)).first()
    if person is None:
        person = Person(platform=platform, chat_id=chat_id)
        try:
            async with session.begin_nested():
                session.add(person)
        except IntegrityError:
            person = (await session.exec(_PERSON_LOCKED, params=chat)).one()
    return person


# Built once: every event of every chat runs them, and building a statement costs more CPU
# than PostgreSQL takes to run it (issue 14).
_PERSON_LOCKED = (
    select(Person)
    .where(Person.platform == bindparam("platform"), Person.chat_id == bindparam("chat_id"))
    .with_for_update(**PERSON_LOCK)
)


_WARD_BY_CODE = select(Ward).where(Ward.code == bindparam("code"))  # built once: on the API's path


async def ward_by_code(session: AsyncSession, code: str) -> Ward | None:
    result = await session.exec(_WARD_BY_CODE, params={"code": code})
    return result.first()


async def kind_of(session: AsyncSession, ward_id: int | None) -> str | None:
    """The kind of the ward (phường, xã, thị trấn) a citizen's message speaks of, if known.

    The ward loaded in this session already is read; else its one column, not the whole
    row as an object (the last press of every survey asks it, issue 14)."""
    if ward_id is None:
        return None
    ward = session.identity_map.get(session.identity_key(Ward, ward_id))
    if ward is not None:
        return ward.kind
    return (await session.exec(_WARD_KIND, params={"ward_id": ward_id})).first()


_WARD_KIND = select(Ward.kind).where(Ward.id == bindparam("ward_id"))


async def list_wards(session: AsyncSession) -> Sequence[Ward]:
    return (await session.exec(select(Ward).order_by(Ward.code))).all()


async def case_by_code(session: AsyncSession, code: str) -> Case | None:
    return (await session.exec(select(Case).where(Case.code == code))).first()


async def case_by_token(session: AsyncSession, token: str) -> Case | None:
    return (await session.exec(select(Case).where(Case.token == token))).first()


def new_token() -> str:
    """An unguessable link payload part: a case or invite link must not be found by trying."""
    return secrets.token_urlsafe(12)


async def session_for_case(session: AsyncSession, case_id: int) -> SurveySession | None:
    result = await session.exec(select(SurveySession).where(SurveySession.case_id == case_id))
    return result.first()


async def cancel_active_sessions(session: AsyncSession, person_id: int) -> None:
    await session.exec(
        update(SurveySession)
        .where(
            col(SurveySession.person_id) == person_id,
            col(SurveySession.status) == SessionStatus.ACTIVE,
        )
        .values(status=SessionStatus.CANCELLED)
    )


async def walkin_since(
    session: AsyncSession, person_id: int, ward_id: int, since: datetime
) -> SurveySession | None:
    """The person's latest walk-in survey at this ward started since `since`."""
    result = await session.exec(
        select(SurveySession)
        .where(
            SurveySession.person_id == person_id,
            SurveySession.ward_id == ward_id,
            SurveySession.source == Source.WALKIN,
            col(SurveySession.started_at) >= since,
            col(SurveySession.status) != SessionStatus.CANCELLED,
        )
        .order_by(col(SurveySession.id).desc())
    )
    return result.first()


async def answers_of(session: AsyncSession, session_id: int) -> dict[str, int]:
    """Question code → level already answered in one survey run."""
    result = await session.exec(
        select(Answer.question_code, Answer.level).where(Answer.session_id == session_id)
    )
    return dict(result.all())


RunRead = tuple[SurveySession | None, dict[str, int], str | None]


async def run_with_answers(session: AsyncSession, run_id: int, *, fresh: bool = False) -> RunRead:
    """A survey run, its answers so far and its ward's kind, in one query: a press reads
    the first two, the last press the kind too, and on PostgreSQL each statement is a
    round trip the bot waits on (issue 14).

    What `get_or_create_person` read with the person is used once, unless `fresh`: then
    the run is read again, after the lock, so it holds what the chat's previous event
    committed."""
    read = session.info.pop(_READ_WITH_PERSON, None)
    if read is not None and read[0] == run_id and not fresh:
        return read[1:]
    statement = _RUN_WITH_ANSWERS_AGAIN if fresh else _RUN_WITH_ANSWERS
    rows = (await session.exec(statement, params={"run_id": run_id})).all()
    return _run_read(rows, 0) if rows else (None, {}, None)


def _run_read(rows: Sequence[Any], at: int) -> RunRead:
    """The run, its answers and its ward's kind from rows holding them from column `at`."""
    first = rows[0]
    answers = {row[at + 2]: row[at + 3] for row in rows if row[at + 2] is not None}
    return first[at], answers, first[at + 1]


async def draft_of_run(session: AsyncSession, run_id: int) -> Draft | None:
    """The draft kept from what the person typed during this survey run, if any."""
    return (await session.exec(_DRAFT_OF_RUN, params={"run_id": run_id})).first()


_DRAFT_OF_RUN = select(Draft).where(Draft.session_id == bindparam("run_id"))  # every survey's end


_RUN_WITH_ANSWERS = (
    select(SurveySession, Ward.kind, Answer.question_code, Answer.level)
    .join(Ward, col(Ward.id) == col(SurveySession.ward_id))
    .outerjoin(Answer, col(Answer.session_id) == col(SurveySession.id))
    .where(col(SurveySession.id) == bindparam("run_id"))
)
_RUN_WITH_ANSWERS_AGAIN = _RUN_WITH_ANSWERS.execution_options(populate_existing=True)
_PERSON_LOCKED_WITH_RUN = (
    select(Person, SurveySession, Ward.kind, Answer.question_code, Answer.level)
    .select_from(Person)
    .outerjoin(SurveySession, col(SurveySession.id) == bindparam("run_id"))
    .outerjoin(Ward, col(Ward.id) == col(SurveySession.ward_id))
    .outerjoin(Answer, col(Answer.session_id) == col(SurveySession.id))
    .where(Person.platform == bindparam("platform"), Person.chat_id == bindparam("chat_id"))
    .with_for_update(**PERSON_LOCK, of=Person)  # type: ignore[arg-type]
)
_READ_WITH_PERSON = "sogopy.run_read"  # the `session.info` key of a press's early read


_ANSWERS = Answer.__table__  # type: ignore[attr-defined]
_INSERT_ANSWER = insert(_ANSWERS)
_RUNS = SurveySession.__table__  # type: ignore[attr-defined]
_MOVE_RUN = (  # only the run as the press read it: see `get_or_create_person`
    update(_RUNS)
    .where(
        _RUNS.c.id == bindparam("run_id"),
        _RUNS.c.step == bindparam("from_step"),
        _RUNS.c.status == SessionStatus.ACTIVE,
    )
    .values(step=bindparam("step"), status=bindparam("status"), completed_at=bindparam("completed"))
)
_ANSWER_COLUMNS = [column for column in _ANSWERS.columns if column.name != "id"]
# PostgreSQL: the answer's INSERT takes the run's UPDATE as a CTE, one round trip for both,
# and inserts only when the run moved
_MOVED = _MOVE_RUN.returning(_RUNS.c.id).cte("moved")
_ANSWER_AND_MOVE = _INSERT_ANSWER.from_select(
    [column.name for column in _ANSWER_COLUMNS],
    select(  # type: ignore[call-overload]
        *(bindparam(f"answer_{column.name}", type_=column.type) for column in _ANSWER_COLUMNS)
    ).select_from(_MOVED),
)
_CASE_ANSWERED = (
    update(Case)
    .where(col(Case.id) == bindparam("case_id"), col(Case.survey_answered_at).is_(None))
    .values(survey_answered_at=bindparam("at"))
)


async def record_answer(
    session: AsyncSession,
    run: SurveySession,
    answer: dict[str, Any],
    *,
    step: int,
    completed_at: datetime | None,
    first: bool,
) -> bool:
    """Store one answer and move its run on to `step` (completed at `completed_at`, if set);
    False, storing nothing, when the run is no longer at the step the press read.

    Plain statements rather than the ORM's unit of work: a press is the bot's busiest path,
    and flushing an `Answer` and the run cost more CPU than PostgreSQL takes to run both
    (issue 14); on PostgreSQL they are one statement. The run's attributes are then set as
    stored, so nothing is flushed twice.
    The case's survey counts as answered from its `first` answer.
    """
    assert run.id is not None
    fields = {
        "session_id": run.id,
        "survey_version_id": run.survey_version_id,
        "ward_id": run.ward_id,
        "case_id": run.case_id,
        "source": run.source,
        **answer,
    }
    status = SessionStatus.COMPLETED if completed_at is not None else run.status
    moved = {
        "run_id": run.id,
        "from_step": run.step,
        "step": step,
        "status": status,
        "completed": completed_at,
    }
    if session.get_bind().dialect.name == "postgresql":
        both = {**{f"answer_{name}": value for name, value in fields.items()}, **moved}
        stored = (await session.exec(_ANSWER_AND_MOVE, params=both)).rowcount == 1  # type: ignore[attr-defined]
    else:  # SQLite has no INSERT inside WITH (and no round trips to save)
        stored = (await session.exec(_MOVE_RUN, params=moved)).rowcount == 1  # type: ignore[attr-defined]
        if stored:
            await session.exec(_INSERT_ANSWER, params=fields)
    if not stored:
        return False
    for name, value in (("step", step), ("status", status), ("completed_at", completed_at)):
        set_committed_value(run, name, value)
    if run.case_id is not None and first:
        answered = {"case_id": run.case_id, "at": fields["answered_at"]}
        await session.exec(_CASE_ANSWERED, params=answered)
    return True


# A survey press in one statement (PostgreSQL): the person locked as `get_or_create_person`
# locks them, the run moved only if it is theirs and still as the button shows it, the
# answer stored, the case counted as answered from its first answer; at the last press,
# the run completed and the suggestion's draft made and asked for, unless the person
# typed something during the survey (then a draft exists, and the full path offers it).
# Then the presser's language, the ward's kind, the new draft and the run's earlier
# answers (the statement's snapshot: an answer committed since would have moved the run,
# and then nothing here matches). No parameter is named as a column the statement
# writes: an UPDATE takes such a parameter as one more value to set.
_PERSONS = Person.__table__  # type: ignore[attr-defined]
_DRAFTS = Draft.__table__  # type: ignore[attr-defined]
_CASES = Case.__table__  # type: ignore[attr-defined]
_WARDS = Ward.__table__  # type: ignore[attr-defined]
_LAST = bindparam("last", type_=Boolean)
_ANSWERED_AT = bindparam("answered_at", type_=_ANSWERS.c.answered_at.type)
_PRESSER = (
    select(_PERSONS.c.id, _PERSONS.c.language)
    .where(
        _PERSONS.c.platform == bindparam("chat_platform"),
        _PERSONS.c.chat_id == bindparam("chat"),
        _PERSONS.c.blocked_at.is_(None),
        _PERSONS.c.notice_version >= bindparam("notice_shown"),
        _PERSONS.c.last_seen_at >= bindparam("seen_since", type_=_PERSONS.c.last_seen_at.type),
    )
    .with_for_update(**PERSON_LOCK)
    .cte("presser")
)
_PRESS_MOVED = (
    update(_RUNS)
    .where(
        _RUNS.c.id == bindparam("run_id"),
        _RUNS.c.step == bindparam("from_step"),
        _RUNS.c.status == SessionStatus.ACTIVE,
        _RUNS.c.survey_version_id == bindparam("version_id"),
        _RUNS.c.source == bindparam("run_source"),
        _RUNS.c.person_id == select(_PRESSER.c.id).scalar_subquery(),
        or_(~_LAST, ~exists().where(_DRAFTS.c.session_id == _RUNS.c.id)),
    )
    .values(
        step=bindparam("to_step"),
        status=case((_LAST, SessionStatus.COMPLETED), else_=SessionStatus.ACTIVE),
        completed_at=case((_LAST, _ANSWERED_AT)),
    )
    .returning(_RUNS.c.id, _RUNS.c.ward_id, _RUNS.c.case_id)
    .cte("moved")
)
_PRESS_ANSWER = (
    insert(_ANSWERS)
    .from_select(
        [
            *("session_id", "survey_version_id", "ward_id", "case_id", "source"),
            *("question_code", "element", "level", "answered_at"),
        ],
        select(
            _PRESS_MOVED.c.id,
            bindparam("version_id", type_=_ANSWERS.c.survey_version_id.type),
            _PRESS_MOVED.c.ward_id,
            _PRESS_MOVED.c.case_id,
            bindparam("run_source", type_=_ANSWERS.c.source.type),
            *(
                bindparam(name, type_=_ANSWERS.c[name].type)
                for name in ("question_code", "element", "level")
            ),
            _ANSWERED_AT,
        ),
    )
    .returning(_ANSWERS.c.id)
    .cte("answered")
)
_PRESS_CASE = (
    update(_CASES)
    .where(
        bindparam("first", type_=Boolean),
        _CASES.c.id == select(_PRESS_MOVED.c.case_id).scalar_subquery(),
        _CASES.c.survey_answered_at.is_(None),
    )
    .values(survey_answered_at=_ANSWERED_AT)
    .returning(_CASES.c.id)
    .cte("case_answered")
)
_PRESS_DRAFT = (
    insert(_DRAFTS)
    .from_select(
        ["person_id", "ward_id", "session_id", "case_id", "created_at"],
        select(
            _PRESSER.c.id,
            _PRESS_MOVED.c.ward_id,
            _PRESS_MOVED.c.id,
            _PRESS_MOVED.c.case_id,
            _ANSWERED_AT,
        )
        .select_from(join(_PRESS_MOVED, _PRESSER, true()))
        .where(_LAST),
    )
    .returning(_DRAFTS.c.id, _DRAFTS.c.person_id)
    .cte("drafted")
)
_PRESS_ASKS = (
    update(_PERSONS)
    .where(_PERSONS.c.id == _PRESS_DRAFT.c.person_id)
    .values(dialog=Dialog.SUGGEST_TEXT, dialog_ref=_PRESS_DRAFT.c.id)
    .returning(_PERSONS.c.id)
    .cte("asks")
)
_PRESS = (
    select(
        _PRESSER.c.language,
        _WARDS.c.kind,
        _PRESS_DRAFT.c.id,
        _ANSWERS.c.question_code,
        _ANSWERS.c.level,
    )
    .select_from(
        join(_PRESS_MOVED, _PRESSER, true())
        .join(_WARDS, _WARDS.c.id == _PRESS_MOVED.c.ward_id)
        .outerjoin(_PRESS_DRAFT, true())
        .outerjoin(_ANSWERS, _ANSWERS.c.session_id == _PRESS_MOVED.c.id)
    )
    .add_cte(_PRESS_ANSWER, _PRESS_CASE, _PRESS_ASKS)
)


class Pressed(NamedTuple):
    """What a press stored by `press_in_one_statement` needs to be shown."""

    language: str  # the presser's
    kind: str  # the ward's (phường, xã …), which the suggestion prompt names
    draft_id: int | None  # the suggestion's draft, made at the last press
    answers: dict[str, int]  # the run's answers before this one


def presses_in_one_statement(db: SessionMaker) -> bool:
    """Whether this database takes a press as one statement (`press_in_one_statement`):
    PostgreSQL. SQLite has no round trips to save (and no INSERT inside WITH); asked
    before anything else, so that a press there costs nothing more."""
    return db.kw["bind"].dialect.name == "postgresql"


async def press_in_one_statement(db: SessionMaker, params: dict[str, Any]) -> Pressed | None:
    """A survey press recorded and committed by one statement, one round trip; None, with
    nothing stored, when the press needs the full path (`handlers.survey.press_at_once`
    says which ones may try). PostgreSQL only (`presses_in_one_statement`).

    A press was four round trips on PostgreSQL (BEGIN, the locked read, the write,
    COMMIT), the last one seven, each costing the bot and the server CPU in the kernel
    and the event loop (issue 14).
    """
    async with db() as session:
        connection = await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        rows = (await connection.execute(_PRESS, params)).all()
    if not rows:
        return None
    answers = {row[3]: row[4] for row in rows if row[3] is not None}
    return Pressed(rows[0][0], rows[0][1], rows[0][2], answers)


async def next_page_number(session: AsyncSession, ward_id: int) -> int:
    """Take the ward's next page number inside the caller's transaction (no gaps, no twins)."""
    result = await session.exec(
        update(Ward)
        .where(col(Ward.id) == ward_id)
        .values(last_page=Ward.last_page + 1)
        .returning(Ward.last_page)
    )
    return int(result.scalar_one())


async def pages_of_person(
    session: AsyncSession, person_id: int, limit: int
) -> Sequence[tuple[BookPage, Ward]]:
    """The person's latest pages, newest first, with their ward."""
    result = await session.exec(
        select(BookPage, Ward)
        .join(Ward, col(Ward.id) == BookPage.ward_id)
        .where(BookPage.person_id == person_id)
        .order_by(col(BookPage.id).desc())
        .limit(limit)
    )
    return result.all()


async def find_survey_version(
    session: AsyncSession, key: str, version: int
) -> SurveyVersion | None:
    result = await session.exec(
        select(SurveyVersion).where(SurveyVersion.key == key, SurveyVersion.version == version)
    )
    return result.first()


# What waits to be sent, in the words of the partial indexes that hold it (migration 0012),
# so that the planner takes them: for the outbox jobs and for the backlog's figures alike
NOTICE_UNSENT = (col(Notice.sent_at).is_(None), col(Notice.failed).is_(None))  # ix_notice_unsent
CASE_TO_PROMPT = (  # ix_case_to_prompt
    col(Case.done_at).is_not(None),
    col(Case.prompted_at).is_(None),
    col(Case.person_id).is_not(None),
)


async def due_case_prompts(
    session: AsyncSession, done_before: datetime, limit: int
) -> list[tuple[int, str, str]]:
    """(case id, platform, chat id) of returned cases whose citizen was not asked yet."""
    result = await session.exec(
        select(Case.id, Person.platform, Person.chat_id)
        .join(Person, col(Person.id) == Case.person_id)
        .where(*CASE_TO_PROMPT, col(Case.done_at) <= done_before, col(Person.blocked_at).is_(None))
        .order_by(col(Case.done_at))
        .limit(limit)
    )
    return [(case_id, platform, chat_id) for case_id, platform, chat_id in result.all()]


async def people_with_menus(
    session: AsyncSession, platform: str, admins: Collection[str]
) -> list[Person]:
    """Whoever may need a command menu of their own on `platform`: people who have one or a
    role (a leader), and the admins. Two statements, each on its own index
    (`ix_person_menu`, the chat's): one OR across both scanned everyone who ever wrote,
    every two seconds."""
    kept = select(Person).where(
        Person.platform == platform, or_(col(Person.menu).is_not(None), Person.role != "citizen")
    )
    found = {person.id: person for person in (await session.exec(kept)).all()}
    if admins:
        named = select(Person).where(
            Person.platform == platform, col(Person.chat_id).in_(sorted(admins))
        )
        for person in (await session.exec(named)).all():
            found.setdefault(person.id, person)
    return list(found.values())


async def seen_before(session: AsyncSession, platform: str, message_id: str) -> bool:
    """True for a message handled already; else it is remembered, in the caller's transaction.

    Each chat's messages are handled one at a time, so a redelivery always finds the row.
    """
    found = await session.exec(
        select(SeenMessage.id).where(
            SeenMessage.platform == platform, SeenMessage.message_id == message_id
        )
    )
    if found.first() is not None:
        return True
    session.add(SeenMessage(platform=platform, message_id=message_id))
    return False


async def forget_seen(session: AsyncSession, before: datetime) -> int:
    """Forget the handled ids remembered before `before`; how many."""
    result = await session.exec(delete(SeenMessage).where(col(SeenMessage.seen_at) < before))
    return int(result.rowcount)


async def backlog(
    session: AsyncSession, now: datetime
) -> tuple[dict[str, int], dict[tuple[int, str], int]]:
    """What waits to be sent, by kind (replies kept, leaders' notices, done cases whose
    citizen was not asked yet), and the recipients of running broadcasts by status."""

    async def count(table: Any, *where: Any) -> int:
        return int(
            (await session.exec(select(func.count()).select_from(table).where(*where))).one()
        )

    waiting = {
        "replies": await count(PendingReply),
        "notices": await count(Notice, *NOTICE_UNSENT),
        "case_prompts": await count(  # as `due_case_prompts` picks them
            join(Case, Person, col(Person.id) == Case.person_id),
            *CASE_TO_PROMPT,
            col(Case.done_at) <= now,
            col(Person.blocked_at).is_(None),
        ),
    }
    recipients = await session.exec(
        select(Recipient.broadcast_id, Recipient.status, func.count())
        .join(Broadcast, col(Broadcast.id) == Recipient.broadcast_id)
        .where(col(Broadcast.status) == BroadcastStatus.RUNNING)
        .group_by(col(Recipient.broadcast_id), col(Recipient.status))
    )
    return waiting, {(row[0], row[1]): int(row[2]) for row in recipients.all()}
