"""The HTTP app over httpx's ASGI transport, on the test's database, with keys made by
the office layer as `sogopy apikey create` makes them."""

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from handlers.context import Context
from office.keys import create_key
from storage.models import Ward
from tests.conftest import add_ward
from web.app import create_app
from web.state import HttpState

USERNAME = "sogopy_test_bot"


@dataclass
class Keys:
    ward: str  # NGHIA-TAN's
    other: str  # DICH-VONG's
    city: str


@pytest.fixture
def state(ctx: Context) -> HttpState:
    return HttpState(
        db=ctx.db,
        zone=ctx.timezone,
        clock=ctx.clock,
        telegram_username=USERNAME,
        zalo_name="Sổ góp ý",
        ready=True,
    )


@pytest.fixture
def app(state: HttpState) -> FastAPI:
    return create_app(state)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://sogopy.test") as http:
        yield http


@pytest.fixture
async def keys(ctx: Context, ward: Ward) -> Keys:
    await add_ward(ctx, "DICH-VONG", "Phường Dịch Vọng")
    async with ctx.db() as session:
        _, mine = await create_key(session, ward="NGHIA-TAN", name="một cửa Nghĩa Tân")
        _, other = await create_key(session, ward="DICH-VONG")
        _, city = await create_key(session, ward=None, name="thành phố")
    return Keys(mine, other, city)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
