"""Between transports and handlers: per-chat ordering, errors, and routing replies.

Every event and every scheduled message for a chat goes through that chat's lock,
so a person's actions are decided and answered in the order they happened, while
different people are served concurrently. Each chat's events wait in the chat's own
queue, served by the chat's own task: a chat that is slow to answer (it floods, or
its replies wait for the platform's limits) holds up nobody else, and the events that
piled up meanwhile are decided together and answered once (`bot.pacing.merge`).
"""

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, TypeVar
from weakref import WeakValueDictionary

from bot.pacing import Budget, merge
from handlers.catalogue import say
from handlers.context import Context
from handlers.events import Address, Incoming, Reply, Response
from handlers.router import handle
from storage.queries import person_by_chat

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_BURST = 100  # a chat's events decided together before their replies go out
Answer = Callable[[Response], Awaitable[None]]


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
    budget: Budget  # the platform's messages per second, shared by everything sent

    async def send(
        self, to: Address, reply: Reply, attempts: int = ..., background: bool = ...
    ) -> int | None:
        """Send or edit one message, returning its id; `Unreachable` if the person blocked us,
        `RateLimited` when the platform's limit outlasts `attempts`. A `background` send
        (a broadcast) gives way to the others."""


@dataclass
class _Queued:
    event: Incoming
    answer: Answer | None  # shows the response's notice (a button press's pop-up)
    handled: asyncio.Future[None]


class Dispatcher:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.transports: dict[str, Transport] = {}
        self._locks: WeakValueDictionary[Address, asyncio.Lock] = WeakValueDictionary()
        self._queues: dict[Address, deque[_Queued]] = {}
        self._servers: set[asyncio.Task[None]] = set()

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

    def submit(self, event: Incoming, answer: Answer | None = None) -> asyncio.Future[None]:
        """Queue an event behind its chat's earlier ones; done once decided and answered.

        `answer` shows each event's notice; without it a notice is sent as a message.
        The future is cancelled if the bot stops first.
        """
        handled = asyncio.get_running_loop().create_future()
        queue = self._queues.get(event.address)
        if queue is None:
            queue = self._queues[event.address] = deque()
            server = asyncio.create_task(self._serve(event.address, queue))
            self._servers.add(server)
            server.add_done_callback(self._servers.discard)
        queue.append(_Queued(event, answer, handled))
        return handled

    async def _serve(self, address: Address, queue: deque[_Queued]) -> None:
        """The chat's task: what came in since its last turn, decided in order, answered once."""
        burst: list[_Queued] = []
        try:
            while queue:
                burst = [queue.popleft() for _ in range(min(len(queue), MAX_BURST))]
                try:
                    async with self.chat(address):
                        await self._handle_burst(address, burst)
                except Exception:
                    log.exception("events of a chat on %s failed", address.platform)
                for queued in burst:
                    if not queued.handled.done():
                        queued.handled.set_result(None)
        finally:
            if self._queues.get(address) is queue:
                del self._queues[address]
            for queued in (*burst, *queue):  # the bot is stopping: not handled
                queued.handled.cancel()

    async def _handle_burst(self, address: Address, burst: list[_Queued]) -> None:
        responses = [await self.decide(queued.event) for queued in burst]
        await self.ctx.durable()
        answers = []
        for queued, response in zip(burst, responses, strict=True):
            if queued.answer is not None:
                answers.append(queued.answer(response))
            elif not response.replies and response.notice:
                response.replies.append(Reply(response.notice))  # nowhere else to show it
        response = responses[0] if len(responses) == 1 else merge(responses)
        await asyncio.gather(*answers, self.deliver(address, response))

    async def stop(self, grace: float) -> None:
        """Let the chats finish what they hold for `grace` seconds, then cancel the rest."""
        if self._servers:
            await asyncio.wait(self._servers, timeout=grace)
        servers = list(self._servers)
        for server in servers:
            server.cancel()
        await asyncio.gather(*servers, return_exceptions=True)

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
