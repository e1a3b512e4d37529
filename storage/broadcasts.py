"""Broadcast queries: the audience, the recipient rows, progress and response counts.

Recipients are written with one INSERT … SELECT when a broadcast is scheduled, and
read back page by page, so no step ever holds the whole audience in memory.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, insert, literal, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Broadcast,
    BroadcastStatus,
    BroadcastWard,
    Person,
    Recipient,
    RecipientStatus,
    SurveySession,
    Ward,
)

ACTIVE = (BroadcastStatus.SCHEDULED, BroadcastStatus.RUNNING, BroadcastStatus.PAUSED)
PAUSABLE = (BroadcastStatus.SCHEDULED, BroadcastStatus.RUNNING)  # a paused one resumes


def _audience_filter(ward_ids: Sequence[int]) -> list[ColumnElement[bool]]:
    """Opted-in, reachable people, on any platform, of the given wards (all when empty).

    Reachable means what the sender checks again before each message: not blocked, and of
    a ward that still exists (a survey comes from a ward), so the count is the delivery's.
    """
    existing = select(Ward.id).where(col(Ward.removed_at).is_(None))
    if ward_ids:
        existing = existing.where(col(Ward.id).in_(ward_ids))
    return [
        col(Person.optin).is_(True),
        col(Person.blocked_at).is_(None),
        col(Person.ward_id).in_(existing),
    ]


async def audience_size(session: AsyncSession, ward_ids: Sequence[int]) -> int:
    result = await session.exec(
        select(func.count()).select_from(Person).where(*_audience_filter(ward_ids))
    )
    return int(result.one())


async def largest_audiences(session: AsyncSession, limit: int) -> list[tuple[int, str, int]]:
    """(ward id, name, audience) of the wards with the most opted-in people."""
    size = func.count(col(Person.id))
    result = await session.exec(
        select(Ward.id, Ward.name, size)
        .join(Person, col(Person.ward_id) == Ward.id)
        .where(col(Ward.removed_at).is_(None), *_audience_filter([]))
        .group_by(col(Ward.id), col(Ward.name))
        .order_by(size.desc(), col(Ward.name))
        .limit(limit)
    )
    return [(ward_id, name, count) for ward_id, name, count in result.all() if ward_id is not None]


async def ward_ids_of(session: AsyncSession, broadcast_id: int) -> list[int]:
    result = await session.exec(
        select(BroadcastWard.ward_id).where(BroadcastWard.broadcast_id == broadcast_id)
    )
    return sorted(result.all())


async def set_wards(session: AsyncSession, broadcast: Broadcast, ward_ids: Sequence[int]) -> None:
    """Limit the broadcast to these wards (an empty list: city-wide)."""
    assert broadcast.id is not None
    for row in (
        await session.exec(select(BroadcastWard).where(BroadcastWard.broadcast_id == broadcast.id))
    ).all():
        await session.delete(row)
    for ward_id in sorted(set(ward_ids)):
        session.add(BroadcastWard(broadcast_id=broadcast.id, ward_id=ward_id))
    await session.flush()


async def schedule(session: AsyncSession, broadcast: Broadcast, at: datetime) -> int:
    """Write one pending row per recipient and schedule the broadcast; the audience size."""
    assert broadcast.id is not None
    ward_ids = await ward_ids_of(session, broadcast.id)
    chosen = select(
        literal(broadcast.id), Person.id, literal(RecipientStatus.PENDING.value), literal(0)
    ).where(*_audience_filter(ward_ids))
    await session.exec(
        insert(Recipient).from_select(["broadcast_id", "person_id", "status", "attempts"], chosen)
    )
    broadcast.status, broadcast.scheduled_at = BroadcastStatus.SCHEDULED, at
    return await count_recipients(session, broadcast.id)


async def count_recipients(session: AsyncSession, broadcast_id: int) -> int:
    result = await session.exec(
        select(func.count()).select_from(Recipient).where(Recipient.broadcast_id == broadcast_id)
    )
    return int(result.one())


@dataclass
class Progress:
    """Where a broadcast stands, counted from its recipient rows."""

    by_status: dict[str, int]
    answered: int  # unique people who answered at least one question

    @property
    def audience(self) -> int:
        """Every recipient row, whatever became of it."""
        return sum(self.by_status.values())

    def count(self, status: RecipientStatus) -> int:
        return self.by_status.get(status, 0)

    @property
    def delivered(self) -> int:
        return self.count(RecipientStatus.SENT)

    @property
    def remaining(self) -> int:
        return self.count(RecipientStatus.PENDING) + self.count(RecipientStatus.SENDING)

    @property
    def response_rate(self) -> float | None:
        return self.answered / self.delivered if self.delivered else None


async def progress(session: AsyncSession, broadcast: Broadcast) -> Progress:
    assert broadcast.id is not None
    counts = await session.exec(
        select(Recipient.status, func.count())
        .where(Recipient.broadcast_id == broadcast.id)
        .group_by(col(Recipient.status))
    )
    answered = await session.exec(
        select(func.count()).where(
            SurveySession.broadcast_id == broadcast.id, col(SurveySession.step) > 0
        )
    )
    return Progress(dict(counts.all()), int(answered.one()))


async def recent_broadcasts(session: AsyncSession, limit: int) -> list[Broadcast]:
    """The newest broadcasts, drafts left out (a chat's wizard not finished)."""
    result = await session.exec(
        select(Broadcast)
        .where(col(Broadcast.status) != BroadcastStatus.DRAFT)
        .order_by(col(Broadcast.id).desc())
        .limit(limit)
    )
    return list(result.all())


async def progresses(session: AsyncSession, ids: Sequence[int]) -> dict[int, Progress]:
    """`progress` of many broadcasts in two queries."""
    counts = await session.exec(
        select(Recipient.broadcast_id, Recipient.status, func.count())
        .where(col(Recipient.broadcast_id).in_(ids))
        .group_by(col(Recipient.broadcast_id), col(Recipient.status))
    )
    answered = await session.exec(
        select(SurveySession.broadcast_id, func.count())
        .where(col(SurveySession.broadcast_id).in_(ids), col(SurveySession.step) > 0)
        .group_by(col(SurveySession.broadcast_id))
    )
    found = {broadcast_id: Progress({}, 0) for broadcast_id in ids}
    for broadcast_id, status, count in counts.all():
        found[broadcast_id].by_status[status] = count
    for broadcast_id, count in answered.all():
        if broadcast_id is not None:
            found[broadcast_id].answered = count
    return found


async def wards_named(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[str]]:
    """`ward_names` of many broadcasts in one query."""
    result = await session.exec(
        select(BroadcastWard.broadcast_id, Ward.name)
        .join(BroadcastWard, col(BroadcastWard.ward_id) == Ward.id)
        .where(col(BroadcastWard.broadcast_id).in_(ids))
        .order_by(col(Ward.code))
    )
    found: dict[int, list[str]] = {broadcast_id: [] for broadcast_id in ids}
    for broadcast_id, name in result.all():
        found[broadcast_id].append(name)
    return found


@dataclass(frozen=True)
class Due:
    """A pending recipient as the sender needs it, with why it must be skipped, if so."""

    recipient_id: int
    person_id: int
    platform: str
    chat_id: str
    language: str
    ward_id: int | None
    ward_name: str | None
    skip: str | None


async def pending_page(
    session: AsyncSession, broadcast_id: int, after: int, limit: int
) -> list[Due]:
    """The next pending recipients by id, each checked again now (they may have changed)."""
    result = await session.exec(
        select(
            Recipient.id,
            Person.id,
            Person.platform,
            Person.chat_id,
            Person.language,
            Person.optin,
            Person.blocked_at,
            Person.ward_id,
            Ward.name,
            Ward.removed_at,
        )
        .join(Person, col(Person.id) == Recipient.person_id)
        .outerjoin(Ward, col(Ward.id) == Person.ward_id)
        .where(
            Recipient.broadcast_id == broadcast_id,
            Recipient.status == RecipientStatus.PENDING,
            col(Recipient.id) > after,
        )
        .order_by(col(Recipient.id))
        .limit(limit)
    )
    page = []
    for row in result.all():
        rid, pid, platform, chat_id, language, optin, blocked_at, ward_id, name, removed = row
        skip = None
        if not optin:
            skip = "opted out"
        elif blocked_at is not None:
            skip = "blocked the bot"
        elif ward_id is None or removed is not None:
            skip = "ward removed"
        page.append(Due(rid, pid, platform, chat_id, language, ward_id, name, skip))
    return page


async def set_recipient(
    session: AsyncSession,
    recipient_id: int,
    status: RecipientStatus,
    *,
    expect: RecipientStatus,
    reason: str | None = None,
    attempt: bool = False,
) -> bool:
    """Move one row from `expect` to `status`; False when it was not in `expect` any more."""
    values: dict[str, object] = {"status": status.value, "reason": reason}
    if attempt:
        values["attempts"] = Recipient.attempts + 1
    result = await session.exec(
        update(Recipient)
        .where(col(Recipient.id) == recipient_id, col(Recipient.status) == expect.value)
        .values(**values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def record_outcomes(
    session: AsyncSession,
    outcomes: Sequence[tuple[int, RecipientStatus, str | None]],
    now: datetime,
) -> None:
    """The outcome of many sends, one UPDATE per (status, reason): rows still "sending"."""
    groups: dict[tuple[RecipientStatus, str | None], list[int]] = {}
    for recipient_id, status, reason in outcomes:
        groups.setdefault((status, reason), []).append(recipient_id)
    for (status, reason), ids in groups.items():
        values: dict[str, object] = {"status": status.value, "reason": reason}
        if status == RecipientStatus.SENT:
            values["sent_at"] = now
        await session.exec(
            update(Recipient)
            .where(
                col(Recipient.id).in_(ids),
                col(Recipient.status) == RecipientStatus.SENDING.value,
            )
            .values(**values)
        )


async def settle_interrupted(session: AsyncSession, broadcast_id: int, now: datetime) -> int:
    """Rows left "sending" by a killed sender count as sent: the request may have reached
    Telegram, and sending again could send twice. Returns how many."""
    result = await session.exec(
        update(Recipient)
        .where(
            col(Recipient.broadcast_id) == broadcast_id,
            col(Recipient.status) == RecipientStatus.SENDING.value,
        )
        .values(status=RecipientStatus.SENT.value, sent_at=now, reason="interrupted while sending")
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def due_broadcasts(session: AsyncSession, now: datetime) -> list[Broadcast]:
    """Broadcasts to work on now: running ones, and scheduled ones whose time has come."""
    result = await session.exec(
        select(Broadcast)
        .where(
            (col(Broadcast.status) == BroadcastStatus.RUNNING)
            | (
                (col(Broadcast.status) == BroadcastStatus.SCHEDULED)
                & (col(Broadcast.scheduled_at) <= now)
            )
        )
        .order_by(col(Broadcast.id))
    )
    return list(result.all())


async def ward_names(session: AsyncSession, broadcast_id: int) -> list[str]:
    result = await session.exec(
        select(Ward.name)
        .join(BroadcastWard, col(BroadcastWard.ward_id) == Ward.id)
        .where(BroadcastWard.broadcast_id == broadcast_id)
        .order_by(col(Ward.code))
    )
    return list(result.all())


async def broadcast_reach(
    session: AsyncSession, start: datetime, end: datetime
) -> tuple[int, int, int]:
    """Broadcasts started in [start, end): how many, people reached, people who answered.

    Unique people per broadcast: one recipient row and at most one survey run each.
    """
    started = select(Broadcast.id).where(
        col(Broadcast.started_at) >= start, col(Broadcast.started_at) < end
    )
    count = await session.exec(select(func.count()).select_from(started.subquery()))
    reached = await session.exec(
        select(func.count()).where(
            col(Recipient.broadcast_id).in_(started), Recipient.status == RecipientStatus.SENT
        )
    )
    answered = await session.exec(
        select(func.count()).where(
            col(SurveySession.broadcast_id).in_(started), col(SurveySession.step) > 0
        )
    )
    return int(count.one()), int(reached.one()), int(answered.one())
