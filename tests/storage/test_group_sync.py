"""Group commit: no one hears "recorded" before the commit is on disk; commits share flushes."""

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text

from storage import db as storage_db
from storage.db import GroupSync, create_engine, session_maker, upgrade
from storage.models import Ward


async def test_waiting_flushes_the_wal_once_for_commits_made_together(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'g.db'}"
    await upgrade(url)
    engine = create_engine(url)
    sync = GroupSync.attach(engine)
    flushed: list[Path] = []
    monkeypatch.setattr(storage_db, "_fsync", flushed.append)
    await sync.wait()
    assert flushed == []  # nothing committed yet: nothing to wait for
    sessions = session_maker(engine)
    for code in ("A", "B", "C"):
        async with sessions() as session:
            session.add(Ward(code=code, name=code))
            await session.commit()
    await asyncio.gather(sync.wait(), sync.wait(), sync.wait())
    assert flushed == [tmp_path / "g.db-wal"]  # one flush covered the three commits
    await sync.wait()
    assert len(flushed) == 1  # and nothing new was committed since
    async with engine.connect() as connection:
        mode = await connection.scalar(text("PRAGMA synchronous"))
    assert mode == 1  # NORMAL: the flush is ours, per group
    await engine.dispose()


async def test_engines_without_a_wal_file_never_wait(database_url: str) -> None:
    """PostgreSQL's commits are durable already; an in-memory SQLite has no disk."""
    for url in (database_url, "sqlite+aiosqlite:///:memory:"):
        engine = create_engine(url)
        sync = GroupSync.attach(engine)
        if engine.dialect.name == "postgresql":
            async with engine.begin() as connection:
                await connection.execute(text("SELECT 1"))
            await asyncio.wait_for(sync.wait(), 1)
        await engine.dispose()
