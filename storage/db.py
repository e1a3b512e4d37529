"""Database engines, sessions and schema upgrades.

SQLite runs in WAL mode and every transaction starts with BEGIN IMMEDIATE: the bot
and a CLI command may write at the same time, and a deferred transaction that later
needs to write can fail at once instead of waiting for the lock.
"""

import asyncio
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

MIGRATIONS = Path(__file__).parent / "migrations"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/sogopy.db"

SessionMaker = async_sessionmaker[AsyncSession]


class DatabaseUrlError(ValueError):
    """The configured URL is not one this program can use."""


def normalize_url(url: str) -> str:
    """Accept the URLs people paste (postgres://, sqlite:///) and pick the async driver."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseUrlError(f"not a database URL: {url!r}") from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    raise DatabaseUrlError(f"unsupported database {backend!r}: use sqlite or postgresql")


def _prepare_sqlite(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine; for SQLite with WAL, a busy timeout and immediate transactions."""
    url = normalize_url(url)
    if not url.startswith("sqlite"):
        return create_async_engine(url, pool_pre_ping=True, **kwargs)
    _prepare_sqlite(url)
    engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def session_maker(engine: AsyncEngine) -> SessionMaker:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return config


def upgrade_sync(url: str) -> None:
    """Create or upgrade the schema to the newest migration (blocking)."""
    if url.startswith("sqlite") or normalize_url(url).startswith("sqlite"):
        _prepare_sqlite(normalize_url(url))
    command.upgrade(alembic_config(url), "head")


async def upgrade(url: str) -> None:
    """Create or upgrade the schema without blocking the running event loop."""
    await asyncio.to_thread(upgrade_sync, url)
