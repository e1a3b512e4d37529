"""Survey presses per second by webhook, with one and two `sogopy run` processes on one
PostgreSQL, against python-telegram-bot's own webhook echo bot (issue 14).

The emulator stands in for Telegram and for the reverse proxy both: every bot sets the
same public webhook URL, and the emulator POSTs the updates on 40 connections (what each
bot asks, as Telegram would), each POST to the next bot process's own URL
(`BotApiEmulator.webhook_spread`), as nginx spreads them. A press is bench/throughput.py's:
a citizen in the middle of a survey presses a level, the bot commits the answer, answers
the callback and edits the question; an echo is a text message and a sendMessage, by
`Application.run_webhook` (tornado). Each round runs the echo bot, then one process, then
two, so the three share the machine's moments; each run has its own emulator, and each
sogopy run a fresh database.

    python -m bench.webhook --database postgresql://postgres@127.0.0.1/whbench
                            [--people 20] [--presses 1000] [--rounds 3]

Prints each round's rates, then the best and median of the rounds and their ratios to the
echo bot, best to best and the median of each round's own (target: one process >= 0.7),
the share of a CPU the bot's processes and the emulator used while timed, the load
average, and the 429s and failed deliveries the emulator saw (both should be 0).
"""

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial

import aiohttp

from bench.throughput import (
    QUESTIONS,
    TOKEN,
    _bench_database,
    _cpu,
    _fresh_postgresql,
    _limited,
    _stop,
    answer_survey,
    free_port,
    open_survey,
    talk,
)
from bot.emulator import BotApiEmulator, EmuMessage

PUBLIC_URL = "https://bench.invalid/telegram/webhook"  # what the bots set; never called
SECRET = "bench-webhook_s3cret"
Process = asyncio.subprocess.Process


@dataclass
class Run:
    """One timed run of one bot (one or more processes)."""

    rate: float  # updates handled per second
    cpu: float  # seconds on a CPU per second, the bot's processes together
    emulator_cpu: float  # the same for this process: the emulator and the people
    throttled: int  # 429s the emulator answered
    failed: int  # webhook POSTs not answered 2xx
    calls: Counter[str]  # Bot API calls, by method


async def _ready(emulator: BotApiEmulator, processes: list[Process], health: list[str]) -> None:
    """Wait until the webhook is set and each of the `health` URLs answers 200."""
    async with aiohttp.ClientSession() as http:
        for _ in range(1200):
            if any(process.returncode is not None for process in processes):
                raise RuntimeError("a bot process exited at start")
            if emulator.webhook is not None and all([await _up(http, url) for url in health]):
                return
            await asyncio.sleep(0.05)
    raise RuntimeError("the bot set no webhook or did not answer /health within 60 s")


async def _up(http: aiohttp.ClientSession, url: str) -> bool:
    try:
        async with http.get(url) as answer:
            return answer.status == 200
    except aiohttp.ClientError:
        return False


async def _timed(
    emulator: BotApiEmulator, processes: list[Process], count: int, work: Awaitable[None]
) -> Run:
    """Run `work` (`count` updates), with the bot's CPU and the emulator's counters."""
    emulator.reset_counters()
    failed = emulator.webhook_failures
    cpu = sum(_cpu(process.pid) for process in processes)
    started, own = time.perf_counter(), time.process_time()
    await work
    elapsed, own = time.perf_counter() - started, time.process_time() - own
    busy = sum(_cpu(process.pid) for process in processes) - cpu
    await emulator.wait_idle()  # the last presses' answers, which Telegram performs after
    # the webhook's 200, are counted too
    return Run(
        rate=count / elapsed,
        cpu=busy / elapsed,
        emulator_cpu=own / elapsed,
        throttled=emulator.throttled,
        failed=emulator.webhook_failures - failed,
        calls=Counter(emulator.method_counts),
    )


async def echo_rate(people: int, messages: int) -> Run:
    """Updates per second of PTB's echo example by `run_webhook`, default settings."""
    async with BotApiEmulator(TOKEN, record_calls=False) as emulator:
        port = free_port()
        emulator.webhook_spread = [f"http://127.0.0.1:{port}/telegram/webhook"]
        env = {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": emulator.base_url,
            "ECHO_WEBHOOK_PORT": str(port),
            "ECHO_WEBHOOK_URL": PUBLIC_URL,
            "ECHO_WEBHOOK_SECRET": SECRET,
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.echo_bot", env={**os.environ, **env}
        )
        try:
            await _ready(emulator, [process], [])
            users = [emulator.user(10_000 + i) for i in range(people)]
            # untimed: PTB sets its webhook before listening, so the first POSTs may fail
            await _limited(people, [partial(talk, user, 1) for user in users])
            per_user = messages // people
            work = _limited(people, [partial(talk, user, per_user) for user in users])
            return await _timed(emulator, [process], per_user * people, work)
        finally:
            await _stop(process)


async def press_rate(people: int, presses: int, database: str, processes: int) -> Run:
    """Survey presses per second through `processes` `sogopy run` on one new database."""
    citizens = presses // QUESTIONS
    url = await _fresh_postgresql(database)
    await _bench_database(url)
    async with BotApiEmulator(TOKEN, record_calls=False) as emulator:
        ports = [free_port() for _ in range(processes)]
        emulator.webhook_spread = [f"http://127.0.0.1:{port}/telegram/webhook" for port in ports]
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BOT_USERNAME": "bench_bot",
            "TELEGRAM_API_BASE_URL": emulator.base_url,
            "TELEGRAM_WEBHOOK_URL": PUBLIC_URL,
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "DATABASE_URL": url,
            "SOGOPY_LOG_LEVEL": "ERROR",
            "SOGOPY_SEND_RATE": "1000",  # no limits at this emulator, as for the echo bot
        }
        bots = [
            await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", env={**env, "SOGOPY_HTTP_PORT": str(port)}
            )
            for port in ports
        ]
        try:
            await _ready(emulator, bots, [f"http://127.0.0.1:{port}/health" for port in ports])
            users = [emulator.user(20_000 + i) for i in range(citizens)]
            surveys: dict[int, EmuMessage] = {}
            await _limited(people, [partial(open_survey, user, surveys) for user in users])
            work = _limited(people, [partial(answer_survey, u, surveys[u.id]) for u in users])
            return await _timed(emulator, bots, citizens * QUESTIONS, work)
        finally:
            for bot in bots:
                await _stop(bot)


def _line(name: str, runs: list[Run], echo: list[Run]) -> str:
    """Best and median rate; ratios to the echo bot: best to best, and the median of each
    round's own (the fairer one when the machine's load drifts between rounds)."""
    best, median = max(r.rate for r in runs), statistics.median(r.rate for r in runs)
    in_round = statistics.median(r.rate / e.rate for r, e in zip(runs, echo, strict=True))
    cpu, emulator = (
        statistics.median(r.cpu for r in runs),
        statistics.median(r.emulator_cpu for r in runs),
    )
    return (
        f"{name:<28} {best:7.1f} {median:7.1f}   {best / max(e.rate for e in echo):5.2f} "
        f"{in_round:6.2f}   {cpu:6.0%} {emulator:6.0%}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--database", required=True, help="a PostgreSQL URL, dropped and made")
    parser.add_argument("--people", type=int, default=20, help="people acting at once")
    parser.add_argument("--presses", type=int, default=1000, help="survey presses to time")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each, alternating")
    args = parser.parse_args()

    bench: dict[str, Callable[[], Awaitable[Run]]] = {
        "echo bot (PTB run_webhook)": partial(echo_rate, args.people, args.presses),
        "sogopy, 1 process": partial(press_rate, args.people, args.presses, args.database, 1),
        "sogopy, 2 processes": partial(press_rate, args.people, args.presses, args.database, 2),
    }
    runs: dict[str, list[Run]] = {name: [] for name in bench}
    loads = [os.getloadavg()[0]]
    for number in range(1, args.rounds + 1):
        for name, measure in bench.items():
            runs[name].append(await measure())
        loads.append(os.getloadavg()[0])
        echo = next(iter(runs.values()))[-1].rate
        rates = ", ".join(
            f"{name} {one[-1].rate:.1f} ({one[-1].rate / echo:.2f})" for name, one in runs.items()
        )
        print(f"round {number}: {rates}; load {loads[-1]:.1f}", flush=True)

    done = args.presses // QUESTIONS * QUESTIONS
    print(
        f"\npeople acting at once: {args.people}; {done} presses or "
        f"{args.presses // args.people * args.people} echoes, {args.rounds} rounds, PostgreSQL"
    )
    print(
        f"{'updates/s':<28} {'best':>7} {'median':>7}   ratio: best, in round"
        "   on a CPU: bot, emulator"
    )
    echoes = next(iter(runs.values()))
    for name, one in runs.items():
        print(_line(name, one, echoes))
    single = runs["sogopy, 1 process"]
    best = max(r.rate for r in single) / max(r.rate for r in echoes)
    in_round = statistics.median(r.rate / e.rate for r, e in zip(single, echoes, strict=True))
    verdict = "met" if min(best, in_round) >= 0.7 else "not met"
    print(f"target, one process >= 0.70 x the echo bot: {best:.2f} / {in_round:.2f}, {verdict}")
    each = ", ".join(f"{load:.1f}" for load in loads)
    print(f"load average (1 min), at the start and after each round: {each}")
    every = [run for one in runs.values() for run in one]
    throttled, failed = sum(r.throttled for r in every), sum(r.failed for r in every)
    print(f"429s answered: {throttled}; webhook POSTs not answered 2xx while timed: {failed}")
    calls = runs["sogopy, 1 process"][-1].calls
    print("Bot API calls per press: " + ", ".join(f"{m} {n / done:.2f}" for m, n in calls.items()))


if __name__ == "__main__":
    asyncio.run(main())
