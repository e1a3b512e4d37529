"""The bot never stops on bad input (issue 10, points 1-3): malformed updates, a Bot API
answering 200 with something that is not its JSON, forged buttons.

Mutated updates come from a deterministic generator: every field of each kind of update
(text, command, photo, sticker, button press; Zalo's events) missing, or replaced by a
value of another type, a huge one, or text no database takes.
"""

import asyncio
import copy
import json
import logging
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest

from bench.poison import poison_updates
from bot import telegram
from bot import zalo as zalo_transport
from bot.emulator import BotApiEmulator, EmuMessage
from bot.wire import INT64, Unreadable
from bot.zalo_emulator import ZaloEmulator
from handlers import broadcasts, figures, leaders, suggestions, survey
from handlers.events import Incoming
from storage.models import BookPage, Leadership, Person
from tests.bot.conftest import ADMIN, BotProcess, asogopy
from tests.bot.test_e2e_citizen import rows
from tests.bot.test_e2e_leaders import join, setup_ward, suggest
from tests.bot.test_e2e_zalo import ZALO_TOKEN, free_port, running, stopped

Json = dict[str, Any]
MISSING = object()
HUGE_TEXT = "Góp ý rất dài 😀 " * 700  # over 10,000 characters
BAD_VALUES: tuple[object, ...] = (
    MISSING,
    None,
    "",
    "²",  # a digit to str.isdigit, not to int()
    "a\x00b\ud800",  # a NUL (PostgreSQL refuses it) and a lone surrogate (not UTF-8)
    -1,
    INT64,  # one past BIGINT
    2**70,
    True,
    1.5,
    [],
    [{"x": 1}],
    {},
    {"id": "x"},
    HUGE_TEXT,
)
CHAT = 4242
USER = {"id": CHAT, "is_bot": False, "first_name": "Bà", "last_name": "Tư", "language_code": "vi"}
PRIVATE = {"id": CHAT, "type": "private", "first_name": "Bà"}


def _message(**content: Any) -> Json:
    return {"message_id": 7, "from": USER, "chat": PRIVATE, "date": 1_764_547_200, **content}


TELEGRAM_KINDS: dict[str, Json] = {
    "text": {"message": _message(text="xin chào")},
    "command": {
        "message": _message(
            text="/start d_NGHIA-TAN", entities=[{"type": "bot_command", "offset": 0, "length": 6}]
        )
    },
    "photo": {
        "message": _message(
            photo=[{"file_id": "small", "width": 90}, {"file_id": "large", "width": 1280}],
            caption="ổ gà",
        )
    },
    "sticker": {"message": _message(sticker={"file_id": "st", "emoji": "👍"})},
    "callback_query": {
        "callback_query": {
            "id": "q-1",
            "from": USER,
            "message": _message(text="Câu 1/5"),
            "data": "w:1:w:2",
        }
    },
}
ZALO_KINDS: dict[str, Json] = {
    kind: {
        "event_name": f"message.{kind}.received",
        "message": {
            "message_id": f"z-{kind}",
            "from": {"id": "z77", "display_name": "Ông Năm"},
            "chat": {"id": "z77", "chat_type": "PRIVATE"},
            "date": 1_764_547_200_000,
            **extra,
        },
    }
    for kind, extra in (
        ("text", {"text": "1"}),
        ("image", {"photo": "https://zalo.example/p.jpg", "caption": "ổ gà"}),
        ("sticker", {"sticker": "s1"}),
        ("unsupported", {}),
    )
}


def _paths(value: object, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a JSON value: keys of objects, indexes of arrays, recursively."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield (*path, key)
            yield from _paths(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield (*path, index)
            yield from _paths(inner, (*path, index))


def mutants(update: Json, bad_values: tuple[object, ...] = BAD_VALUES) -> Iterator[Json]:
    """The update with one field at a time missing or replaced by each bad value."""
    yield update
    for value in bad_values:
        if value is not MISSING:
            yield value  # type: ignore[misc]  (the whole update not an object)
    for path in _paths(update):
        for value in bad_values:
            changed = copy.deepcopy(update)
            parent = changed
            for step in path[:-1]:
                parent = parent[step]
            if value is MISSING:
                del parent[path[-1]]
            else:
                parent[path[-1]] = value
            yield changed


def _check_event(event: object) -> None:
    """What a transport hands the handlers is well typed, whatever it read."""
    assert event is None or isinstance(event, Incoming | Unreadable), event
    if isinstance(event, Incoming):
        assert isinstance(event.address.chat_id, str) and event.address.chat_id
        for text in (event.text, event.user_name, event.choice, event.command):
            assert isinstance(text, str) and "\x00" not in text
            text.encode()  # valid UTF-8: no lone surrogate
        assert event.message_id is None or -INT64 <= event.message_id < INT64


@pytest.mark.any_database
def test_reading_any_malformed_update_never_raises() -> None:
    read = 0
    for kind in TELEGRAM_KINDS.values():
        for update in mutants(kind):
            event = telegram.read_update(update)
            _check_event(event)
            assert telegram.to_incoming(update) == (event if isinstance(event, Incoming) else None)
            read += 1
    for kind in ZALO_KINDS.values():
        for update in mutants(kind):
            _check_event(zalo_transport.read_update(update))
            read += 1
    assert read > 1500
    unreadable = telegram.read_update(poison_updates(CHAT)["chat without id"])
    assert isinstance(unreadable, Unreadable) and "chat.id" in str(unreadable)


@pytest.mark.any_database  # the transport's doing: the database adds nothing
async def test_every_mutated_update_is_skipped_or_served_and_the_bot_stays_up(
    emulator: BotApiEmulator, running_bot: asyncio.Task[None], caplog: pytest.LogCaptureFixture
) -> None:
    await emulator.wait_polling(timeout=30)
    small = tuple(value for value in BAD_VALUES if value is not HUGE_TEXT)
    count = 0
    for kind in TELEGRAM_KINDS.values():
        for update in mutants(kind, small):
            emulator.inject_raw_update(update if isinstance(update, dict) else {"message": update})
            count += 1
    for update in poison_updates(CHAT).values():
        emulator.inject_raw_update(update)
    await emulator.wait_idle(timeout=120)
    assert emulator.updates_pending == 0  # each one confirmed, readable or not
    assert not running_bot.done()
    citizen = emulator.user(4343)
    await citizen.send_text("/help")
    assert "/gopy" in (await citizen.next_message(timeout=30)).text
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert failures == [], [r.getMessage() for r in failures][:5]
    assert count > 800


async def test_a_forged_wizard_button_gets_a_kind_notice_not_an_error(
    emulator: BotApiEmulator, running_bot: asyncio.Task[None], caplog: pytest.LogCaptureFixture
) -> None:
    admin = emulator.user(ADMIN, first_name="Văn phòng")
    await admin.send_text("/guikhaosat")
    menu = await admin.next_message(timeout=30)
    await admin.press(menu, menu.button_labels[0])  # a survey: the draft waits for the audience
    audience = await admin.wait_for(lambda m: any("Toàn thành phố" in b for b in m.button_labels))
    draft = audience.buttons[0][0][1].split(":")[1]
    wizard, invite, seen = broadcasts.WIZARD, broadcasts.INVITE, leaders.SEEN
    forgeries = (
        f"{wizard}:{draft}:w:²",  # a digit to str.isdigit, a ValueError to int()
        f"{wizard}:{draft}:w:{'9' * 30}",  # no id column holds it
        f"{wizard}:²:s:x",
        f"{invite}:²:1",
        f"{seen}:{'9' * 40}",
    )
    for forged in forgeries:
        query = await admin.press_data(audience.message_id, forged)
        answer = await admin.callback_answer(query)
        assert answer["text"] == "Nút này không còn dùng được.", forged
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not [m for m in admin.messages if "trục trặc" in m.content]


PREFIXES = (
    survey.ANSWER, suggestions.SKIP, suggestions.SIGN, suggestions.WARD, leaders.SEEN,
    leaders.ANSWER, leaders.BOOK, figures.FIGURES, broadcasts.OPTIN, broadcasts.INVITE,
    broadcasts.WIZARD,
)  # fmt: skip


async def test_every_forged_button_gets_an_answer_and_no_handler_raises(
    emulator: BotApiEmulator, running_bot: asyncio.Task[None], caplog: pytest.LogCaptureFixture
) -> None:
    admin = emulator.user(ADMIN, first_name="Văn phòng")  # admins reach the most handlers
    await admin.send_text("/help")
    message = await admin.next_message(timeout=30)
    big, odd = "9" * 30, "²"
    tails = (odd, big, f"1:{odd}:{odd}", f"{big}:{big}:{big}", "-1:1", "::", "1:1:1:1:1:1", "")
    queries = [
        await admin.press_data(message.message_id, f"{prefix}:{tail}".rstrip(":"))
        for prefix in PREFIXES
        for tail in tails
    ]
    for query in queries:
        await admin.callback_answer(query)  # every button stops spinning
    await emulator.wait_idle(timeout=30)
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert not [m for m in admin.messages if "trục trặc" in m.content]


async def test_sogopy_run_lives_through_each_poison_update_and_moves_past_it(
    emulator: BotApiEmulator, bot_process: BotProcess
) -> None:
    await bot_process.start()
    await emulator.wait_polling(timeout=60)
    for update in poison_updates(CHAT).values():
        emulator.inject_raw_update(update)
    citizen = emulator.user(4343)
    await citizen.send_text("/help")
    assert "/gopy" in (await citizen.next_message(timeout=60)).text
    await emulator.wait_idle(timeout=30)
    assert emulator.updates_pending == 0
    assert bot_process.process is not None and bot_process.process.returncode is None


PROXY_PAGE = "<html><body><h1>502 Bad Gateway</h1></body></html>"


@pytest.mark.any_database  # the transport's doing: the database adds nothing
async def test_a_bot_api_answering_200_with_a_proxy_page_is_retried(
    emulator: BotApiEmulator, bot_process: BotProcess
) -> None:
    emulator.answer_raw("getUpdates", PROXY_PAGE)  # the very first poll
    emulator.answer_raw("sendMessage", PROXY_PAGE)
    emulator.answer_raw("sendMessage", '{"ok": true}')  # JSON, but no result
    await bot_process.start()
    await emulator.wait_polling(timeout=60)  # polling again after the proxy's page
    citizen = emulator.user(4343)
    await citizen.send_text("/help")
    assert "/gopy" in (await citizen.next_message(timeout=60)).text
    await emulator.wait_idle(timeout=30)
    assert emulator.raw_answers_left == 0
    assert emulator.method_counts["sendMessage"] == 3  # two refused answers, then the message
    assert len(citizen.messages) == 1  # retried, never sent twice
    assert bot_process.process is not None and bot_process.process.returncode is None


@pytest.mark.any_database  # the transport's doing: the database adds nothing
async def test_zalo_polling_and_webhook_live_through_malformed_updates_and_proxy_pages(
    bot_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with ZaloEmulator(ZALO_TOKEN) as zalo:
        env = {key: value for key, value in bot_env.items() if key != "TELEGRAM_BOT_TOKEN"}
        env |= {"ZALO_BOT_TOKEN": ZALO_TOKEN, "ZALO_API_BASE_URL": zalo.base_url}
        await _zalo_survives(zalo, env, monkeypatch, database_url, caplog)


async def _zalo_survives(
    zalo: ZaloEmulator,
    env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    bot = await running(env, monkeypatch)
    try:
        small = tuple(value for value in BAD_VALUES if value is not HUGE_TEXT)
        for kind in ZALO_KINDS.values():
            for update in mutants(kind, small):
                await zalo.inject_raw_update(update)
        zalo.answer_raw("getUpdates", PROXY_PAGE)
        zalo.answer_raw("sendMessage", PROXY_PAGE)
        citizen = zalo.user("4455", "Ông Năm")
        await citizen.send_text("/help")
        assert "/huy" in (await citizen.wait_for(lambda m: "/huy" in m.text, timeout=60)).text
        assert zalo.raw_answers_left == 0
        assert not bot.done()
    finally:
        await stopped(bot)
    # replies to the mutated chat ids fail (the emulator knows no such chat): nothing else may
    assert {r.msg for r in caplog.records if r.levelno >= logging.ERROR} <= {"sending to %s failed"}

    port = free_port()
    url = f"http://127.0.0.1:{port}/zalo/webhook"
    hooked = {**env, "ZALO_WEBHOOK_URL": url, "ZALO_WEBHOOK_SECRET": "s3cret-s3cret"}
    bot = await running({**hooked, "SOGOPY_HTTP_PORT": str(port)}, monkeypatch)
    try:
        await asyncio.wait_for(zalo.webhook_set.wait(), 15)
        people = len(await rows(database_url, Person))
        async with aiohttp.ClientSession() as http:
            headers = {"X-Bot-Api-Secret-Token": "s3cret-s3cret"}
            for update in poisoned_zalo():
                body = {"ok": True, "result": update}
                async with http.post(url, headers=headers, json=body) as answer:
                    assert answer.status == 400, update
            async with http.get(f"http://127.0.0.1:{port}/health") as health:
                assert health.status == 200
        assert len(await rows(database_url, Person)) == people  # nothing stored from them
        assert not bot.done()
    finally:
        await stopped(bot)


def poisoned_zalo() -> Iterator[Json]:
    """Zalo updates that cannot be read: each answered 400 by the webhook, nothing stored."""
    text = ZALO_KINDS["text"]
    for path, value in (
        (("message",), [1]),
        (("message", "chat", "id"), {"x": 1}),
        (("message", "chat", "id"), 2**70),
        (("message", "from"), "Năm"),
        (("message", "text"), 5),
        (("message", "message_id"), "m" * 500),
    ):
        changed = copy.deepcopy(text)
        parent = changed
        for step in path[:-1]:
            parent = parent[step]
        parent[path[-1]] = value
        if path[-1] == "id":
            changed["message"]["from"] = {"id": value}
        yield changed


# ---- point 10: a leader reads the whole page ---------------------------------------------


def _continued(message: EmuMessage) -> str:
    """The page text a continuation shows, after its one header line."""
    return message.text.split("\n", 1)[1]


async def test_a_leader_receives_every_character_of_a_long_page(
    emulator: BotApiEmulator, running_bot: asyncio.Task[None], database_url: str
) -> None:
    ward = await setup_ward(database_url)
    leader = await join(emulator, database_url, ward, 6201, "Hùng")
    text = ("Ngõ 5 <b>hỏng</b> & ngập 😟 " * 200)[:4091].strip()
    assert len(text) >= 4090
    await suggest(emulator.user(6202), text, signed=False)

    notice = await leader.wait_for(lambda m: "Trang 1" in m.text and m.buttons != [])
    more = await leader.wait_for(lambda m: "Trang 1 (tiếp)" in m.text)
    assert more.message_id > notice.message_id and more.buttons == []
    head = notice.text.split("\n\n", 1)[1]
    assert head.endswith("…") and _continued(more).startswith("…")
    assert head[:-1] + _continued(more)[1:] == text  # every character, in order

    await leader.press(notice, "Đã xem")  # the notice is the message that is edited
    await leader.wait_for(lambda m: m.message_id == notice.message_id and "Đã xem —" in m.text)
    await leader.send_text("/so")
    book = await leader.wait_for(lambda m: m.message_id > more.message_id and "Trang 1" in m.text)
    again = await leader.wait_for(lambda m: m.message_id > book.message_id and "(tiếp)" in m.text)
    assert _continued(again) == _continued(more)


# ---- point 11: names longer than their column, days out of range ---------------------------


async def test_names_longer_than_their_column_are_cut_between_whole_letters(
    emulator: BotApiEmulator, running_bot: asyncio.Task[None], database_url: str
) -> None:
    ward = await setup_ward(database_url)
    decomposed = "Vie\u0323\u0302t"  # "Việt" as letters and accents: cut before the letter
    leader = await join(emulator, database_url, ward, 6301, "Ngô " * 49 + decomposed)
    family = "👨\u200d👩\u200d👧"  # one emoji of five characters, across the 200th
    citizen = emulator.user(6302, first_name="A" * 199 + family, last_name="Trần")
    await suggest(citizen, "Cần thêm ghế chờ", signed=True)
    notice = await leader.wait_for(lambda m: "Trang 1" in m.text and m.buttons != [])
    await leader.press(notice, "Đã xem")
    await citizen.wait_for(lambda m: "đã đọc góp ý" in m.text)

    (leadership,) = await rows(database_url, Leadership)
    (page,) = await rows(database_url, BookPage)
    assert leadership.name == page.seen_by_name == "Ngô " * 49 + "Vi"
    assert page.author_name == "A" * 199
    assert "A" * 199 in notice.text


async def test_report_and_export_refuse_days_out_of_range_in_one_line(
    bot_env: dict[str, str], database_url: str
) -> None:
    commands = [
        ("report", "--since", "0001-01-01"),
        ("report", "--until", "9999-12-31"),
        ("report", "--by", "week", "--since", "01/01/1900"),
        ("export", "answers", "--format", "csv", "--since", "0001-01-01"),
        ("export", "answers", "--format", "csv", "--until", "9999-12-31"),
    ]
    results = await asyncio.gather(*(asogopy(bot_env, *command) for command in commands))
    for command, result in zip(commands, results, strict=True):
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 1 and len(lines) == 1, (command, result.stderr)
        assert f"Ngày {command[-1]} nằm ngoài khoảng cho phép" in lines[0]
    widest = await asogopy(
        bot_env, "report", "--since", "2000-01-01", "--until", "2100-12-31", "--format", "json"
    )
    assert widest.returncode == 0, widest.stderr
    assert json.loads(widest.stdout)["until"] == "2100-12-31"
