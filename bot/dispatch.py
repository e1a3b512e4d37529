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
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Protocol, TypeVar
from weakref import WeakValueDictionary

from bot import metrics, outbox
from bot.pacing import Budget, merge
from handlers.catalogue import say
from handlers.context import Context
from handlers.events import Address, Incoming, Reply, Response
from handlers.router import handle
from storage.db import unavailable
from storage.queries import person_by_chat

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_BURST = 100  # a chat's events decided together before their replies go out
Answer = Callable[[Response], Awaitable[None]]


class Delivery(StrEnum):
    SENT = "sent"
    KEPT = "kept"  # the platform failed: kept in the outbox, sent when it recovers
    UNREACHABLE = "unreachable"  # blocked: marked, and never retried
    FAILED = "failed"  # neither sent nor kept (the database failed too): worth another try


class Unreachable(Exception):
    """The person blocked the bot (Telegram answers 403): never retry them."""


class Refused(Exception):
    """The platform refused this message for good (a bad request): sending it again cannot help."""


class HandlingFailed(Exception):
    """The handlers failed on this event: nothing of it was committed, it may come again.

    `again` when the database was away (a restart, a killed connection): the same event
    is worth handling again once it is back, whereas a handler's own error would fail again.
    """

    def __init__(self, kind: str, again: bool = False) -> None:
        super().__init__(kind)
        self.again = again


class RateLimited(Exception):
    """The platform asked us to slow down (Telegram's 429) and the attempts are spent."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"rate limited for {retry_after} s")
        self.retry_after = retry_after


class Transport(Protocol):
    platform: str
    redelivers: bool  # an update that failed comes again (not confirmed, or answered 5xx)
    budget: Budget  # the platform's messages per second, shared by everything sent

    async def send(
        self, to: Address, reply: Reply, attempts: int = ..., background: bool = ...
    ) -> int | None:
        """Send or edit one message, returning its id; `Unreachable` if the person blocked us,
        `Refused` when retrying cannot help, `RateLimited` when the platform's limit outlasts
        `attempts`; any other error is worth another try later. A `background` send (a
        broadcast) gives way to the others."""

    def transient(self, exc: Exception) -> bool:
        """Whether an error `send` raised is the platform's or the network's passing trouble
        (a 5xx, a reset connection, a timeout): worth another try soon."""


ANSWERED_CHATS = 100_000  # chats remembered as answered by this process (the oldest forgotten)


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
        self._backlog: set[Address] = set()  # chats with replies in the outbox: new ones queue
        self._answered: dict[Address, None] = {}  # every reply decided here was sent or kept
        self._queues: dict[Address, deque[_Queued]] = {}
        self._servers: set[asyncio.Task[None]] = set()

    def add_transport(self, transport: Transport) -> None:
        self.transports[transport.platform] = transport

    async def restore(self) -> None:
        """At start: the chats whose replies wait in the outbox, so newer ones queue behind."""
        self._backlog = set(await outbox.waiting_chats(self.ctx.db))

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
        for queued, response in zip(burst, responses, strict=True):
            if response.failed:  # the submitter learns it (a webhook answers 5xx)
                queued.handled.set_exception(HandlingFailed(queued.event.kind, response.again))
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
        """The handlers' decision, or a kind apology when they fail.

        An event repeated in a chat this process has answered (every reply sent or kept)
        needs nothing re-sent; after a restart, or a reply lost, it re-sends what the
        person should now see. When the database was away and the platform delivers the
        event again (a webhook answered 5xx, a polled update not confirmed), nothing is
        said now: it is answered when it comes back, instead of an apology at each try.
        """
        if event.address not in self._answered:
            event = replace(event, resend=True)
        platform = event.address.platform
        metrics.UPDATES.labels(platform, event.kind).inc()
        started = time.perf_counter()
        try:
            return await handle(event, self.ctx)
        except Exception as exc:
            metrics.ERRORS.labels(platform).inc()
            again = unavailable(exc)
            if again:
                log.warning("%s not handled, the database is away: %r", event.kind, exc)
                transport = self.transports.get(platform)
                if transport is not None and transport.redelivers:
                    return Response(failed=True, again=True)
            else:
                log.exception("handler failed for %s", event.kind)
            apology = say("vi", "error")
            return Response([Reply(apology)], notice=apology, failed=True, again=again)
        finally:
            metrics.LATENCY.labels(platform).observe(time.perf_counter() - started)

    async def deliver(self, origin: Address, response: Response) -> Delivery:
        """Send the replies in order, once what they confirm is on disk; how it went.

        A reply the platform could not take after the transport's retries is kept in the
        outbox with every later reply to that chat, and sent by `resend` when it recovers.
        """
        await self.ctx.durable()
        outcome = Delivery.SENT
        kept: dict[Address, list[Reply]] = {}
        blocked: set[Address] = set()
        error = ""
        for reply in response.replies:
            to = reply.to or origin
            transport = self.transports.get(to.platform)
            if transport is None:
                log.error("no transport for %s", to.platform)
                continue
            if to in blocked:
                continue
            if to in self._backlog or to in kept:
                kept.setdefault(to, []).append(reply)
                continue
            try:
                await transport.send(to, reply)
            except Unreachable:
                await self.mark_unreachable(to)
                blocked.add(to)
                if to == origin:
                    outcome = Delivery.UNREACHABLE
            except Refused as exc:
                log.warning("%s refused a reply: %s", to.platform, exc)
            except Exception as exc:
                log.warning("sending to %s failed (%r): kept to send again", to.platform, exc)
                error = f"{type(exc).__name__}: {exc}"
                kept[to] = [reply]
        if kept:
            try:
                await outbox.keep(self.ctx.db, kept, error or "queued", self.ctx.clock())
                await self.ctx.durable()
            except Exception:
                log.exception("replies to %d chats neither sent nor kept", len(kept))
                self._answered.pop(origin, None)
                return Delivery.FAILED if origin in kept else outcome
            self._backlog.update(kept)
            if origin in kept and outcome == Delivery.SENT:
                outcome = Delivery.KEPT
        self._answered.pop(origin, None)
        self._answered[origin] = None
        if len(self._answered) > ANSWERED_CHATS:
            del self._answered[next(iter(self._answered))]
        return outcome

    def waiting(self, address: Address) -> bool:
        """True while replies to this chat wait in the outbox."""
        return address in self._backlog

    async def resend(self, to: Address) -> int:
        """Send the chat's kept replies in order (hold its turn); how many went out.

        Stops at the first that fails again (the chat's order is kept) and tries it after a
        backoff; a blocked chat's replies are dropped, never retried.
        """
        transport = self.transports.get(to.platform)
        if transport is None:
            return 0
        sent = 0
        now = self.ctx.clock()
        for row in await outbox.waiting(self.ctx.db, to):
            assert row.id is not None
            if now - row.created_at > outbox.GIVE_UP_AFTER:
                log.error("a reply to %s kept since %s is dropped", to.platform, row.created_at)
                await outbox.done(self.ctx.db, row.id)
                continue
            if row.next_try_at > now:
                return sent
            try:
                await transport.send(to, outbox.from_json(row.reply), attempts=1)
            except Unreachable:
                await self.mark_unreachable(to)
                await outbox.forget_chat(self.ctx.db, to)
                break
            except Refused as exc:
                log.warning("%s refused a kept reply: %s", to.platform, exc)
            except RateLimited as exc:
                await outbox.retry_later(self.ctx.db, row.id, str(exc), now, exc.retry_after)
                return sent
            except Exception as exc:
                await outbox.retry_later(self.ctx.db, row.id, f"{type(exc).__name__}: {exc}", now)
                return sent
            else:
                sent += 1
            await outbox.done(self.ctx.db, row.id)
        self._backlog.discard(to)
        return sent

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
