"""`sogopy run` as a real process: killed mid-survey, stopped by SIGTERM, refused bad settings."""

import asyncio
import subprocess
import time

import pytest

from bot.emulator import BotApiEmulator
from storage.models import Answer, BookPage
from tests.bot.conftest import BotProcess, sogopy, sogopy_process
from tests.bot.test_e2e_citizen import add_ward, rows


async def test_killed_mid_survey_the_citizen_continues_at_the_same_question(
    emulator: BotApiEmulator, bot_env: dict[str, str], bot_process: BotProcess, database_url: str
) -> None:
    payload = await add_ward(bot_env)
    await bot_process.start()
    citizen = emulator.user(2001, first_name="Dũng")
    await citizen.send_text(f"/start {payload}")
    await citizen.next_message(timeout=30)
    survey = await citizen.next_message()
    await citizen.press(survey, "Hài lòng")
    await citizen.wait_for(lambda m: "Câu 1 — " in m.text)
    await bot_process.kill()

    await bot_process.start()
    await citizen.press(survey, "Rất hài lòng")  # the old message's buttons still work
    edited = await citizen.wait_for(lambda m: "Câu 2 — " in m.text, timeout=30)
    assert "Câu 3/3" in edited.text
    await citizen.send_sticker()
    reminder = await citizen.wait_for(lambda m: "chọn một trong các câu trả lời" in m.text)
    assert reminder
    again = await citizen.next_message()
    assert "Câu 3/3" in again.text
    assert [a.level for a in await rows(database_url, Answer)] == [4, 5]


async def test_every_confirmed_suggestion_survives_a_kill(
    emulator: BotApiEmulator, bot_env: dict[str, str], bot_process: BotProcess, database_url: str
) -> None:
    await add_ward(bot_env)
    await bot_process.start()
    confirmed = []
    for number in range(3):
        citizen = emulator.user(2100 + number)
        await citizen.send_text("/start d_NGHIA-TAN")
        await citizen.send_text("/thoat")
        await citizen.send_text("/gopy")
        await citizen.send_text(f"Góp ý số {number}")
        sign = await citizen.wait_for(lambda m: "ẩn danh" in m.text, timeout=30)
        await citizen.press(sign, "Gửi ẩn danh")
        confirmation = await citizen.wait_for(lambda m: "trang số" in m.text)
        confirmed.append(confirmation.text)
    await bot_process.kill()
    stored = {page.text for page in await rows(database_url, BookPage)}
    assert stored == {f"Góp ý số {n}" for n in range(3)}


async def test_sigterm_stops_the_bot_cleanly(
    emulator: BotApiEmulator, bot_env: dict[str, str], bot_process: BotProcess
) -> None:
    await bot_process.start()
    citizen = emulator.user(2200)
    await citizen.send_text("/help")
    await citizen.next_message(timeout=30)  # it is up and polling
    started = time.monotonic()
    assert await bot_process.terminate(timeout=10) == 0
    assert time.monotonic() - started < 10


def run_with(
    env: dict[str, str], process: bool = False, **changes: str
) -> subprocess.CompletedProcess[str]:
    """`sogopy run` with settings changed: in this process (fast), or as its own process."""
    changed = dict(env)
    for key, value in changes.items():
        if value:
            changed[key] = value
        else:
            changed.pop(key, None)
    return (sogopy_process if process else sogopy)(changed, "run")


@pytest.mark.any_database
async def test_bad_settings_stop_run_with_one_line(
    emulator: BotApiEmulator, bot_env: dict[str, str]
) -> None:
    cases = {
        "TELEGRAM_BOT_TOKEN": {"TELEGRAM_BOT_TOKEN": ""},
        "DATABASE_URL": {"DATABASE_URL": "nonsense://"},
        "SOGOPY_TIMEZONE": {"SOGOPY_TIMEZONE": "Mars/Olympus"},
        "SOGOPY_QUIET_HOURS": {"SOGOPY_QUIET_HOURS": "late"},
        "SOGOPY_ADMINS": {"SOGOPY_ADMINS": "12,abc"},
        "TELEGRAM_API_BASE_URL": {"TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot"},
        "ZALO_API_BASE_URL": {"ZALO_BOT_TOKEN": "z", "ZALO_API_BASE_URL": "http://127.0.0.1:9/bot"},
        "ZALO_WEBHOOK_URL": {"ZALO_WEBHOOK_URL": "ftp://example.org/hook"},
        "ZALO_WEBHOOK_SECRET": {"ZALO_WEBHOOK_URL": "https://example.org/zalo/webhook"},
        "SOGOPY_ZALO_SEND_RATE": {"SOGOPY_ZALO_SEND_RATE": "0"},
        "SOGOPY_SURVEY_DIR": {"SOGOPY_SURVEY_DIR": "/nonexistent/surveys"},
        "SOGOPY_PUBLIC_URL": {"SOGOPY_PUBLIC_URL": "gopy.example.vn"},
        "SOGOPY_HTTP_PORT": {  # the tests' env turns the HTTP app off: a webhook needs it
            "ZALO_WEBHOOK_URL": "https://example.org/zalo/webhook",
            "ZALO_WEBHOOK_SECRET": "s3cret-s3cret",
        },
    }
    # the ones found only once running (it connects, reads surveys) need the real command,
    # whose signal handling wants a main thread; the others are refused in this process
    ends = ("TELEGRAM_BOT_TOKEN", "TELEGRAM_API_BASE_URL", "ZALO_API_BASE_URL", "SOGOPY_SURVEY_DIR")
    outcomes = [
        (variable, await asyncio.to_thread(run_with, bot_env, **change))
        for variable, change in cases.items()
        if variable not in ends[1:]
    ]
    ended = await asyncio.gather(
        *(asyncio.to_thread(run_with, bot_env, True, **cases[name]) for name in ends)
    )
    outcomes += zip(ends, ended, strict=True)
    for variable, result in outcomes:
        assert result.returncode != 0
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and variable in lines[0], result.stderr
        assert "Traceback" not in result.stderr
    refused = await asyncio.to_thread(run_with, bot_env, True, TELEGRAM_BOT_TOKEN="999:WRONG")
    assert refused.returncode != 0 and "TELEGRAM_BOT_TOKEN" in refused.stderr
