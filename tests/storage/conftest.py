"""The storage tests' city: wards, surveys and a way to add answers (`test_report.City`),
shared by the report's tests and those of the months counted ahead."""

from collections.abc import AsyncIterator

import pytest

from storage.db import create_engine, session_maker
from tests.storage.test_report import City


@pytest.fixture
async def city(database_url: str) -> AsyncIterator[City]:
    engine = create_engine(database_url)
    async with session_maker(engine)() as session:
        yield await City.start(session)
    await engine.dispose()
