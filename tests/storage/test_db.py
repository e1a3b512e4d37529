"""The storage layer as the bot and the CLI lean on it: URLs, schema upgrades, page numbers."""

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, make_url, text
from sqlmodel import select

from storage.db import (
    POOL_SIZE,
    DatabaseUrlError,
    create_engine,
    normalize_url,
    session_maker,
    unavailable,
    upgrade_sync,
)
from storage.models import Person, UTCDateTime, Ward
from storage.queries import get_or_create_person, next_page_number

HANOI = timezone(timedelta(hours=7))


@pytest.mark.parametrize(
    ("pasted", "used"),
    [
        ("sqlite:///x.db", "sqlite+aiosqlite:///x.db"),
        ("sqlite+aiosqlite:///data/sogopy.db", "sqlite+aiosqlite:///data/sogopy.db"),
        ("postgres://u@h/d", "postgresql+asyncpg://u@h/d"),
        ("postgresql://u:p%40ss@h:5432/d", "postgresql+asyncpg://u:p%40ss@h:5432/d"),
        ("postgresql+psycopg2://u@h/d", "postgresql+asyncpg://u@h/d"),
    ],
)
def test_pasted_database_urls_get_the_async_driver(pasted: str, used: str) -> None:
    assert normalize_url(pasted) == used


@pytest.mark.parametrize("url", ["mysql://u@h/d", "not a url", ""])
def test_unusable_database_urls_are_refused(url: str) -> None:
    with pytest.raises(DatabaseUrlError):
        normalize_url(url)


def test_upgrade_creates_a_wal_sqlite_file_under_a_missing_folder(tmp_path: Path) -> None:
    path = tmp_path / "data" / "nested" / "sogopy.db"
    upgrade_sync(f"sqlite:///{path}")
    assert path.is_file()
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"ward", "person", "bookpage", "alembic_version"} <= tables


def test_upgrading_twice_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "sogopy.db"
    upgrade_sync(f"sqlite:///{path}")
    with sqlite3.connect(path) as connection:
        connection.execute(
            "INSERT INTO ward (code, name, deadline_days, last_page, created_at)"
            " VALUES ('NGHIA-TAN', 'Phường Nghĩa Tân', 10, 0, '2026-01-01 00:00:00')"
        )
    upgrade_sync(f"sqlite+aiosqlite:///{path}")
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)
        assert connection.execute("SELECT code FROM ward").fetchall() == [("NGHIA-TAN",)]


async def test_page_numbers_have_no_gaps_and_no_twins_under_concurrency(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    db = session_maker(engine)
    try:
        async with db() as session:
            wards = [
                Ward(code="NGHIA-TAN", name="Phường Nghĩa Tân"),
                Ward(code="DICH-VONG", name="Dịch Vọng"),
            ]
            session.add_all(wards)
            await session.commit()
        nghia_tan, dich_vong = (ward.id for ward in wards)
        assert nghia_tan is not None and dich_vong is not None

        async def take(ward_id: int) -> int:
            async with db() as session:
                number = await next_page_number(session, ward_id)
                await asyncio.sleep(0)  # let the others try while this transaction is open
                await session.commit()
                return number

        taken = await asyncio.gather(*(take(nghia_tan) for _ in range(20)), take(dich_vong))
        assert sorted(taken[:20]) == list(range(1, 21))
        assert taken[20] == 1  # each ward's book has its own numbering
        async with db() as session:
            stored = await session.get(Ward, nghia_tan)
            assert stored is not None and stored.last_page == 20
    finally:
        await engine.dispose()


def test_utc_columns_refuse_naive_times_and_store_utc() -> None:
    column = UTCDateTime()
    with pytest.raises(ValueError, match="naive"):
        column.process_bind_param(datetime(2026, 11, 26, 10, 0), None)
    stored = column.process_bind_param(datetime(2026, 11, 26, 10, 0, tzinfo=HANOI), None)
    assert stored == datetime(2026, 11, 26, 3, 0)
    read = column.process_result_value(stored, None)
    assert read == datetime(2026, 11, 26, 3, 0, tzinfo=UTC) and read.tzinfo is UTC
    assert column.process_bind_param(None, None) is None


async def test_a_time_read_back_is_the_same_moment_in_utc(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with session_maker(engine)() as session:
            morning = datetime(2026, 11, 26, 8, 30, tzinfo=HANOI)
            session.add(Ward(code="NGHIA-TAN", name="Phường Nghĩa Tân", created_at=morning))
            await session.commit()
        async with session_maker(engine)() as session:
            (ward,) = (await session.exec(select(Ward))).all()
        assert ward.created_at == morning
        assert ward.created_at.tzinfo is UTC and ward.created_at.hour == 1
    finally:
        await engine.dispose()


async def test_telegram_and_zalo_chats_with_one_id_are_two_people(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with session_maker(engine)() as session:
            on_telegram = await get_or_create_person(session, "telegram", "1001")
            on_zalo = await get_or_create_person(session, "zalo", "1001")
            await session.commit()
        async with session_maker(engine)() as session:
            again = await get_or_create_person(session, "telegram", "1001")
            everyone = (await session.exec(select(Person))).all()
        assert on_telegram.id != on_zalo.id
        assert again.id == on_telegram.id
        assert sorted((p.platform, p.chat_id) for p in everyone) == [
            ("telegram", "1001"),
            ("zalo", "1001"),
        ]
    finally:
        await engine.dispose()


def test_the_head_read_from_the_files_is_alembics(tmp_path: Path) -> None:
    from alembic.script import ScriptDirectory

    from storage.db import alembic_config, head_revision

    script = ScriptDirectory.from_config(alembic_config(f"sqlite:///{tmp_path / 'x.db'}"))
    assert head_revision() == script.get_current_head()


async def test_the_migrations_make_the_schema_the_models_describe(database_url: str) -> None:
    """Every table, column and index of `storage.models` is made by a migration (an index
    the models declared was once never made: `ix_bookpage_session_id`)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    def differences(connection: Any) -> list[Any]:
        return compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)

    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(differences) == []
    finally:
        await engine.dispose()


async def test_a_command_knows_when_the_schema_needs_an_upgrade(tmp_path: Path) -> None:
    from storage.db import schema_is_current, upgrade

    url = f"sqlite:///{tmp_path / 'sogopy.db'}"
    engine = create_engine(url)
    try:
        assert not await schema_is_current(engine)  # no table yet
        await upgrade(url)
        assert await schema_is_current(engine)
        with sqlite3.connect(tmp_path / "sogopy.db") as connection:
            connection.execute("UPDATE alembic_version SET version_num = '0001'")
        assert not await schema_is_current(engine)  # an older schema
    finally:
        await engine.dispose()


async def test_a_full_pool_and_a_full_server_are_the_database_away(database_url: str) -> None:
    """Both pass: a flood that takes every connection is answered as the database away
    (a webhook 503, redelivered), never as a failed event with an apology."""
    engine = create_engine(database_url, pool_size=1, max_overflow=0, pool_timeout=0.1)
    try:
        async with engine.connect():
            with pytest.raises(Exception) as caught:
                async with engine.connect():
                    pass
        assert unavailable(caught.value)
    finally:
        await engine.dispose()
    if not database_url.startswith("postgresql"):
        return
    admin = create_engine(database_url)
    try:
        async with admin.begin() as connection:  # a role with no connection left: 53300
            await connection.execute(text("DROP ROLE IF EXISTS sogopy_full"))
            await connection.execute(text("CREATE ROLE sogopy_full LOGIN CONNECTION LIMIT 0"))
        full = create_engine(make_url(database_url).set(username="sogopy_full").render_as_string())
        with pytest.raises(Exception) as caught:
            async with full.connect():
                pass
        await full.dispose()
        assert unavailable(caught.value), caught.value
    finally:
        async with admin.begin() as connection:
            await connection.execute(text("DROP ROLE IF EXISTS sogopy_full"))
        await admin.dispose()


async def test_a_rested_connection_is_pinged_and_a_busy_one_fails_as_away(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pooled connection the server dropped (a restart, `pg_terminate_backend`) is
    replaced unseen when it rested in the pool; in steady use it is not pinged (three
    round trips each time), so its first statement fails as the database away, and the
    next one gets a new connection."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to drop a connection")
    engine = create_engine(database_url, pool_size=1, max_overflow=0)
    admin = create_engine(database_url)

    async def drop_the_pooled_connection() -> None:
        async with engine.connect() as connection:
            pid = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        async with admin.connect() as connection:
            await connection.execute(text(f"SELECT pg_terminate_backend({pid})"))

    try:
        monkeypatch.setattr("storage.db.PING_RESTED", 0.0)  # it rested long enough
        await drop_the_pooled_connection()
        async with engine.connect() as connection:
            assert (await connection.execute(text("SELECT 1"))).scalar_one() == 1

        monkeypatch.setattr("storage.db.PING_RESTED", 3600.0)  # in steady use
        await drop_the_pooled_connection()
        with pytest.raises(Exception) as caught:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        assert unavailable(caught.value), caught.value
        async with engine.connect() as connection:
            assert (await connection.execute(text("SELECT 1"))).scalar_one() == 1
    finally:
        await engine.dispose()
        await admin.dispose()


async def test_a_burst_of_chats_reuses_the_pools_connections(database_url: str) -> None:
    """Twenty chats at once, twice: the pool opens its connections once and keeps them.
    With overflow connections opened and closed on demand, every burst opened new
    PostgreSQL backends, each preparing every statement again (issue 14's throughput)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite keeps one connection per process")
    engine = create_engine(database_url)
    opened = 0

    def count(*_: object) -> None:
        nonlocal opened
        opened += 1

    event.listen(engine.sync_engine.pool, "connect", count)
    gate = asyncio.Event()

    async def chat() -> None:
        async with engine.connect() as connection:
            await gate.wait()
            await connection.execute(text("SELECT 1"))

    try:
        for _ in range(2):
            chats = [asyncio.create_task(chat()) for _ in range(20)]
            await asyncio.sleep(0.1)  # every chat has asked for its connection
            gate.set()
            await asyncio.gather(*chats)
            gate.clear()
        assert opened == POOL_SIZE
    finally:
        await engine.dispose()
