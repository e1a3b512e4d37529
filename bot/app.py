"""The single wiring point: database, surveys, handlers, transports and scheduler."""

import asyncio
import gc
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, TypeVar
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import metrics
from bot.broadcast import BroadcastEngine
from bot.dispatch import Dispatcher
from bot.election import Election
from bot.jobs import (
    book_schedule,
    count_months,
    forget_handled,
    prompt_done_cases,
    redraw_notices,
    retention,
    send_notices,
    send_replies,
    statistics,
    sync_menus,
)
from bot.photos import ChatPhotos
from bot.settings import Settings
from bot.telegram import TelegramTransport, connect
from bot.zalo import ZaloTransport, connect_zalo
from handlers.context import Context, sync_surveys
from handlers.survey_library import scan_library
from storage.db import (
    GroupSync,
    create_engine,
    schema_is_current,
    session_maker,
    unavailable,
    upgrade,
)
from web.listen import bind
from web.state import HttpState

if TYPE_CHECKING:
    from web.server import HttpServer

log = logging.getLogger(__name__)
T = TypeVar("T")

OUTBOX_SECONDS = 2  # how often done cases, notices, kept replies and broadcasts are picked up
SCHEDULE_SECONDS = 60  # how often reminders, escalations and digests are considered
START_PATIENCE = 60  # seconds a starting process waits for a database that is away
STOP_GRACE_SECONDS = 5  # a running job's time to finish at a stop
CHAT_GRACE_SECONDS = 2  # the chats' time to finish what they hold at a stop


@dataclass
class Runtime:
    engine: AsyncEngine
    dispatcher: Dispatcher

    @property
    def ctx(self) -> Context:
        return self.dispatcher.ctx


@asynccontextmanager
async def runtime(settings: Settings, stop: asyncio.Event | None = None) -> AsyncIterator[Runtime]:
    """The schema upgraded, surveys stored, and a dispatcher ready for transports."""
    engine = create_engine(settings.database_url)
    group_sync = GroupSync.attach(engine)  # before the first connection is made
    try:
        db = session_maker(engine)
        library, problems = scan_library(settings.survey_folders)
        for problem in problems:
            log.warning("survey file refused: %s", problem)

        async def prepared() -> Dispatcher:
            if not await schema_is_current(engine):  # a restart mostly finds it current:
                await upgrade(settings.database_url)  # Alembic's check took 60 ms of 0.65 s
            ctx = Context(
                db=db,
                surveys=await sync_surveys(db, library),
                survey_problems=tuple(problems),
                timezone=settings.zone,
                admins=frozenset(str(admin) for admin in settings.admins),
                survey_delay=timedelta(seconds=settings.survey_delay),
                remind_after=timedelta(hours=settings.remind_after_hours),
                quiet=settings.quiet,
                durable=group_sync.wait,
                retention_months=settings.retention_months,
                console_url=settings.console_url,
            )
            dispatcher = Dispatcher(ctx)
            await dispatcher.restore()
            return dispatcher

        yield Runtime(engine, await _when_the_database_answers(prepared, stop))
    finally:
        await engine.dispose()


async def _when_the_database_answers(
    start: Callable[[], Awaitable[T]], stop: asyncio.Event | None
) -> T:
    """`start` again while the database is away, as a running process waits for it: a
    process (re)started during PostgreSQL's restart or failover, or a rolling restart's,
    comes up when the database does instead of exiting. Each step of `start` can be
    repeated. Gives up, with the database's own error, after START_PATIENCE seconds or at
    a stop."""
    deadline = asyncio.get_running_loop().time() + START_PATIENCE
    pause = 0.25
    while True:
        try:
            return await start()
        except Exception as exc:
            if not unavailable(exc) or asyncio.get_running_loop().time() + pause > deadline:
                raise
            log.warning("the database does not answer yet (%s): trying again", exc)
            if stop is None:
                await asyncio.sleep(pause)
            else:
                with suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), pause)
                if stop.is_set():
                    raise
            pause = min(pause * 2, 4.0)


class Jobs:
    """The scheduled jobs, tracked so a stop lets a running one finish its bookkeeping.

    A job that sent a message but is cancelled before recording it would send it again
    after the restart.
    """

    def __init__(
        self, dispatcher: Dispatcher, zone: ZoneInfo, broadcasts: BroadcastEngine | None = None
    ) -> None:
        self.dispatcher = dispatcher
        self.broadcasts = broadcasts
        self.scheduler = AsyncIOScheduler(timezone=zone)
        self.running: set[asyncio.Task[object]] = set()
        jobs: list[tuple[Callable[[Dispatcher], Awaitable[object]], int]] = [
            (prompt_done_cases, OUTBOX_SECONDS),
            (send_notices, OUTBOX_SECONDS),
            (send_replies, OUTBOX_SECONDS),
            (book_schedule, SCHEDULE_SECONDS),
            (retention, SCHEDULE_SECONDS),  # data protection: once a day, checked each minute
            (redraw_notices, OUTBOX_SECONDS),  # data protection: pages changed at the desk
            (sync_menus, OUTBOX_SECONDS),  # issue 11: leaders' and admins' command menus
            (forget_handled, SCHEDULE_SECONDS),
            (statistics, SCHEDULE_SECONDS),  # issue 13: the planner's statistics, once a day
            (count_months, SCHEDULE_SECONDS),  # issue 13: the figures of months that ended
        ]
        if broadcasts is not None:
            jobs.append((broadcasts.send_broadcasts, OUTBOX_SECONDS))
        for job, seconds in jobs:
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
        except Exception as exc:
            if unavailable(exc):  # a restart, a failover: the next run reconnects
                log.warning("scheduled job %s: the database is away (%r)", job.__name__, exc)
            else:
                log.exception("scheduled job %s failed", job.__name__)
        finally:
            self.running.discard(task)

    def start(self) -> None:
        self.scheduler.start()

    async def stop(self) -> None:
        """No new runs; the running ones may finish; then the scheduler goes (it cancels)."""
        self.scheduler.pause()
        if self.broadcasts is not None:
            await self.broadcasts.stop(STOP_GRACE_SECONDS)
        if self.running:
            await asyncio.wait(self.running, timeout=STOP_GRACE_SECONDS)
        self.scheduler.shutdown(wait=False)


async def lead(election: Election, start_jobs: Callable[[], Jobs]) -> None:
    """Run the jobs whenever this process leads, until cancelled (the bot stops)."""
    while True:
        await election.acquire()
        metrics.LEADER.set(1)
        jobs = start_jobs()
        try:
            await election.held()
        finally:
            metrics.LEADER.set(0)
            await jobs.stop()


async def _webhook(telegram: TelegramTransport, url: str, secret: str, stop: asyncio.Event) -> None:
    """Telegram's updates by webhook (the HTTP app receives them) until `stop` is set."""
    await telegram.use_webhook(url, secret)
    await stop.wait()


async def _cancelled(task: "asyncio.Task[object]") -> None:
    """`task` cancelled if still running, and waited for."""
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def _poll(telegram: TelegramTransport, stop: asyncio.Event) -> None:
    await telegram.use_polling()
    await telegram.poll(stop)


async def _serve_http(http: HttpState, sock: socket.socket, cleanup: AsyncExitStack) -> None:
    """The HTTP app on its bound socket; built in a thread, since FastAPI, the console's
    charts and PDFs are most of start-up's imports (1.2 of 2.1 s of CPU, profiled) and the
    bot, polling meanwhile, need not wait for them."""
    server = await asyncio.to_thread(_http_server, http, sock)
    await server.start()
    cleanup.push_async_callback(server.stop)
    gc.freeze()  # the app's objects too, as start-up's (see `_serve`)


def _http_server(http: HttpState, sock: socket.socket) -> "HttpServer":
    from web.app import create_asgi
    from web.server import HttpServer

    return HttpServer(create_asgi(http), sock)


async def serve(settings: Settings, stop: asyncio.Event) -> None:
    """Run the bot on Telegram, Zalo or both, with its scheduler, until `stop` is set."""
    settings.require_a_token()
    election = Election(settings.database_url)
    try:
        await _serve(settings, stop, election)
    finally:
        await election.close()


async def _serve(settings: Settings, stop: asyncio.Event, election: Election) -> None:
    async with runtime(settings, stop) as rt, AsyncExitStack() as cleanup:
        listeners: list[Callable[[], Awaitable[None]]] = []  # started once all connected
        rates: dict[str, float] = {}
        http = HttpState(
            db=rt.ctx.db,
            zone=settings.zone,
            durable=rt.ctx.durable,
            public_url=settings.public_url,
            secret_key=settings.console_secret,
            photos=ChatPhotos(settings.telegram_bot_token, settings.telegram_api_base_url),
            survey_folders=settings.survey_folders,
            quiet=settings.quiet,
        )
        # first: a port in use stops the bot before it connects
        sock = bind(settings.http_host, settings.http_port) if settings.http_port else None
        webhooks = bool(settings.telegram_webhook_url or settings.zalo_webhook_url)
        if sock is not None:
            cleanup.callback(sock.close)
            serving = partial(_serve_http, http, sock, cleanup)
            if webhooks:  # the platforms' first POST must find it
                await serving()
            else:  # polling: the app loads while the first updates are answered
                listeners.append(serving)
        if settings.telegram_bot_token.strip():
            api = await connect(settings.telegram_bot_token.strip(), settings.telegram_api_base_url)
            cleanup.push_async_callback(api.close)
            telegram = TelegramTransport(api, rt.dispatcher, rate=settings.send_rate)
            rt.dispatcher.add_transport(telegram)
            # the menu is not on the way to the first update: one round trip to Telegram less
            cleanup.push_async_callback(_cancelled, asyncio.create_task(telegram.set_commands()))
            rates[telegram.platform] = settings.send_rate
            if settings.telegram_webhook_url:
                http.telegram = telegram  # before Telegram is told: its first POST finds it
                http.telegram_secret = settings.telegram_webhook_secret
                listeners.append(
                    partial(
                        _webhook,
                        telegram,
                        settings.telegram_webhook_url,
                        settings.telegram_webhook_secret,
                        stop,
                    )
                )
            else:
                listeners.append(partial(_poll, telegram, stop))
            http.telegram_username = api.username
            log.info("Telegram bot @%s is running", api.username)
        if settings.zalo_bot_token.strip():
            zalo_api = await connect_zalo(
                settings.zalo_bot_token.strip(), settings.zalo_api_base_url
            )
            cleanup.push_async_callback(zalo_api.close)
            zalo = ZaloTransport(zalo_api, rt.dispatcher, rate=settings.zalo_send_rate)
            rt.dispatcher.add_transport(zalo)
            rates[zalo.platform] = settings.zalo_send_rate
            http.zalo_name = zalo_api.name
            if settings.zalo_webhook_url:
                http.zalo, http.zalo_secret = zalo, settings.zalo_webhook_secret
                await zalo_api.call(
                    "setWebhook", url=settings.zalo_webhook_url, secret_token=http.zalo_secret
                )
                listeners.append(stop.wait)
            else:
                listeners.append(partial(zalo.poll, stop))
            log.info("Zalo bot %s is running", zalo_api.name)

        def start_jobs() -> Jobs:
            jobs = Jobs(rt.dispatcher, settings.zone, BroadcastEngine(rt.dispatcher, rates))
            jobs.start()
            return jobs

        # Start-up's objects (modules, surveys, clients) live as long as the process: kept
        # out of the collector, whose full passes otherwise stopped the event loop for
        # some 180 ms in the middle of a broadcast (the slowest presses' wait).
        gc.collect()
        gc.freeze()
        # SQLite: a second process on the same file stops here, once its settings proved good
        election.claim_file()
        leading = asyncio.create_task(lead(election, start_jobs))
        try:
            http.ready = True
            await asyncio.gather(*(listen() for listen in listeners))
        finally:
            http.ready = False  # stopping: /health says so while requests finish
            await rt.dispatcher.stop(CHAT_GRACE_SECONDS)
            await _cancelled(leading)  # the jobs running get their grace, then the lock goes
            for transport in rt.dispatcher.transports.values():
                if isinstance(transport, TelegramTransport):
                    await transport.settle()
