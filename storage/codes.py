"""Six-digit codes a person types instead of opening a link: handed out and looked up.

A desk keeps its code for good. A case's code is in use until its survey is answered
or can no longer be (see `FREE_AFTER_ANSWER`, `FREE_AFTER_DONE`); after that it may be
handed to a new case, so the codes of a busy office never run out. Codes are drawn at
random from 100000-999999 (no leading zero for a spreadsheet to drop), never in order.
"""

import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Case, ShortCode, Ward

# a new case's code, if the code drawn is free: built once (building cost more than running)
_NEW_CODE = {
    name: dialect.insert(ShortCode)
    .values(
        code=bindparam("code"),
        ward_id=bindparam("ward_id"),
        case_id=bindparam("case_id"),
        created_at=bindparam("created_at", type_=col(ShortCode.created_at).type),
    )
    .on_conflict_do_nothing()
    .returning(col(ShortCode.id))
    for name, dialect in (("sqlite", sqlite), ("postgresql", postgresql))
}

LOWEST, HIGHEST = 100_000, 999_999
FREE_AFTER_ANSWER = timedelta(days=30)  # the citizen may still open it to see "answered"
FREE_AFTER_DONE = timedelta(days=90)  # an unanswered survey: long past anyone's interest
DRAWS = 20  # random draws before giving up: with a million codes, never reached in practice
# what a person may type: "123456", "c123456", "C 123456", "#123456", "d-123456"
TYPED = re.compile(r"^\s*(?:[cCdD#]\s*[-_]?\s*)?(\d{6})\s*$")


class NoFreeCode(Exception):
    """Every draw met a code in use."""


def typed_code(text: str) -> str | None:
    """The six digits of a message that is exactly a code (with or without its prefix)."""
    match = TYPED.fullmatch(text)
    return match[1] if match else None


async def _reusable(session: AsyncSession, kept: ShortCode, now: datetime) -> bool:
    """Whether a case's code may go to another case: its survey is long over."""
    if kept.case_id is None:
        return False
    case = await session.get(Case, kept.case_id)
    if case is None:
        return True
    if case.survey_answered_at is not None:
        return now - case.survey_answered_at > FREE_AFTER_ANSWER
    return case.done_at is not None and now - case.done_at > FREE_AFTER_DONE


def _draw() -> str:
    return str(LOWEST + secrets.randbelow(HIGHEST - LOWEST + 1))


async def _allocate(
    session: AsyncSession, ward_id: int, desk: int | None, case_id: int | None, now: datetime
) -> str:
    for _ in range(DRAWS):
        code = _draw()
        kept = (await session.exec(select(ShortCode).where(ShortCode.code == code))).first()
        try:
            async with session.begin_nested():
                if kept is not None:
                    if not await _reusable(session, kept, now):
                        continue
                    await session.delete(kept)
                    await session.flush()
                row = ShortCode(code=code, ward_id=ward_id, desk=desk, case_id=case_id)
                row.created_at = now
                session.add(row)
        except IntegrityError:  # drawn at the same moment by another door
            given = None if case_id is None else await code_of_case(session, case_id)
            if given is not None:  # the other door gave this very case its code
                return given
            continue
        return code
    raise NoFreeCode


async def code_of_case(session: AsyncSession, case_id: int) -> str | None:
    """The case's code, if it has one yet."""
    return (await session.exec(select(ShortCode.code).where(ShortCode.case_id == case_id))).first()


async def case_code(session: AsyncSession, case: Case, now: datetime) -> str:
    """The case's code, handed out on first use (cases kept before codes existed too)."""
    assert case.id is not None
    found = await code_of_case(session, case.id)
    if found is not None:
        return found
    return await _allocate(session, case.ward_id, None, case.id, now)


async def new_case_code(session: AsyncSession, case_id: int, ward_id: int, now: datetime) -> str:
    """A case just inserted gets its code in one statement when the code drawn is free
    (nearly always: the office's API registers cases by the thousand); a drawn code in
    use goes the long way, which may hand over a code whose case is long over."""
    statement = _NEW_CODE[session.bind.dialect.name if session.bind is not None else ""]
    code = _draw()
    values = {"code": code, "ward_id": ward_id, "case_id": case_id, "created_at": now}
    connection = await session.connection()  # Core: the ORM's path cost more than the INSERT
    if (await connection.execute(statement, values)).first() is not None:
        return code
    return await _allocate(session, ward_id, None, case_id, now)


async def desk_code(session: AsyncSession, ward: Ward, desk: int | None, now: datetime) -> str:
    """The code of a ward's desk (`desk` None: the ward's own walk-in code), kept for good."""
    assert ward.id is not None
    kept = await session.exec(
        select(ShortCode.code)
        .where(
            ShortCode.ward_id == ward.id,
            col(ShortCode.case_id).is_(None),
            col(ShortCode.desk).is_(None) if desk is None else ShortCode.desk == desk,
        )
        .order_by(col(ShortCode.id))
    )
    found = kept.first()
    return found if found is not None else await _allocate(session, ward.id, desk, None, now)


async def code_target(session: AsyncSession, code: str) -> ShortCode | None:
    """What a typed code names, or None."""
    return (await session.exec(select(ShortCode).where(ShortCode.code == code))).first()
