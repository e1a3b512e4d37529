"""API requests per second (`POST /api/v1/cases` and `…/done`) against `GET /health`.

`sogopy run` runs as its own process against the Bot API emulator, its HTTP app on a
free port of 127.0.0.1, on a SQLite database; clients here (aiohttp) send real HTTP,
`--clients` at once. In each round the same server answers `/health` (a `SELECT 1`)
and then the API: a new case registered, then marked done (each a key check, a
transaction and its commit made durable), two requests per case. Rounds alternate the
two, so a busy machine slows both alike.

    python -m bench.api [--clients 20] [--requests 2000] [--rounds 3]

Prints both rates (best of the rounds) and their ratio (target >= 0.5).
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp

from bench.throughput import TOKEN, _bench_database, _limited, _start, _stop, free_port
from bot.emulator import BotApiEmulator
from office.keys import create_key
from storage.db import create_engine, session_maker

Job = Callable[[], Awaitable[None]]


async def _key(url: str) -> str:
    engine = create_engine(url)
    async with session_maker(engine)() as session:
        _, key = await create_key(session, ward="BENCH", name="bench")
    await engine.dispose()
    return key


async def _ready(http: aiohttp.ClientSession, base: str) -> None:
    for _ in range(600):
        try:
            async with http.get(f"{base}/health") as answer:
                if answer.status == 200:
                    return
        except aiohttp.ClientConnectionError:
            pass
        await asyncio.sleep(0.1)
    raise SystemExit("the bot's HTTP app did not come up")


async def _rate(clients: int, jobs: list[Job], requests: int) -> float:
    started = time.perf_counter()
    await _limited(clients, jobs)
    return requests / (time.perf_counter() - started)


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clients", type=int, default=20, help="requests in flight at once")
    parser.add_argument("--requests", type=int, default=2000, help="requests per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; the best counts")
    parser.add_argument("--profile", help="write a cProfile of the bot process to this file")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        await _bench_database(url)
        headers = {"Authorization": f"Bearer {await _key(url)}"}
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        async with BotApiEmulator(TOKEN, record_calls=False) as emulator:
            env = {
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_BOT_USERNAME": "bench_bot",
                "TELEGRAM_API_BASE_URL": emulator.base_url,
                "DATABASE_URL": url,
                "SOGOPY_HTTP_PORT": str(port),
                "SOGOPY_LOG_LEVEL": "ERROR",
            }
            command = [sys.executable, "-m", "bot", "run"]
            if args.profile:
                command = [sys.executable, "-m", "cProfile", "-o", args.profile, "-m", "bot", "run"]
            process = await _start(emulator, command, env)
            connector = aiohttp.TCPConnector(limit=args.clients)
            async with aiohttp.ClientSession(connector=connector) as http:
                await _ready(http, base)
                serial = iter(range(10**9))

                async def health() -> None:
                    async with http.get(f"{base}/health") as answer:
                        assert answer.status == 200, await answer.text()
                        await answer.read()

                async def case() -> None:
                    body = {"ward": "BENCH", "code": f"HS-{next(serial)}", "procedure": "Khai sinh"}
                    async with http.post(f"{base}/api/v1/cases", json=body, headers=headers) as a:
                        assert a.status == 201, await a.text()
                        await a.read()
                    done = f"{base}/api/v1/cases/{body['code']}/done"
                    async with http.post(done, headers=headers) as answer:
                        assert answer.status == 200, await answer.text()
                        await answer.read()

                await _rate(args.clients, [health] * 200 + [case] * 100, 400)  # warm up
                healths, apis = [], []
                for _ in range(args.rounds):
                    healths.append(
                        await _rate(args.clients, [health] * args.requests, args.requests)
                    )
                    cases = args.requests // 2
                    apis.append(await _rate(args.clients, [case] * cases, cases * 2))
            await _stop(process)
    best_health, best_api = max(healths), max(apis)
    print(f"clients at once: {args.clients}; {args.requests} requests, {args.rounds} rounds")
    health_median, api_median = statistics.median(healths), statistics.median(apis)
    print(f"GET /health:         {best_health:7.1f} requests/s (median {health_median:.1f})")
    print(f"POST /cases + /done: {best_api:7.1f} requests/s (median {api_median:.1f})")
    print(f"ratio API/health: {best_api / best_health:.2f} (target >= 0.50)")


if __name__ == "__main__":
    asyncio.run(main())
