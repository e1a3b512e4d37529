"""The broadcast delivery engine: every recipient exactly once, never over the rate limit.

Each recipient row goes pending → sending → sent (or blocked, failed, skipped). The
"sending" mark is on disk before the request leaves, so a sender killed at any point
and restarted never sends a row twice: rows it finds still "sending" are counted as
sent (the request may have reached the platform; see `settle_interrupted`).

Memory and tasks are bounded whatever the audience: rows are read a page at a time
into a small queue that a fixed number of workers drain.
"""

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from bot.dispatch import Dispatcher, RateLimited, Unreachable
from bot.pacing import Budget
from handlers.broadcasts import invitation, progress_reply
from handlers.catalogue import localized
from handlers.events import Address, Reply
from handlers.reminders import in_quiet_hours
from storage.broadcasts import (
    Due,
    due_broadcasts,
    pending_page,
    progress,
    record_outcomes,
    set_recipient,
    settle_interrupted,
)
from storage.models import Broadcast, BroadcastStatus, RecipientStatus

log = logging.getLogger(__name__)

PAGE = 500  # recipient rows read at a time
WORKERS = 32  # requests in flight at most, whatever the audience
CONTROL_SECONDS = 1.0  # how often pause, cancel and quiet hours are looked at
PROGRESS_SECONDS = 3.0  # how often the admin's progress message is edited
OUTCOME_SECONDS = 0.2  # how often sent, blocked and failed rows are written, together
TRANSIENT_ATTEMPTS = 4  # a network error or a 5xx: tried this often, then the row fails
TRANSIENT_BACKOFF = 0.5  # seconds before trying again after one; doubled each time
RATE_LIMITED_ATTEMPTS = 20  # 429s for one row before it is failed (each pauses everyone)


class Pacer:
    """A broadcast's sends: evenly spaced at `rate`, a shared pause on 429, and each in a
    slot of the platform's budget that no reply is waiting for (`bot.pacing.Budget`).

    A send first waits for its turn (even spacing, any 429 pause, and a slot it could
    take), then claims its row, then takes the slot as its request leaves; so a kill
    leaves "sending" only the rows whose request was in flight, and at most one more.
    """

    def __init__(
        self, rate: float, budget: Budget, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.gap = 1.0 / rate
        self.budget = budget
        self.clock = clock
        self._next = 0.0  # the earliest start of the next send (even spacing)
        self._paused_until = 0.0
        self._turns = asyncio.Lock()

    def pause(self, seconds: float) -> None:
        """A 429: nobody sends until it has passed."""
        self._paused_until = max(self._paused_until, self.clock() + seconds)

    async def turn(self) -> None:
        """Wait for the next evenly spaced moment (and the end of any pause), then for a
        slot that replies leave free."""
        async with self._turns:
            while True:
                now = self.clock()
                wait = max(self._next, self._paused_until) - now
                if wait <= 0:
                    break
                await asyncio.sleep(wait)
            await self.budget.ready()
            now = self.clock()
            self._next = max(self._next, now - self.gap) + self.gap  # catch up one gap at most


@dataclass
class Run:
    """One broadcast being sent in this process."""

    broadcast: Broadcast
    queues: dict[str, asyncio.Queue[Due]]  # one per platform, each drained at its own rate
    started: float = field(default_factory=time.monotonic)
    sent: int = 0
    stop: bool = False  # paused, cancelled, quiet hours or the bot stopping
    quiet: bool = False
    # outcomes not yet written: a row stays "sending" until then, which a restart
    # counts as sent, so writing them in batches loses nothing
    outcomes: list[tuple[int, RecipientStatus, str | None]] = field(default_factory=list)
    finished: bool = False  # no more sends: the writer writes the last outcomes and ends
    checked: float = 0.0  # when pause, cancel and quiet hours were last looked at


class BroadcastEngine:
    """Finds due broadcasts and sends them, one at a time, at each platform's rate
    (and within what the bot's other messages leave of it)."""

    def __init__(self, dispatcher: Dispatcher, rates: dict[str, float]) -> None:
        self.dispatcher = dispatcher
        self.ctx = dispatcher.ctx
        self.pacers = {
            platform: Pacer(rate, dispatcher.transports[platform].budget)
            for platform, rate in rates.items()
        }
        self._halted = False
        self._run: Run | None = None
        self._quiet_shown: set[int] = set()  # broadcasts whose message says "quiet hours"
        self._task: asyncio.Task[int] | None = None

    async def send_broadcasts(self, dispatcher: Dispatcher) -> None:
        """The scheduler's entry: start sending in the background unless already at it.

        A broadcast may take hours; the scheduler's job only starts it and returns.
        """
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self.run_due())

    async def stop(self, grace: float) -> None:
        """The bot is stopping: requests in flight finish, nothing new starts."""
        self._halted = True
        if self._run is not None:
            self._run.stop = True
        if self._task is not None and not self._task.done():
            await asyncio.wait({self._task}, timeout=grace)

    async def run_due(self) -> int:
        """Send every broadcast whose time has come; how many messages went out."""
        sent = 0
        if in_quiet_hours(self.ctx, self.ctx.clock()):
            await self._note_quiet()
            return 0
        self._quiet_shown.clear()
        async with self.ctx.db() as session:
            due = await due_broadcasts(session, self.ctx.clock())
        for broadcast in due:
            if self._halted:
                break
            assert broadcast.id is not None
            sent += await self.run(broadcast.id)
        return sent

    async def _note_quiet(self) -> None:
        """Show "quiet hours" on running broadcasts' progress messages, once per night."""
        async with self.ctx.db() as session:
            running = [
                b
                for b in await due_broadcasts(session, self.ctx.clock())
                if b.status == BroadcastStatus.RUNNING
            ]
        for broadcast in running:
            if broadcast.id not in self._quiet_shown:
                assert broadcast.id is not None
                self._quiet_shown.add(broadcast.id)
                await self._show_progress(broadcast, None, quiet=True)

    async def run(self, broadcast_id: int) -> int:
        """Send one broadcast until it is done, paused, cancelled or quiet hours begin."""
        ctx = self.ctx
        async with ctx.db() as session:
            broadcast = await session.get(Broadcast, broadcast_id)
            if broadcast is None or broadcast.status not in (
                BroadcastStatus.SCHEDULED,
                BroadcastStatus.RUNNING,
            ):
                return 0
            if broadcast.status == BroadcastStatus.SCHEDULED:
                broadcast.status = BroadcastStatus.RUNNING
                broadcast.started_at = broadcast.started_at or ctx.clock()
            settled = await settle_interrupted(session, broadcast_id, ctx.clock())
            await session.commit()
        if settled:
            log.warning("broadcast %s: %s rows were interrupted mid-send", broadcast_id, settled)
        queues = {platform: asyncio.Queue[Due](maxsize=2 * WORKERS) for platform in self.pacers}
        run = self._run = Run(broadcast, queues)
        workers = [
            asyncio.create_task(self._worker(run, platform, self.pacers[platform]))
            for platform in queues
            for _ in range(WORKERS)
        ]
        shower = asyncio.create_task(self._keep_showing(run))
        writer = asyncio.create_task(self._keep_writing(run))
        try:
            await self._read(run)
            for queue in queues.values():
                await queue.join()
        finally:
            for task in (*workers, shower):
                task.cancel()
            run.finished = True  # the writer is not cancelled: it writes what is left
            await asyncio.gather(*workers, shower, writer, return_exceptions=True)
            self._run = None
        await self._finish(run)
        return run.sent

    async def _read(self, run: Run) -> None:
        """Feed the queue page by page; skip whom the broadcast may no longer reach."""
        assert run.broadcast.id is not None
        after = 0
        while not run.stop:
            async with self.ctx.db() as session:
                page = await pending_page(session, run.broadcast.id, after, PAGE)
                page = [_without_transport(due, run.queues) for due in page]
                for due in page:
                    if due.skip is not None:
                        await set_recipient(
                            session,
                            due.recipient_id,
                            RecipientStatus.SKIPPED,
                            expect=RecipientStatus.PENDING,
                            reason=due.skip,
                        )
                await session.commit()
            if not page:
                return
            after = page[-1].recipient_id
            for due in page:
                await self._control(run)
                if run.stop:
                    return
                if due.skip is None:
                    await run.queues[due.platform].put(due)

    async def _control(self, run: Run) -> None:
        """Stop when an admin paused or cancelled, or quiet hours began (looked at once a
        second at most, by the reader and by each send about to claim its row)."""
        if time.monotonic() - run.checked <= CONTROL_SECONDS:
            return
        run.checked = time.monotonic()
        async with self.ctx.db() as session:
            current = await session.get(Broadcast, run.broadcast.id)
            status = current.status if current is not None else BroadcastStatus.CANCELLED
        run.broadcast.status = status
        run.quiet = in_quiet_hours(self.ctx, self.ctx.clock())
        if status != BroadcastStatus.RUNNING or run.quiet or self._halted:
            run.stop = True

    async def _worker(self, run: Run, platform: str, pacer: Pacer) -> None:
        queue = run.queues[platform]
        while True:
            due = await queue.get()
            try:
                if not run.stop:  # else it stays pending for the next run
                    await self._deliver(run, pacer, due)
            except Exception:
                log.exception("broadcast recipient %s", due.recipient_id)
            finally:
                queue.task_done()

    async def _deliver(self, run: Run, pacer: Pacer, due: Due) -> None:
        """One recipient: marked sending (on disk) within its send slot, sent once, marked."""
        ctx = self.ctx
        survey_version_id = run.broadcast.survey_version_id
        assert survey_version_id is not None
        reply = invitation(
            ctx.surveys.survey(survey_version_id),
            due.recipient_id,
            due.ward_name or "",
            due.language,
        )
        to = Address(due.platform, due.chat_id)
        outcome = await self._send(run, pacer, to, reply, due.recipient_id)
        if outcome is None:
            return  # it stays pending, or somebody else had it
        status, reason = outcome
        run.outcomes.append((due.recipient_id, status, reason))
        if status == RecipientStatus.SENT:
            run.sent += 1
        elif status == RecipientStatus.BLOCKED:
            await self.dispatcher.mark_unreachable(to)

    async def _claim(self, recipient_id: int) -> bool:
        """pending → sending, on disk before the request leaves."""
        async with self.ctx.db() as session:
            claimed = await set_recipient(
                session,
                recipient_id,
                RecipientStatus.SENDING,
                expect=RecipientStatus.PENDING,
                attempt=True,
            )
            await session.commit()
        await self.ctx.durable()
        return claimed

    async def _send(
        self, run: Run, pacer: Pacer, to: Address, reply: Reply, recipient_id: int
    ) -> tuple[RecipientStatus, str | None] | None:
        """Send within the pacer: 429s pause everyone, transient errors back off, then fail.

        The row is claimed only when its turn has come, so a kill leaves marked "sending"
        only the requests in flight (and at most one about to leave).
        """
        transport = self.dispatcher.transports[to.platform]
        claimed = False
        transient = limited = 0
        while True:
            backoff = 0.0
            await pacer.turn()
            if not claimed:
                if in_quiet_hours(self.ctx, self.ctx.clock()):  # looked at before each send
                    run.quiet = run.stop = True
                await self._control(run)  # rows already queued stop at a pause too
                if run.stop or not await self._claim(recipient_id):
                    return None
                claimed = True
            try:
                await transport.send(to, reply, attempts=1, background=True)
                return RecipientStatus.SENT, None
            except Unreachable as exc:
                return RecipientStatus.BLOCKED, str(exc)[:200]
            except RateLimited as exc:
                pacer.pause(exc.retry_after)
                limited += 1
                if limited >= RATE_LIMITED_ATTEMPTS:
                    return RecipientStatus.FAILED, "rate limited"
            except Exception as exc:
                transient += 1
                if transient >= TRANSIENT_ATTEMPTS or not transport.transient(exc):
                    return RecipientStatus.FAILED, f"{type(exc).__name__}: {exc}"[:200]
                backoff = TRANSIENT_BACKOFF * 2**transient
            await asyncio.sleep(backoff)

    async def _keep_writing(self, run: Run) -> None:
        """Write the outcomes in batches while the run sends, then what is left: outcomes
        added during the last batch's write would otherwise stay "sending" on disk, which
        the next run counts as interrupted (a CI run under load caught one)."""
        while not run.finished:
            await asyncio.sleep(OUTCOME_SECONDS)
            await self._write_outcomes(run)
        await self._write_outcomes(run)

    async def _write_outcomes(self, run: Run) -> None:
        outcomes, run.outcomes = run.outcomes, []
        if outcomes:
            async with self.ctx.db() as session:
                await record_outcomes(session, outcomes, self.ctx.clock())
                await session.commit()

    async def _keep_showing(self, run: Run) -> None:
        await self._show_progress(run.broadcast, run)
        while True:
            await asyncio.sleep(PROGRESS_SECONDS)
            await self._show_progress(run.broadcast, run)

    async def _finish(self, run: Run) -> None:
        """Done when no row is left to send; the progress message shows the end state."""
        ctx = self.ctx
        async with ctx.db() as session:
            broadcast = await session.get(Broadcast, run.broadcast.id)
            assert broadcast is not None
            report = await progress(session, broadcast)
            if broadcast.status == BroadcastStatus.RUNNING and not report.remaining:
                broadcast.status, broadcast.finished_at = BroadcastStatus.DONE, ctx.clock()
                await session.commit()
        if run.quiet:
            self._quiet_shown.add(run.broadcast.id or 0)
        await self._show_progress(broadcast, run, quiet=run.quiet)

    async def _show_progress(
        self, broadcast: Broadcast, run: Run | None, quiet: bool = False
    ) -> None:
        """Send or edit the admin's progress message (in the budget, as the broadcast's own)."""
        if not broadcast.progress_chat_id or not broadcast.progress_platform:
            return
        ctx = self.ctx
        async with ctx.db() as session:
            current = await session.get(Broadcast, broadcast.id)
            assert current is not None and current.survey_version_id is not None
            report = await progress(session, current)
            language = "vi"
            title = localized(language, ctx.surveys.survey(current.survey_version_id).title)
        rate = eta = None
        if run is not None and run.sent:
            rate = run.sent / max(time.monotonic() - run.started, 1e-6)
            eta = report.remaining / rate
        reply = progress_reply(language, current, title, report, rate, eta, quiet)
        to = Address(current.progress_platform or "", current.progress_chat_id or "")
        try:
            message_id = await self.dispatcher.transports[to.platform].send(
                to,
                Reply(reply.text, reply.choices, reply.columns, edit=current.progress_message_id),
                background=True,  # part of the broadcast: people's replies go first
            )
        except Exception as exc:
            log.info("progress of broadcast %s not shown: %s", current.id, exc)
            return
        if current.progress_message_id is None and message_id is not None:
            async with ctx.db() as session:
                stored = await session.get(Broadcast, current.id)
                assert stored is not None
                stored.progress_message_id = message_id
                await session.commit()


def _without_transport(due: Due, queues: dict[str, asyncio.Queue[Due]]) -> Due:
    """A recipient on a platform this bot does not run (say Zalo unconfigured) is skipped."""
    if due.skip is None and due.platform not in queues:
        return replace(due, skip=f"no {due.platform} transport")
    return due
