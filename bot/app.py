"""The single wiring point: database, surveys, handlers, transports and scheduler."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.dispatch import Dispatcher
from bot.jobs import prompt_done_cases, send_notices
from bot.settings import Settings
from bot.telegram import TelegramTransport, connect
from handlers.context import Context, sync_surveys
from handlers.survey_library import load_library
from storage.db import GroupSync, create_engine, session_maker, upgrade

log = logging.getLogger(__name__)

OUTBOX_SECONDS = 2  # how often cases marked done and new pages' notices are picked up


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
            durable=group_sync.wait,
        )
        yield Runtime(engine, Dispatcher(ctx))
    finally:
        await engine.dispose()


async def serve(settings: Settings, stop: asyncio.Event) -> None:
    """Run the Telegram bot and its scheduler until `stop` is set."""
    async with runtime(settings) as rt:
        api = await connect(settings.require_telegram_token(), settings.telegram_api_base_url)
        telegram = TelegramTransport(api, rt.dispatcher)
        rt.dispatcher.add_transport(telegram)
        scheduler = AsyncIOScheduler(timezone=settings.zone)
        for job in (prompt_done_cases, send_notices):
            scheduler.add_job(
                job,
                "interval",
                seconds=OUTBOX_SECONDS,
                args=[rt.dispatcher],
                max_instances=1,
                coalesce=True,
            )
        try:
            await telegram.set_commands()
            scheduler.start()
            log.info("bot @%s is running", api.username)
            await telegram.poll(stop)
        finally:
            scheduler.shutdown(wait=False)
            await api.close()
