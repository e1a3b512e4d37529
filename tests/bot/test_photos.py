"""bot/photos.py: a page's photo fetched back from the chat, against the Bot API emulator
(`getFile`, then the file URL), as the archive fetches it."""

import logging

import httpx
import pytest

from bot import photos
from bot.emulator import BotApiEmulator
from bot.photos import ChatPhotos, file_base
from tests.bot.conftest import TOKEN

PICTURE = b"\x89PNG\r\n\x1a\n a picture's bytes"


async def sent_photo(emulator: BotApiEmulator, data: bytes = PICTURE) -> str:
    """A citizen sends a photo; the largest size's file id, as the bot stores it."""
    update = await emulator.user(7001, first_name="Lan").send_photo("ảnh", data=data)
    return str(update["message"]["photo"][-1]["file_id"])


def test_the_file_url_follows_the_api_base() -> None:
    assert file_base("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert file_base("http://127.0.0.1:8081/bot") == "http://127.0.0.1:8081/file/bot"
    assert file_base("https://proxy.example/telegram/") is None


async def test_a_telegram_photo_comes_back_by_its_file_id(emulator: BotApiEmulator) -> None:
    file_id = await sent_photo(emulator)
    found = await ChatPhotos(TOKEN, emulator.base_url)([file_id, file_id])
    assert found == {file_id: PICTURE}


async def test_a_zalo_photo_comes_back_by_its_url(emulator: BotApiEmulator) -> None:
    file_id = await sent_photo(emulator, b"zalo's picture")
    async with httpx.AsyncClient() as client:
        asked = await client.post(f"{emulator.base_url}{TOKEN}/getFile", json={"file_id": file_id})
    url = f"{emulator.base_file_url}{TOKEN}/{asked.json()['result']['file_path']}"  # a plain URL
    found = await ChatPhotos()([url])  # no Telegram token needed
    assert found == {url: b"zalo's picture"}


async def test_what_cannot_be_fetched_is_left_out_and_the_log_keeps_no_token(
    emulator: BotApiEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    file_id = await sent_photo(emulator)
    gone = f"{emulator.base_file_url}{TOKEN}/photos/file_999.jpg"
    with caplog.at_level(logging.INFO, logger="bot.photos"):
        found = await ChatPhotos(TOKEN, emulator.base_url)(["AgACAgIAAxkBAA-unknown", gone])
        assert found == {}
        assert await ChatPhotos("", emulator.base_url)([file_id]) == {}  # no token here
    assert len(caplog.records) == 2 and "HTTP 404" in caplog.text
    assert TOKEN not in caplog.text and TOKEN.split(":")[1] not in caplog.text


async def test_a_file_larger_than_a_photo_may_be_is_left_out(
    emulator: BotApiEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    file_id = await sent_photo(emulator, b"x" * 1000)
    monkeypatch.setattr(photos, "MAX_BYTES", 999)
    assert await ChatPhotos(TOKEN, emulator.base_url)([file_id]) == {}
    monkeypatch.setattr(photos, "MAX_BYTES", 1000)
    assert await ChatPhotos(TOKEN, emulator.base_url)([file_id]) == {file_id: b"x" * 1000}
