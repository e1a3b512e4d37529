"""Wards (phường, xã): add, list, change the answer deadline, remove."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row
from sqlalchemy import select as sql_select
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.catalogue import office_text
from office.cases import DESKS, WARD_CODE
from office.errors import Conflict, Invalid, NotFound
from storage.models import Ward, utcnow
from storage.queries import ward_by_code

DEADLINE_DAYS = (1, 365)


async def get_ward(session: AsyncSession, code: str, field: str = "ward") -> Ward:
    """The ward of this code (any case); NotFound names `field`, the input it came from."""
    ward = await ward_by_code(session, code.strip().upper())
    if ward is None:
        raise NotFound("unknown_ward", office_text("unknown_ward", ward=code), field)
    return ward


def check_days(field: str, value: int, bounds: tuple[int, int]) -> None:
    """A number of days within `bounds`, both included."""
    low, high = bounds
    if not low <= value <= high:
        message = office_text("bad_days", value=value, low=low, high=high)
        raise Invalid("bad_days", message, field)


async def add_ward(session: AsyncSession, code: str, name: str) -> Ward:
    """A new ward; its code is stored upper-case and must be new."""
    if not WARD_CODE.fullmatch(code):
        raise Invalid("bad_ward", office_text("bad_ward", ward=code), "code")
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise Invalid("bad_ward_name", office_text("bad_ward_name"), "name")
    code = code.upper()
    exists = Conflict("ward_exists", office_text("ward_exists", code=code), "code")
    if await ward_by_code(session, code) is not None:
        raise exists
    ward = Ward(code=code, name=name)
    session.add(ward)
    try:
        await session.commit()
    except IntegrityError:  # added at the same moment by someone else
        await session.rollback()
        raise exists from None
    return ward


_WARDS = Ward.__table__  # type: ignore[attr-defined]
# rows of the table, not ORM objects: `sogopy ward list` then never configures the ORM's
# mappers, which cost it as much as the rest of its work
_EVERY_WARD = sql_select(_WARDS).order_by(_WARDS.c.code)


async def list_wards(session: AsyncSession) -> Sequence[Row[Any]]:
    """Every ward, removed ones included, by code: rows with the columns of `Ward`."""
    return (await session.exec(_EVERY_WARD)).all()


async def set_deadline(session: AsyncSession, code: str, days: int) -> Ward:
    """The days leaders have to answer a page before it is overdue."""
    check_days("deadline_days", days, DEADLINE_DAYS)
    ward = await get_ward(session, code)
    ward.deadline_days = days
    session.add(ward)
    await session.commit()
    return ward


async def remove_ward(session: AsyncSession, code: str) -> Ward:
    """A ward that no longer exists: its book and figures stay, broadcasts skip it."""
    ward = await get_ward(session, code)
    if ward.removed_at is not None:
        raise Conflict("ward_already_removed", office_text("ward_already_removed", code=ward.code))
    ward.removed_at = utcnow()
    session.add(ward)
    await session.commit()
    return ward


async def desk_payload(session: AsyncSession, ward: str, desk: int | None = None) -> str:
    """The start payload of a desk's walk-in survey link (`d_<WARD>[_<desk>]`)."""
    if desk is not None and not DESKS[0] <= desk <= DESKS[1]:
        raise Invalid("bad_desk", office_text("bad_desk"), "desk")
    found = await get_ward(session, ward)
    return f"d_{found.code}" + (f"_{desk}" if desk else "")
