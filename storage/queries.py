"""Small queries shared by the handlers, the CLI and the scheduler.

Each takes an open session and leaves committing to the caller, so that one
person's action is one transaction.
"""

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Answer,
    BookPage,
    Broadcast,
    BroadcastStatus,
    Case,
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


async def get_or_create_person(session: AsyncSession, platform: str, chat_id: str) -> Person:
    """The person, created on first contact, locked until the caller's transaction ends.

    Several bot processes may receive one chat's events at once (webhooks): on PostgreSQL
    the row lock makes them decide one at a time, each seeing what the one before
    committed; SQLite's writers are one at a time anyway (BEGIN IMMEDIATE). The lock is
    `FOR NO KEY UPDATE` (`PERSON_LOCK`): a row written elsewhere that names this person
    (a page signed on the web by this leader) only key-shares it, and must not wait on
    the chat, or the two deadlock. Two first contacts at once: the one that loses the
    insert takes the winner's row.
    """
    chat = {"platform": platform, "chat_id": chat_id}
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


async def run_with_answers(
    session: AsyncSession, run_id: int
) -> tuple[SurveySession | None, dict[str, int], str | None]:
    """A survey run, its answers so far and its ward's kind, in one query: a press reads
    the first two, the last press the kind too, and on PostgreSQL each statement is a
    round trip the bot waits on (issue 14). Called after the person's row lock, so it
    sees what the chat's previous event committed."""
    rows = (await session.exec(_RUN_WITH_ANSWERS, params={"run_id": run_id})).all()
    if not rows:
        return None, {}, None
    run, kind = rows[0][0], rows[0][1]
    return run, {code: level for _, _, code, level in rows if code is not None}, kind


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


_INSERT_ANSWER = insert(Answer.__table__)  # type: ignore[arg-type]
_RUNS = SurveySession.__table__  # type: ignore[attr-defined]
_MOVE_RUN = (
    update(_RUNS)
    .where(_RUNS.c.id == bindparam("run_id"))
    .values(step=bindparam("step"), status=bindparam("status"), completed_at=bindparam("completed"))
)
_ANSWER_FIELDS = [column.name for column in Answer.__table__.columns if column.name != "id"]  # type: ignore[attr-defined]
# PostgreSQL: the answer's INSERT rides in the run's UPDATE, one round trip for both
_ANSWERED = {name: bindparam(f"answer_{name}") for name in _ANSWER_FIELDS}
_ANSWER_AND_MOVE = _MOVE_RUN.add_cte(_INSERT_ANSWER.values(_ANSWERED).cte("answered"))
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
) -> None:
    """Store one answer and move its run on to `step` (completed at `completed_at`, if set).

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
    if run.case_id is not None and first:
        answered = {"case_id": run.case_id, "at": fields["answered_at"]}
        await session.exec(_CASE_ANSWERED, params=answered)
    status = SessionStatus.COMPLETED if completed_at is not None else run.status
    moved = {"run_id": run.id, "step": step, "status": status, "completed": completed_at}
    if session.get_bind().dialect.name == "postgresql":
        both = {**{f"answer_{name}": value for name, value in fields.items()}, **moved}
        await session.exec(_ANSWER_AND_MOVE, params=both)
    else:  # SQLite has no INSERT inside WITH (and no round trips to save)
        await session.exec(_INSERT_ANSWER, params=fields)
        await session.exec(_MOVE_RUN, params=moved)
    for name, value in (("step", step), ("status", status), ("completed_at", completed_at)):
        set_committed_value(run, name, value)


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


async def due_case_prompts(
    session: AsyncSession, done_before: datetime, limit: int
) -> list[tuple[int, str, str]]:
    """(case id, platform, chat id) of returned cases whose citizen was not asked yet."""
    result = await session.exec(
        select(Case.id, Person.platform, Person.chat_id)
        .join(Person, col(Person.id) == Case.person_id)
        .where(
            col(Case.done_at).is_not(None),
            col(Case.done_at) <= done_before,
            col(Case.prompted_at).is_(None),
            col(Person.blocked_at).is_(None),
        )
        .order_by(col(Case.done_at))
        .limit(limit)
    )
    return [(case_id, platform, chat_id) for case_id, platform, chat_id in result.all()]


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

    async def count(table: type, *where: Any) -> int:
        return int(
            (await session.exec(select(func.count()).select_from(table).where(*where))).one()
        )

    waiting = {
        "replies": await count(PendingReply),
        "notices": await count(Notice, col(Notice.sent_at).is_(None), col(Notice.failed).is_(None)),
        "case_prompts": await count(
            Case,
            col(Case.done_at).is_not(None),
            col(Case.done_at) <= now,
            col(Case.prompted_at).is_(None),
            col(Case.person_id).in_(select(Person.id).where(col(Person.blocked_at).is_(None))),
        ),
    }
    recipients = await session.exec(
        select(Recipient.broadcast_id, Recipient.status, func.count())
        .join(Broadcast, col(Broadcast.id) == Recipient.broadcast_id)
        .where(col(Broadcast.status) == BroadcastStatus.RUNNING)
        .group_by(col(Recipient.broadcast_id), col(Recipient.status))
    )
    return waiting, {(row[0], row[1]): int(row[2]) for row in recipients.all()}
