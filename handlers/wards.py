"""Which ward a person deals with: the one they last dealt with, or theirs to choose.

A suggestion, a kept message and an opt-in to surveys all need a ward; a person who
never scanned a desk's code or opened a receipt is asked with one button per ward.
"""

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.events import Choice
from storage.models import Person, Ward
from storage.queries import list_wards

WARD = "w"  # callback data: w:<ward>[:<purpose>]
MAX_WARD_BUTTONS = 10


async def person_ward(session: AsyncSession, person: Person) -> tuple[Ward | None, list[Ward]]:
    """The ward the person last dealt with (or the only one), else the wards to choose from
    (none when there are too many for buttons: the desk's QR code tells the ward then)."""
    ward = await session.get(Ward, person.ward_id) if person.ward_id else None
    if ward is not None and ward.removed_at is None:
        return ward, []
    wards = [w for w in await list_wards(session) if w.removed_at is None]
    if len(wards) == 1:
        return wards[0], []
    return None, wards if len(wards) <= MAX_WARD_BUTTONS else []


def ward_choices(wards: list[Ward], purpose: str = "") -> tuple[Choice, ...]:
    suffix = f":{purpose}" if purpose else ""
    return tuple(Choice(w.name, f"{WARD}:{w.id}{suffix}") for w in wards)
