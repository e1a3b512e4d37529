"""Issue 14, database failures: PostgreSQL's connections killed again and again while
citizens answer, and a window where it refuses new ones (what a restart or a failover
looks like to the bot; the server itself is shared by the tests, so it is not restarted).
The bot reconnects by itself, and every page confirmed to a citizen is in the book once.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from bot.emulator import BotApiEmulator
from storage.models import BookPage
from tests.bot.conftest import SOGOPY, BotProcess
from tests.bot.test_e2e_citizen import add_ward, rows
from tests.bot.test_e2e_multi import Proxy, cluster, leader_index, visit  # noqa: F401

CITIZENS = 12
KILL_EVERY = 0.4  # seconds between two rounds of pg_terminate_backend
REFUSED_SECONDS = 2.0  # the database refuses connections this long, as while it restarts
GIVE_UP = 120  # seconds: a citizen stuck that long is a failure, not a wait


def _dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


@asynccontextmanager
async def refused(admin: asyncpg.Connection, name: str) -> AsyncIterator[None]:
    """The database refuses new connections (as while it restarts) until the block ends."""
    await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    try:
        yield
    finally:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')


@asynccontextmanager
async def outages(url: str) -> AsyncIterator[None]:
    """Kill every connection to the test's database, again and again, with one window of
    refused connections, until the block ends."""
    name = make_url(url).database
    admin = await asyncpg.connect(_dsn(url, "postgres"))
    done = asyncio.Event()

    async def kill_all() -> None:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )

    async def chaos() -> None:
        rounds = 0
        while not done.is_set():
            rounds += 1
            if rounds == 5:  # a restart: nobody may connect for a while
                async with refused(admin, name):
                    await kill_all()
                    await asyncio.sleep(REFUSED_SECONDS)
            await kill_all()
            await asyncio.sleep(KILL_EVERY)

    task = asyncio.create_task(chaos())
    try:
        yield
    finally:
        done.set()
        await task
        await admin.close()


async def confirmed_pages_kept(database_url: str, finished: list[int]) -> None:
    pages = await rows(database_url, BookPage)
    assert sorted(page.page_no for page in pages) == sorted(finished)
    assert sorted(finished) == list(range(1, CITIZENS + 1))


@pytest.fixture
def postgres(database_url: str) -> str:
    if database_url.startswith("sqlite"):
        pytest.skip("pg_terminate_backend: PostgreSQL only")
    return database_url


async def test_polling_bot_recovers_from_killed_connections(
    emulator: BotApiEmulator, bot_env: dict[str, str], postgres: str, bot_process: BotProcess
) -> None:
    # a process of its own, as in production: a bot stuck in the test's own event loop
    # would stop the test's clock too, and the test would wait without end
    payload = await add_ward(bot_env)
    await bot_process.start()
    async with asyncio.timeout(GIVE_UP), outages(postgres):
        finished = await asyncio.gather(
            *(visit(emulator.user(30_000 + n), payload) for n in range(CITIZENS))
        )
    await confirmed_pages_kept(postgres, finished)


async def test_webhook_processes_recover_from_killed_connections(
    emulator: BotApiEmulator,
    bot_env: dict[str, str],
    postgres: str,
    cluster: tuple[Proxy, list[BotProcess]],  # noqa: F811 (the fixture imported above)
) -> None:
    proxy, _ = cluster
    payload = await add_ward(bot_env)
    await leader_index(proxy.ports)
    async with asyncio.timeout(GIVE_UP), outages(postgres):
        finished = await asyncio.gather(
            *(visit(emulator.user(40_000 + n), payload) for n in range(CITIZENS))
        )
    await leader_index(proxy.ports)  # a leader again, after its lock's connection was killed
    await confirmed_pages_kept(postgres, finished)


async def test_a_bot_started_while_the_database_is_away_comes_up_with_it(
    emulator: BotApiEmulator, bot_env: dict[str, str], postgres: str
) -> None:
    """A process (re)started during a restart or failover (systemd's Restart, a rolling
    restart) waits for the database instead of exiting."""
    payload = await add_ward(bot_env)
    admin = await asyncpg.connect(_dsn(postgres, "postgres"))
    bot = None
    try:
        async with refused(admin, make_url(postgres).database or ""):
            bot = await asyncio.create_subprocess_exec(
                SOGOPY, "run", env=bot_env, stderr=asyncio.subprocess.PIPE
            )
            assert bot.stderr is not None
            said = await asyncio.wait_for(bot.stderr.readline(), GIVE_UP)
            assert b"the database does not answer yet" in said, said
        citizen = emulator.user(50_000)
        await citizen.send_text(f"/start {payload}")
        await citizen.wait_for(lambda m: "Hài lòng" in m.button_labels, timeout=GIVE_UP)
    finally:
        await admin.close()
        if bot is not None and bot.returncode is None:
            bot.kill()
            await bot.communicate()
