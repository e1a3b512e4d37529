"""One chat flooding, and replies sharing the limit with a broadcast, under Telegram's limits.

The emulator enforces Telegram-like limits (30 messages/s overall, 1/s per chat with a
burst of 3, 429 with retry_after beyond them) and `sogopy run` (its own process) runs
against it:

- flood: one citizen sends `--flood` messages at once, then five others write, one every
  half second; the longest any of them waits for an answer, and the 429s;
- share: citizens press survey buttons (`--press-rate` presses/s) while a broadcast runs
  at `SOGOPY_SEND_RATE=30`; press latency (press to the edited question) p50/p95/p99,
  the broadcast's rate while they press as a share of the limit, and the 429s.

    python -m bench.flood [--before DIR] [--flood 150] [--press-rate 10]

With `--before DIR` (a copy of an older commit, e.g. `git archive main | tar -x -C DIR`)
the same runs are made first with that code, so one run prints before and after.
"""

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

from bench.throughput import LEVELS, QUESTIONS
from bot.emulator import BotApiEmulator, EmuMessage, EmuUser
from storage.db import create_engine, session_maker, upgrade
from storage.models import Person, Ward

TOKEN = "424242:BENCH-TOKEN"
LIMIT = 30  # messages per second overall, as Telegram
OTHERS = 5
RECIPIENTS = 100_000  # chat ids of the broadcast's audience start here
INVITE_WORDS = "khảo sát"


def limited_emulator() -> BotApiEmulator:
    return BotApiEmulator(
        TOKEN,
        "bench_bot",
        global_rate=LIMIT,
        per_chat_interval=1.0,
        per_chat_burst=3,
        record_calls=False,
    )


async def _database(url: str, recipients: int) -> None:
    """A ward, and `recipients` opted-in citizens of it."""
    await upgrade(url)
    engine = create_engine(url)
    try:
        async with session_maker(engine)() as session:
            ward = Ward(code="BENCH", name="Phường Thử")
            session.add(ward)
            await session.flush()
            now = datetime.now(UTC)
            rows = [
                {
                    "platform": "telegram", "chat_id": str(RECIPIENTS + i), "language": "vi",
                    "role": "citizen", "ward_id": ward.id, "dialog": "idle",
                    "last_message_id": 0, "optin": True, "optin_at": now, "created_at": now,
                }
                for i in range(recipients)
            ]  # fmt: skip
            if rows:
                await session.exec(insert(Person), params=rows)  # type: ignore[call-overload]
            await session.commit()
    finally:
        await engine.dispose()


class Bot:
    """`sogopy run` from this tree, or from the `before` folder, as its own process."""

    def __init__(self, emulator: BotApiEmulator, url: str, before: Path | None) -> None:
        self.env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BOT_USERNAME": "bench_bot",
            "TELEGRAM_API_BASE_URL": emulator.base_url,
            "DATABASE_URL": url,
            "SOGOPY_SEND_RATE": str(LIMIT),
            "SOGOPY_QUIET_HOURS": "",
            "SOGOPY_LOG_LEVEL": "ERROR",
        }
        if before is not None:
            self.env["PYTHONPATH"] = str(before)
        self.cwd = str(before) if before is not None else None
        self.process: asyncio.subprocess.Process | None = None

    async def command(self, *args: str) -> str:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", *args, env=self.env, cwd=self.cwd,
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, _ = await process.communicate()
        return out.decode()

    async def start(self, emulator: BotApiEmulator) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=self.env, cwd=self.cwd
        )
        await emulator.wait_polling(timeout=60)

    async def stop(self) -> float:
        """SIGTERM; the seconds it took to exit (killed after 60)."""
        assert self.process is not None
        started = time.monotonic()
        self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), 60)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
        return time.monotonic() - started


async def flood(before: Path | None, count: int, folder: Path) -> None:
    """One citizen floods; how long the others wait for their answers."""
    url = f"sqlite+aiosqlite:///{folder}/flood-{'before' if before else 'after'}.db"
    await _database(url, 0)
    async with limited_emulator() as emulator:
        bot = Bot(emulator, url, before)
        await bot.start(emulator)
        flooder = emulator.user(1)
        started = time.monotonic()
        for n in range(count):
            await flooder.send_text(f"tin nhắn số {n}")
        waits: list[float] = []

        async def other(index: int) -> None:
            await asyncio.sleep(0.5 * index)
            user = emulator.user(100 + index)
            sent = time.monotonic()
            await user.send_text("/help")
            await user.next_message(timeout=600)
            waits.append(time.monotonic() - sent)

        await asyncio.gather(*(other(i) for i in range(OTHERS)))
        answered = time.monotonic() - started
        await emulator.wait_idle(timeout=900, quiet=2)
        backlog = time.monotonic() - started
        stopped = await bot.stop()
        print(
            f"  flood of {count}: others' longest wait {max(waits):6.1f} s "
            f"(median {statistics.median(waits):.1f}; all answered {answered:.1f} s after the "
            f"flood began); the flood handled in {backlog:.1f} s with "
            f"{len(flooder.messages)} replies to it; 429 answers: {emulator.throttled}; "
            f"SIGTERM exit {stopped:.1f} s"
        )


async def share(before: Path | None, press_rate: float, folder: Path) -> None:
    """Presses during a broadcast: their latency, and the broadcast's share of the limit."""
    citizens = int(press_rate * 60 / QUESTIONS)  # half a minute of presses alone, half not
    recipients = LIMIT * 60
    url = f"sqlite+aiosqlite:///{folder}/share-{'before' if before else 'after'}.db"
    await _database(url, recipients)
    async with limited_emulator() as emulator:
        for i in range(recipients):
            emulator.user(RECIPIENTS + i).started = True
        invitations: list[float] = []
        replies: list[float] = []
        broadcasting = asyncio.Event()

        def seen(kind: str, message: EmuMessage) -> None:
            if message.chat_id >= RECIPIENTS:
                invitations.append(time.monotonic())
                broadcasting.set()
            else:
                replies.append(time.monotonic())

        emulator.on_bot_action(seen)
        bot = Bot(emulator, url, before)
        await bot.start(emulator)
        users = [emulator.user(20_000 + i) for i in range(citizens)]
        surveys: dict[int, EmuMessage] = {}
        for start in range(0, citizens, 10):
            batch = users[start : start + 10]
            for user in batch:
                await user.send_text("/start d_BENCH")
            for user in batch:
                surveys[user.id] = await user.wait_for(lambda m: "Câu 1/" in m.text, timeout=120)

        async def answer(user: EmuUser, delay: float, latencies: list[float]) -> None:
            await asyncio.sleep(delay)
            survey = surveys[user.id]
            for number in range(1, QUESTIONS + 1):
                pressed = time.monotonic()
                await user.press(survey, LEVELS[(user.id + number) % 5])
                await user.wait_for(
                    lambda m, n=number: (
                        m.message_id == survey.message_id and f"Câu {n} — " in m.text
                    ),
                    timeout=120,
                )
                latencies.append(time.monotonic() - pressed)
                await asyncio.sleep(max(0.0, pressed + 1.0 - time.monotonic()))  # one a second

        async def presses(group: list[EmuUser]) -> tuple[list[float], float, float]:
            """The group's presses, press_rate a second; their latencies, start and end."""
            latencies: list[float] = []
            started = time.monotonic()
            spacing = QUESTIONS / press_rate  # a citizen starts every `spacing` s
            await asyncio.gather(*(answer(u, i * spacing, latencies) for i, u in enumerate(group)))
            return latencies, started, time.monotonic()

        alone, _, _ = await presses(users[: citizens // 2])
        await bot.command("broadcast", "create", "--survey", "sipas")
        await broadcasting.wait()
        emulator.reset_counters()
        latencies, window_start, window_end = await presses(users[citizens // 2 :])
        during = sum(window_start <= t <= window_end for t in invitations)
        replied = sum(window_start <= t <= window_end for t in replies)
        seconds = window_end - window_start
        await bot.stop()
        print(
            f"  {len(alone)} presses at {press_rate:g}/s alone: {_quantiles(alone)}\n"
            f"  {len(latencies)} presses at {len(latencies) / seconds:.1f}/s during a broadcast: "
            f"{_quantiles(latencies)}; broadcast {during / seconds:.1f}/s = "
            f"{during / seconds / LIMIT:.2f} × the limit (replies {replied / seconds:.1f}/s; "
            f"together {(during + replied) / seconds / LIMIT:.2f} ×); "
            f"429 answers: {emulator.throttled}"
        )


def _quantiles(latencies: list[float]) -> str:
    cuts = statistics.quantiles(latencies, n=100)
    return (
        f"latency p50 {statistics.median(latencies) * 1000:.0f} ms, "
        f"p95 {cuts[94] * 1000:.0f} ms, p99 {cuts[98] * 1000:.0f} ms"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--before", type=Path, help="a folder with the older code to compare")
    parser.add_argument("--flood", type=int, default=150, help="messages the flooder sends")
    parser.add_argument("--press-rate", type=float, default=10, help="presses per second")
    parser.add_argument("--only", choices=["flood", "share"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for label, code in (("before", args.before), ("after", None)):
            if label == "before" and code is None:
                continue
            print(f"{label}: {code or 'this tree'}")
            if args.only in (None, "flood"):
                await flood(code, args.flood, Path(tmp))
            if args.only in (None, "share"):
                await share(code, args.press_rate, Path(tmp))


if __name__ == "__main__":
    asyncio.run(main())
