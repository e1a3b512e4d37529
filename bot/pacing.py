"""How fast the bot may speak: one budget per platform, a pace per chat, bursts merged.

Telegram allows a bot about 30 messages a second overall and about one a second per
chat (short bursts allowed), and answers 429 beyond them. Replies, edits, notices and
broadcasts all come out of the same overall budget; replies go first and a broadcast
takes what they leave, so a press is answered at once even while a broadcast runs. A
chat that writes faster than it may be answered is answered less often, not later:
the replies to a burst of its messages are merged (`merge`).
"""

import asyncio
import heapq
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace

from handlers.events import Reply, Response

WINDOW_MARGIN = 0.005  # seconds added to a slot's second, for clocks and queues
QUIET_AFTER = 5.0  # seconds without a reply after which a broadcast may use every slot


class Budget:
    """At most `rate` messages in any one second, as the server counts them.

    There are `rate` slots; a slot is reused only a second after its last request was
    answered, so the server, whatever order it saw them in, never counts more than `rate`
    of them in one second, not even with network jitter. Waiting requests are served
    replies first; while replies are being sent, a broadcast leaves a few slots free for
    them (`_reserve`), so a reply seldom waits for a slot to come back.
    """

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._free: list[float] = [0.0] * max(1, int(rate))  # when each idle slot may go
        # waiting requests, replies' first; (future, takes a slot or only waits for one)
        self._waiting: tuple[deque[tuple[asyncio.Future[None], bool]], ...] = (deque(), deque())
        self._replies: deque[float] = deque()  # when replies took a slot, the last second
        self._last_reply = -QUIET_AFTER
        self._timer: asyncio.TimerHandle | None = None

    @asynccontextmanager
    async def slot(self, background: bool = False) -> AsyncIterator[None]:
        """Hold a slot for one request; `background` (a broadcast) waits behind replies."""
        await self._wait(background, take=True)
        try:
            yield
        finally:
            heapq.heappush(self._free, self.clock() + 1.0 + WINDOW_MARGIN)
            self._serve()

    async def ready(self) -> None:
        """Wait until a broadcast's request could take a slot (without taking it)."""
        await self._wait(background=True, take=False)

    async def _wait(self, background: bool, take: bool) -> None:
        if not background:
            self._last_reply = self.clock()
            self._replies.append(self._last_reply)
            self._reserve(self._last_reply)  # forgets the replies older than a second
        queue = self._waiting[background]
        if not self._waiting[0] and not queue and self._may_go(background):
            if take:
                heapq.heappop(self._free)
            return
        waiter = asyncio.get_running_loop().create_future()
        queue.append((waiter, take))
        self._serve()
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                if take:  # handed a slot just as it was cancelled: unused, free at once
                    heapq.heappush(self._free, self.clock())
            elif (waiter, take) in queue:
                queue.remove((waiter, take))
            self._serve()
            raise

    def _reserve(self, now: float) -> int:
        """Slots a broadcast leaves free while people are being answered: enough for the
        bursts their replies come in (Poisson-like: about twice the square root of the
        replies a second), none after `QUIET_AFTER` seconds without a reply."""
        while self._replies and self._replies[0] <= now - 1.0:
            self._replies.popleft()
        if now - self._last_reply >= QUIET_AFTER:
            return 0
        return 1 + math.ceil(2 * math.sqrt(len(self._replies)))

    def _may_go(self, background: bool) -> bool:
        """A slot is free now (for a broadcast: beyond those kept for replies)."""
        now = self.clock()
        free = self._free
        if not free or free[0] > now:
            return False
        reserve = self._reserve(now) if background else 0
        if not reserve:
            return True
        return len(free) > reserve and heapq.nsmallest(reserve + 1, free)[-1] <= now

    def _serve(self) -> None:
        """Hand free slots to waiters, replies first; look again when the next comes back."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for background, queue in enumerate(self._waiting):
            while queue and self._may_go(bool(background)):
                waiter, take = queue.popleft()
                if not waiter.done():
                    if take:
                        heapq.heappop(self._free)
                    waiter.set_result(None)
            if queue:
                break  # replies still waiting: a broadcast does not pass them
        if any(self._waiting):
            now = self.clock()
            later = [due for due in self._free if due > now]
            if self._reserve(now):  # it shrinks as replies age
                later.append(self._last_reply + QUIET_AFTER)
                if self._replies:
                    later.append(self._replies[0] + 1.0)
            if later:
                delay = min(later) - now
                self._timer = asyncio.get_running_loop().call_later(delay, self._serve)


class ChatPace:
    """About one message a second to each chat, after a short burst (a token bucket).

    A chat's bucket refills only while no request to it is waiting for its answer, so
    the server, which saw the request earlier, never finds the bucket emptier than we do.
    """

    def __init__(
        self, interval: float = 1.0, burst: int = 3, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.interval = interval
        self.burst = burst
        self.clock = clock
        self._chats: dict[str, tuple[float, float]] = {}  # chat -> (tokens, counted at)
        self._pruned_at = 0  # the number of chats left by the last pruning

    @asynccontextmanager
    async def turn(self, chat: str) -> AsyncIterator[None]:
        """Wait until the chat may get one more message; send it inside.

        The token is taken at once, even before it is there, so that sends to one chat
        queue up in the order they came.
        """
        tokens = self._tokens(chat) - 1
        self._chats[chat] = (tokens, self.clock())
        if tokens < 0:
            await asyncio.sleep(-tokens * self.interval)
        sent = self.clock()
        try:
            yield
        finally:  # the refill starts again only when the server has answered
            left, at = self._chats.get(chat, (0.0, sent))
            self._chats[chat] = (left, at + self.clock() - sent + WINDOW_MARGIN)
            self._prune()

    def full_in(self) -> float:
        """Seconds until every chat's bucket is full again."""
        return max(
            ((self.burst - self._tokens(chat)) * self.interval for chat in self._chats),
            default=0.0,
        )

    def _tokens(self, chat: str) -> float:
        tokens, at = self._chats.get(chat, (self.burst, 0.0))
        return min(float(self.burst), tokens + max(0.0, self.clock() - at) / self.interval)

    def _prune(self) -> None:
        """Forget chats whose bucket is full again: memory does not grow with an audience."""
        if len(self._chats) > 2 * self._pruned_at + 1024:
            self._chats = {
                chat: state
                for chat, state in self._chats.items()
                if self._tokens(chat) < self.burst
            }
            self._pruned_at = len(self._chats)


def merge(responses: list[Response]) -> Response:
    """One response for a burst of a chat's events, decided in order: the same messages,
    fewer of them.

    An edit replaced by a later edit of the same message, a message repeated later, and a
    message whose buttons a later one offers again are left out (the later one shows the
    newer state); consecutive plain texts are sent as one message, with the buttons of
    the message that follows them. Replies to other chats are kept as they are.
    """
    replies = [reply for response in responses for reply in response.replies]
    kept: list[Reply] = []
    for index, reply in enumerate(replies):
        later = [r for r in replies[index + 1 :] if r.to is None]
        if reply.to is None and any(_supersedes(other, reply) for other in later):
            continue
        if kept and _plain(kept[-1]) and reply.to is None and reply.edit is None:
            if reply.photo is None and reply.image is None and not reply.replaces:
                previous = kept.pop()
                reply = replace(reply, text=f"{previous.text}\n\n{reply.text}")
        kept.append(reply)
    notices = [response.notice for response in responses if response.notice]
    return Response(kept, notice=notices[-1] if notices else "")


def _plain(reply: Reply) -> bool:
    """A new message of text only, to the chat that wrote."""
    return (
        reply.to is None
        and reply.edit is None
        and not reply.replaces
        and not reply.choices
        and reply.photo is None
        and reply.image is None
    )


def _supersedes(later: Reply, earlier: Reply) -> bool:
    if earlier.edit is not None:
        return later.edit == earlier.edit
    if later.edit is not None or earlier.photo or earlier.image is not None:
        return False
    if earlier.choices:
        data = {choice.data for choice in earlier.choices}
        return {choice.data for choice in later.choices} == data
    return later == earlier
