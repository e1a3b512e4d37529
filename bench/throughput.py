"""Survey presses per second, against a bare python-telegram-bot echo bot on the same emulator.

Each bot runs as its own process (as in production, where the Bot API is another
machine), talking HTTP to the project's Bot API emulator, which runs here with the
simulated people; the same number of people act at once in both runs. A press is the
full path: the update is fetched, the answer committed to SQLite, the callback
answered and the question message edited. An echo is one update and one sendMessage.

    python -m bench.throughput [--people 20] [--presses 1000] [--rounds 3] [--profile FILE]
                               [--database postgresql://postgres@127.0.0.1/bench]

With --database (a PostgreSQL URL), the bot runs on that database, dropped and created
anew each round, instead of a new SQLite file.

Prints both rates (best of the rounds), their ratio (target >= 0.7), and the Bot API
calls per press. With --profile, the bot process runs under cProfile into FILE.
"""

import argparse
import asyncio
import os
import socket
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path

from sqlalchemy import make_url, text

from bot.emulator import BotApiEmulator, EmuMessage, EmuUser
from storage.db import create_engine, normalize_url, session_maker, upgrade
from storage.models import Ward

TOKEN = "424242:BENCH-TOKEN"
QUESTIONS = 3  # a walk-in is asked access, procedure, officer (result, feedback: cases)
LEVELS = ["Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng", "Rất hài lòng"]
Job = Callable[[], Awaitable[None]]


async def _limited(people: int, jobs: list[Job]) -> None:
    """Run the jobs with at most `people` acting at the same time."""
    gate = asyncio.Semaphore(people)

    async def one(job: Job) -> None:
        async with gate:
            await job()

    await asyncio.gather(*(one(job) for job in jobs))


async def _start(
    emulator: BotApiEmulator, args: list[str], env: dict[str, str]
) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(*args, env={**os.environ, **env})
    await emulator.wait_polling(timeout=60)
    return process


def free_port() -> int:
    """A port for the bot's HTTP app, which runs as in production (idle here)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _cpu(pid: int) -> float:
    """Seconds of CPU a running process has used (Linux's /proc), to tell a bot that
    computes from one that waits on round trips."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _stop(process: asyncio.subprocess.Process) -> None:
    process.terminate()
    await asyncio.wait_for(process.wait(), 30)


async def talk(user: EmuUser, messages: int) -> None:
    """Send texts one after the other, each when the echo of the one before has come."""
    for n in range(messages):
        await user.send_text(f"tin nhắn {n}")
        await user.next_message(timeout=60)


async def open_survey(user: EmuUser, surveys: dict[int, EmuMessage]) -> None:
    """The citizen opens the desk's survey; its message, to press on, goes to `surveys`."""
    await user.send_text("/start d_BENCH")
    await user.next_message(timeout=60)
    surveys[user.id] = await user.next_message(timeout=60)


async def answer_survey(user: EmuUser, survey: EmuMessage) -> None:
    """Press a level for each question, each once the bot has shown the one before."""
    for number in range(1, QUESTIONS + 1):
        await user.press(survey, LEVELS[(user.id + number) % 5])
        await user.wait_for(
            lambda m, n=number: m.message_id == survey.message_id and f"Câu {n} — " in m.text,
            timeout=60,
        )


async def echo_rate(people: int, messages: int) -> float:
    """Updates per second of PTB's echo example (default Application) on the emulator."""
    async with BotApiEmulator(TOKEN, record_calls=False) as emulator:
        env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": emulator.base_url}
        process = await _start(emulator, [sys.executable, "-m", "bench.echo_bot"], env)
        per_user = messages // people
        users = [emulator.user(10_000 + i) for i in range(people)]
        started = time.perf_counter()
        await _limited(people, [partial(talk, user, per_user) for user in users])
        elapsed = time.perf_counter() - started
        await _stop(process)
    return per_user * people / elapsed


async def _fresh_postgresql(url: str) -> str:
    """The bench's PostgreSQL database, dropped and created empty."""
    target = make_url(normalize_url(url))
    engine = create_engine(
        target.set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    async with engine.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}"'))
        await connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    await engine.dispose()
    return target.render_as_string(hide_password=False)


async def _bench_database(url: str) -> None:
    await upgrade(url)
    engine = create_engine(url)
    async with session_maker(engine)() as session:
        session.add(Ward(code="BENCH", name="Phường Thử Nghiệm"))
        await session.commit()
    await engine.dispose()


async def press_rate(
    people: int, presses: int, profile: str | None, database: str | None = None
) -> tuple[float, float, Counter[str]]:
    """Survey presses per second through `sogopy run`; also the share of that time the bot
    process was on a CPU, and the Bot API calls the presses made."""
    citizens = presses // QUESTIONS
    with tempfile.TemporaryDirectory() as folder:
        if database:
            url = await _fresh_postgresql(database)
        else:
            url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        await _bench_database(url)
        async with BotApiEmulator(TOKEN) as emulator:
            env = {
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_BOT_USERNAME": "bench_bot",
                "TELEGRAM_API_BASE_URL": emulator.base_url,
                "DATABASE_URL": url,
                "SOGOPY_HTTP_PORT": str(free_port()),
                "SOGOPY_LOG_LEVEL": "ERROR",
                # this emulator has no limits, like the echo bot's: the bot need not keep
                # within Telegram's (its budget is every message, presses' edits too)
                "SOGOPY_SEND_RATE": "1000",
            }
            command = (
                [os.environ["BENCH_BOT"]]
                if os.environ.get("BENCH_BOT")
                else [sys.executable, "-m", "bot", "run"]
            )
            if profile:
                command = [sys.executable, "-m", "cProfile", "-o", profile, "-m", "bot", "run"]
            process = await _start(emulator, command, env)
            users = [emulator.user(20_000 + i) for i in range(citizens)]
            surveys: dict[int, EmuMessage] = {}
            await _limited(people, [partial(open_survey, user, surveys) for user in users])
            emulator.reset_counters()
            started, cpu = time.perf_counter(), _cpu(process.pid)
            await _limited(people, [partial(answer_survey, u, surveys[u.id]) for u in users])
            elapsed = time.perf_counter() - started
            busy = (_cpu(process.pid) - cpu) / elapsed
            calls = Counter(emulator.method_counts)
            await _stop(process)
    return citizens * QUESTIONS / elapsed, busy, calls


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--people", type=int, default=20, help="people acting at once")
    parser.add_argument("--presses", type=int, default=1000, help="survey presses to time")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each; the best counts")
    parser.add_argument("--profile", help="write a cProfile of the bot process to this file")
    parser.add_argument("--database", help="a PostgreSQL URL to run the bot on (else SQLite)")
    args = parser.parse_args()

    echoes, presses, busy, calls = [], [], [], Counter[str]()
    for _ in range(args.rounds):
        echoes.append(await echo_rate(args.people, args.presses))
        rate, share, calls = await press_rate(
            args.people, args.presses, args.profile, args.database
        )
        presses.append(rate)
        busy.append(share)
    done = args.presses // QUESTIONS * QUESTIONS
    echo, press = max(echoes), max(presses)
    where = "PostgreSQL" if args.database else "SQLite"
    print(f"people acting at once: {args.people}; {done} presses, {args.rounds} rounds, {where}")
    echo_median, press_median = statistics.median(echoes), statistics.median(presses)
    print(f"echo bot (python-telegram-bot): {echo:7.1f} updates/s (median {echo_median:.1f})")
    print(f"sogopy survey presses:          {press:7.1f} presses/s (median {press_median:.1f})")
    print(f"ratio presses/echo: {press / echo:.2f} (target >= 0.70)")
    print(f"bot process on a CPU while pressed: {statistics.median(busy):.0%} (median)")
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f}")
    per_press = ", ".join(f"{m} {n / done:.2f}" for m, n in sorted(calls.items()))
    print(f"Bot API calls per press: {per_press}")


if __name__ == "__main__":
    asyncio.run(main())
