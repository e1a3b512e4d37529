"""Several processes on one database: updates recognised by id in any order, the ids
forgotten after some days, and exactly one process leading the jobs."""

import asyncio
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.dispatch import Dispatcher
from bot.election import Election
from bot.jobs import SEEN_KEPT, forget_handled
from bot.settings import SettingsError
from handlers.context import Context
from handlers.events import Address, Incoming, Kind
from handlers.router import handle
from storage.db import create_engine, schema_is_current, session_maker
from storage.models import Dialog, SeenMessage
from storage.queries import get_or_create_person
from tests.bot.conftest import until
from tests.conftest import Clock, _worker_database

CHAT = Address("telegram", "1001")


def command(name: str, message_id: int, update_id: int | None) -> Incoming:
    seen = None if update_id is None else str(update_id)
    return Incoming(CHAT, Kind.COMMAND, command=name, message_id=message_id, seen_id=seen)


async def test_webhook_updates_of_one_chat_are_handled_in_any_order(ctx: Context) -> None:
    newer = await handle(command("help", message_id=8, update_id=12), ctx)
    older = await handle(command("help", message_id=7, update_id=11), ctx)  # came second
    assert newer.replies and older.replies  # both handled: the older is no redelivery
    again = await handle(command("help", message_id=7, update_id=11), ctx)
    assert again.replies == []  # its redelivery is


async def test_polled_messages_still_never_go_backwards(ctx: Context) -> None:
    assert (await handle(command("help", message_id=8, update_id=None), ctx)).replies
    assert (await handle(command("help", message_id=7, update_id=None), ctx)).replies == []


async def test_handled_ids_are_forgotten_after_some_days(ctx: Context, clock: Clock) -> None:
    async with ctx.db() as session:
        old = clock() - SEEN_KEPT - timedelta(minutes=1)
        session.add(SeenMessage(platform="telegram", message_id="1", seen_at=old))
        session.add(SeenMessage(platform="zalo", message_id="m2", seen_at=old))
        session.add(SeenMessage(platform="telegram", message_id="3", seen_at=clock()))
        await session.commit()
    assert await forget_handled(Dispatcher(ctx)) == 2
    async with ctx.db() as session:
        kept = (await session.exec(select(SeenMessage.message_id))).all()
    assert kept == ["3"]


@pytest.fixture
def postgres(database_url: str) -> str:
    if database_url.startswith("sqlite"):
        pytest.skip("advisory locks: PostgreSQL only")
    return database_url


async def test_one_leader_and_another_takes_over_when_its_connection_closes(
    postgres: str,
) -> None:
    first, second = Election(postgres, retry=0.05), Election(postgres, retry=0.05)
    try:
        await first.acquire()
        taking_over = asyncio.create_task(second.acquire())
        await asyncio.wait_for(second.tried.wait(), 10)  # it tried once, and lost
        assert first.leader and not second.leader and not taking_over.done()
        await first.close()  # its connection closes, as when the process dies
        await asyncio.wait_for(taking_over, 10)
        assert second.leader
    finally:
        await first.close()
        await second.close()


async def test_a_leader_whose_connection_breaks_stops_leading(postgres: str) -> None:
    leader, other = Election(postgres, retry=0.05), Election(postgres, retry=0.05)
    try:
        await leader.acquire()
        assert leader._connection is not None
        pid = await leader._connection.scalar(text("SELECT pg_backend_pid()"))
        killer = create_engine(postgres)
        async with killer.connect() as connection:
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        await killer.dispose()
        await asyncio.wait_for(leader.held(), 10)
        assert not leader.leader
        await asyncio.wait_for(other.acquire(), 10)  # PostgreSQL dropped the lock with it
    finally:
        await leader.close()
        await other.close()


async def test_one_chats_events_wait_for_each_other_across_processes(
    postgres: str, ctx: Context
) -> None:
    """Two processes with an event of one chat each: the second decides after the first
    committed, on what it committed."""
    other_process = create_engine(postgres)
    try:
        async with ctx.db() as session:
            await get_or_create_person(session, "telegram", "1001")
            await session.commit()
        async with ctx.db() as first:
            person = await get_or_create_person(first, "telegram", "1001")

            async def second() -> str:
                async with session_maker(other_process)() as session:
                    return (await get_or_create_person(session, "telegram", "1001")).dialog

            deciding = asyncio.create_task(second())
            await until(lambda: waiting_for_a_lock(ctx))
            assert not deciding.done()
            person.dialog = Dialog.SURVEY
            await first.commit()
        assert await asyncio.wait_for(deciding, 10) == Dialog.SURVEY
    finally:
        await other_process.dispose()


async def waiting_for_a_lock(ctx: Context) -> bool:
    async with ctx.db() as session:
        found = await session.exec(  # type: ignore[call-overload]
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
        )
        return bool(found.scalar_one())


@pytest.mark.any_database
def test_one_process_per_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'sogopy.db'}"
    first, second = Election(url), Election(url)
    first.claim_file()
    with pytest.raises(SettingsError, match=r"^DATABASE_URL: another `sogopy run` uses "):
        second.claim_file()
    asyncio.run(first.close())
    second.claim_file()  # the first one gone: the file is free
    asyncio.run(second.close())


async def test_processes_started_together_upgrade_the_schema_in_turn(postgres: str) -> None:
    fresh = await _worker_database(postgres, "fresh")
    engine = create_engine(fresh)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
        script = f"from storage.db import upgrade_sync; upgrade_sync({fresh!r})"
        processes = [
            await asyncio.create_subprocess_exec(sys.executable, "-c", script) for _ in range(2)
        ]
        assert [await process.wait() for process in processes] == [0, 0]
        assert await schema_is_current(engine)
    finally:
        await engine.dispose()
