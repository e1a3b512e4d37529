"""Cases (hồ sơ) at the one-stop desk: registered, returned, and where their survey is.

A case code is unique city-wide; registering the same case again (same code, ward and
procedure) is answered with the case already kept, so a desk's software or an import
may retry freely, while the same code with another ward or procedure is a conflict.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import bindparam, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.catalogue import office_text
from office.errors import Conflict, Forbidden, Invalid, NotFound
from storage.codes import case_code, new_case_code
from storage.models import Case, ShortCode, Ward, utcnow
from storage.queries import new_token
from storage.text import storable

WARD_CODE = re.compile(r"^[A-Za-z0-9-]{1,32}$")
CASE_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")
PROCEDURE_LENGTH = 500
DESKS = (1, 999)
YEARS = (2000, 2099)  # a case's times: anything else is a typing or clock mistake


class CaseStatus(StrEnum):
    """Where a case is, from the desk's point of view; each implies the ones before."""

    REGISTERED = "registered"  # no citizen opened its receipt link yet
    LINKED = "linked"  # a citizen's chat opened the link
    DONE = "done"  # the result was returned; the citizen will be asked
    ASKED = "asked"  # the survey prompt went out
    ANSWERED = "answered"  # the citizen answered the survey


@dataclass(frozen=True)
class CaseView:
    """A case as the doors show it (no personal data: who linked it stays inside)."""

    code: str
    ward_code: str
    ward_name: str
    procedure: str
    status: CaseStatus
    token: str  # the receipt link's start payload is f"c_{token}"
    short_code: str  # the six digits a citizen may type instead (storage/codes.py)
    received_at: datetime | None
    desk: int | None
    due_at: datetime | None
    done_at: datetime | None


def case_status(case: Case) -> CaseStatus:
    if case.survey_answered_at is not None:
        return CaseStatus.ANSWERED
    if case.prompted_at is not None:
        return CaseStatus.ASKED
    if case.done_at is not None:
        return CaseStatus.DONE
    if case.person_id is not None:
        return CaseStatus.LINKED
    return CaseStatus.REGISTERED


async def _view(session: AsyncSession, case: Case, ward: Ward, short: str | None) -> CaseView:
    """The case as shown, with its six-digit code `short`; a case kept from before codes
    existed (`short` None) gets its code now."""
    assert case.id is not None
    if short is None:
        short = await case_code(session, case, utcnow())
        await session.commit()
    return CaseView(
        code=case.code,
        ward_code=ward.code,
        ward_name=ward.name,
        procedure=case.procedure,
        status=case_status(case),
        token=case.token,
        short_code=short,
        received_at=case.received_at,
        desk=case.desk,
        due_at=case.due_at,
        done_at=case.done_at,
    )


def normal_ward_code(ward: str) -> str:
    code = ward.strip().upper()
    if not WARD_CODE.fullmatch(code):
        raise Invalid("bad_ward", office_text("bad_ward", ward=ward), "ward")
    return code


def _utc(value: datetime | None, field: str) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        raise Invalid("naive_time", office_text("naive_time", field=field), field)
    if not YEARS[0] <= value.year <= YEARS[1]:  # also keeps astimezone from overflowing
        raise Invalid("time_out_of_range", office_text("time_out_of_range", field=field), field)
    return value.astimezone(UTC)


# The API's statements, built once: building a statement and its cache key cost more
# than running it (an INSERT's values alone, a third of a request).
_CASE_AND_WARD = (  # with its code: one round trip where there were two
    select(Case, Ward, ShortCode.code)
    .join(Ward, col(Ward.id) == Case.ward_id)
    .outerjoin(ShortCode, col(ShortCode.case_id) == Case.id)
    .where(Case.code == bindparam("code"))
)
Found = tuple[Case, Ward, str | None]  # a case, its ward and its six-digit code
# a new case, or nothing when its code is registered already (asking first cost a query)
_INSERT_NEW = {
    name: dialect.insert(Case.__table__)  # type: ignore[attr-defined]
    .on_conflict_do_nothing(index_elements=["code"])
    .returning(Case.__table__.c.id)  # type: ignore[attr-defined]
    for name, dialect in (("sqlite", sqlite), ("postgresql", postgresql))
}
_MARK_DONE = (
    update(Case.__table__)  # type: ignore[attr-defined]
    .where(col(Case.id) == bindparam("case_id"), col(Case.done_at).is_(None))
    .values(done_at=bindparam("moment", type_=col(Case.done_at).type))
)


async def _find(session: AsyncSession, code: str) -> Found | None:
    result = await session.exec(_CASE_AND_WARD, params={"code": code})
    found = result.first()
    return None if found is None else (found[0], found[1], found[2])


async def _scoped(session: AsyncSession, code: str, ward: str | None) -> Found:
    """The case `code`, checked against a ward-scoped caller's ward."""
    found = await _find(session, code.strip())
    if found is None:
        raise NotFound("unknown_case", office_text("unknown_case", code=code), "code")
    if ward is not None and found[1].code != ward.strip().upper():
        raise Forbidden("other_ward", office_text("other_ward", code=found[0].code))
    return found


async def _same_or_conflict(
    session: AsyncSession, found: Found, ward: str, procedure: str
) -> CaseView:
    case, kept, short = found
    if kept.code != ward or case.procedure != procedure:
        raise Conflict("case_conflict", office_text("case_conflict", code=case.code), "code")
    return await _view(session, case, kept, short)


async def register_case(
    session: AsyncSession,
    *,
    ward: str,
    code: str,
    procedure: str,
    received_at: datetime | None = None,
    desk: int | None = None,
    due_at: datetime | None = None,
) -> tuple[CaseView, bool]:
    """Register a case for its receipt link; returns (the case, whether it is new).

    The same code with the same ward and procedure again returns the case as first
    registered (its times and desk unchanged); another ward or procedure is a Conflict.
    """
    code = code.strip()
    if not CASE_CODE.fullmatch(code):
        raise Invalid("bad_code", office_text("bad_code", code=code), "code")
    procedure = " ".join(procedure.split())
    if not procedure or len(procedure) > PROCEDURE_LENGTH:
        raise Invalid("bad_procedure", office_text("bad_procedure"), "procedure")
    if storable(procedure) != procedure:  # a NUL from a file: PostgreSQL refuses the row
        raise Invalid("not_storable", office_text("not_storable", field="procedure"), "procedure")
    if desk is not None and not DESKS[0] <= desk <= DESKS[1]:
        raise Invalid("bad_desk", office_text("bad_desk"), "desk")
    received_at, due_at = _utc(received_at, "received_at"), _utc(due_at, "due_at")
    if received_at is not None and due_at is not None and due_at < received_at:
        message = office_text(
            "due_before_received", due=due_at.isoformat(), received=received_at.isoformat()
        )
        raise Invalid("due_before_received", message, "due_at")

    from office.wards import get_ward  # office.wards needs this module's rules

    kept = await get_ward(session, ward)
    if kept.removed_at is not None:
        found = await _find(session, code)
        if found is not None:
            return await _same_or_conflict(session, found, kept.code, procedure), False
        raise Conflict("ward_removed", office_text("ward_removed", ward=kept.name), "ward")
    assert kept.id is not None and session.bind is not None
    # the row's values, not a Case: building the model cost as much as the INSERT
    values = {
        "ward_id": kept.id,
        "code": code,
        "procedure": procedure,
        "token": new_token(),
        "created_at": utcnow(),
        "received_at": received_at,
        "desk": desk,
        "due_at": due_at,
    }
    try:
        connection = await session.connection()  # Core: the ORM's path cost more than the INSERT
        statement = _INSERT_NEW[session.bind.dialect.name]
        inserted = (await connection.execute(statement, values)).first()
        if inserted is None:  # the code is registered already: the same case, or a conflict
            found = await _find(session, code)
            assert found is not None  # codes are never deleted
            return await _same_or_conflict(session, found, kept.code, procedure), False
        short = await new_case_code(session, inserted[0], kept.id, utcnow())  # same transaction
        await session.commit()
    except IntegrityError:
        # another door registered the same code at the same moment: answer as if it came first
        await session.rollback()
        found = await _find(session, code)
        if found is None:
            raise
        return await _same_or_conflict(session, found, kept.code, procedure), False
    view = CaseView(
        code=code,
        ward_code=kept.code,
        ward_name=kept.name,
        procedure=procedure,
        status=CaseStatus.REGISTERED,
        token=values["token"],
        short_code=short,
        received_at=received_at,
        desk=desk,
        due_at=due_at,
        done_at=None,
    )
    return view, True


async def mark_case_done(
    session: AsyncSession, code: str, *, ward: str | None = None, now: datetime | None = None
) -> tuple[CaseView, bool]:
    """Record that the case's result was returned; returns (the case, whether it changed).

    The running bot's `prompt_done_cases` job then asks the linked citizen; marking it
    again changes nothing, so the desk may repeat the call.
    """
    case, kept, short = await _scoped(session, code, ward)
    if case.done_at is not None:
        return await _view(session, case, kept, short), False
    # only if still not done: two doors marking it at once keep the first time
    moment = _utc(now, "now") or utcnow()
    connection = await session.connection()
    result = await connection.execute(_MARK_DONE, {"case_id": case.id, "moment": moment})
    await session.commit()
    if not result.rowcount:  # another door marked it meanwhile: its time is the one kept
        await session.refresh(case)
        return await _view(session, case, kept, short), False
    set_committed_value(case, "done_at", moment)  # as stored: nothing left to flush
    return await _view(session, case, kept, short), True


async def get_case(session: AsyncSession, code: str, *, ward: str | None = None) -> CaseView:
    """The case `code`; a ward-scoped caller (`ward` given) sees only its own ward's."""
    return await _view(session, *await _scoped(session, code, ward))
