"""The console's heavy pages: a book of 10,000 pages and figures over 1,000,000 answers.

A ward ("BENCH") gets two years of a busy desk, written in bulk (sqlite3's executemany,
or PostgreSQL's COPY): cases over thirty procedures and six desks, their surveys (five
SIPAS answers a case, three a walk-in at a desk's QR code, five a broadcast), a share of
«Chưa có ý kiến», and 10,000 book pages in every status, a share signed, with photos
and cases. A leader account is made by the office layer (a password, as `sogopy user
add` and its link do) and an API key as `sogopy apikey create` does.

`sogopy run` then serves its HTTP app as in production (its own process, the Bot API
emulator as its Telegram); the leader logs in through the login form, and each URL is
asked in turn, one request at a time, over a local HTTP connection: the time is the
server's, from the request sent to the last byte of the answer. `/health` (a `SELECT
1`) is asked in the same rounds as the pages, so a busy machine weighs on all alike.

  - the book: newest first, one status (unread, overdue), words without diacritics
    ("den duong"), the screen after page 5,000;
  - the figures page, `/console/ward/BENCH/figures?unit=month&year=…&month=…` (the last
    whole month: its tables, the month before beside, and the year by month), and its
    office call (`figures_page`) in this process; beside them `/api/v1/figures` for that
    month by element, procedure, desk and month (each with the month before); then, the
    server stopped, that office call as on the month's last day, its month not counted.

The months that have ended are counted first (`storage.answer_months.roll_up`), as the
running bot's job does on its first run.

    python -m bench.console [--database postgresql://…/own_db] [--answers 1000000]
                            [--pages 10000] [--requests 40] [--keep FILE.db]

Prints p50 and p95 of each (target: p95 < 300 ms) beside `/health`'s, and the load
average. A PostgreSQL database must be one of its own: its public schema is dropped.
"""

import argparse
import asyncio
import bisect
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import col

from bench.api import _ready
from bench.report import (
    CUTS,
    ELEMENT_EFFECT,
    PROCEDURES,
    Row,
    Tables,
    _working_moment,
    load_postgres,
    load_sqlite,
)
from bench.throughput import TOKEN, _start, _stop, free_port
from bot.emulator import BotApiEmulator
from handlers.survey_library import scan_library
from office.console_figures import Period, figures_page
from office.errors import Conflict
from office.keys import create_key
from office.webusers import add_user, set_password
from storage.answer_months import roll_up
from storage.db import create_engine, gather_statistics, normalize_url, session_maker
from storage.models import AnswerMonth, RollUp
from storage.report import ELEMENT_ORDER
from storage.text import fold

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
WARD = "BENCH"
MONTHS = 23  # within SOGOPY_RETENTION_MONTHS: the daily purge finds nothing to do
DESKS = 6
SIPAS = scan_library()[0]["sipas"]  # the packaged survey, as the running bot stores it
LEADER, PASSWORD = "Nguyễn Văn Bench", "mật khẩu của bench"
# runs by source, and the elements each asks (a walk-in has no result or handling yet)
SOURCE_SHARE = (("case", 0.6), ("walkin", 0.3), ("broadcast", 0.1))
ASKED = {
    "case": ELEMENT_ORDER,
    "walkin": ELEMENT_ORDER[:3],
    "broadcast": ELEMENT_ORDER,
}
NO_OPINION_SHARE = 0.04
UNANSWERED_CASES = 0.3  # cases returned whose survey nobody answered
SENTENCES = (
    "Đèn đường ngõ {n} bị hỏng đã lâu, buổi tối rất tối.",
    "Cán bộ tiếp dân nhiệt tình, hướng dẫn rõ ràng.",
    "Phải chờ lâu ở quầy {d}, đề nghị thêm người vào buổi sáng.",
    "Bãi gửi xe trước trụ sở chật, xe để tràn ra đường.",
    "Biểu mẫu khó hiểu, nên có bản mẫu điền sẵn.",
    "Cảm ơn phường đã giải quyết hồ sơ nhanh.",
    "Wifi ở bộ phận một cửa không vào được.",
    "Rác thải tập kết ở đầu ngõ {n} gây mùi.",
    "Đề nghị niêm yết phí, lệ phí rõ hơn.",
    "Máy lấy số thứ tự hay bị lỗi.",
    "Vỉa hè phố {n} bị lấn chiếm làm nơi bán hàng.",
    "Nên mở cửa làm việc sáng thứ bảy.",
    "Nhà vệ sinh ở trụ sở cần được dọn sạch hơn.",
    "Tôi được hẹn trả kết quả nhưng phải đi lại hai lần.",
    "Cống thoát nước ở tổ dân phố {n} bị tắc khi mưa.",
)


@dataclass
class Ward2y:
    """Two years of the ward, table by table; answers stream from the runs."""

    answers: int
    pages: int
    first: date
    last: date
    seed: int = 13
    persons: list[Row] = field(default_factory=list)
    cases: list[Row] = field(default_factory=list)
    runs: list[Row] = field(default_factory=list)
    book: list[Row] = field(default_factory=list)


def generate(answers: int, pages: int, today: date) -> Ward2y:
    """Everything but the answers, over the `MONTHS` months up to yesterday, busier lately."""
    start = (today.replace(day=1) - timedelta(days=MONTHS * 31)).replace(day=1)
    data = Ward2y(answers, pages, start, today - timedelta(days=1))
    rng = random.Random(data.seed)
    days = [start + timedelta(n) for n in range((today - start).days)]
    workdays = [day for day in days if day.weekday() < 5]
    growth = [1 + (index / len(workdays)) * 0.5 for index in range(len(workdays))]
    people = max(answers // 20, 100)
    created = datetime.combine(start, datetime.min.time())
    recently = datetime.combine(today, datetime.min.time()) - timedelta(days=30)
    data.persons = [
        (n, "telegram", str(10**9 + n), f"Công dân {n}", "vi", "citizen", 1, "idle", 0, created,
         recently)
        for n in range(1, people + 1)
    ]  # fmt: skip
    procedures = [name for name, _ in PROCEDURES]
    weights = [weight for _, weight in PROCEDURES]
    per_run = sum(share * len(ASKED[source]) for source, share in SOURCE_SHARE)
    runs_wanted = round(answers / per_run)
    sources = rng.choices(
        [source for source, _ in SOURCE_SHARE], [share for _, share in SOURCE_SHARE], k=runs_wanted
    )
    run_days = rng.choices(workdays, growth, k=runs_wanted)
    runs: list[list[Any]] = []
    cases: list[list[Any]] = []
    for source, day in zip(sources, run_days, strict=True):
        started = _working_moment(rng, day)
        person = rng.randint(1, people)
        if source == "case":
            done = started - timedelta(minutes=rng.expovariate(1 / 240))
            cases.append([done, rng.choices(procedures, weights)[0], person, rng.randint(1, DESKS)])
            runs.append([started, person, source, cases[-1], None])
        elif source == "walkin":
            runs.append([started, person, source, None, rng.randint(1, DESKS)])
        else:
            runs.append([started + timedelta(hours=rng.randint(0, 4)), person, source, None, None])
    unanswered = round(len(cases) * UNANSWERED_CASES / (1 - UNANSWERED_CASES))
    for day in rng.choices(workdays, growth, k=unanswered):
        person = rng.randint(1, people)
        cases.append([_working_moment(rng, day), rng.choices(procedures, weights)[0], person, None])
    cases.sort(key=lambda case: case[0])
    for number, case in enumerate(cases, start=1):
        done, procedure, person, desk = case
        opened = done - timedelta(days=rng.randint(1, 12), hours=rng.randint(0, 5))
        case.append(number)
        data.cases.append(
            [number, 1, f"HS-{number:08d}", procedure, f"t{number:031d}", person, opened,
             opened, done, done + timedelta(minutes=1), None, opened, desk or rng.randint(1, DESKS)]
        )  # fmt: skip
    runs.sort(key=lambda run: run[0])
    for number, (started, person, source, case, desk) in enumerate(runs, start=1):
        case_id = case[-1] if case else None
        steps = len(ASKED[source])
        data.runs.append(
            (number, person, 1, 1, source, case_id, desk, None, steps, "completed", started,
             started + timedelta(seconds=30 * steps))
        )  # fmt: skip
        if case_id is not None:
            data.cases[case_id - 1][10] = started + timedelta(seconds=5)  # the first answer's
    data.book = list(_book(rng, days, pages, people, len(data.cases), today))
    return data


def _book(
    rng: random.Random, days: list[date], pages: int, people: int, cases: int, today: date
) -> Iterator[Row]:
    """Pages in time order: old ones mostly answered or closed, recent ones still open."""
    moments = sorted(_working_moment(rng, rng.choice(days)) for _ in range(pages))
    now = datetime.combine(today, datetime.min.time())
    for number, written in enumerate(moments, start=1):
        sentences = rng.sample(SENTENCES, rng.choice((1, 1, 2, 3)))
        text = " ".join(s.format(n=rng.randint(1, 80), d=rng.randint(1, DESKS)) for s in sentences)
        signed = rng.random() < 0.4
        old = now - written > timedelta(days=20)
        fate = rng.random()
        seen = (
            written + timedelta(hours=rng.randint(2, 40)) if fate < (0.9 if old else 0.5) else None
        )
        answered = None
        if seen and fate < (0.8 if old else 0.3):
            answered = seen + timedelta(hours=rng.randint(1, 72))
        closed = answered is not None and rng.random() < 0.15
        answer = None if answered is None or closed else "Phường đã tiếp nhận và chỉ đạo xử lý."
        leader = "Nguyễn Văn A, Chủ tịch UBND phường" if seen else None
        yield (
            number, 1, number, rng.randint(1, people),
            rng.randint(1, cases) if fate < 0.3 else None,
            text, fold(text), f"PHOTO-{number}" if rng.random() < 0.15 else None, signed,
            f"Công dân {number}" if signed else None, written, written, leader, seen, answer,
            leader if answered else None, answered, closed,
        )  # fmt: skip


def answer_rows(data: Ward2y) -> Iterator[Row]:
    """The runs' answers, levels skewed like real SIPAS results, some «Chưa có ý kiến»."""
    rng = random.Random(data.seed + 1)
    number = 0
    for run_id, _, _, _, source, case_id, _, _, _, _, started, _ in data.runs:
        mood = rng.gauss(0, 0.6)
        moment = started
        for element in ASKED[source]:
            number += 1
            moment += timedelta(seconds=rng.randint(5, 40))
            if rng.random() < NO_OPINION_SHARE:
                level = 0
            else:
                latent = mood + ELEMENT_EFFECT[element] + rng.gauss(0, 0.8)
                level = bisect.bisect(CUTS, latent) + 1
            yield (number, run_id, 1, 1, case_id, source, element, element, level, moment)


def tables(data: Ward2y) -> Tables:
    created = datetime.combine(data.first, datetime.min.time())
    return {
        "ward": (
            ("id", "code", "name", "kind", "deadline_days", "last_page", "created_at"),
            [(1, WARD, "Phường Thử Nghiệm", "phường", 10, data.pages, created)],
        ),
        "surveyversion": (
            ("id", "key", "version", "title", "definition", "content_hash", "created_at"),
            [(1, "sipas", SIPAS.version, SIPAS.title["vi"], SIPAS.to_json(), SIPAS.content_hash,
              created)],
        ),
        "person": (
            ("id", "platform", "chat_id", "name", "language", "role", "ward_id", "dialog",
             "last_message_id", "created_at", "last_seen_at"),
            data.persons,
        ),
        "case": (
            ("id", "ward_id", "code", "procedure", "token", "person_id", "created_at",
             "linked_at", "done_at", "prompted_at", "survey_answered_at", "received_at", "desk"),
            [tuple(case) for case in data.cases],
        ),
        "surveysession": (
            ("id", "person_id", "ward_id", "survey_version_id", "source", "case_id", "desk",
             "broadcast_id", "step", "status", "started_at", "completed_at"),
            data.runs,
        ),
        "answer": (
            ("id", "session_id", "survey_version_id", "ward_id", "case_id", "source",
             "question_code", "element", "level", "answered_at"),
            answer_rows(data),
        ),
        "bookpage": (
            ("id", "ward_id", "page_no", "person_id", "case_id", "text", "folded",
             "photo_file_id", "signed", "author_name", "consent_at", "created_at",
             "seen_by_name", "seen_at", "answer_text", "answered_by_name", "answered_at",
             "no_answer"),
            data.book,
        ),
    }  # fmt: skip


async def accounts(url: str) -> str:
    """The leader's account with its password, and a key of the ward for the API."""
    engine = create_engine(url)
    now = datetime.now(UTC)
    async with session_maker(engine)() as session:
        try:
            _, token = await add_user(session, name=LEADER, role="leader", ward=WARD, now=now)
        except Conflict:  # a kept file: the leader is there already
            await session.rollback()
        else:
            await set_password(session, token, PASSWORD, now)
        _, key = await create_key(session, ward=WARD, name="bench")
    await engine.dispose()
    return key


async def log_in(http: aiohttp.ClientSession, base: str) -> None:
    async with http.get(f"{base}/console/login") as form:
        found = re.search(r'name="csrf" value="([^"]+)"', await form.text())
    assert found, "no CSRF token on the login form"
    data = {"name": LEADER, "password": PASSWORD, "csrf": found[1]}
    async with http.post(f"{base}/console/login", data=data, allow_redirects=False) as answer:
        assert answer.status == 303, await answer.text()


async def count_past_months(url: str) -> None:
    """The months that have ended, counted as the running bot's job does on its first run."""
    engine = create_engine(url)
    started = time.perf_counter()
    async with session_maker(engine)() as session:
        months = await roll_up(session, zone=ZONE, now=datetime.now(UTC))
        await session.commit()
    print(f"{months} months counted in {time.perf_counter() - started:.1f} s")
    await engine.dispose()


async def gather(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(gather_statistics)
    await engine.dispose()


Job = Callable[[], Awaitable[Any]]


def _get(http: aiohttp.ClientSession, url: str, headers: dict[str, str] | None = None) -> Job:
    async def run() -> None:
        async with http.get(url, headers=headers, allow_redirects=False) as answer:
            body = await answer.read()
            assert answer.status == 200, (url, answer.status, body[:300])

    return run


async def measure(jobs: dict[str, Job], requests: int) -> dict[str, list[float]]:
    """Each job once per round, in turn, `requests` rounds after one to warm up; ms."""
    spent: dict[str, list[float]] = {name: [] for name in jobs}
    for job in jobs.values():
        await job()
    for _ in range(requests):
        for name, job in jobs.items():
            started = time.perf_counter()
            await job()
            spent[name].append((time.perf_counter() - started) * 1000)
    return spent


def _print(spent: dict[str, list[float]]) -> None:
    print(f"{'':44} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, times in spent.items():
        p95 = statistics.quantiles(times, n=20, method="inclusive")[-1]
        mark = "" if name.startswith("GET /health") or p95 < 300 else "  (over 300 ms)"
        print(f"{name:44} {statistics.median(times):8.1f} {p95:8.1f} {max(times):8.1f}{mark}")


async def run(url: str, requests: int, month: str) -> None:
    """Serve `url` with `sogopy run` and time the pages against `/health`."""
    key = await accounts(url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    book = f"{base}/console/ward/{WARD}/book"
    api = f"{base}/api/v1/figures?ward={WARD}&period={month}"
    bearer = {"Authorization": f"Bearer {key}"}
    # the office calls here only read: on SQLite without the app's BEGIN IMMEDIATE, which
    # would hold the write lock and make the server under test wait
    engine = (
        create_async_engine(normalize_url(url)) if url.startswith("sqlite") else create_engine(url)
    )
    sessions = session_maker(engine)
    year, number = month.split("-")
    picked = Period("month", int(year), int(number))

    async def office_figures() -> None:  # the page's tables, as the page asks them
        async with sessions() as session:
            await figures_page(session, WARD, picked, ZONE)

    async with BotApiEmulator(TOKEN, record_calls=False) as emulator:
        env = {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BOT_USERNAME": "bench_bot",
            "TELEGRAM_API_BASE_URL": emulator.base_url,
            "DATABASE_URL": url,
            "SOGOPY_HTTP_PORT": str(port),
            "SOGOPY_LOG_LEVEL": "ERROR",
            "SOGOPY_TIMEZONE": ZONE.key,
        }
        process = await _start(emulator, [sys.executable, "-m", "bot", "run"], env)
        try:
            jar = aiohttp.CookieJar(unsafe=True)  # cookies of 127.0.0.1, an IP address
            async with aiohttp.ClientSession(cookie_jar=jar) as http:
                await _ready(http, base)
                await log_in(http, base)
                jobs = {
                    "GET /health": _get(http, f"{base}/health"),
                    "book, newest first": _get(http, book),
                    "book, status=unread": _get(http, f"{book}?status=unread"),
                    "book, status=overdue": _get(http, f"{book}?status=overdue"),
                    "book, q=den duong": _get(http, f"{book}?q=den+duong"),
                    "book, q=đèn đường, oldest first":
                        _get(http, f"{book}?q=đèn+đường&order=oldest"),
                    "book, the screen after page 5,000": _get(http, f"{book}?after=5000"),
                }  # fmt: skip
                page = f"{base}/console/ward/{WARD}/figures?{picked.query}"  # the picker's fields
                async with http.get(page, allow_redirects=False) as probe:
                    has_page = probe.status == 200
                if has_page:
                    jobs[f"figures page, {month}"] = _get(http, page)
                for by in ("element", "procedure", "desk", "month"):
                    jobs[f"/api/v1/figures {month} by={by}"] = _get(http, f"{api}&by={by}", bearer)
                jobs["office figures_page (in this process)"] = office_figures
                print(f"load average before: {os.getloadavg()}")
                spent = await measure(jobs, requests)
                print(f"load average after:  {os.getloadavg()}")
                if not has_page:
                    print("(no figures page in this code yet: the API and the office calls)")
        finally:
            await _stop(process)
            await engine.dispose()
    spent["office figures_page, its month not counted"] = await month_not_counted(
        url, picked, requests
    )
    _print(spent)


async def month_not_counted(url: str, picked: Period, requests: int) -> list[float]:
    """The page's office call on its month's last day, when the month is not counted yet
    and its answers are all counted from `answer` (the server stopped, so that its job
    does not count the month again); ms."""
    first = picked.days[0]
    engine = create_engine(url)
    async with session_maker(engine)() as session:
        await session.exec(delete(AnswerMonth).where(col(AnswerMonth.month) >= first))  # type: ignore[call-overload]
        await session.exec(update(RollUp).values(through=first))  # type: ignore[call-overload]
        await session.commit()
    await engine.dispose()
    reader = (
        create_async_engine(normalize_url(url)) if url.startswith("sqlite") else create_engine(url)
    )

    async def office_figures() -> None:
        async with session_maker(reader)() as session:
            await figures_page(session, WARD, picked, ZONE)

    spent = await measure({"page": office_figures}, requests)
    await reader.dispose()
    return spent["page"]


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--database", help="a PostgreSQL database of its own, emptied first")
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=40, help="requests of each URL")
    parser.add_argument("--keep", type=Path, help="the SQLite file: kept, and reused if there")
    args = parser.parse_args()

    today = datetime.now(ZONE).date()
    last_month = today.replace(day=1) - timedelta(days=1)
    month = f"{last_month:%Y-%m}"
    with tempfile.TemporaryDirectory() as folder:
        path = args.keep or Path(folder) / "console.db"
        url = args.database or f"sqlite+aiosqlite:///{path}"
        if args.database or not path.exists():
            started = time.perf_counter()
            data = generate(args.answers, args.pages, today)
            print(
                f"generated {len(data.cases):,} cases, {len(data.runs):,} survey runs,"
                f" {len(data.book):,} pages, {data.first} to {data.last}"
                f" in {time.perf_counter() - started:.1f} s"
            )
            started = time.perf_counter()
            if args.database:
                await load_postgres(args.database, tables(data))
            else:
                await asyncio.to_thread(load_sqlite, path, tables(data))
            print(f"loaded in {time.perf_counter() - started:.1f} s")
            await count_past_months(url)
            if not args.database:
                await gather(url)  # the statistics the running bot gathers once a day
        if not args.database:
            print(f"SQLite file: {path.stat().st_size / 2**20:.0f} MiB")
        await run(url, args.requests, month)


if __name__ == "__main__":
    asyncio.run(main())
