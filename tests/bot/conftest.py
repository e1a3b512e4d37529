"""End-to-end fixtures: the Bot API emulator, and the real bot talking to it over HTTP,
either in this process (fast) or as a `sogopy run` process that a test may kill.
"""

import asyncio
import os
import signal
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession
from typer.testing import CliRunner

from bot.app import serve
from bot.cli import main
from bot.emulator import BotApiEmulator
from bot.settings import load_settings
from storage.db import create_engine, session_maker

SOGOPY = str(Path(sys.executable).parent / "sogopy")  # the installed console command
TOKEN = "123456:TEST-TOKEN"
ADMIN = 5999  # the office account of the tests' SOGOPY_ADMINS
USERNAME = "sogopy_test_bot"
T = TypeVar("T")


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(TOKEN, USERNAME) as emu:
        yield emu


def clean_env(**settings: str) -> dict[str, str]:
    """This process's environment without any sogopy setting, plus `settings`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SOGOPY_", "TELEGRAM_", "DATABASE_URL"))
    }
    return {**env, **settings}


@pytest.fixture
def bot_env(emulator: BotApiEmulator, database_url: str, tmp_path: Path) -> dict[str, str]:
    """The environment `sogopy` needs to talk to the emulator and the test database."""
    return clean_env(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_BOT_USERNAME=USERNAME,
        TELEGRAM_API_BASE_URL=emulator.base_url,
        DATABASE_URL=database_url,
        SOGOPY_LOG_LEVEL="WARNING",
        SOGOPY_ADMINS=str(ADMIN),
        SOGOPY_HTTP_PORT="off",  # tests run at once: the ones that need HTTP pick a free port
    )


async def until(check: Callable[[], Awaitable[bool]], seconds: float = 30) -> None:
    """Wait for a state the bot brings about in the database (no event tells us of it)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def in_test_db(database_url: str, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one committed transaction on the test's database, from the test.

    The bot under test shares this event loop, so SQLite's busy wait (which sleeps in the
    loop's thread) could stall it while it holds the lock: here a locked database is
    waited for with the loop running instead.
    """
    engine = create_engine(database_url)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _short_busy_wait)
    deadline = asyncio.get_running_loop().time() + 30
    try:
        while True:
            try:
                async with session_maker(engine)() as session:
                    result = await work(session)
                    await session.commit()
                    return result
            except OperationalError as exc:
                if "locked" not in str(exc) or asyncio.get_running_loop().time() > deadline:
                    raise
                await asyncio.sleep(0.02)
    finally:
        await engine.dispose()


def _short_busy_wait(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA busy_timeout=20")


async def store(database_url: str, *objects: SQLModel) -> None:
    """Insert rows in order, each flushed so later ones may use its id."""

    async def insert(session: AsyncSession) -> None:
        for row in objects:
            session.add(row)
            await session.flush()

    await in_test_db(database_url, insert)


def sogopy(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run one CLI command as an admin would, in this process: `bot.cli.main` exactly as
    the console script calls it, under Typer's CliRunner isolation (its own stdout,
    stderr and environment: `env` replaces every sogopy setting of this process).

    Commands run one at a time: the isolation swaps process-wide state. A command runs
    its own event loop, so call this from a sync test or a thread (`asogopy`).
    """
    overrides: dict[str, str | None] = {key: None for key in os.environ if key not in env}
    overrides.update(env)
    with _CLI_LOCK, CliRunner().isolation(env=overrides) as (stdout, stderr, _):
        try:
            main(list(args))
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
        out, err = stdout.getvalue().decode(), stderr.getvalue().decode()
    return subprocess.CompletedProcess([SOGOPY, *args], code, out, err)


_CLI_LOCK = threading.Lock()


def sogopy_process(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run one CLI command in its own process: the installed console command, end to end."""
    return subprocess.run(
        [SOGOPY, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def asogopy(
    env: dict[str, str], *args: str, process: bool = False
) -> subprocess.CompletedProcess[str]:
    """`sogopy` without blocking the event loop that serves the emulator and the bot."""
    return await asyncio.to_thread(sogopy_process if process else sogopy, env, *args)


@pytest.fixture
def in_process_env(bot_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """`bot_env` as this process's environment, for a bot run inside the test."""
    for key, value in bot_env.items():
        monkeypatch.setenv(key, value)


@pytest.fixture
async def running_bot(in_process_env: None) -> AsyncIterator[asyncio.Task[None]]:
    """`sogopy run`'s bot inside the test's event loop, stopped cleanly afterwards."""
    stop = asyncio.Event()
    task = asyncio.create_task(serve(load_settings(), stop))
    yield task
    stop.set()
    await asyncio.wait_for(task, timeout=15)


@dataclass
class BotProcess:
    """`sogopy run` as a separate process, for kill and signal tests."""

    env: dict[str, str]
    process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(SOGOPY, "run", env=self.env)

    async def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def terminate(self, timeout: float = 10) -> int:  # noqa: ASYNC109
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), timeout)


@pytest.fixture
async def bot_process(bot_env: dict[str, str]) -> AsyncIterator[BotProcess]:
    handle = BotProcess(bot_env)
    yield handle
    if handle.process is not None and handle.process.returncode is None:
        await handle.kill()
