"""Database engines, sessions and schema upgrades.

SQLite runs in WAL mode and every transaction starts with BEGIN IMMEDIATE: the bot
and a CLI command may write at the same time, and a deferred transaction that later
needs to write can fail at once instead of waiting for the lock.
"""

import asyncio
import fcntl
import os
import re
import sqlite3
import time
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiosqlite
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    DisconnectionError,
    InvalidatePoolError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

if TYPE_CHECKING:
    from alembic.config import Config

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


class _InlineSqlite(aiosqlite.Connection):
    """aiosqlite without a thread hop per call.

    A profile of a survey press showed about 22 hops to aiosqlite's thread (cursor,
    execute, fetch and close for each statement), each waiting for a turn of the event
    loop, costing far more than SQLite's own work of some microseconds. Running the
    calls in the loop's thread makes a transaction one uninterrupted step. SQLite only:
    its calls never wait on a network, and busy waits are bounded by busy_timeout.
    """

    async def _execute(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)


def _inline_sqlite(database: str) -> Any:
    async def connect() -> aiosqlite.Connection:
        connector = partial(sqlite3.connect, database, timeout=30, check_same_thread=False)
        connection = _InlineSqlite(connector, iter_chunk_size=64)
        connection._thread.daemon = True  # as SQLAlchemy does for aiosqlite: exit never waits
        return await connection

    return connect


def _prepare_sqlite(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)


AWAY_STATES = (
    "08",  # connection exceptions
    "57P01",  # terminated by an administrator (pg_terminate_backend, a fast shutdown)
    "57P02",  # crash shutdown
    "57P03",  # cannot connect now: starting up, shutting down
    "25006",  # a read-only transaction: writing to a primary demoted by a failover
    "53300",  # too many connections: the server's or the role's limit, for a moment
)


def unavailable(exc: BaseException) -> bool:
    """Whether an error is the database's passing absence: a connection killed or refused
    (a restart, a failover, `pg_terminate_backend`), the server's connections all taken,
    or none free in our pool in time (a flood). The same work may succeed once the pool
    reconnects (`_ping_when_rested` and a failed statement renew what the server dropped)."""
    if isinstance(exc, DisconnectionError | OSError | PoolTimeout):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    state = getattr(exc.orig, "sqlstate", None) or ""
    return (
        exc.connection_invalidated
        or state.startswith(AWAY_STATES)
        or "not currently accepting connections" in str(exc.orig)  # a database closed to all
    )


POOL_SIZE = 15  # PostgreSQL connections a process keeps at most (the leader's lock aside)
PING_RESTED = 1.0  # seconds in the pool after which a connection is checked before use


def _ping_when_rested(engine: AsyncEngine) -> None:
    """`pool_pre_ping`, for the connections that rested in the pool only.

    asyncpg's ping is three round trips (BEGIN, `;`, ROLLBACK), paid at every checkout: a
    third of a survey press's trips (profiled). A connection in steady use is not pinged;
    if the server dropped it, its first statement fails as the database away
    (`unavailable`: the update is delivered again) and the whole pool is renewed, as
    after a failed ping.
    """
    pool = engine.sync_engine.pool

    @event.listens_for(pool, "checkin")
    def _rests(_dbapi_connection: Any, record: Any) -> None:
        record.info["rests_since"] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def _checked(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("rests_since")  # none for a new connection: not pinged
        if since is None or time.monotonic() - since < PING_RESTED:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # the pool drops it, renews the rest and connects anew
            raise InvalidatePoolError(f"a rested connection is gone: {exc!r}") from exc


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine; for SQLite with WAL, a busy timeout and immediate transactions."""
    url = normalize_url(url)
    if not url.startswith("sqlite"):
        if "poolclass" not in kwargs:
            # A steady pool: with the default 5 kept and 10 more opened and closed on
            # demand, twenty chats at once made a new connection every few presses
            # (205 connections in a 1,000-press bench), each a new PostgreSQL backend and
            # every statement prepared again. The busiest connections are lent first, so
            # the rest rest and are checked before use (`_ping_when_rested`).
            kwargs.setdefault("pool_size", POOL_SIZE)
            kwargs.setdefault("max_overflow", 0)
            kwargs.setdefault("pool_use_lifo", True)
        engine = create_async_engine(url, **kwargs)
        _ping_when_rested(engine)
        return engine
    _prepare_sqlite(url)
    database = make_url(url).database or ":memory:"
    if database != ":memory:":
        # One connection per process: SQLite has one writer at a time anyway, and waiting
        # for the pool is an asyncio wait, whereas SQLite's busy handler sleeps in steps.
        kwargs.setdefault("pool_size", 1)
        kwargs.setdefault("max_overflow", 0)
        kwargs.setdefault("pool_timeout", 60)
    engine = create_async_engine(url, async_creator=_inline_sqlite(database), **kwargs)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA secure_delete=ON")  # erased data is overwritten, not left
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _fsync(path: Path) -> None:
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return  # no WAL at the moment: everything is in the main file, synced at checkpoint
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class GroupSync:
    """Group commit: the bot's SQLite commits made durable many at a time.

    The bot's connection commits with synchronous=NORMAL (the WAL is written, not yet
    flushed to disk). Before anyone is told "recorded", `wait` flushes the WAL once, in
    a thread so the event loop goes on, covering every commit made so far; commits made
    meanwhile share the next flush. As durable as synchronous=FULL, with one fsync per
    group instead of one per press (a fifth of a press's time in the profile).
    Elsewhere (PostgreSQL, or before any commit) `wait` returns at once.
    """

    def __init__(self, wal: Path | None = None) -> None:
        self._wal = wal
        self._committed = 0
        self._synced = 0
        self._flush: asyncio.Task[None] | None = None

    @classmethod
    def attach(cls, engine: AsyncEngine) -> "GroupSync":
        """Switch a file SQLite engine to group commit; a no-op sync for other engines."""
        database = engine.url.database
        if engine.dialect.name != "sqlite" or not database or database == ":memory:":
            return cls()
        sync = cls(Path(f"{database}-wal"))

        @event.listens_for(engine.sync_engine, "connect")
        def _no_flush_per_commit(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine.sync_engine, "commit")
        def _count(_connection: Any) -> None:
            sync._committed += 1

        return sync

    async def wait(self) -> None:
        """Return once every commit made before this call is on disk."""
        target = self._committed
        while self._synced < target:
            if self._flush is None:
                self._flush = asyncio.create_task(self._sync(self._committed))
            await asyncio.shield(self._flush)

    async def _sync(self, upto: int) -> None:
        try:
            assert self._wal is not None
            await asyncio.to_thread(_fsync, self._wal)
            self._synced = max(self._synced, upto)
        finally:
            self._flush = None


def session_maker(engine: AsyncEngine) -> SessionMaker:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


STATISTICS_SAMPLE = 1000  # index entries ANALYZE reads per index: tens of ms for a city


def gather_statistics(connection: Connection) -> None:
    """SQLite's query-planner statistics (ANALYZE, sampled), so that it knows a ward's month
    is a narrow range of `ix_answer_ward_time` rather than guessing; without them it takes
    the index whose order is the GROUP BY's and reads the ward's every answer. PostgreSQL's
    autovacuum gathers its own."""
    if connection.dialect.name != "sqlite":
        return
    connection.exec_driver_sql(f"PRAGMA analysis_limit={STATISTICS_SAMPLE}")
    connection.exec_driver_sql("ANALYZE")


def alembic_config(url: str) -> "Config":
    from alembic.config import Config  # only here: Alembic takes longer to load than a command

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return config


def upgrade_sync(url: str) -> None:
    """Create or upgrade the schema to the newest migration (blocking)."""
    from alembic import command

    normalized = normalize_url(url)
    if not normalized.startswith("sqlite"):
        command.upgrade(alembic_config(url), "head")
        return
    _prepare_sqlite(normalized)
    database = make_url(normalized).database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        command.upgrade(alembic_config(url), "head")
        return
    # Commands started together on a new machine would each create the tables: one at a
    # time, the later ones find the schema current (seen: "table broadcast already exists").
    with open(f"{database}.migrate-lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            command.upgrade(alembic_config(url), "head")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


_REVISION = re.compile(r"^(down_revision|revision)\b[^=]*=(.*)$", re.MULTILINE)
_QUOTED = re.compile(r"['\"]([\w-]+)['\"]")


@cache
def head_revision() -> str:
    """The newest migration's id, read from the files: loading Alembic for this would cost
    a CLI command most of its time."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for kind, values in _REVISION.findall(path.read_text(encoding="utf-8")):
            (revisions if kind == "revision" else parents).update(_QUOTED.findall(values))
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"the migrations have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()


async def schema_is_current(engine: AsyncEngine) -> bool:
    """Whether the database is already at the newest migration (then no upgrade runs)."""
    try:
        async with engine.connect() as connection:
            found = await connection.execute(text("SELECT version_num FROM alembic_version"))
            return [row[0] for row in found] == [head_revision()]
    except (SQLAlchemyError, OSError):  # no database or table yet: the upgrade makes them
        return False


async def upgrade(url: str) -> None:
    """Create or upgrade the schema without blocking the running event loop."""
    await asyncio.to_thread(upgrade_sync, url)
