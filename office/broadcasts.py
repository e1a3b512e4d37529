"""Broadcasts of a survey to opted-in citizens: create, follow, pause, resume, cancel.

A broadcast is a row the running bot picks up (within seconds, or at its time);
nothing is sent from here. A pause or a cancel is a change of that row, which the
sending bot reads again at least once a second (`bot.broadcast.CONTROL_SECONDS`), as
it does for the admin's buttons in the chat: it stops, and its progress message in
that chat shows the new state.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.broadcasts import TIME_FORMATS
from handlers.catalogue import office_text, say
from handlers.context import stored_version
from handlers.reminders import quiet_at
from office.errors import Conflict, Invalid, NotFound
from office.surveys import list_surveys
from office.wards import get_ward
from storage.broadcasts import (
    ACTIVE,
    PAUSABLE,
    Progress,
    progress,
    progresses,
    recent_broadcasts,
    schedule,
    set_wards,
    ward_names,
    wards_named,
)
from storage.models import MAX_INTEGER, Broadcast, BroadcastStatus, utcnow

RECENT = 30  # broadcasts a list shows, newest first
LOCAL_TIME = "%Y-%m-%d %H:%M"
SHOWN_TIME = "%d/%m/%Y %H:%M"


@dataclass(frozen=True)
class BroadcastView:
    """A broadcast with its wards (names; none: city-wide) and where it stands."""

    broadcast: Broadcast
    wards: list[str]
    progress: Progress


def parse_local_time(value: str, zone: ZoneInfo, field: str = "at") -> datetime:
    """'dd/mm/yyyy HH:MM' (as the chat takes it) or 'YYYY-MM-DD HH:MM' in the office's
    zone, as an aware datetime."""
    for pattern in TIME_FORMATS:
        try:
            return datetime.strptime(value.strip(), pattern).replace(tzinfo=zone)
        except ValueError:
            continue
    raise Invalid("bad_time", office_text("bad_time", value=value), field)


async def create_broadcast(
    session: AsyncSession,
    *,
    survey: str,
    folders: Sequence[Path],
    wards: Sequence[str] = (),
    at: datetime | None = None,
    quiet: tuple[time, time] | None = None,
    created_by: str = "cli",
) -> BroadcastView:
    """A broadcast of `survey` to the wards given (none: city-wide), at `at` or now.

    A time in the quiet hours (`SOGOPY_QUIET_HOURS`, local) is refused rather than left to
    wait for the morning unnoticed; so is a broadcast that would reach nobody.
    """
    library, _ = list_surveys(folders)
    if survey not in library:
        raise NotFound("unknown_survey", office_text("unknown_survey", survey=survey), "survey")
    now = utcnow()
    if at is not None and at <= now:
        shown = at.strftime(LOCAL_TIME)
        raise Invalid("time_passed", office_text("time_passed", value=shown), "at")
    if at is not None and quiet_at(quiet, at.time()):  # `at` is in the office's zone
        shown, hours = at.strftime(SHOWN_TIME), "-".join(t.strftime("%H:%M") for t in quiet or ())
        message = office_text("quiet_time", value=shown, quiet=hours)
        raise Invalid("quiet_time", message, "at")
    found = [await get_ward(session, code) for code in wards]
    for ward in found:
        if ward.removed_at is not None:
            raise Conflict("ward_removed", office_text("ward_removed", ward=ward.code), "ward")
    version = await stored_version(session, survey, library[survey])
    broadcast = Broadcast(
        survey_key=survey, survey_version_id=version.id, created_by=created_by, created_at=now
    )
    session.add(broadcast)
    await session.flush()
    await set_wards(session, broadcast, [w.id for w in found if w.id is not None])
    if await schedule(session, broadcast, at or now) == 0:
        scope = ", ".join(w.name for w in found) or office_text("cli_city")
        await session.rollback()  # nothing of it is kept
        raise Conflict("nobody_to_send", office_text("nobody_to_send", scope=scope), "ward")
    await session.commit()
    return await _view(session, broadcast)


async def _view(session: AsyncSession, broadcast: Broadcast) -> BroadcastView:
    assert broadcast.id is not None
    return BroadcastView(
        broadcast, await ward_names(session, broadcast.id), await progress(session, broadcast)
    )


async def _broadcast(session: AsyncSession, broadcast_id: int) -> Broadcast:
    """The broadcast numbered so; a number beyond the ids' range names none (PostgreSQL
    would refuse the query)."""
    in_range = 1 <= broadcast_id <= MAX_INTEGER
    broadcast = await session.get(Broadcast, broadcast_id) if in_range else None
    if broadcast is None or broadcast.status == BroadcastStatus.DRAFT:
        message = office_text("unknown_broadcast", id=broadcast_id)
        raise NotFound("unknown_broadcast", message, "id")
    return broadcast


async def broadcast_status(session: AsyncSession, broadcast_id: int) -> BroadcastView:
    """Where a broadcast stands: counts by outcome, answered people."""
    return await _view(session, await _broadcast(session, broadcast_id))


async def cancel_broadcast(session: AsyncSession, broadcast_id: int) -> Broadcast:
    """Nothing more is sent (what was sent stays sent); a finished one is refused."""
    broadcast = await _broadcast(session, broadcast_id)
    if broadcast.status not in ACTIVE:
        raise _refuse(broadcast, "broadcast_over")
    broadcast.status, broadcast.finished_at = BroadcastStatus.CANCELLED, utcnow()
    await session.commit()
    return broadcast


async def list_broadcasts(session: AsyncSession, limit: int = RECENT) -> list[BroadcastView]:
    """The newest broadcasts with where each stands (five queries, whatever `limit`)."""
    found = await recent_broadcasts(session, limit)
    ids = [broadcast.id for broadcast in found if broadcast.id is not None]
    reports, wards = await progresses(session, ids), await wards_named(session, ids)
    return [
        BroadcastView(broadcast, wards[broadcast.id or 0], reports[broadcast.id or 0])
        for broadcast in found
    ]


def _refuse(broadcast: Broadcast, code: str) -> Conflict:
    state = say("vi", f"bc_state_{broadcast.status}")
    return Conflict(code, office_text(code, id=broadcast.id, state=state), "id")


async def pause_broadcast(session: AsyncSession, broadcast_id: int) -> Broadcast:
    """Stop sending until resumed (a scheduled one waits too); the chat's «Tạm dừng»."""
    broadcast = await _broadcast(session, broadcast_id)
    if broadcast.status not in PAUSABLE:
        raise _refuse(broadcast, "broadcast_not_pausable")
    broadcast.status = BroadcastStatus.PAUSED
    await session.commit()
    return broadcast


async def resume_broadcast(session: AsyncSession, broadcast_id: int) -> Broadcast:
    """Sending goes on where it stopped, or at its time if that is still to come; the
    chat's «Tiếp tục»."""
    broadcast = await _broadcast(session, broadcast_id)
    if broadcast.status != BroadcastStatus.PAUSED:
        raise _refuse(broadcast, "broadcast_not_paused")
    broadcast.status = BroadcastStatus.SCHEDULED
    await session.commit()
    return broadcast
