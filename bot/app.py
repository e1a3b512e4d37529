"""The single wiring point: database, surveys, handlers, transports and scheduler."""

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.dispatch import Dispatcher
from bot.jobs import book_schedule, prompt_done_cases, send_notices
from bot.settings import Settings
from bot.telegram import TelegramTransport, connect
from handlers.context import Context, sync_surveys
from handlers.survey_library import load_library
from storage.db import GroupSync, create_engine, session_maker, upgrade

log = logging.getLogger(__name__)

OUTBOX_SECONDS = 2  # how often cases marked done and new pages' notices are picked up
SCHEDULE_SECONDS = 60  # how often reminders, escalations and digests are considered
STOP_GRACE_SECONDS = 5  # a running job's time to finish at a stop


@dataclass
class Runtime:
    engine: AsyncEngine
    dispatcher: Dispatcher

    @property
    def ctx(self) -> Context:
        return self.dispatcher.ctx


@asynccontextmanager
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    """The schema upgraded, surveys stored, and a dispatcher ready for transports."""
    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    group_sync = GroupSync.attach(engine)  # before the first connection is made
    try:
        db = session_maker(engine)
        ctx = Context(
            db=db,
            surveys=await sync_surveys(db, load_library()),
            timezone=settings.zone,
            admins=frozenset(str(admin) for admin in settings.admins),
            survey_delay=timedelta(seconds=settings.survey_delay),
            remind_after=timedelta(hours=settings.remind_after_hours),
            quiet=settings.quiet,
            durable=group_sync.wait,
        )
        yield Runtime(engine, Dispatcher(ctx))
    finally:
        await engine.dispose()


class Jobs:
    """The scheduled jobs, tracked so a stop lets a running one finish its bookkeeping.

    A job that sent a message but is cancelled before recording it would send it again
    after the restart.
    """

    def __init__(self, dispatcher: Dispatcher, zone: ZoneInfo) -> None:
        self.dispatcher = dispatcher
        self.scheduler = AsyncIOScheduler(timezone=zone)
        self.running: set[asyncio.Task[object]] = set()
        for job, seconds in (
            (prompt_done_cases, OUTBOX_SECONDS),
            (send_notices, OUTBOX_SECONDS),
            (book_schedule, SCHEDULE_SECONDS),
        ):
            self.scheduler.add_job(
                self._tracked, "interval", seconds=seconds, args=[job], max_instances=1,
                coalesce=True, id=job.__name__,
            )  # fmt: skip

    async def _tracked(self, job: Callable[[Dispatcher], Awaitable[object]]) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.running.add(task)
        try:
            await job(self.dispatcher)
        except Exception:
            log.exception("scheduled job %s failed", job.__name__)
        finally:
            self.running.discard(task)

    def start(self) -> None:
        self.scheduler.start()

    async def stop(self) -> None:
        """No new runs; the running ones may finish; then the scheduler goes (it cancels)."""
        self.scheduler.pause()
        if self.running:
            await asyncio.wait(self.running, timeout=STOP_GRACE_SECONDS)
        self.scheduler.shutdown(wait=False)


async def serve(settings: Settings, stop: asyncio.Event) -> None:
    """Run the Telegram bot and its scheduler until `stop` is set."""
    async with runtime(settings) as rt:
        api = await connect(settings.require_telegram_token(), settings.telegram_api_base_url)
        telegram = TelegramTransport(api, rt.dispatcher)
        rt.dispatcher.add_transport(telegram)
        jobs = Jobs(rt.dispatcher, settings.zone)
        try:
            await telegram.set_commands()
            jobs.start()
            log.info("bot @%s is running", api.username)
            await telegram.poll(stop)
        finally:
            await jobs.stop()
            await api.close()
