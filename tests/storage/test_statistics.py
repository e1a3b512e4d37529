"""A ward's month of figures is read as one range of `ix_answer_ward_time` (issue 13),
which SQLite chooses once it has statistics; the running bot gathers them daily."""

import asyncio
import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event
from sqlmodel import select

from bot.dispatch import Dispatcher
from bot.jobs import statistics
from handlers.context import Context
from storage.db import create_engine, gather_statistics, session_maker, upgrade_sync
from storage.models import JobRun
from storage.report import build_report
from tests.conftest import Clock

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
ELEMENTS = ("access", "procedure", "officer", "result", "feedback")


def two_years_of_two_wards(path: Path) -> None:
    """1,200 answers a ward, spread over 24 months."""
    upgrade_sync(f"sqlite:///{path}")
    start = datetime(2024, 12, 1, 2, 0)
    moment = f"{start:%Y-%m-%d %H:%M:%S.%f}"
    with sqlite3.connect(path) as connection:
        connection.executemany(
            "INSERT INTO ward (id, code, name, kind, deadline_days, last_page, created_at)"
            f" VALUES (?, ?, ?, 'phường', 10, 0, '{moment}')",
            [(1, "A", "Phường A"), (2, "B", "Phường B")],
        )
        rows = []
        for number in range(2400):
            when = start + timedelta(hours=7.3 * number)
            rows.append(
                (number + 1, number + 1, 1 + number % 2, ELEMENTS[number % 5], 1 + number % 5,
                 f"{when:%Y-%m-%d %H:%M:%S.%f}")
            )  # fmt: skip
        connection.executemany(
            "INSERT INTO answer (id, session_id, survey_version_id, ward_id, source,"
            " question_code, element, level, answered_at)"
            " VALUES (?, ?, 1, ?, 'walkin', 'q', ?, ?, ?)",
            rows,
        )


async def plan_of_a_wards_month(url: str) -> str:
    """SQLite's plan for the answers' GROUP BY of ward A's figures for November 2026."""
    engine = create_engine(url)
    seen: list[tuple[str, Any]] = []

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "FROM answer" in statement and "GROUP BY" in statement:
            seen.append((statement, parameters))

    async with session_maker(engine)() as session:
        report = await build_report(
            session, zone=ZONE, since=date(2026, 11, 1), until=date(2026, 11, 30), ward_id=1
        )
        assert report.overall.answers > 0
        (statement, parameters), *_ = seen
        connection = await session.connection()
        plan = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        text = " ".join(str(row[-1]) for row in plan)
    await engine.dispose()
    return text


async def test_with_statistics_a_wards_month_is_one_range_of_the_time_index(
    tmp_path: Path,
) -> None:
    path = tmp_path / "city.db"
    await asyncio.to_thread(two_years_of_two_wards, path)  # Alembic runs its own loop
    url = f"sqlite+aiosqlite:///{path}"
    # without statistics SQLite reads every answer the ward ever had, in the GROUP BY's order
    assert "ix_answer_report" in await plan_of_a_wards_month(url)
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(gather_statistics)
    await engine.dispose()
    plan = await plan_of_a_wards_month(url)
    assert "ix_answer_ward_time (ward_id=? AND answered_at>? AND answered_at<?)" in plan


async def test_the_bot_gathers_statistics_once_a_day(ctx: Context, clock: Clock) -> None:
    dispatcher = Dispatcher(ctx)
    assert await statistics(dispatcher) == 1
    assert await statistics(dispatcher) == 0
    clock.advance(days=1)
    assert await statistics(dispatcher) == 1
    async with ctx.db() as session:
        runs = (await session.exec(select(JobRun).where(JobRun.job == "statistics"))).all()
        assert len(runs) == 2
        if session.get_bind().dialect.name == "sqlite":
            connection = await session.connection()
            tables = await connection.exec_driver_sql("SELECT DISTINCT tbl FROM sqlite_stat1")
            assert "surveyversion" in {row[0] for row in tables}  # the surveys the bot stored
