"""Between transports and handlers: per-chat ordering, errors, and routing replies.

Every event and every scheduled message for a chat goes through that chat's lock,
so a person's actions are decided and answered in the order they happened, while
different people are served concurrently.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from enum import StrEnum
from typing import Protocol, TypeVar
from weakref import WeakValueDictionary

from handlers.catalogue import say
from handlers.context import Context
from handlers.events import Address, Incoming, Reply, Response
from handlers.router import handle
from storage.queries import person_by_chat

log = logging.getLogger(__name__)
T = TypeVar("T")


class Delivery(StrEnum):
    SENT = "sent"
    UNREACHABLE = "unreachable"  # blocked: marked, and never retried
    FAILED = "failed"  # a transient error outlasted the retries: worth another try later


class Unreachable(Exception):
    """The person blocked the bot (Telegram answers 403): never retry them."""


class RateLimited(Exception):
    """The platform asked us to slow down (Telegram's 429) and the attempts are spent."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"rate limited for {retry_after} s")
        self.retry_after = retry_after


class Transport(Protocol):
    platform: str

    async def send(self, to: Address, reply: Reply, attempts: int = ...) -> int | None:
        """Send or edit one message, returning its id; `Unreachable` if the person blocked us,
        `RateLimited` when the platform's limit outlasts `attempts`."""


class Dispatcher:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.transports: dict[str, Transport] = {}
        self._locks: WeakValueDictionary[Address, asyncio.Lock] = WeakValueDictionary()

    def add_transport(self, transport: Transport) -> None:
        self.transports[transport.platform] = transport

    @asynccontextmanager
    async def chat(self, address: Address) -> AsyncIterator[None]:
        """Hold one chat's turn: its events are handled and answered one at a time."""
        lock = self._locks.get(address)
        if lock is None:
            lock = self._locks[address] = asyncio.Lock()
        async with lock:
            yield

    async def decide(self, event: Incoming) -> Response:
        """The handlers' decision, or a kind apology when they fail."""
        try:
            return await handle(event, self.ctx)
        except Exception:
            log.exception("handler failed for %s", event.kind)
            return Response([Reply(say("vi", "error"))], notice=say("vi", "error"))

    async def deliver(self, origin: Address, response: Response) -> Delivery:
        """Send the replies in order, once what they confirm is on disk; how it went."""
        await self.ctx.durable()
        outcome = Delivery.SENT
        for reply in response.replies:
            to = reply.to or origin
            transport = self.transports.get(to.platform)
            if transport is None:
                log.error("no transport for %s", to.platform)
                continue
            try:
                await transport.send(to, reply)
            except Unreachable:
                await self.mark_unreachable(to)
                if to == origin:
                    return Delivery.UNREACHABLE
            except Exception:
                log.exception("sending to %s failed", to.platform)
                if to == origin:
                    outcome = Delivery.FAILED
        return outcome

    async def send_all(self, to: Address, replies: list[Reply]) -> int | None:
        """Send replies to one chat in order, once on disk; the last message's id.

        Raises `Unreachable` (after marking the person) when they blocked the bot.
        """
        await self.ctx.durable()
        transport = self.transports[to.platform]
        message_id = None
        try:
            for reply in replies:
                message_id = await transport.send(to, reply)
        except Unreachable:
            await self.mark_unreachable(to)
            raise
        return message_id

    async def mark_unreachable(self, address: Address) -> None:
        async with self.ctx.db() as session:
            person = await person_by_chat(session, address.platform, address.chat_id)
            if person is not None and person.blocked_at is None:
                person.blocked_at = self.ctx.clock()
                await session.commit()


async def polled(
    stop: asyncio.Event,
    fetch: Callable[[], Awaitable[list[T]]],
    transient: tuple[type[Exception], ...],
    what: str,
) -> AsyncIterator[list[T]]:
    """Each non-empty batch a long poll brings, until `stop` is set.

    A fetch still waiting at the stop is dropped; a batch being handled is finished
    first (the caller handles it before asking for the next). Transient failures are
    retried after 2, 4 … 30 seconds.
    """
    stopping = asyncio.create_task(stop.wait())
    failures = 0
    try:
        while not stop.is_set():
            fetching = asyncio.create_task(fetch())
            await asyncio.wait({fetching, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if not fetching.done():
                fetching.cancel()
                return
            try:
                batch = fetching.result()
            except transient as exc:
                failures += 1
                log.warning("%s failed (%s); retrying", what, exc)
                await asyncio.wait({stopping}, timeout=min(30, 2**failures))
                continue
            failures = 0
            if batch:
                yield batch
    finally:
        stopping.cancel()
