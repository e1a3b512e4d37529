"""The replies' outbox: what a person could not be sent yet, kept until the platform takes it.

A row is written only when a send failed after the transport's own retries (a 5xx, a
network error, a 429 that outlasted them), so the hot path never touches it; a crash
between the commit and the send is covered by the update's redelivery instead. Rows are
sent again in `id` order per chat, and the chat's newer replies queue behind them.
"""

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import col, func, select

from handlers.events import Address, Reply
from office.outbox import add
from office.outbox import from_json as from_json  # the dispatcher reads rows back with it
from storage.db import SessionMaker
from storage.models import PendingReply

GIVE_UP_AFTER = timedelta(days=1)  # a reply older than this is stale news: logged and dropped
MAX_BACKOFF = 60.0  # seconds between two tries of one chat, at most


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(MAX_BACKOFF, 2.0**attempts))


async def keep(
    db: SessionMaker, kept: dict[Address, list[Reply]], error: str, now: datetime
) -> None:
    """Store replies to send later, in the order given, each chat's after its older ones."""
    async with db() as session:
        add(session, kept, error, now)
        await session.commit()


async def waiting_chats(db: SessionMaker, now: datetime | None = None) -> list[Address]:
    """Chats with replies waiting (whose next try is due, when `now` is given), oldest first."""
    firsts = select(func.min(PendingReply.id)).group_by(
        col(PendingReply.platform), col(PendingReply.chat_id)
    )
    query = select(PendingReply.platform, PendingReply.chat_id).where(
        col(PendingReply.id).in_(firsts)
    )
    if now is not None:
        query = query.where(col(PendingReply.next_try_at) <= now)
    async with db() as session:
        rows = await session.exec(query.order_by(col(PendingReply.id)))
        return [Address(platform, chat_id) for platform, chat_id in rows.all()]


async def waiting(db: SessionMaker, address: Address) -> list[PendingReply]:
    async with db() as session:
        rows = await session.exec(
            select(PendingReply)
            .where(
                PendingReply.platform == address.platform, PendingReply.chat_id == address.chat_id
            )
            .order_by(col(PendingReply.id))
        )
        return list(rows.all())


async def done(db: SessionMaker, row_id: int) -> None:
    async with db() as session:
        await session.exec(delete(PendingReply).where(col(PendingReply.id) == row_id))  # type: ignore[call-overload]
        await session.commit()


async def forget_chat(db: SessionMaker, address: Address) -> None:
    """A chat that blocked the bot: its waiting replies are never sent (403 is not retried)."""
    async with db() as session:
        await session.exec(
            delete(PendingReply).where(  # type: ignore[call-overload]
                col(PendingReply.platform) == address.platform,
                col(PendingReply.chat_id) == address.chat_id,
            )
        )
        await session.commit()


async def retry_later(
    db: SessionMaker, row_id: int, error: str, now: datetime, wait: float | None = None
) -> None:
    async with db() as session:
        row = await session.get(PendingReply, row_id)
        if row is not None:
            row.attempts += 1
            delay = timedelta(seconds=wait) if wait is not None else backoff(row.attempts)
            row.next_try_at, row.error = now + delay, error[:200]
            await session.commit()
