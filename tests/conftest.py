"""Shared fixtures: a migrated database per test (SQLite always, PostgreSQL when
`TEST_DATABASE_URL` is set), a context with a clock the test controls, and a chat
helper that reads like a conversation.
"""

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import make_url, text
from sqlmodel import SQLModel

from handlers.context import Context, sync_surveys
from handlers.events import Address, Choice, Incoming, Kind, Response
from handlers.router import handle
from handlers.survey_library import scan_library
from storage.db import create_engine, normalize_url, session_maker, upgrade_sync
from storage.models import Ward

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for each test (migrating costs more than copying)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade_sync(f"sqlite+aiosqlite:///{path}")
    return path


async def _worker_database(url: str, worker: str) -> str:
    """A database of this test worker's own beside `url`'s (created if missing), so that
    workers running at once never empty each other's tables."""
    base = make_url(normalize_url(url))
    name = f"{base.database}_{worker}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            exists = await connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if not exists:
                await connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_url(worker_id: str) -> str:
    """The PostgreSQL test database (one per xdist worker), emptied and migrated once."""
    url = PG_URL if worker_id == "master" else asyncio.run(_worker_database(PG_URL, worker_id))

    async def reset() -> None:
        engine = create_engine(url)
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
        await engine.dispose()

    asyncio.run(reset())
    upgrade_sync(url)
    return normalize_url(url)


async def _truncate(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{table.name}"' for table in SQLModel.metadata.sorted_tables)
    async with engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    await engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param != "sqlite" and request.node.get_closest_marker("any_database"):
        pytest.skip("does not depend on the database: run on SQLite only")
    if (
        request.param == "sqlite"
        and PG_URL
        and request.node.get_closest_marker("strictest_database")
    ):
        pytest.skip("run on PostgreSQL, which refuses more (a NUL, a number beyond INTEGER)")
    if request.param == "sqlite":
        path = tmp_path / "sogopy.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite+aiosqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_url")
        asyncio.run(_truncate(url))
        yield url


@dataclass
class Clock:
    """A clock the test moves by hand; handlers read time only through it."""

    now: datetime = field(default_factory=lambda: datetime(2026, 11, 26, 3, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def ctx(database_url: str, clock: Clock) -> AsyncIterator[Context]:
    engine = create_engine(database_url)
    db = session_maker(engine)
    yield Context(
        db=db,
        surveys=await sync_surveys(db, scan_library()[0]),
        timezone=ZoneInfo("Asia/Ho_Chi_Minh"),
        clock=clock,
    )
    await engine.dispose()


async def add_ward(ctx: Context, code: str = "NGHIA-TAN", name: str = "Phường Nghĩa Tân") -> Ward:
    async with ctx.db() as session:
        ward = Ward(code=code, name=name)
        session.add(ward)
        await session.commit()
        return ward


@pytest.fixture
async def ward(ctx: Context) -> Ward:
    return await add_ward(ctx)


_message_ids = count(1)


@dataclass
class Chat:
    """One person's private chat, driving the handlers directly."""

    ctx: Context
    chat_id: str = "1001"
    name: str = "Nguyễn Văn An"
    platform: str = "telegram"
    last: Response = field(default_factory=Response)
    keyboard: tuple[Choice, ...] = ()  # the newest buttons the bot showed

    def remember(self, response: Response) -> Response:
        self.last = response
        for reply in response.replies:
            if reply.choices:
                self.keyboard = reply.choices
        return response

    @property
    def address(self) -> Address:
        return Address(self.platform, self.chat_id)

    def new_message_id(self) -> int:
        """A message id newer than every one sent so far, as a platform numbers them."""
        return next(_message_ids)

    async def send(self, kind: Kind, **fields: object) -> Response:
        fields.setdefault("message_id", self.new_message_id())
        event = Incoming(address=self.address, kind=kind, user_name=self.name, **fields)  # type: ignore[arg-type]
        return self.remember(await handle(event, self.ctx))

    async def text(self, text: str) -> Response:
        return await self.send(Kind.TEXT, text=text)

    async def command(self, name: str, argument: str = "") -> Response:
        return await self.send(Kind.COMMAND, command=name, text=argument)

    async def photo(self, caption: str = "", file_id: str = "PHOTO-1") -> Response:
        return await self.send(Kind.PHOTO, text=caption, photo=file_id)

    async def press(self, data: str, message_id: int = 500) -> Response:
        return await self.send(Kind.CHOICE, choice=data, message_id=message_id)

    async def press_label(self, label: str, message_id: int = 500) -> Response:
        """Press the button labelled `label` among the newest buttons shown."""
        for choice in self.keyboard:
            if choice.label == label:
                return await self.press(choice.data, message_id)
        raise AssertionError(f"no button {label!r} in {[c.label for c in self.keyboard]}")

    async def answer_all(self, label: str) -> Response:
        """Press `label` on every question the survey shown asks (walk-ins are asked fewer)."""
        response = self.last
        while any(choice.label == label for choice in self.keyboard):
            response = await self.press_label(label)
        return response


@pytest.fixture
def chat(ctx: Context) -> Chat:
    return Chat(ctx)


# ---- browser tests (issue 13): Debian's Chromium, never a downloaded browser ------------
CHROMIUM = Path("/usr/bin/chromium")


def pytest_report_header() -> str | None:
    if CHROMIUM.exists():
        return None
    return "browser tests skipped: `apt-get install chromium` enables them"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason="no /usr/bin/chromium: apt-get install chromium")
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)
