"""Start to first update: `sogopy run` against python-telegram-bot's echo bot.

A message waits at the emulator before the bot starts; the time counted runs from
starting the process to the bot's answer arriving at the emulator (imports, settings,
the schema check, the first getUpdates, the update handled and answered). Both bots
alternate, on the same emulator and machine, so the ratio holds on a busy machine.

    python -m bench.bot_start [--rounds 5] [--database postgresql://postgres@127.0.0.1/bench]
                              [--before DIR] [--latency MS]

With --latency, each Bot API call takes that much longer, as from a ward's server to
Telegram's. With --before, a checkout of another commit (`git archive <commit> | tar -x -C DIR`)
starts too, in the same rounds: before and after in one run.

The database (a new SQLite file, or the PostgreSQL one given) is migrated beforehand,
as a bot restarting on its own database finds it. The project's modules are compiled
beforehand too, as python-telegram-bot's were when pip installed it: where
PYTHONDONTWRITEBYTECODE is set (these machines) nothing else would, and every start of
`sogopy run` compiled some sixty modules again (about 0.08 s, profiled).
"""

import argparse
import asyncio
import compileall
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.throughput import TOKEN, _bench_database, _fresh_postgresql, _stop, free_port
from bot.emulator import BotApiEmulator

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "office", "storage", "web")


async def first_answer(
    command: list[str], env: dict[str, str], folder: str | None = None, latency: float = 0.0
) -> float:
    """Seconds from starting `command` to its answer to a message that was waiting, each
    Bot API call taking `latency` seconds more."""
    async with BotApiEmulator(TOKEN, record_calls=False) as emulator:
        emulator.latency["*"] = latency
        user = emulator.user(30_000)
        await user.send_text("xin chào")
        full = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": emulator.base_url, **env}
        started = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            *command, env={**os.environ, **full}, cwd=folder
        )
        await user.next_message(timeout=60)
        elapsed = time.perf_counter() - started
        await _stop(process)
    return elapsed


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="starts of each bot")
    parser.add_argument("--database", help="a PostgreSQL URL to run the bot on (else SQLite)")
    parser.add_argument("--before", help="a checkout of another commit, started too")
    parser.add_argument(
        "--latency", type=float, default=0.0, help="ms each Bot API call takes (Telegram's RTT)"
    )
    args = parser.parse_args()
    for folder in [ROOT, *([Path(args.before)] if args.before else [])]:
        for package in PACKAGES:
            compileall.compile_dir(folder / package, quiet=1)
    with tempfile.TemporaryDirectory() as folder:
        if args.database:
            url = await _fresh_postgresql(args.database)
        else:
            url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        await _bench_database(url)
        env = {
            "TELEGRAM_BOT_USERNAME": "bench_bot",
            "DATABASE_URL": url,
            "SOGOPY_HTTP_PORT": str(free_port()),
            "SOGOPY_LOG_LEVEL": "ERROR",
        }
        echoes, ours, before = [], [], []
        bot = [sys.executable, "-m", "bot", "run"]
        echo_bot = [sys.executable, "-m", "bench.echo_bot"]
        delay = args.latency / 1000
        for _ in range(args.rounds):
            echoes.append(await first_answer(echo_bot, {}, latency=delay))
            ours.append(await first_answer(bot, env, latency=delay))
            if args.before:
                before.append(await first_answer(bot, env, args.before, delay))
    echo, sogopy = statistics.median(echoes), statistics.median(ours)
    where = "PostgreSQL" if args.database else "SQLite"
    if args.latency:
        where += f", each Bot API call {args.latency:g} ms"
    print(f"start to first answer, median of {args.rounds} ({where}):")
    print(f"echo bot (python-telegram-bot): {echo:.2f} s (best {min(echoes):.2f})")
    if before:
        old = statistics.median(before)
        print(f"sogopy run, --before:           {old:.2f} s (best {min(before):.2f})")
    print(f"sogopy run:                     {sogopy:.2f} s (best {min(ours):.2f})")
    print(f"ratio sogopy/echo: {sogopy / echo:.1f}; load average (1 min) {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    asyncio.run(main())
