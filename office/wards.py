"""Wards (phường, xã, thị trấn): add, list, change the answer deadline, remove.

Wherever the office names a ward, its code or its Vietnamese name will do: "DICH-VONG",
"Dịch Vọng", "dich vong" and "Phường Dịch Vọng" all name Phường Dịch Vọng; a name two
wards share is refused with both listed. A ward's kind (phường, xã, thị trấn) is what its
citizens read in the bot's messages: given at `ward add`, or read from the name's first
words ("Xã Tân Lập" is a xã), else phường.
"""

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row
from sqlalchemy import select as sql_select
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.catalogue import office_text
from handlers.numbered import fold
from office.cases import DESKS, WARD_CODE
from office.errors import Conflict, Invalid, NotFound
from storage.codes import desk_code
from storage.models import Ward, WardKind, utcnow
from storage.queries import list_wards as stored_wards
from storage.queries import ward_by_code

DEADLINE_DAYS = (1, 365)


KIND_WORDS = {fold(kind.value): kind for kind in WardKind}  # "xa", "phuong", "thi tran"
TYPED_NAME = re.compile(r"[\w -]+")  # a name given for a code: letters of any script, spaces


def _bare(text: str) -> str:
    """A ward's name folded, its kind left out: "Phường Dịch Vọng" → "dich vong"."""
    folded = fold(text)
    for word in KIND_WORDS:
        if folded == word or folded.startswith(word + " "):
            return folded.removeprefix(word).strip()
    return folded


def ward_kind(name: str, kind: str | None = None) -> WardKind:
    """The kind given ("xã", "xa", "thị trấn", "thi-tran"), else the one the name starts
    with, else phường."""
    if kind is not None:
        found = KIND_WORDS.get(fold(kind))
        if found is None:
            choices = ", ".join(k.value for k in WardKind)
            raise Invalid("bad_kind", office_text("bad_kind", kind=kind, choices=choices), "kind")
        return found
    folded = fold(name)
    return next(
        (kind for word, kind in KIND_WORDS.items() if folded.startswith(word + " ")),
        WardKind.PHUONG,
    )


def code_from_name(text: str) -> str:
    """A ward code made from a Vietnamese name: "Dịch Vọng" → "DICH-VONG"."""
    return "-".join(_bare(text).split()).upper()


_READ = "sogopy.wards"  # `session.info` key: wards this session read already, by code


def remember_ward(session: AsyncSession, ward: Ward) -> None:
    """A ward this request's session has just read (the API key's own), so that
    `get_ward` does not read it again in the same request."""
    session.info.setdefault(_READ, {})[ward.code] = ward


async def get_ward(session: AsyncSession, code: str, field: str = "ward") -> Ward:
    """The ward of this code (any case) or Vietnamese name; NotFound names `field`, the
    input it came from; a name several wards share is Invalid, with each listed."""
    wanted = code.strip().upper()
    ward = session.info.get(_READ, {}).get(wanted) or await ward_by_code(session, wanted)
    if ward is not None:
        return ward
    known = await stored_wards(session)
    exact = [ward for ward in known if fold(ward.name) == fold(code)]  # "Xã Dịch Vọng"
    if len(exact) == 1:
        return exact[0]
    wanted = _bare(code)
    found = [ward for ward in known if wanted and wanted in (_bare(ward.name), fold(ward.code))]
    if len(found) == 1:
        return found[0]
    if found:
        named = ", ".join(f"{ward.code} ({ward.name})" for ward in found)
        message = office_text("ambiguous_ward", ward=code, wards=named)
        raise Invalid("ambiguous_ward", message, field)
    raise NotFound("unknown_ward", office_text("unknown_ward", ward=code), field)


def check_days(field: str, value: int, bounds: tuple[int, int]) -> None:
    """A number of days within `bounds`, both included."""
    low, high = bounds
    if not low <= value <= high:
        message = office_text("bad_days", value=value, low=low, high=high)
        raise Invalid("bad_days", message, field)


async def add_ward(session: AsyncSession, code: str, name: str, kind: str | None = None) -> Ward:
    """A new ward; its code is stored upper-case and must be new. A code typed as a name
    ("Dịch Vọng") becomes one ("DICH-VONG"); the kind, when not given, is read from the name."""
    typed = code
    if not WARD_CODE.fullmatch(code) and TYPED_NAME.fullmatch(code):
        code = code_from_name(code)
    if not WARD_CODE.fullmatch(code):
        raise Invalid("bad_ward", office_text("bad_ward", ward=typed), "code")
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise Invalid("bad_ward_name", office_text("bad_ward_name"), "name")
    found_kind = ward_kind(name, kind)
    code = code.upper()
    exists = Conflict("ward_exists", office_text("ward_exists", code=code), "code")
    if await ward_by_code(session, code) is not None:
        raise exists
    ward = Ward(code=code, name=name, kind=found_kind)
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


async def desk_payload(
    session: AsyncSession, ward: str, desk: int | None = None
) -> tuple[str, str]:
    """The start payload of a desk's walk-in survey link (`d_<WARD>[_<desk>]`), and the
    desk's six-digit code, which a person may type instead (handed out on first use)."""
    if desk is not None and not DESKS[0] <= desk <= DESKS[1]:
        raise Invalid("bad_desk", office_text("bad_desk"), "desk")
    found = await get_ward(session, ward)
    code = await desk_code(session, found, desk, utcnow())
    await session.commit()
    return f"d_{found.code}" + (f"_{desk}" if desk else ""), code
