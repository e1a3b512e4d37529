"""Tests for the Bot API emulator, driven by a real python-telegram-bot ``Bot``.

Going through PTB proves the emulator speaks the wire format the production bot uses: PTB
form-encodes or multipart-encodes requests and turns error answers into its own exceptions.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import aiohttp
import pytest
import telegram
from aiohttp import web
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardMarkup
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, RetryAfter

from bot.emulator import BotApiEmulator, HtmlParseError, parse_html

CHAT = 1001
Handler = Callable[[web.Request], Awaitable[web.Response]]

# PTB 22 warns on reading retry_after/duration as int; that is PTB's migration, not ours.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def keyboard(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator() as emulator:
        yield emulator


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[telegram.Bot]:
    async with telegram.Bot(
        emu.token, base_url=emu.base_url, base_file_url=emu.base_file_url
    ) as ptb_bot:
        yield ptb_bot


@pytest.fixture
async def citizen(emu: BotApiEmulator):
    """A user who has already written to the bot, so the bot may message them."""
    user = emu.user(CHAT, first_name="Lan", last_name="Trần", username="lan_tran")
    await user.send_text("xin chào")
    return user


# ---- plumbing ---------------------------------------------------------------------------


async def test_get_me_and_urls(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456, "sogopy_test_bot", True)
    assert emu.base_url == f"http://127.0.0.1:{emu.port}/bot"
    assert emu.method_counts["getMe"] == 2  # Bot.initialize() also calls it


async def test_wrong_token_and_unknown_method(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    with pytest.raises(InvalidToken):
        async with telegram.Bot("999:WRONG", base_url=emu.base_url):
            pass
    with pytest.raises(telegram.error.EndPointNotFound):
        await bot.do_api_request("noSuchMethod")
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{emu.base_url}{emu.token}/nosuchmethod") as resp:
            assert resp.status == 404
            assert await resp.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
        # method names are case-insensitive, JSON bodies are accepted too
        async with http.post(f"{emu.base_url}{emu.token}/GETME", json={}) as resp:
            assert (await resp.json())["result"]["username"] == "sogopy_test_bot"


async def test_json_body_and_raw_error_shape(emu: BotApiEmulator, citizen) -> None:
    url = f"{emu.base_url}{emu.token}/sendMessage"
    markup = {"inline_keyboard": [[{"text": "Có", "callback_data": "yes"}]]}
    async with aiohttp.ClientSession() as http:
        body = {"chat_id": CHAT, "text": "<i>hi</i>", "parse_mode": "HTML", "reply_markup": markup}
        async with http.post(url, json=body) as resp:
            result = (await resp.json())["result"]
        assert result["text"] == "hi"
        assert result["reply_markup"] == markup
        async with http.post(url, data={"chat_id": "777", "text": "x"}) as resp:
            assert resp.status == 400
            assert await resp.json() == {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: chat not found",
            }


# ---- sending and the citizen's view -----------------------------------------------------


async def test_send_message_html_and_keyboard(emu: BotApiEmulator, bot: telegram.Bot, citizen):
    html = "😀 <b>Xin chào</b> &amp; <a href='https://phuong.vn'>phường</a>"
    sent = await bot.send_message(
        CHAT, html, parse_mode="HTML", reply_markup=keyboard([("Góp ý", "fb"), ("Khảo sát", "sv")])
    )
    assert sent.text == "😀 Xin chào & phường"
    assert sent.message_id == 2  # shared with the citizen's "xin chào" (#1)
    assert sent.from_user.id == 123456
    bold, link = sent.entities
    assert (bold.type, bold.offset, bold.length) == ("bold", 3, 8)  # 😀 is 2 UTF-16 units
    assert (link.type, link.url, link.offset, link.length) == (
        "text_link",
        "https://phuong.vn",
        14,
        6,
    )
    assert sent.parse_entity(bold) == "Xin chào"

    msg = await citizen.next_message()
    assert msg is citizen.messages[-1]
    assert (msg.text, msg.html, msg.from_bot) == (sent.text, html, True)
    assert msg.buttons == [[("Góp ý", "fb"), ("Khảo sát", "sv")]]
    assert msg.button_labels == ["Góp ý", "Khảo sát"]
    assert msg.entities[0] == {"type": "bold", "offset": 3, "length": 8}
    assert emu.calls[-1][0] == "sendMessage"
    assert emu.calls[-1][1]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "fb"


async def test_literal_text_and_trimming(bot: telegram.Bot, citizen) -> None:
    sent = await bot.send_message(CHAT, "  a <b> & c\n")
    assert sent.text == "a <b> & c"
    assert sent.entities == ()
    sent = await bot.send_message(CHAT, "\n<b> đậm </b>", parse_mode="HTML")
    assert sent.text == "đậm"
    assert (sent.entities[0].offset, sent.entities[0].length) == (0, 3)


async def test_reply_keyboard_is_tracked(bot: telegram.Bot, citizen) -> None:
    await bot.send_message(
        CHAT, "Số điện thoại?", reply_markup=ReplyKeyboardMarkup([["Gửi", "Bỏ qua"]])
    )
    assert citizen.reply_keyboard == [["Gửi", "Bỏ qua"]]
    assert citizen.last_message.buttons == []


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "Message text is empty"),
        ("  \n ", "Message text is empty"),
        ("x" * 4097, "Message is too long"),
    ],
)
async def test_text_errors(bot: telegram.Bot, citizen, text: str, error: str) -> None:
    with pytest.raises(BadRequest, match=error):
        await bot.send_message(CHAT, text)


async def test_length_counts_text_after_entity_parsing(bot: telegram.Bot, citizen) -> None:
    sent = await bot.send_message(CHAT, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    assert len(sent.text) == 4096


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("<b>đậm", 'can\'t find end tag corresponding to start tag "b"'),
        ("<br>", 'unsupported start tag "br" at byte offset 0'),
        ("1 < 2", 'unsupported start tag "" at byte offset 2'),
        ("<b>x</i>", 'unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "unexpected end tag at byte offset 1"),
        ("Tom & Jerry", "unsupported html entity at byte offset 4"),
        ('<span class="x">y</span>', 'tag "span" must have class "tg-spoiler"'),
    ],
)
async def test_bad_html_is_rejected(bot: telegram.Bot, citizen, html: str, error: str) -> None:
    with pytest.raises(BadRequest) as info:
        await bot.send_message(CHAT, html, parse_mode="HTML")
    assert info.value.message.startswith("Can't parse entities: ")
    assert error in info.value.message.lower()


def test_parse_html_entities_and_tags() -> None:
    text, entities = parse_html(
        "<strong>a</strong><em>b</em><ins>c</ins><del>d</del><tg-spoiler>e</tg-spoiler>"
        '<span class="tg-spoiler">f</span><code>g</code>'
        '<pre><code class="language-python">h</code></pre>'
        "<blockquote expandable>i</blockquote>&lt;&gt;&quot;&#65;&#x42;"
    )
    assert text == 'abcdefghi<>"AB'
    assert [(e["type"], e["offset"]) for e in entities] == [
        ("bold", 0),
        ("italic", 1),
        ("underline", 2),
        ("strikethrough", 3),
        ("spoiler", 4),
        ("spoiler", 5),
        ("code", 6),
        ("pre", 7),
        ("expandable_blockquote", 8),
    ]
    assert entities[7]["language"] == "python"
    assert parse_html("Tom & Jerry", strict=False) == ("Tom & Jerry", [])
    with pytest.raises(HtmlParseError, match="Unclosed start tag"):
        parse_html("<b")


async def test_button_validation(bot: telegram.Bot, citizen) -> None:
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(CHAT, "x", reply_markup=keyboard([("A", "d" * 65)]))
    # 64 bytes is fine even with multi-byte characters (Ư is 2 bytes in UTF-8)
    await bot.send_message(CHAT, "x", reply_markup=keyboard([("A", "Ư" * 32)]))
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(CHAT, "x", reply_markup=keyboard([("A", "Ư" * 33)]))
    with pytest.raises(BadRequest, match="Button_text_invalid"):
        await bot.send_message(CHAT, "x", reply_markup=keyboard([("", "ok")]))


async def test_chat_not_found_blocked_and_unblocked(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    user = emu.user(2002)
    assert emu.user(2002) is user
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(2002, "hello")  # never wrote to the bot
    await user.send_text("/start")
    await bot.send_message(2002, "hello")
    user.block()
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(2002, "hello")
    with pytest.raises(Forbidden):
        await bot.edit_message_text("x", chat_id=2002, message_id=2)
    await user.send_text("hi again")  # writing to the bot unblocks it
    await bot.send_message(2002, "welcome back")
    kinds = [next(k for k in u.to_dict() if k != "update_id") for u in await bot.get_updates()]
    assert kinds == ["message", "my_chat_member", "my_chat_member", "message"]


# ---- editing ----------------------------------------------------------------------------


async def test_edit_text_in_place(emu: BotApiEmulator, bot: telegram.Bot, citizen) -> None:
    actions = []
    unsubscribe = emu.on_bot_action(lambda kind, m: actions.append((kind, m.message_id)))
    sent = await bot.send_message(CHAT, "Chọn:", reply_markup=keyboard([("1", "r:1")]))
    msg = await citizen.next_message()
    edited = await bot.edit_message_text(
        "<b>Cảm ơn</b>", chat_id=CHAT, message_id=sent.message_id, parse_mode="HTML"
    )
    assert edited.edit_date is not None
    assert (msg.text, msg.edits, msg.buttons) == ("Cảm ơn", 1, [])  # no markup: keyboard gone
    assert citizen.messages == [msg]
    assert actions == [("send", 2), ("edit", 2)]
    unsubscribe()

    with pytest.raises(BadRequest, match="Message is not modified: specified new message content"):
        await bot.edit_message_text(
            "<b>Cảm ơn</b>", chat_id=CHAT, message_id=sent.message_id, parse_mode="HTML"
        )
    # same text, different entities: modified
    await bot.edit_message_text("Cảm ơn", chat_id=CHAT, message_id=sent.message_id)
    await bot.edit_message_reply_markup(
        chat_id=CHAT, message_id=sent.message_id, reply_markup=keyboard([("Lại", "again")])
    )
    assert msg.buttons == [[("Lại", "again")]] and msg.edits == 3
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", chat_id=CHAT, message_id=99)
    with pytest.raises(BadRequest, match="There is no caption in the message to edit"):
        await bot.edit_message_caption(chat_id=CHAT, message_id=sent.message_id, caption="x")
    assert actions == [("send", 2), ("edit", 2)]


# ---- callback queries -------------------------------------------------------------------


async def test_press_and_answer(emu: BotApiEmulator, bot: telegram.Bot, citizen) -> None:
    await bot.get_updates()  # hand out the greeting
    sent = await bot.send_message(
        CHAT, "Hài lòng?", reply_markup=keyboard([("Có", "y"), ("Không", "n")])
    )
    msg = await citizen.next_message()
    query_id = await citizen.press(msg, "Không")
    (update,) = await bot.get_updates(offset=2)
    query = update.callback_query
    assert (query.id, query.data, query.from_user.id) == (query_id, "n", CHAT)
    assert query.message.message_id == sent.message_id
    assert query.message.reply_markup == sent.reply_markup

    await bot.answer_callback_query(query_id, text="Đã ghi nhận", show_alert=True)
    assert await citizen.callback_answer(query_id) == {"text": "Đã ghi nhận", "show_alert": True}
    with pytest.raises(BadRequest, match="Query is too old and response timeout expired"):
        await bot.answer_callback_query(query_id)
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query("12345")

    assert await citizen.press(msg, "y")  # by callback_data
    forged = await citizen.press_data(msg.message_id, "admin:drop")
    updates = await bot.get_updates(offset=3)
    assert [u.callback_query.data for u in updates] == ["y", "admin:drop"]
    assert updates[-1].callback_query.id == forged


async def test_press_reports_missing_and_ambiguous_buttons(bot: telegram.Bot, citizen) -> None:
    await bot.send_message(
        CHAT, "Chấm điểm", reply_markup=keyboard([("⭐ 1", "1"), ("⭐ 10", "10")])
    )
    msg = await citizen.next_message()
    with pytest.raises(AssertionError, match=r"no button matches 'Hủy'.*⭐ 1"):
        await citizen.press(msg, "Hủy")
    with pytest.raises(AssertionError, match="several buttons match"):
        await citizen.press(msg, "⭐")
    assert await citizen.press(msg, "⭐ 1")  # an exact label wins over substrings


# ---- photos and files -------------------------------------------------------------------


async def test_photos(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    user = emu.user(CHAT)
    await user.send_photo(caption="Ổ gà đường Lê Lợi")
    (update,) = await bot.get_updates()
    photo = update.message.photo
    assert update.message.caption == "Ổ gà đường Lê Lợi"
    assert len(photo) == 3 and photo[-1].width > photo[0].width

    by_id = await bot.send_photo(
        CHAT, photo[-1].file_id, caption="<b>Phản ánh</b> mới", parse_mode="HTML"
    )
    assert by_id.photo[-1].file_unique_id == photo[-1].file_unique_id
    assert by_id.caption == "Phản ánh mới" and by_id.caption_entities[0].length == 8
    uploaded = await bot.send_photo(
        CHAT, b"\xff\xd8fake-jpeg", reply_markup=keyboard([("OK", "ok")])
    )
    assert uploaded.photo[-1].file_id not in {p.file_id for p in photo}
    first, second = user.messages
    assert (first.photo, first.caption, first.html, first.text) == (
        photo[-1].file_id,
        "Phản ánh mới",
        "<b>Phản ánh</b> mới",
        "",
    )
    assert second.caption is None and second.buttons == [[("OK", "ok")]]
    assert emu.calls[-1][1]["photo"].data == b"\xff\xd8fake-jpeg"

    file = await bot.get_file(uploaded.photo[-1].file_id)
    assert await file.download_as_bytearray() == b"\xff\xd8fake-jpeg"
    with pytest.raises(BadRequest, match="Wrong file identifier"):
        await bot.send_photo(CHAT, "AgACno-such-file")
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_photo(CHAT, photo[0].file_id, caption="x" * 1025)
    await bot.edit_message_caption(chat_id=CHAT, message_id=first.message_id, caption="Đã xử lý")
    assert (first.caption, first.edits) == ("Đã xử lý", 1)


async def test_other_media_updates(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    user = emu.user(CHAT)
    await user.send_sticker()
    await user.send_voice()
    await user.send_location(10.77, 106.70)
    await user.send_contact("+84900000001")
    await user.send_document()
    messages = [u.message for u in await bot.get_updates()]
    assert messages[0].sticker.emoji == "👍"
    assert messages[1].voice.duration == 3
    assert messages[2].location.latitude == pytest.approx(10.77)
    assert (messages[3].contact.phone_number, messages[3].contact.user_id) == ("+84900000001", CHAT)
    assert messages[4].document.file_name == "don.pdf"
    assert [m.message_id for m in messages] == [1, 2, 3, 4, 5]


# ---- getUpdates -------------------------------------------------------------------------


async def test_long_polling_wakes_on_new_update(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await emu.wait_polling(timeout=2)
    assert not poll.done()
    started = time.monotonic()
    update = await emu.user(CHAT, username="an_ng").send_text("/start d_ABC")
    (received,) = await poll
    assert time.monotonic() - started < 1.0
    message = received.message
    assert received.update_id == update["update_id"] == 1
    assert (message.text, message.chat.id, message.from_user.username) == (
        "/start d_ABC",
        CHAT,
        "an_ng",
    )
    assert message.from_user.language_code == "vi"
    (command,) = message.entities
    assert (command.type, command.offset, command.length) == ("bot_command", 0, 6)
    assert await bot.get_updates(offset=2, timeout=0) == ()


async def test_offset_confirmation_negative_offset_and_limit(
    emu: BotApiEmulator, bot: telegram.Bot
) -> None:
    user = emu.user(CHAT)
    for i in range(5):
        await user.send_text(f"tin {i}")
    assert [u.update_id for u in await bot.get_updates(limit=2)] == [1, 2]
    assert [u.update_id for u in await bot.get_updates(offset=3)] == [3, 4, 5]
    assert emu.updates_pending == 3
    assert [u.update_id for u in await bot.get_updates(offset=-1)] == [5]
    assert emu.updates_pending == 1
    assert await bot.get_updates(offset=6) == ()
    assert emu.updates_pending == 0


async def test_redeliver_same_update(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    user = emu.user(CHAT)
    first = await user.send_text("một")
    (got,) = await bot.get_updates()
    assert await bot.get_updates(offset=got.update_id + 1) == ()  # confirmed
    emu.redeliver(first)
    await user.send_text("hai")
    updates = await bot.get_updates(offset=got.update_id + 1)
    assert [(u.update_id, u.message.text) for u in updates] == [(1, "một"), (2, "hai")]
    assert await bot.get_updates(offset=3) == ()


async def test_allowed_updates_and_drop_pending(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    user = emu.user(CHAT)
    await user.send_text("a")
    await bot.send_message(CHAT, "menu", reply_markup=keyboard([("A", "a")]))
    await user.press(user.last_message, "A")
    updates = await bot.get_updates(allowed_updates=["callback_query"])
    assert [u.callback_query.data for u in updates] == ["a"]
    await user.send_text("b")
    assert await bot.get_updates(offset=3) == ()  # the setting sticks
    await bot.get_updates(allowed_updates=[])
    await user.send_text("c")
    await bot.delete_webhook(drop_pending_updates=True)
    assert emu.updates_pending == 0


async def test_second_poller_gets_conflict(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    async with telegram.Bot(emu.token, base_url=emu.base_url) as other:
        first = asyncio.create_task(bot.get_updates(timeout=5))
        await emu.wait_polling(timeout=2)
        second = asyncio.create_task(other.get_updates(timeout=5))
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await first
        await emu.user(CHAT).send_text("x")
        assert len(await second) == 1


async def test_stop_ends_long_polls() -> None:
    emu = BotApiEmulator()
    await emu.start()
    async with telegram.Bot(emu.token, base_url=emu.base_url) as ptb_bot:
        poll = asyncio.create_task(ptb_bot.get_updates(timeout=30))
        await emu.wait_polling(timeout=2)
        started = time.monotonic()
        await emu.stop()
        assert await poll == ()
        assert time.monotonic() - started < 2.0


# ---- waiting helpers --------------------------------------------------------------------


async def test_waiting_is_event_driven(bot: telegram.Bot, citizen) -> None:
    async def bot_replies_later() -> None:
        await asyncio.sleep(0.01)
        sent = await bot.send_message(CHAT, "Đang xử lý…")
        await bot.send_chat_action(CHAT, "typing")
        await bot.edit_message_text("Đã tiếp nhận #42", chat_id=CHAT, message_id=sent.message_id)

    task = asyncio.create_task(bot_replies_later())
    first = await citizen.next_message(timeout=2)
    assert first.message_id == 2
    done = await citizen.wait_for(lambda m: "#42" in m.text, timeout=2)
    assert done is first and done.edits == 1
    await task
    assert citizen.chat_action == "typing"


async def test_timeouts_dump_the_chat(emu: BotApiEmulator, bot: telegram.Bot, citizen) -> None:
    await bot.send_message(
        CHAT, "Chọn lĩnh vực", reply_markup=keyboard([("Môi trường", "cat:env")])
    )
    await citizen.next_message()
    with pytest.raises(BadRequest):
        await bot.send_message(CHAT, "<b>oops", parse_mode="HTML")
    with pytest.raises(AssertionError) as info:
        await citizen.next_message(timeout=0.05)
    report = str(info.value)
    assert "timed out after 0.05 s waiting for the next bot message" in report
    assert "→ #1 user: 'xin chào'" in report
    assert "[Môi trường→cat:env]" in report
    assert "sendMessage → 400 Bad Request: can't parse entities" in report
    with pytest.raises(AssertionError, match="a bot message matching"):
        await citizen.wait_for(lambda m: False, timeout=0.01)


async def test_wait_idle(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    await emu.user(CHAT).send_text("x")
    with pytest.raises(AssertionError, match="1 updates pending"):
        await emu.wait_idle(timeout=0.02)
    updates = await bot.get_updates()
    await bot.get_updates(offset=updates[-1].update_id + 1)
    await emu.wait_idle(timeout=1, quiet=0.01)


# ---- rate limits and bookkeeping --------------------------------------------------------


async def test_per_chat_rate_limit() -> None:
    async with BotApiEmulator(per_chat_interval=0.1) as emu:
        async with telegram.Bot(emu.token, base_url=emu.base_url) as ptb_bot:
            await emu.user(1).send_text("hi")
            await emu.user(2).send_text("hi")
            await ptb_bot.send_message(1, "a")
            await ptb_bot.send_message(2, "a")  # other chats are independent
            with pytest.raises(RetryAfter) as info:
                await ptb_bot.send_message(1, "b")
            assert info.value.retry_after == 1
            assert emu.throttled == 1
            await asyncio.sleep(0.12)  # real time must pass for the limiter
            await ptb_bot.send_message(1, "b")
            assert [m.text for m in emu.user(1).messages] == ["a", "b"]


async def test_global_rate_limit_and_call_log_switch() -> None:
    async with BotApiEmulator(global_rate=3, record_calls=False) as emu:
        async with telegram.Bot(emu.token, base_url=emu.base_url) as ptb_bot:
            for uid in range(1, 5):
                await emu.user(uid).send_text("hi")
            for uid in range(1, 4):
                await ptb_bot.send_message(uid, "tin")
            with pytest.raises(RetryAfter):
                await ptb_bot.send_message(4, "tin")
            with pytest.raises(RetryAfter):
                await ptb_bot.edit_message_text("x", chat_id=1, message_id=2)
            assert emu.throttled == 2
            assert emu.calls == []
            assert emu.method_counts["sendMessage"] == 4
            emu.reset_counters()
            assert (emu.throttled, sum(emu.method_counts.values())) == (0, 0)


async def test_history_limit_keeps_memory_bounded() -> None:
    async with BotApiEmulator(history_limit=3) as emu:
        async with telegram.Bot(emu.token, base_url=emu.base_url) as ptb_bot:
            user = emu.user(CHAT)
            await user.send_text("hi")
            for i in range(10):
                await ptb_bot.send_message(CHAT, f"tin {i}")
            assert 3 <= len(user.messages) <= 6
            assert user.last_message.text == "tin 9"


async def test_commands_chat_and_actions(emu: BotApiEmulator, bot: telegram.Bot, citizen) -> None:
    await bot.set_my_commands([("start", "Bắt đầu"), ("gopy", "Gửi góp ý")])
    assert [c.command for c in await bot.get_my_commands()] == ["start", "gopy"]
    assert await bot.get_my_commands(language_code="en") == ()
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([("Start!", "x")])
    chat = await bot.get_chat(CHAT)
    assert (chat.id, chat.type, chat.first_name, chat.username) == (
        CHAT,
        "private",
        "Lan",
        "lan_tran",
    )
    with pytest.raises(BadRequest, match="Wrong parameter action"):
        await bot.send_chat_action(CHAT, "dancing")
    sent = await bot.send_message(CHAT, "tạm")
    assert await bot.delete_message(CHAT, sent.message_id)
    assert citizen.messages == []
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(CHAT, sent.message_id)
    assert json.loads(json.dumps(emu.calls[0][1])) == emu.calls[0][1]


async def test_full_ptb_application_round_trip(emu: BotApiEmulator) -> None:
    """The production shape: an Application polling the emulator, handlers replying."""
    from telegram.ext import Application, CallbackQueryHandler, CommandHandler

    async def start(update: telegram.Update, context) -> None:
        payload = context.args[0] if context.args else "-"
        await update.message.reply_html(
            f"<b>Chào {update.effective_user.first_name}</b> ({payload})",
            reply_markup=keyboard([("Góp ý", "menu:fb")]),
        )

    async def pressed(update: telegram.Update, context) -> None:
        query = update.callback_query
        await query.answer("OK")
        await query.edit_message_text(f"Bạn chọn {query.data}")

    app = (
        Application.builder()
        .token(emu.token)
        .base_url(emu.base_url)
        .base_file_url(emu.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=5)
        user = emu.user(CHAT, first_name="Hùng")
        await user.send_text("/start d_ABC")
        menu = await user.next_message(timeout=5)
        assert menu.text == "Chào Hùng (d_ABC)"
        query_id = await user.press(menu, "Góp ý")
        assert await user.callback_answer(query_id, timeout=5) == {
            "text": "OK",
            "show_alert": False,
        }
        await user.wait_for(lambda m: m.text == "Bạn chọn menu:fb", timeout=5)
        assert menu.buttons == []
        await app.updater.stop()
        await app.stop()
    assert emu.updates_pending == 0


@asynccontextmanager
async def webhook_receiver(path: str, take: Handler) -> AsyncIterator[str]:
    """A bot's HTTP side, `take` answering the POSTs to `path`; yields its base URL."""
    app = web.Application()
    app.router.add_post(path, take)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


async def test_webhook_spread_takes_the_posts_in_turn(emu: BotApiEmulator, bot: telegram.Bot):
    """Several processes behind one webhook URL: each POST goes to the next of them."""
    received: dict[str, list[int]] = {"a": [], "b": []}

    async def take(request: web.Request) -> web.Response:
        received[request.match_info["name"]].append((await request.json())["update_id"])
        return web.Response()

    async with webhook_receiver("/{name}", take) as base:
        emu.webhook_spread = [f"{base}/a", f"{base}/b"]
        await bot.set_webhook("https://gopy.example.vn/telegram/webhook", max_connections=1)
        user = emu.user(CHAT)
        for n in range(4):
            await user.send_text(f"tin {n}")
        await emu.wait_idle(timeout=5)
    assert len(received["a"]) == len(received["b"]) == 2
    assert sorted(received["a"] + received["b"]) == sorted(emu.webhook_posts)


async def test_a_method_in_a_webhooks_answer_is_performed(
    emu: BotApiEmulator, bot: telegram.Bot
) -> None:
    """As Telegram does: a 2xx answer to a webhook POST may carry one method call, which is
    performed without telling its result; one that fails is only kept in `errors`."""
    to_presses = [
        {"method": "answerCallbackQuery", "callback_query_id": "", "text": "Hài lòng"},
        {"method": "answerCallbackQuery", "callback_query_id": "no-such-query"},
    ]

    async def take(request: web.Request) -> web.Response:
        update = await request.json()
        if "callback_query" not in update:
            return web.json_response({"ok": True})  # no method: nothing performed
        answer = to_presses.pop(0)
        if not answer["callback_query_id"]:
            answer["callback_query_id"] = update["callback_query"]["id"]
        return web.json_response(answer)

    async with webhook_receiver("/hook", take) as base:
        user = emu.user(CHAT)
        await user.send_text("/start")
        menu = await bot.send_message(CHAT, "Chọn", reply_markup=keyboard([("ok", "ok")]))
        emu.webhook_spread = [f"{base}/hook"]
        await bot.set_webhook("https://gopy.example.vn/telegram/webhook", max_connections=1)
        query_id = await user.press(menu.message_id, "ok")
        assert await user.callback_answer(query_id, timeout=5) == {
            "text": "Hài lòng",
            "show_alert": False,
        }
        await user.press(menu.message_id, "ok")
        await emu.wait_idle(timeout=5)
    assert emu.webhook_methods == {"answerCallbackQuery": 2}
    assert [(e["method"], e["error_code"]) for e in emu.errors] == [("answerCallbackQuery", 400)]
