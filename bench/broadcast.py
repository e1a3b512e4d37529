"""Broadcast delivery against the emulator's flood limits, and the sender's memory.

The emulator enforces an overall limit and one message per second per chat, and
answers 429 with retry_after beyond them. `sogopy run` (the real bot, its own
process) sends a broadcast created in its database; python-telegram-bot's
AIORateLimiter sends the same number of messages to other chats in the same run, as
the baseline. The achieved rate is measured at the emulator, from the first to the
last message received.

    python -m bench.broadcast [--big 100000] [--skip-big]

Targets: ≥ 0.97 × 30/s with 600 recipients, ≥ 0.95 × 300/s with 3,000, no 429;
peak RSS of the sender ≤ 200 MB for 100,000 recipients (emulator without limits).
"""

import argparse
import asyncio
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

from bench.throughput import free_port
from bot.emulator import BotApiEmulator, EmuMessage
from handlers.context import stored_version
from handlers.survey_library import scan_library
from storage.broadcasts import schedule
from storage.db import create_engine, session_maker, upgrade
from storage.models import Broadcast, BroadcastStatus, Person, Ward

TOKEN = "424242:BENCH-TOKEN"
OURS, BASELINE = 1_000_000, 5_000_000  # chat id ranges: each sender has its own people


class Arrivals:
    """Times at which the emulator received each new message, per range of chats."""

    def __init__(self, emulator: BotApiEmulator) -> None:
        self.times: dict[int, list[float]] = {OURS: [], BASELINE: []}
        emulator.on_bot_action(self._seen)

    def _seen(self, kind: str, message: EmuMessage) -> None:
        if kind == "send":
            group = BASELINE if message.chat_id >= BASELINE else OURS
            self.times[group].append(time.monotonic())

    def rate(self, group: int) -> float:
        times = self.times[group]
        return (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0


async def _prepare(database_url: str, count: int) -> int:
    """A ward, `count` opted-in citizens, and a broadcast to all of them; its id."""
    await upgrade(database_url)
    engine = create_engine(database_url)
    try:
        async with session_maker(engine)() as session:
            ward = Ward(code="BENCH", name="Phường Thử")
            session.add(ward)
            await session.flush()
            now = datetime.now(UTC)
            rows = [
                {
                    "platform": "telegram",
                    "chat_id": str(OURS + i),
                    "language": "vi",
                    "role": "citizen",
                    "ward_id": ward.id,
                    "dialog": "idle",
                    "last_message_id": 0,
                    "optin": True,
                    "optin_at": now,
                    "created_at": now,
                }
                for i in range(count)
            ]
            for start in range(0, count, 10_000):
                await session.exec(insert(Person), params=rows[start : start + 10_000])  # type: ignore[call-overload]
            library, _ = scan_library()
            version = await stored_version(session, "sipas", library["sipas"])
            broadcast = Broadcast(
                survey_key="sipas", survey_version_id=version.id, created_by="cli"
            )
            session.add(broadcast)
            await session.flush()
            await schedule(session, broadcast, now)
            await session.commit()
            assert broadcast.id is not None
            return broadcast.id
    finally:
        await engine.dispose()


async def _status(database_url: str, broadcast_id: int) -> str:
    engine = create_engine(database_url)
    try:
        async with session_maker(engine)() as session:
            broadcast = await session.get(Broadcast, broadcast_id)
            assert broadcast is not None
            return broadcast.status
    finally:
        await engine.dispose()


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _ours(emulator: BotApiEmulator, folder: Path, count: int, rate: float) -> float:
    """Run `sogopy run` until the broadcast is done; the sender's peak RSS in MB."""
    database_url = f"sqlite+aiosqlite:///{folder}/bench-{count}-{rate:g}.db"
    broadcast_id = await _prepare(database_url, count)
    for i in range(count):
        emulator.user(OURS + i).started = True
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BOT_USERNAME": "bench_bot",
        "TELEGRAM_API_BASE_URL": emulator.base_url,
        "DATABASE_URL": database_url,
        "SOGOPY_SEND_RATE": f"{rate:g}",
        "SOGOPY_QUIET_HOURS": "",
        "SOGOPY_LOG_LEVEL": "WARNING",
        "SOGOPY_HTTP_PORT": str(free_port()),
    }
    sogopy = str(Path(sys.executable).parent / "sogopy")
    process = await asyncio.create_subprocess_exec(sogopy, "run", env=env)
    try:
        while await _status(database_url, broadcast_id) != BroadcastStatus.DONE:
            assert process.returncode is None, "the bot stopped"
            await asyncio.sleep(0.2)
        return _peak_rss_mb(process.pid)
    finally:
        process.terminate()
        await process.wait()


async def _baseline(emulator: BotApiEmulator, count: int, rate: float) -> None:
    for i in range(count):
        emulator.user(BASELINE + i).started = True
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.ptb_broadcast", emulator.base_url, TOKEN,
        f"{rate:g}", str(BASELINE), str(count),
    )  # fmt: skip
    await process.wait()


async def limited_run(count: int, rate: float, folder: Path) -> None:
    """Both senders against an emulator limited to `rate` overall and 1/s per chat."""
    print(f"\n{count} recipients, emulator limit {rate:g}/s overall and 1/s per chat")
    for name, group in (("sogopy", OURS), ("PTB AIORateLimiter", BASELINE)):
        async with BotApiEmulator(
            TOKEN, "bench_bot", global_rate=rate, per_chat_interval=1.0, record_calls=False
        ) as emulator:
            arrivals = Arrivals(emulator)
            if group == OURS:
                await _ours(emulator, folder, count, rate)
            else:
                await _baseline(emulator, count, rate)
            achieved = arrivals.rate(group)
            print(
                f"  {name:<20} {len(arrivals.times[group]):>6} messages  "
                f"{achieved:7.2f}/s = {achieved / rate:.3f} × limit  "
                f"429 answers: {emulator.throttled}"
            )


async def big_run(count: int, folder: Path) -> None:
    print(f"\n{count} recipients, emulator without limits, SOGOPY_SEND_RATE=1000")
    async with BotApiEmulator(TOKEN, "bench_bot", record_calls=False, history_limit=1) as emu:
        arrivals = Arrivals(emu)
        peak = await _ours(emu, folder, count, 1000)
        print(
            f"  sogopy: {len(arrivals.times[OURS])} messages at {arrivals.rate(OURS):.0f}/s; "
            f"peak RSS of the sender {peak:.0f} MB (target ≤ 200)"
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument("--skip-big", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        await limited_run(600, 30, folder)
        await limited_run(3000, 300, folder)
        if not args.skip_big:
            await big_run(args.big, folder)


if __name__ == "__main__":
    asyncio.run(main())
