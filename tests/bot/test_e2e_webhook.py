"""Telegram by webhook: the emulator POSTs updates to the bot's HTTP app, as Telegram does,
on several connections at once, and delivers again whatever was not answered 2xx."""

import json
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.emulator import BotApiEmulator
from bot.settings import SettingsError, load_settings
from storage.models import Answer, BookPage, Person, SeenMessage, SurveySession
from tests.bot.conftest import asogopy
from tests.bot.test_e2e_citizen import add_ward, answer_all, rows
from tests.bot.test_e2e_zalo import free_port, running, stopped

SECRET = "webhook-s3cret_42"


@pytest.fixture
async def webhook_bot(
    emulator: BotApiEmulator, bot_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[str]:
    """The bot in webhook mode, in this process; yields its HTTP app's base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **bot_env,
        "TELEGRAM_WEBHOOK_URL": f"{base}/telegram/webhook",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "SOGOPY_HTTP_PORT": str(port),
    }
    task = await running(env, monkeypatch)
    await emulator._wait_state(
        lambda: 0.0 if emulator.webhook or task.done() else None, 15, lambda: "no setWebhook"
    )
    if task.done():
        task.result()  # its error, as it is
    yield base
    await stopped(task)


async def test_a_wrong_or_missing_secret_stores_nothing(
    emulator: BotApiEmulator, webhook_bot: str, database_url: str
) -> None:
    assert emulator.webhook == {
        "url": f"{webhook_bot}/telegram/webhook",
        "secret_token": SECRET,
        "max_connections": 40,
    }
    update = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": 1764200000,
            "chat": {"id": 77, "type": "private"},
            "from": {"id": 77, "is_bot": False, "first_name": "Giả"},
            "text": "/help",
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }
    async with aiohttp.ClientSession() as http:
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": SECRET + "x"}):
            async with http.post(
                f"{webhook_bot}/telegram/webhook", json=update, headers=headers
            ) as answer:
                assert answer.status == 401
    assert await rows(database_url, Person) == []
    assert await rows(database_url, SeenMessage) == []


async def test_a_survey_and_a_suggestion_over_the_webhook(
    emulator: BotApiEmulator, bot_env: dict[str, str], webhook_bot: str, database_url: str
) -> None:
    payload = await add_ward(bot_env)
    citizen = emulator.user(1001, first_name="Lan")
    await citizen.send_text(f"/start {payload}")
    assert "Phường Nghĩa Tân" in (await citizen.next_message()).text
    survey = await citizen.next_message()
    await answer_all(citizen, survey)
    ask = await citizen.next_message()
    await citizen.send_text("Cần thêm ghế chờ")
    sign = await citizen.next_message()
    await citizen.press(sign, "Gửi ẩn danh")
    assert "trang số 1" in (await citizen.next_message()).text
    assert "Bỏ qua" in ask.button_labels
    await emulator.wait_idle()
    # each press was answered in the webhook's own answer, which Telegram performs: the
    # bot made no answerCallbackQuery call of its own (one call fewer per press)
    assert emulator.webhook_methods["answerCallbackQuery"] == 4  # 3 levels, the signature
    assert emulator.method_counts["answerCallbackQuery"] == 4
    assert not emulator.errors
    (page,) = await rows(database_url, BookPage)
    assert page.text == "Cần thêm ghế chờ"
    assert len(await rows(database_url, Answer)) == 3  # a walk-in's three questions
    # every update came by POST, none by getUpdates; each message is remembered as handled
    # (a press is known again by its handler, as in polling)
    assert emulator.method_counts["getUpdates"] == 0
    assert len(emulator.webhook_posts) == 6  # /start, 3 presses, the text, the signature
    assert len(await rows(database_url, SeenMessage)) == 2

    async with aiohttp.ClientSession() as http, http.get(f"{webhook_bot}/metrics") as answer:
        assert answer.status == 200
        text = await answer.text()
    assert 'sogopy_updates_total{kind="choice",platform="telegram"}' in text
    assert "sogopy_leader 1.0" in text
    assert 'sogopy_handler_seconds_count{platform="telegram"}' in text


async def test_an_unreadable_press_is_answered_in_the_webhooks_200(
    webhook_bot: str, database_url: str
) -> None:
    """A press the bot cannot read (a forged or broken update) still stops its button's
    spinner: its answer is the 200's body, which Telegram performs; nothing is stored."""
    update = {"update_id": 7, "callback_query": {"id": "q-77", "data": "a:1:0:5"}}  # no chat
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{webhook_bot}/telegram/webhook",
            json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        ) as answer,
    ):
        assert answer.status == 200
        assert await answer.json() == {
            "method": "answerCallbackQuery",
            "callback_query_id": "q-77",
        }
    assert await rows(database_url, Answer) == []


async def test_a_webhook_body_is_read_whichever_way_it_comes(
    emulator: BotApiEmulator, webhook_bot: str, database_url: str
) -> None:
    """A POST that declares its length goes straight to the webhook (`WebhooksFirst`); one
    streamed without it takes the app's whole stack, and is handled the same; one larger
    than the limit is refused, unread."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    url = f"{webhook_bot}/telegram/webhook"

    def update(update_id: int, chat_id: int) -> bytes:
        message = {
            "message_id": 1,
            "date": 1764200000,
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Giả"},
            "text": "/help",
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        }
        return json.dumps({"update_id": update_id, "message": message}).encode()

    async def streamed(body: bytes) -> AsyncIterator[bytes]:
        yield body[:10]
        yield body[10:]

    async with aiohttp.ClientSession() as http:
        async with http.post(url, data=update(21, 78), headers=headers) as answer:
            assert answer.status == 200
        async with http.post(url, data=streamed(update(22, 79)), headers=headers) as answer:
            assert (
                answer.status == 200 and answer.request_info.headers.get("Content-Length") is None
            )
        huge = update(23, 80) + b" " * (1024 * 1024)
        async with http.post(url, data=huge, headers=headers) as answer:
            assert answer.status == 413
        async with http.get(url, headers=headers) as answer:
            assert answer.status == 405
    assert sorted(person.chat_id for person in await rows(database_url, Person)) == ["78", "79"]


async def test_a_redelivered_update_is_handled_once(
    emulator: BotApiEmulator, bot_env: dict[str, str], webhook_bot: str, database_url: str
) -> None:
    """Telegram delivers again what it saw no 200 for: the process that handled it may
    have died before answering, so the person is shown where they are; nothing is
    recorded twice."""
    payload = await add_ward(bot_env)
    citizen = emulator.user(1002, first_name="Bình")
    start = await citizen.send_text(f"/start {payload}")
    await citizen.next_message()
    survey = await citizen.next_message()
    query = await citizen.press(survey, "Hài lòng")
    assert (await citizen.callback_answer(query))["text"] == "Hài lòng"  # the level chosen
    await emulator.wait_idle()
    emulator.redeliver(start)
    await emulator.wait_idle()
    assert emulator.webhook_posts[start["update_id"]] == 2
    await citizen.wait_for(  # the current question again, not a new survey
        lambda m: m.message_id > survey.message_id and "Câu 2/3" in m.text
    )
    assert len(await rows(database_url, SurveySession)) == 1
    assert len(await rows(database_url, Answer)) == 1


@pytest.mark.any_database
async def test_the_webhook_needs_its_secret(
    bot_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {**bot_env, "TELEGRAM_WEBHOOK_URL": "https://gopy.example.vn/telegram/webhook"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SettingsError, match=r"^TELEGRAM_WEBHOOK_SECRET: "):
        load_settings()
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "short")
    with pytest.raises(SettingsError, match=r"^TELEGRAM_WEBHOOK_SECRET: "):
        load_settings()


@pytest.mark.any_database
async def test_polling_deletes_a_webhook_left_by_an_earlier_run(
    emulator: BotApiEmulator, bot_env: dict[str, str], running_bot: object
) -> None:
    await emulator.wait_polling()
    assert emulator.method_counts["deleteWebhook"] == 1
    citizen = emulator.user(1003)
    await citizen.send_text("/help")
    assert "/gopy" in (await citizen.next_message()).text


@pytest.mark.any_database
async def test_a_second_process_on_one_sqlite_file_refuses_to_start(
    emulator: BotApiEmulator, bot_env: dict[str, str], running_bot: object
) -> None:
    await emulator.wait_polling()
    second = await asogopy(bot_env, "run", process=True)
    assert second.returncode != 0
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 1 and "another `sogopy run`" in lines[0], second.stderr
    assert emulator.method_counts["deleteWebhook"] == 1  # the second one touched nothing
