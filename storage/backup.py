"""Backups that restore: a consistent copy of the live database, and putting one back.

SQLite: the online backup API copies one read snapshot in a single step (in WAL mode
the bot keeps writing meanwhile; its commits after the snapshot are simply not in the
copy). PostgreSQL: `pg_dump` (custom format, one snapshot) and `pg_restore`, the
PostgreSQL client tools; when they are missing the error gives the exact command.
"""

import asyncio
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import URL, make_url, text

from storage.db import create_engine, normalize_url

# tables whose rows mean the database is in use: a restore over them needs --force
DATA_TABLES = ("ward", "person", "case", "bookpage", "answer")
SQLITE_MAGIC = b"SQLite format 3\x00"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says what to do."""


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory database cannot be backed up")
    return Path(url.database)


def _libpq(url: URL) -> tuple[list[str], dict[str, str]]:
    """The connection as pg_dump/pg_restore arguments; the password goes by environment."""
    args = ["--dbname", url.database or "postgres"]
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _tool(name: str, command: list[str]) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed (Debian: apt-get install postgresql-client); "
            f"the command is: {' '.join(command)}"
        )
    return found


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["failed"])[-1]
        raise BackupError(f"{Path(command[0]).name}: {last}")


def backup(database_url: str, target: Path) -> None:
    """A consistent copy of the database at `target` (which must not exist yet)."""
    if target.exists():
        raise BackupError(f"{target} exists already: choose a new file name")
    url = make_url(normalize_url(database_url))
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_path(url), timeout=30)
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # pages=-1: one step, one snapshot
        finally:
            copy.close()
            source.close()
        return
    args, env = _libpq(url)
    command = ["pg_dump", "--format=custom", "--no-owner", "--file", str(target), *args]
    command[0] = _tool("pg_dump", command)
    _run(command, env)


def has_data(database_url: str) -> bool:
    """True when any table that holds the ward's data has a row (a missing table is empty)."""
    url = make_url(normalize_url(database_url))
    if url.get_backend_name() == "sqlite":
        path = _sqlite_path(url)
        if not path.exists():
            return False
        connection = sqlite3.connect(path, timeout=30)
        try:
            for table in DATA_TABLES:
                try:
                    if connection.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone():
                        return True
                except sqlite3.OperationalError:
                    continue  # no such table
        finally:
            connection.close()
        return False
    return asyncio.run(_pg_has_data(database_url))


async def _pg_has_data(database_url: str) -> bool:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            for table in DATA_TABLES:
                exists = await connection.scalar(text(f"SELECT to_regclass('public.\"{table}\"')"))
                if exists is not None and await connection.scalar(
                    text(f'SELECT 1 FROM "{table}" LIMIT 1')
                ):
                    return True
    finally:
        await engine.dispose()
    return False


def restore(database_url: str, source: Path, force: bool) -> None:
    """Put a backup in place of the database; refuses a database with data unless `force`."""
    if not source.is_file():
        raise BackupError(f"no backup file {source}")
    if not force and has_data(database_url):
        raise BackupError("the database already holds data: add --force to overwrite it")
    url = make_url(normalize_url(database_url))
    if url.get_backend_name() == "sqlite":
        with source.open("rb") as stream:
            if stream.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
                raise BackupError(f"{source} is not a SQLite backup")
        target_path = _sqlite_path(url)
        target_path.parent.mkdir(parents=True, exist_ok=True)
        backup_copy = sqlite3.connect(source)
        target = sqlite3.connect(target_path, timeout=30)
        try:
            backup_copy.backup(target)
        finally:
            target.close()
            backup_copy.close()
        return
    args, env = _libpq(url)
    command = ["pg_restore", "--clean", "--if-exists", "--no-owner", *args, str(source)]
    command[0] = _tool("pg_restore", command)
    _run(command, env)
