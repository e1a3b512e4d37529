"""Zalo citizens over HTTP, through the Zalo emulator, with leaders on Telegram."""

import asyncio
import re
import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot import broadcast
from bot.app import serve
from bot.emulator import BotApiEmulator
from bot.settings import load_settings
from bot.zalo import pieces
from bot.zalo_emulator import RESET, ZaloEmulator, ZaloUser
from handlers.numbered import fold, match_choice
from storage.models import Answer, BookPage, Person, Recipient, SeenMessage, Ward
from tests.bot.conftest import ADMIN, asogopy, store, until
from tests.bot.test_e2e_broadcast import invitations, opted_in
from tests.bot.test_e2e_citizen import rows
from tests.bot.test_e2e_leaders import join

LEVEL_LINES = (
    "1. Rất không hài lòng\n2. Không hài lòng\n3. Bình thường\n4. Hài lòng\n5. Rất hài lòng"
)
ZALO_TOKEN = "zalo-test-token"


@pytest.fixture
async def zalo() -> AsyncIterator[ZaloEmulator]:
    async with ZaloEmulator(ZALO_TOKEN, "Bot Phường Nghĩa Tân") as emulator:
        yield emulator


@pytest.fixture
def zalo_env(bot_env: dict[str, str], zalo: ZaloEmulator) -> dict[str, str]:
    return {
        **bot_env,
        "ZALO_BOT_TOKEN": ZALO_TOKEN,
        "ZALO_API_BASE_URL": zalo.base_url,
        "SOGOPY_QUIET_HOURS": "",
    }


async def running(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> asyncio.Task[None]:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    for key in ("TELEGRAM_BOT_TOKEN", "ZALO_BOT_TOKEN", "ZALO_WEBHOOK_URL"):
        if key not in env:
            monkeypatch.delenv(key, raising=False)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(load_settings(), stop))
    task.stop = stop  # type: ignore[attr-defined]
    return task


async def stopped(task: asyncio.Task[None]) -> None:
    task.stop.set()  # type: ignore[attr-defined]
    await asyncio.wait_for(task, timeout=15)


@pytest.fixture
async def zalo_bot(
    zalo_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[asyncio.Task[None]]:
    task = await running(zalo_env, monkeypatch)
    yield task
    await stopped(task)


async def walk_in(citizen: ZaloUser) -> None:
    await citizen.send_text("D_nghia-tan")  # as a phone's keyboard may write it
    greeting = await citizen.next_message()
    assert "Phường Nghĩa Tân" in greeting.text
    first = await citizen.next_message()
    assert "Câu 1/3" in first.text and LEVEL_LINES in first.text
    assert "trả lời bằng số" in first.text and "<b>" not in first.text


async def test_a_zalo_citizen_answers_by_digits_and_words_and_a_telegram_leader_reads_it(
    emulator: BotApiEmulator, zalo: ZaloEmulator, zalo_bot: object, database_url: str
) -> None:
    ward = Ward(code="NGHIA-TAN", name="Phường Nghĩa Tân")
    await store(database_url, ward)
    leader = await join(emulator, database_url, ward, 5001, "Chủ tịch Hùng")
    citizen = zalo.user("8827364512", "Bà Tư")
    await walk_in(citizen)
    await citizen.send_text("4")
    assert "Câu 2/3" in (await citizen.next_message()).text
    await citizen.send_text("rat hai long")  # typed without diacritics
    assert "Câu 3/3" in (await citizen.next_message()).text
    await citizen.send_text("ngon lắm")  # neither a number nor an answer: kept
    kept = await citizen.next_message()
    assert "Đã giữ tin nhắn" in kept.text
    assert "Câu 3/3" in (await citizen.next_message()).text
    await citizen.send_text("9")  # no such choice: the choices again, and nothing recorded
    assert LEVEL_LINES in (await citizen.wait_for(lambda m: "lựa chọn số 9" in m.text)).text
    await citizen.send_text("Bình thường.")
    offer = await citizen.wait_for(lambda m: "1. Gửi như vậy" in m.text)
    assert "ngon lắm" in offer.text and "9" not in offer.text
    levels = sorted(a.level for a in await rows(database_url, Answer))
    assert levels == [3, 4, 5]

    await citizen.send_text("2")  # «Viết thêm»
    await citizen.wait_for(lambda m: "phần đã viết vẫn được giữ" in m.text)
    await citizen.send_image("https://zalo.example/anh-ghe.jpg", "Ghế chờ gãy <b>&</b>")
    sign = await citizen.wait_for(lambda m: "2. Gửi ẩn danh" in m.text)
    assert "Ghế chờ gãy <b>&</b>" in sign.text  # plain text, shown literally
    assert citizen.chat_actions == ["typing"]
    await citizen.send_text("2")
    await citizen.wait_for(lambda m: "trang số 1" in m.text)

    note = await leader.wait_for(lambda m: "Trang 1" in m.text)
    assert "Ghế chờ gãy <b>&</b>" in note.text and "Ẩn danh" in note.text
    (page,) = await rows(database_url, BookPage)
    assert page.photo_file_id == "https://zalo.example/anh-ghe.jpg"
    await leader.press(note, "Đã xem")
    told = await citizen.wait_for(lambda m: "đã đọc góp ý" in m.text)
    assert "(trang số 1)" in told.text


async def test_a_zalo_survey_sends_only_what_is_new_and_no_typed_number_is_lost(
    emulator: BotApiEmulator, zalo: ZaloEmulator, zalo_bot: object, database_url: str
) -> None:
    ward = Ward(code="NGHIA-TAN", name="Phường Nghĩa Tân")
    await store(database_url, ward)
    leader = await join(emulator, database_url, ward, 5001, "Chủ tịch Hùng")
    citizen = zalo.user("8827364512", "Bà Tư")
    await walk_in(citizen)
    for number in range(2, 4):  # a walk-in is asked three questions
        await citizen.send_text("4")
        update = await citizen.next_message()  # the answer just given, the next question
        assert update.text.startswith(f"✅ Câu {number - 1} — ") and update.text.count("✅") == 1
        assert f"Câu {number}/3" in update.text and LEVEL_LINES in update.text
        assert "Khảo sát mức độ hài lòng" not in update.text  # not the whole survey again
    await citizen.send_text("5")
    assert (
        await citizen.next_message()
    ).text == "✅ Câu 3 — Công chức giải quyết công việc: Rất hài lòng"
    ask = await citizen.next_message()
    assert ask.text.endswith("1. Bỏ qua\n— Hoặc gõ số để chọn.")  # it waits for words
    assert "trả lời bằng số" not in ask.text

    await citizen.send_text("Đèn đường ngõ 5 hỏng")
    assert "1. Gửi kèm tên\n2. Gửi ẩn danh" in (await citizen.next_message()).text
    await citizen.send_text("3")  # two choices shown: asked again, never added to the page
    again = await citizen.next_message()
    assert "Không có lựa chọn số 3" in again.text and "2. Gửi ẩn danh" in again.text
    await citizen.send_text("2")
    filed = await citizen.next_message()
    assert "trang số 1" in filed.text and "1. Đồng ý\n2. Không, cảm ơn" in filed.text
    (page,) = await rows(database_url, BookPage)
    assert page.text == "Đèn đường ngõ 5 hỏng" and not page.signed
    assert sum("Đèn đường ngõ 5 hỏng" in m.text for m in citizen.messages) == 1  # echoed once
    assert len(citizen.messages) == 9  # greeting, 3 questions, the last answer, 4 more

    note = await leader.wait_for(lambda m: "Trang 1" in m.text)
    await leader.press(note, "Đã xem")
    await citizen.wait_for(lambda m: "đã đọc góp ý" in m.text)
    await citizen.send_text("1")  # still «Đồng ý»: a notice without choices keeps the numbers
    await citizen.wait_for(lambda m: "Phường sẽ gửi khảo sát" in m.text)
    (person,) = [p for p in await rows(database_url, Person) if p.platform == "zalo"]
    assert person.optin is True


async def test_the_same_id_on_zalo_and_telegram_is_two_people(
    emulator: BotApiEmulator, zalo: ZaloEmulator, zalo_bot: object, database_url: str
) -> None:
    impostor = zalo.user(str(ADMIN), "Giả làm quản trị")  # the Telegram admin's id, on Zalo
    await impostor.send_text("/guikhaosat")
    assert "chưa hiểu lệnh" in (await impostor.next_message()).text
    await impostor.send_unsupported()  # a "protected" user's message
    assert "chỉ đọc được tin nhắn chữ và ảnh" in (await impostor.next_message()).text
    await impostor.send_sticker()
    assert "chỉ đọc được" in (await impostor.next_message()).text
    telegram_twin = emulator.user(ADMIN)
    await telegram_twin.send_text("/start")
    await telegram_twin.next_message()
    people = await rows(database_url, Person)
    assert sorted((p.platform, p.chat_id) for p in people) == [
        ("telegram", str(ADMIN)),
        ("zalo", str(ADMIN)),
    ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_the_webhook_takes_only_signed_known_updates_and_each_once(
    zalo: ZaloEmulator,
    zalo_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/zalo/webhook"
    env = {
        **zalo_env,
        "ZALO_WEBHOOK_URL": url,
        "ZALO_WEBHOOK_SECRET": "s3cret-s3cret",
        "SOGOPY_HTTP_PORT": str(port),
    }
    del env["TELEGRAM_BOT_TOKEN"]  # Zalo alone
    bot = await running(env, monkeypatch)
    try:
        await asyncio.wait_for(zalo.webhook_set.wait(), 15)
        assert zalo.webhook_url == url
        async with aiohttp.ClientSession() as http:
            good = {"X-Bot-Api-Secret-Token": "s3cret-s3cret"}
            update = {
                "event_name": "message.text.received",
                "message": {
                    "message_id": "m1",
                    "from": {"id": "77", "display_name": "Giả"},
                    "chat": {"id": "77", "chat_type": "PRIVATE"},
                    "date": 1764200000000,
                    "text": "/help",
                },
            }
            for headers, body, status in (
                ({}, update, 401),
                ({"X-Bot-Api-Secret-Token": "s3cret-s3cret-wrong"}, update, 401),
                (good, "{not json", 400),
                (good, {"event_name": "user.joined", "message": {}}, 400),
                (good, [1, 2], 400),
            ):
                data = body if isinstance(body, str) else None
                payload = None if isinstance(body, str) else body
                async with http.post(url, headers=headers, data=data, json=payload) as answer:
                    assert answer.status == status
            async with http.get(f"http://127.0.0.1:{port}/health") as health:
                assert health.status == 200
        assert await rows(database_url, Person) == []  # nothing stored from any of them

        citizen = zalo.user("4455", "Ông Năm")
        sent = await citizen.send_text("/help")
        assert "/huy" in (await citizen.next_message()).text
        await zalo.redeliver(sent)  # the same message id again: handled once
        await citizen.send_text("/ngonngu")
        assert "English" in (await citizen.next_message()).text
        assert [m.text for m in citizen.messages].count(citizen.messages[0].text) == 1
        assert zalo.webhook_answers == [200, 200, 200]
        assert len(await rows(database_url, SeenMessage)) == 2
    finally:
        await stopped(bot)


async def test_a_broadcast_reaches_a_mixed_audience(
    emulator: BotApiEmulator,
    zalo: ZaloEmulator,
    zalo_env: dict[str, str],
    zalo_bot: object,
    database_url: str,
) -> None:
    ward = Ward(code="NGHIA-TAN", name="Phường Nghĩa Tân")
    await store(database_url, ward)
    (on_telegram,) = await opted_in(emulator, database_url, ward, 7001, 1)
    on_zalo = zalo.user("99001", "Chị Hoa")
    await store(
        database_url,
        Person(platform="zalo", chat_id="99001", ward_id=ward.id, optin=True, optin_at=None),
    )
    created = await asogopy(zalo_env, "broadcast", "create", "--survey", "sipas")
    assert created.returncode == 0, created.stderr
    assert "tới 2 người" in created.stdout
    invite = await on_zalo.wait_for(lambda m: "kính mời Ông/Bà" in m.text)
    assert LEVEL_LINES in invite.text
    await on_telegram.wait_for(lambda m: "kính mời Ông/Bà" in m.text)
    assert len(invitations(on_telegram)) == 1
    await on_zalo.send_text("5")
    assert "Câu 2/5" in (await on_zalo.next_message()).text
    (answer,) = await rows(database_url, Answer)
    assert answer.source == "broadcast" and answer.level == 5


def test_typed_answers_are_matched_by_number_or_words_only() -> None:
    choices = [["Rất không hài lòng", "a:1"], ["Hài lòng", "a:4"], ["✅ Đã xem", "v:9"]]
    assert match_choice("2", choices) == "a:4"
    assert match_choice(" 3. ", choices) == "v:9"
    assert match_choice("RẤT KHÔNG HÀI LÒNG", choices) == "a:1"
    assert match_choice("hai long", choices) == "a:4"
    assert match_choice("da xem", choices) == "v:9"
    for other in ("0", "4", "hài", "không hài lòng lắm", "", "🙂"):
        assert match_choice(other, choices) is None
    assert fold("Đường Nghĩa Tân!") == "duong nghia tan"
    cut = pieces("ờ" * 4500 + "\nhết")
    assert [len(p) for p in cut] == [2000, 2000, 504]


async def test_links_print_the_zalo_form_when_zalo_is_configured(
    zalo_env: dict[str, str],
) -> None:
    added = await asogopy(zalo_env, "ward", "add", "NGHIA-TAN", "Phường Nghĩa Tân")
    assert added.returncode == 0, added.stderr
    both = await asogopy(zalo_env, "desk-link", "NGHIA-TAN", "--desk", "2")
    desk = re.search(r"Mã số: ([0-9]{6}) ", both.stdout)
    assert desk, both.stdout
    assert both.stdout.splitlines()[:2] == [
        "https://t.me/sogopy_test_bot?start=d_NGHIA-TAN_2",
        f'Zalo: gửi "{desk[1]}" tới Zalo Bot Phường Nghĩa Tân',  # the name from getMe
    ]
    zalo_only = {
        key: value for key, value in zalo_env.items() if not key.startswith("TELEGRAM_BOT")
    }
    case = await asogopy(
        {**zalo_only, "ZALO_BOT_NAME": "Bot Phường"},
        "case", "new", "--ward", "NGHIA-TAN", "--code", "HS-0001", "--procedure", "Khai sinh",
    )  # fmt: skip
    line, code = case.stdout.splitlines()
    assert re.fullmatch(r'Zalo: gửi "[1-9][0-9]{5}" tới Zalo Bot Phường', line), line
    digits = line.split('"')[1]
    assert code.startswith(f"Mã số: {digits} ")


async def test_a_zalo_citizen_links_a_case_by_its_code_and_is_asked_when_it_is_done(
    zalo: ZaloEmulator, zalo_env: dict[str, str], zalo_bot: object
) -> None:
    await asogopy(zalo_env, "ward", "add", "NGHIA-TAN", "Phường Nghĩa Tân")
    case = await asogopy(
        zalo_env, "case", "new", "--ward", "NGHIA-TAN", "--code", "HS-0001", "--procedure",
        "Đăng ký khai sinh",
    )  # fmt: skip
    code = re.search(r'gửi "([0-9]{6})"', case.stdout)
    assert code, case.stdout
    citizen = zalo.user("5566", "Anh Ba")
    await citizen.send_text(f"C {code[1]}")  # as printed on the receipt, with a prefix
    linked = await citizen.next_message()
    assert "HS-0001" in linked.text and "Đăng ký khai sinh" in linked.text
    done = await asogopy(zalo_env, "case", "done", "HS-0001")
    assert done.returncode == 0, done.stderr
    intro = await citizen.wait_for(lambda m: "HS-0001" in m.text and "đã có kết quả" in m.text)
    assert intro
    assert LEVEL_LINES in (await citizen.next_message()).text


async def test_zalo_quota_exceeded_slows_a_broadcast_and_loses_nobody(
    emulator: BotApiEmulator,
    zalo: ZaloEmulator,
    zalo_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
) -> None:
    ward = Ward(code="NGHIA-TAN", name="Phường Nghĩa Tân")
    await store(database_url, ward)
    people = [zalo.user(f"9{n:04d}", f"Dân {n}") for n in range(12)]
    await store(
        database_url,
        *(
            Person(platform="zalo", chat_id=p.id, ward_id=ward.id, optin=True, optin_at=None)
            for p in people
        ),
    )
    zalo.rate = 4  # Zalo allows 4 a second; the bot is told 40
    bot = await running({**zalo_env, "SOGOPY_ZALO_SEND_RATE": "40"}, monkeypatch)
    try:
        created = await asogopy(zalo_env, "broadcast", "create", "--survey", "sipas")
        assert created.returncode == 0, created.stderr
        for person in people:
            await person.wait_for(lambda m: "kính mời Ông/Bà" in m.text, timeout=30)
    finally:
        await stopped(bot)
    assert zalo.throttled > 0
    assert [sum("kính mời Ông/Bà" in m.text for m in p.messages) for p in people] == [1] * 12


async def test_a_zalo_broadcast_is_sent_again_after_a_bad_gateway_and_a_reset(
    zalo: ZaloEmulator,
    zalo_env: dict[str, str],
    zalo_bot: object,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(broadcast, "TRANSIENT_BACKOFF", 0.01)
    ward = Ward(code="NGHIA-TAN", name="Phường Nghĩa Tân")
    await store(database_url, ward)
    people = [zalo.user(f"9900{n}", f"Dân {n}") for n in range(2)]
    await store(
        database_url,
        *(
            Person(platform="zalo", chat_id=p.id, ward_id=ward.id, optin=True, optin_at=None)
            for p in people
        ),
    )
    zalo.misbehave("sendMessage", 502, RESET, 502)  # a proxy's page, a reset, a proxy again
    created = await asogopy(zalo_env, "broadcast", "create", "--survey", "sipas")
    assert created.returncode == 0, created.stderr
    for person in people:
        await person.wait_for(lambda m: "kính mời Ông/Bà" in m.text)
    assert zalo.faulted == 3
    await until(lambda: _all_sent(database_url))
    assert [sum("kính mời Ông/Bà" in m.text for m in p.messages) for p in people] == [1, 1]


async def _all_sent(database_url: str) -> bool:
    return [r.status for r in await rows(database_url, Recipient)] == ["sent", "sent"]


async def test_a_zalo_greeting_asks_for_the_number_and_a_desk_code_starts_the_walk_in(
    zalo: ZaloEmulator, zalo_env: dict[str, str], zalo_bot: object
) -> None:
    """Issue 11, point 7: the six digits printed beside the desk's QR code, typed as the
    first message, start its walk-in survey; a wrong code is answered kindly, and a chat
    that keeps guessing is slowed down, even for a right code."""
    await asogopy(zalo_env, "ward", "add", "Tân Lập", "Xã Tân Lập")
    printed = await asogopy(zalo_env, "desk-link", "TAN-LAP", "--desk", "1")
    desk = re.search(r"Mã số: ([0-9]{6}) ", printed.stdout)
    assert desk, printed.stdout
    citizen = zalo.user("7788", "Bác Tư")
    await citizen.send_text("/start")
    assert "Xin gõ số in trên phiếu hẹn" in (await citizen.next_message()).text
    await citizen.send_text(desk[1])
    greeting = await citizen.next_message()
    assert "Xã Tân Lập" in greeting.text
    assert "Câu 1/3" in (await citizen.next_message()).text

    guesser = zalo.user("7789", "Người đoán")
    wrong = "100000" if desk[1] != "100000" else "100001"
    for _ in range(3):
        await guesser.send_text(wrong)
        assert f"không tìm thấy mã số {wrong}" in (await guesser.next_message()).text
    await guesser.send_text(desk[1])
    assert "Xin đợi khoảng 1 phút" in (await guesser.next_message()).text
