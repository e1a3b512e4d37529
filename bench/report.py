"""The city-wide report (by ward and element) against the same figures in bare SQL.

A generator makes a year of a city's answers: 126 wards, a case per five answers
(200,000 for a million) done over the year with most of them answered (five answers
per survey run, one per SIPAS element), walk-in surveys for the rest, levels skewed
like real SIPAS results (about 83% at 4-5). It is written to a fresh SQLite file (and,
with --postgres, to that database, emptied first), then, in the same run, each is timed:

  (a) `build_report(by="ward")` for the whole city over the year, response rate and
      walk-in count included;
  (b) the same results by hand, in one transaction: the wards, `SELECT ward_id,
      element, level, source, count(*) FROM answer WHERE answered_at >= … AND
      answered_at < … GROUP BY ward_id, element, level, source` (the source gives the
      walk-ins apart) and the response rate (`count(*)`, `count(survey_answered_at)`
      of the cases done in the period), all fetched.

    python -m bench.report [--answers 1000000] [--postgres URL] [--rounds 5]

Prints the data set, its generation time, both times (best of the rounds; the jobs
take turns in each round, so a busy shared machine weighs on all alike) and the
ratio (targets: (a) under 1 s, (a)/(b) <= 1.3), then (b)'s two big statements timed
alone, and (a) against the GROUP BY alone. The PostgreSQL database must be one of its
own (`createdb sogopy_bench`): its public schema is dropped.
"""

import argparse
import asyncio
import bisect
import hashlib
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text

from storage.db import create_engine, normalize_url, session_maker, upgrade_sync
from storage.report import ELEMENT_ORDER, build_report, utc_bounds

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
SINCE, UNTIL = date(2026, 1, 1), date(2026, 12, 31)
WARDS = 126
ANSWERED = 0.80  # cases whose survey was answered
NOT_DONE = 0.03  # cases still open at the end of the year
# Real SIPAS results: about 2/4/11/43/40% at levels 1-5; levels come from a latent
# satisfaction (ward + element + the person's mood + noise) cut at these quantiles.
CUTS = (-2.054, -1.555, -0.954, 0.253)
ELEMENT_EFFECT = {
    "access": 0.2, "procedure": 0.0, "officer": 0.2, "result": 0.1, "feedback": -0.1,
}  # fmt: skip
WARD_NAMES = (
    "Ba Đình", "Ngọc Hà", "Giảng Võ", "Hoàn Kiếm", "Cửa Nam", "Phú Thượng", "Hồng Hà",
    "Tây Hồ", "Bạch Mai", "Đống Đa", "Kim Liên", "Văn Miếu - Quốc Tử Giám", "Láng",
    "Ô Chợ Dừa", "Hai Bà Trưng", "Vĩnh Tuy", "Thanh Xuân", "Khương Đình", "Phương Liệt",
    "Cầu Giấy", "Nghĩa Đô", "Yên Hòa", "Hoàng Mai", "Định Công", "Tương Mai", "Lĩnh Nam",
    "Yên Sở", "Long Biên", "Bồ Đề", "Việt Hưng", "Phúc Lợi", "Hà Đông", "Dương Nội",
    "Yên Nghĩa", "Phú Lương", "Kiến Hưng", "Từ Liêm", "Xuân Phương", "Tây Mỗ", "Đại Mỗ",
    "Thượng Cát", "Đông Ngạc", "Xuân Đỉnh", "Tây Tựu", "Phú Diễn", "Thanh Liệt",
    "Sơn Tây", "Tùng Thiện", "Chương Mỹ", "Nghĩa Tân", "Tây Hà Nội",
)  # fmt: skip
# (procedure, relative frequency): a one-stop desk's usual work
PROCEDURES = (
    ("Chứng thực bản sao từ bản chính giấy tờ, văn bản", 30),
    ("Chứng thực chữ ký trong các giấy tờ, văn bản", 12),
    ("Chứng thực hợp đồng, giao dịch liên quan đến nhà ở", 4),
    ("Chứng thực di chúc", 1),
    ("Đăng ký khai sinh", 8),
    ("Đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi", 4),
    ("Đăng ký kết hôn", 3),
    ("Đăng ký khai tử", 2),
    ("Đăng ký khai tử, xóa đăng ký thường trú, hưởng chế độ tử tuất, mai táng phí", 1),
    ("Cấp bản sao trích lục hộ tịch", 5),
    ("Cấp giấy xác nhận tình trạng hôn nhân", 5),
    ("Đăng ký nhận cha, mẹ, con", 1),
    ("Đăng ký giám hộ", 1),
    ("Đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch", 2),
    ("Đăng ký lại khai sinh", 1),
    ("Đăng ký thường trú", 4),
    ("Đăng ký tạm trú", 4),
    ("Khai báo tạm vắng", 1),
    ("Đăng ký thành lập hộ kinh doanh", 2),
    ("Đăng ký thay đổi nội dung đăng ký hộ kinh doanh", 1),
    ("Cấp giấy phép xây dựng nhà ở riêng lẻ", 1),
    ("Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất", 2),
    ("Cấp giấy chứng nhận quyền sử dụng đất lần đầu", 1),
    ("Giải quyết trợ cấp xã hội hằng tháng cho đối tượng bảo trợ xã hội", 1),
    ("Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội", 1),
    ("Xác nhận hộ nghèo, hộ cận nghèo", 1),
    ("Cấp thẻ bảo hiểm y tế cho người thuộc hộ gia đình cận nghèo", 1),
    ("Xác nhận đơn đề nghị vay vốn ưu đãi", 1),
    ("Cấp giấy phép bán lẻ rượu", 1),
    ("Đăng ký tổ chức lễ hội", 1),
)

Row = tuple[Any, ...]


@dataclass
class Dataset:
    """A year of one city's rows, table by table; answers are generated on demand."""

    answers: int
    seed: int = 2026
    wards: list[Row] = field(default_factory=list)
    versions: list[Row] = field(default_factory=list)
    persons: list[Row] = field(default_factory=list)
    cases: list[Row] = field(default_factory=list)
    runs: list[Row] = field(default_factory=list)  # survey sessions
    answer_rows: int = 0

    def counts(self) -> dict[str, int]:
        return {
            "ward": len(self.wards),
            "person": len(self.persons),
            "case": len(self.cases),
            "surveysession": len(self.runs),
            "answer": self.answer_rows,
        }


COLUMNS = {
    "ward": ("id", "code", "name", "deadline_days", "last_page", "created_at"),
    "surveyversion": ("id", "key", "version", "title", "definition", "content_hash", "created_at"),
    "person": (
        "id", "platform", "chat_id", "name", "language", "role", "ward_id", "dialog",
        "last_message_id", "created_at",
    ),
    "case": (
        "id", "ward_id", "code", "procedure", "token", "person_id", "created_at", "linked_at",
        "done_at", "prompted_at", "survey_answered_at",
    ),
    "surveysession": (
        "id", "person_id", "ward_id", "survey_version_id", "source", "case_id", "desk", "step",
        "status", "started_at", "completed_at",
    ),
    "answer": (
        "id", "session_id", "survey_version_id", "ward_id", "case_id", "source", "question_code",
        "element", "level", "answered_at",
    ),
}  # fmt: skip


def _working_moment(rng: random.Random, day: date) -> datetime:
    """A time at the desk, 7:30-17:00 local, as naive UTC (the stored form)."""
    minutes = 7 * 60 + 30 + int(rng.triangular(0, 570, 150))
    local = datetime(day.year, day.month, day.day, tzinfo=ZONE) + timedelta(
        minutes=minutes, seconds=rng.randrange(60)
    )
    return local.astimezone(UTC).replace(tzinfo=None)


def _working_day(rng: random.Random, days: list[date]) -> date:
    return days[rng.randrange(len(days))]


def generate(answers: int, seed: int = 2026) -> Dataset:
    """Every table but `answer`, whose rows `answer_rows` streams from the runs."""
    rng = random.Random(seed)
    data = Dataset(answers, seed)
    created = datetime(2025, 7, 1)
    for number in range(1, WARDS + 1):
        name = WARD_NAMES[number - 1] if number <= len(WARD_NAMES) else f"Xã số {number}"
        kind = "Phường" if number <= len(WARD_NAMES) else "Xã"
        data.wards.append((number, f"W{number:03d}", f"{kind} {name}", 10, 0, created))
    change = datetime(2026, 7, 1)  # the survey file changed: version 2, same codes
    for version in (1, 2):
        digest = hashlib.sha256(f"sipas-{version}".encode()).hexdigest()
        moment = created if version == 1 else change - timedelta(hours=7)
        data.versions.append((version, "sipas", version, "Khảo sát", "{}", digest, moment))

    year = [SINCE + timedelta(days=n) for n in range((UNTIL - SINCE).days + 1)]
    weekdays = [day for day in year if day.weekday() < 5]
    procedures = [name for name, _ in PROCEDURES]
    weights = [weight for _, weight in PROCEDURES]
    ward_sizes = [rng.lognormvariate(0, 0.5) for _ in range(WARDS)]  # busy and quiet wards
    runs_wanted = answers // len(ELEMENT_ORDER)
    cases = runs_wanted  # one case per run: ANSWERED of them answered, walk-ins the rest
    person_count = int(runs_wanted * 0.8)
    for number in range(1, person_count + 1):
        ward = rng.choices(range(1, WARDS + 1), ward_sizes)[0]
        data.persons.append(
            (number, "telegram", str(10**9 + number), f"Công dân {number}", "vi", "citizen",
             ward, "idle", 0, created)
        )  # fmt: skip
    # Rows are written as the bot writes them, in time order: ids follow the clock.
    ward_of_case = rng.choices(range(1, WARDS + 1), ward_sizes, k=cases)
    procedure_of_case = rng.choices(procedures, weights, k=cases)
    drafts: list[list[Any]] = []
    for number in range(cases):
        done = _working_moment(rng, _working_day(rng, weekdays))
        opened = done - timedelta(days=rng.randint(1, 15), hours=rng.randint(0, 5))
        linked = rng.random() < 0.88
        is_done = rng.random() >= NOT_DONE
        person = rng.randint(1, person_count) if linked else None
        drafts.append(
            [opened, ward_of_case[number], procedure_of_case[number], person, linked,
             done if is_done else None]
        )  # fmt: skip
    drafts.sort(key=lambda draft: draft[0])
    runs: list[list[Any]] = []
    for number, (opened, ward, procedure, person, linked, done) in enumerate(drafts, start=1):
        prompted = done + timedelta(minutes=1) if done and linked else None
        data.cases.append(
            (number, ward, f"HS-{number:08d}", procedure, f"t{number:031d}", person, opened,
             opened if linked else None, done, prompted)
        )  # fmt: skip
        if prompted and rng.random() < ANSWERED / 0.88 / (1 - NOT_DONE):
            started = prompted + timedelta(minutes=rng.expovariate(1 / 240))
            runs.append([started, person, ward, "case", number, None])
    while len(runs) < runs_wanted:  # walk-ins: a QR code at the desk
        started = _working_moment(rng, _working_day(rng, weekdays))
        ward = rng.choices(range(1, WARDS + 1), ward_sizes)[0]
        person = rng.randint(1, person_count)
        runs.append([started, person, ward, "walkin", None, rng.randint(1, 6)])
    runs.sort(key=lambda run: run[0])
    for run_id, (started, person, ward, source, case_id, desk) in enumerate(runs, start=1):
        version = 1 if started < change - timedelta(hours=7) else 2
        data.runs.append(
            (run_id, person, ward, version, source, case_id, desk, 5, "completed", started,
             started + timedelta(seconds=150))
        )  # fmt: skip
    data.answer_rows = len(data.runs) * len(ELEMENT_ORDER)
    # each case answered carries its first answer's time, as the bot writes it
    first: dict[int, datetime] = {}
    for row in answer_rows(data):
        case_id, moment = row[4], row[9]
        if case_id is not None and case_id not in first:
            first[case_id] = moment
    data.cases = [(*case, first.get(case[0])) for case in data.cases]
    return data


def answer_rows(data: Dataset) -> Iterator[Row]:
    """Five answers per run, in run order; the same rows for every database."""
    rng = random.Random(data.seed + 1)
    ward_effect = [rng.gauss(0, 0.25) for _ in range(WARDS + 1)]
    number = 0
    for run_id, _, ward, version, source, case_id, _, _, _, started, _ in data.runs:
        mood = rng.gauss(0, 0.6) + ward_effect[ward]
        moment = started
        for element in ELEMENT_ORDER:
            number += 1
            moment += timedelta(seconds=rng.randint(5, 40))
            latent = mood + ELEMENT_EFFECT[element] + rng.gauss(0, 0.8)
            level = bisect.bisect(CUTS, latent) + 1
            yield (number, run_id, version, ward, case_id, source, element, element, level, moment)


TABLES = ("ward", "surveyversion", "person", "case", "surveysession", "answer")


def _rows(data: Dataset, table: str) -> Iterator[Row] | list[Row]:
    if table == "answer":
        return answer_rows(data)
    return {
        "ward": data.wards,
        "surveyversion": data.versions,
        "person": data.persons,
        "case": data.cases,
        "surveysession": data.runs,
    }[table]


Tables = dict[str, tuple[tuple[str, ...], Iterable[Row]]]  # table: its columns, its rows


def tables_of(data: Dataset) -> Tables:
    return {table: (COLUMNS[table], _rows(data, table)) for table in TABLES}


def load_sqlite(path: Path, tables: Tables) -> None:
    """Schema by the migrations, rows by the sqlite3 module in one transaction."""
    upgrade_sync(f"sqlite:///{path}")
    # the stored form of SQLAlchemy's SQLite DateTime: microseconds always written
    sqlite3.register_adapter(datetime, lambda moment: moment.strftime("%Y-%m-%d %H:%M:%S.%f"))
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("BEGIN")
        for table, (columns, rows) in tables.items():
            names = ", ".join(f'"{name}"' for name in columns)
            marks = ", ".join("?" for _ in columns)
            connection.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)
        connection.execute("COMMIT")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


async def load_postgres(url: str, tables: Tables) -> None:
    """A fresh schema by the migrations, rows by COPY, then VACUUM ANALYZE as autovacuum
    would do in time (index-only scans need the visibility map)."""
    import asyncpg  # the driver itself: COPY

    dsn = normalize_url(url).replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        await asyncio.to_thread(upgrade_sync, url)
        for table, (columns, rows) in tables.items():
            await connection.copy_records_to_table(table, records=rows, columns=list(columns))
            await connection.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'),"
                f' (SELECT max(id) FROM "{table}"))'
            )
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()


def hand_written(start: datetime, end: datetime) -> dict[str, str]:
    """(b): the SQL a person would write for what (a) gives, statement by statement.

    The same results from the same tables and indexes: the wards, the answers counted
    per ward, element, level and source (the source gives the walk-ins apart), and the
    response rate. The period is written into the text as (a) does, so that PostgreSQL
    plans each statement for it.
    """
    low, high = (f"'{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S.%f}'" for moment in (start, end))
    return {
        "wards": "SELECT id, code, name FROM ward ORDER BY code",
        "figures": (
            "SELECT ward_id, element, level, source, count(*) FROM answer"
            f" WHERE answered_at >= {low} AND answered_at < {high}"
            " GROUP BY ward_id, element, level, source"
        ),
        "rate": (
            'SELECT count(*), count(survey_answered_at) FROM "case"'
            f" WHERE done_at >= {low} AND done_at < {high}"
        ),
    }


async def _best(rounds: int, *jobs: Callable[[], Awaitable[Any]]) -> list[tuple[float, float, Any]]:
    """Each job's best and median time and its result; the jobs take turns in every
    round, so that a busy moment of a shared machine falls on all of them alike."""
    times: list[list[float]] = [[] for _ in jobs]
    results: list[Any] = [None for _ in jobs]
    for _ in range(rounds):
        for index, job in enumerate(jobs):
            started = time.perf_counter()
            results[index] = await job()
            times[index].append(time.perf_counter() - started)
    return [
        (min(spent), statistics.median(spent), result)
        for spent, result in zip(times, results, strict=True)
    ]


async def time_database(url: str, rounds: int) -> None:
    """Time (a) and (b), and (b)'s statements one by one, after a first run of each."""
    engine = create_engine(url)
    sessions = session_maker(engine)
    statements = hand_written(*utc_bounds(ZONE, SINCE, UNTIL))

    async def report() -> Any:
        async with sessions() as session:
            return await build_report(session, zone=ZONE, since=SINCE, until=UNTIL, by="ward")

    def by_hand(*names: str) -> Callable[[], Awaitable[list[Any]]]:
        async def run() -> list[Any]:
            async with sessions() as session:  # one transaction, as (a)
                connection = await session.connection()
                return [(await connection.execute(text(statements[n]))).all() for n in names]

        return run

    everything = by_hand(*statements)
    try:
        await report()  # warm the cache and the connection once, for each
        await everything()
        timed = await _best(rounds, report, everything, by_hand("figures"), by_hand("rate"))
        (best_a, median_a, result), (best_b, median_b, (wards, rows, rate)) = timed[:2]
        (best_f, median_f, _), (best_r, median_r, _) = timed[2:]
    finally:
        await engine.dispose()
    walkins = sum(row[4] for row in rows if row[3] == "walkin" and 1 <= row[2] <= 5)
    print(
        f"  (a) build_report(by='ward'): {best_a * 1000:7.1f} ms (median {median_a * 1000:.1f})"
        f"  {len(result.rows)} wards, {result.overall.answers:,} answers,"
        f" response {result.cases_answered:,}/{result.cases_done:,},"
        f" walk-ins {result.walkin_answers:,}, satisfied {result.overall.share:.1%}"
    )
    print(
        f"  (b) the same by hand (SQL):  {best_b * 1000:7.1f} ms (median {median_b * 1000:.1f})"
        f"  {len(wards)} wards, {sum(row[4] for row in rows):,} answers,"
        f" response {rate[0][1]:,}/{rate[0][0]:,}, walk-ins {walkins:,}"
    )
    print(f"  ratio (a)/(b): {best_a / best_b:.2f} (targets: (a) < 1000 ms, ratio <= 1.30)")
    print(
        f"  breakdown of (b): GROUP BY on answer {best_f * 1000:.1f} ms"
        f" (median {median_f * 1000:.1f}), response rate {best_r * 1000:.1f} ms"
        f" (median {median_r * 1000:.1f}); (a) / the GROUP BY alone: {best_a / best_f:.2f}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--answers", type=int, default=1_000_000, help="answers in the year")
    parser.add_argument("--postgres", help="a PostgreSQL database of its own, emptied first")
    parser.add_argument("--rounds", type=int, default=5, help="runs of each; the best counts")
    parser.add_argument("--keep", type=Path, help="write the SQLite file here and keep it")
    args = parser.parse_args()

    started = time.perf_counter()
    data = generate(args.answers)
    generated = time.perf_counter() - started
    sizes = ", ".join(f"{table} {count:,}" for table, count in data.counts().items())
    print(f"data set: {sizes}; {SINCE} to {UNTIL} ({ZONE.key})")
    print(f"generated the cases and runs in {generated:.1f} s (answers stream while loading)")

    with tempfile.TemporaryDirectory() as folder:
        path = args.keep or Path(folder) / "report.db"
        path.unlink(missing_ok=True)
        started = time.perf_counter()
        await asyncio.to_thread(load_sqlite, path, tables_of(data))
        size = path.stat().st_size / 2**20
        print(f"SQLite: loaded in {time.perf_counter() - started:.1f} s, {size:.0f} MiB")
        await time_database(f"sqlite+aiosqlite:///{path}", args.rounds)
    if args.postgres:
        started = time.perf_counter()
        await load_postgres(args.postgres, tables_of(data))
        print(f"PostgreSQL: loaded in {time.perf_counter() - started:.1f} s (COPY, VACUUM)")
        await time_database(args.postgres, args.rounds)


if __name__ == "__main__":
    asyncio.run(main())
