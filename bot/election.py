"""Which process runs the scheduled jobs: exactly one, the leader.

Several `sogopy run` processes may serve one PostgreSQL database (webhooks behind a
reverse proxy), but done cases, leaders' notices, reminders, digests and broadcasts
must each go out once, at the platform's overall rate: only the leader runs them. The
leader holds a PostgreSQL advisory lock on a connection of its own; PostgreSQL drops
the lock when that connection closes (the process died, the network broke), and the
others, trying every few seconds, take over. A leader that finds its connection broken
stops its jobs at once: it can no longer tell whether another took over.

SQLite has one writer and no advisory locks: one process per database file, held by a
file lock beside it, and a second `sogopy run` refuses to start.
"""

import asyncio
import fcntl
import logging
from pathlib import Path
from typing import IO

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import NullPool

from bot.settings import SettingsError
from storage.db import create_engine, normalize_url

log = logging.getLogger(__name__)

RETRY_SECONDS = 3.0  # how often a follower tries to lead, and a leader checks its connection
LOCK_KEY = 0x736F_676F_7079  # "sogopy": the advisory lock of the jobs, one per database
TRY_LOCK = text("SELECT pg_try_advisory_lock(:key)")


class Election:
    """This process's claim to run the jobs: `acquire` until it leads, `held` while it does."""

    def __init__(self, database_url: str, retry: float = RETRY_SECONDS) -> None:
        self.url = normalize_url(database_url)
        self.retry = retry
        self.leader = False
        self._engine: AsyncEngine | None = None
        self._connection: AsyncConnection | None = None
        self._file: IO[str] | None = None
        self.tried = asyncio.Event()  # set once a try found another process leading

    @property
    def shared(self) -> bool:
        """Whether other processes may serve the same database (PostgreSQL)."""
        return not self.url.startswith("sqlite")

    def claim_file(self) -> None:
        """SQLite: hold the database file for this process, or a `SettingsError` naming it."""
        database = make_url(self.url).database or ""
        if self.shared or not database or database == ":memory:" or database.startswith("file:"):
            return
        path = Path(f"{database}.run-lock")
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise SettingsError(
                f"DATABASE_URL: another `sogopy run` uses {database}; SQLite takes one bot "
                "process per file (stop the other one, or use PostgreSQL for several)"
            ) from None
        self._file = handle

    async def acquire(self) -> None:
        """Return once this process leads (at once on SQLite)."""
        if not self.shared:
            self.leader = True
            return
        if self._engine is None:
            self._engine = create_engine(self.url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        while True:  # another process's lock sends no event when it goes: try again
            if await self._try():
                break
            self.tried.set()
            await asyncio.sleep(self.retry)
        self.leader = True
        log.info("this process leads: it runs the scheduled jobs")

    async def _try(self) -> bool:
        assert self._engine is not None
        try:
            connection = await self._engine.connect()
        except (SQLAlchemyError, OSError) as exc:
            log.warning("leader election: the database does not answer (%s)", exc)
            return False
        try:
            got = await connection.scalar(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}
            )
        except (SQLAlchemyError, OSError):
            got = False
        if not got:
            await self._close(connection)
            return False
        self._connection = connection
        return True

    async def held(self) -> None:
        """Return when this process no longer leads: its lock's connection broke."""
        if not self.shared:
            await asyncio.Event().wait()  # SQLite: leads until the process ends
        while self._connection is not None:
            try:
                await self._connection.scalar(text("SELECT 1"))
            except (SQLAlchemyError, OSError) as exc:
                log.error("leader's connection lost (%s): the jobs stop here", exc)
                connection, self._connection = self._connection, None
                await self._close(connection)
                break
            await asyncio.sleep(self.retry)
        self.leader = False

    async def close(self) -> None:
        """Give up leading (others take over at their next try) and the file lock."""
        self.leader = False
        if self._connection is not None:
            connection, self._connection = self._connection, None
            await self._close(connection)
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None
        if self._file is not None:
            self._file.close()  # closing releases the lock
            self._file = None

    @staticmethod
    async def _close(connection: AsyncConnection) -> None:
        try:
            await connection.close()
        except (SQLAlchemyError, OSError):
            pass  # already broken: PostgreSQL drops its lock with the session
