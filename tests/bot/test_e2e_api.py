"""The one-stop software over real HTTP to `sogopy run`'s own HTTP app, and the citizen
in the Telegram emulator: a case registered and returned over the API gets its survey."""

import asyncio
import socket
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.app import serve
from bot.emulator import BotApiEmulator
from bot.settings import SettingsError, load_settings
from storage.models import Case, Ward
from tests.bot.conftest import asogopy, store, until
from tests.bot.test_e2e_citizen import answer_all, rows
from tests.bot.test_e2e_zalo import free_port


@pytest.fixture
async def http_bot(
    bot_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    """The bot with its HTTP app on a free port; a client for it once /health says ready."""
    port = free_port()
    for key, value in {**bot_env, "SOGOPY_HTTP_PORT": str(port)}.items():
        monkeypatch.setenv(key, value)
    stop = asyncio.Event()
    bot = asyncio.create_task(serve(load_settings(), stop))
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:

        async def ready() -> bool:
            assert not bot.done(), bot.exception()
            try:
                return (await http.get("/health")).status_code == 200
            except httpx.TransportError:
                return False

        await until(ready)
        yield http
    stop.set()
    await asyncio.wait_for(bot, timeout=15)


async def test_a_case_from_the_api_gets_its_survey_when_returned_over_the_api(
    emulator: BotApiEmulator,
    bot_env: dict[str, str],
    http_bot: httpx.AsyncClient,
    database_url: str,
) -> None:
    await store(database_url, Ward(code="NGHIA-TAN", name="Phường Nghĩa Tân"))
    made = await asogopy(bot_env, "apikey", "create", "--ward", "NGHIA-TAN", "--name", "một cửa")
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip()  # the key alone on its line
    headers = {"Authorization": f"Bearer {key}"}
    case = {"ward": "NGHIA-TAN", "code": "HS-0009", "procedure": "Chứng thực bản sao"}

    created = await http_bot.post("/api/v1/cases", json=case, headers=headers)
    assert created.status_code == 201, created.text
    link = created.json()["telegram_link"]
    assert link.startswith("https://t.me/sogopy_test_bot?start=c_")  # the running bot's name
    receipt = await http_bot.get(created.json()["receipt_url"], headers=headers)
    assert receipt.content.startswith(b"%PDF")

    citizen = emulator.user(1002, first_name="Bình")
    await citizen.send_text("/start " + link.split("start=")[1])  # the receipt's QR code
    assert "HS-0009" in (await citizen.next_message()).text
    status = await http_bot.get("/api/v1/cases/HS-0009", headers=headers)
    assert status.json()["status"] == "linked"

    done = await http_bot.post("/api/v1/cases/HS-0009/done", headers=headers)
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert "đã có kết quả" in (await citizen.next_message(timeout=12)).text
    await answer_all(citizen, await citizen.next_message(), "Hài lòng")
    answered = await http_bot.get("/api/v1/cases/HS-0009", headers=headers)
    assert answered.json()["status"] == "answered"
    again = await http_bot.post("/api/v1/cases/HS-0009/done", headers=headers)
    assert again.status_code == 200 and again.json()["done_at"] == done.json()["done_at"]
    (stored,) = await rows(database_url, Case)
    assert stored.prompted_at is not None


async def test_a_port_in_use_is_one_line_naming_the_setting(
    bot_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for key, value in {**bot_env, "SOGOPY_HTTP_PORT": str(port)}.items():
            monkeypatch.setenv(key, value)
        with pytest.raises(SettingsError, match=f"^SOGOPY_HTTP_PORT: .*127.0.0.1:{port}"):
            await serve(load_settings(), asyncio.Event())


async def test_health_the_api_and_the_webhook_answer_while_the_bot_runs(
    http_bot: httpx.AsyncClient,
) -> None:
    assert (await http_bot.get("/health")).json() == {"ok": True}
    assert (await http_bot.get("/api/v1/cases/HS-1")).status_code == 401  # asks for a key
    assert (await http_bot.post("/zalo/webhook", json={})).status_code == 404  # no Zalo here
