"""Nobody is left stranded: replies survive SIGKILLs of `sogopy run` and Bot API outages."""

import asyncio
from collections.abc import Callable

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.emulator import BotApiEmulator, EmuMessage, EmuUser
from handlers.leaders import BLOCKED
from storage.models import Answer, BookPage, Leadership, Notice, PendingReply, utcnow
from storage.queries import person_by_chat
from tests.bot.conftest import BotProcess, in_test_db, until
from tests.bot.test_e2e_citizen import add_ward, rows
from tests.bot.test_e2e_leaders import join, setup_ward, suggest

CITIZENS = 60
KILL_AFTER = (100, 250, 400)  # bot messages sent or edited, counted from the start
REPLY_WAIT = 45.0  # seconds a citizen waits for each reply: a restart fits even on a busy machine
LEVELS = ("Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng", "Rất hài lòng")


def asks(number: int) -> Callable[[EmuMessage], bool]:
    """The message showing question `number` with its buttons."""
    return lambda m: f"Câu {number}/3." in m.text and bool(m.buttons)


def sign_prompt(message: EmuMessage) -> bool:
    return "Gửi ẩn danh" in message.button_labels


async def visit(citizen: EmuUser, number: int) -> bool:
    """A citizen's whole walk-in visit, each step after the bot's answer to the last; True
    when every answer came (the next question after each press, then the page number)."""
    try:
        await citizen.send_text("/start d_NGHIA-TAN")
        for question in range(1, 4):  # a walk-in's three questions
            shown = await citizen.wait_for(asks(question), timeout=REPLY_WAIT)
            await citizen.press(shown, LEVELS[(number + question) % 5])
        await citizen.wait_for(lambda m: "Bỏ qua" in m.button_labels, timeout=REPLY_WAIT)
        await citizen.send_text(f"Góp ý của người số {number}")
        await citizen.press(await citizen.wait_for(sign_prompt, timeout=REPLY_WAIT), "Gửi ẩn danh")
        await citizen.wait_for(lambda m: "trang số" in m.text, timeout=REPLY_WAIT)
    except AssertionError:  # a reply that never came
        return False
    return True


async def test_no_citizen_is_stranded_by_three_kills_during_a_burst(
    emulator: BotApiEmulator, bot_env: dict[str, str], bot_process: BotProcess, database_url: str
) -> None:
    await add_ward(bot_env)
    await bot_process.start()
    await emulator.wait_polling(timeout=30)
    acted = 0
    due = asyncio.Event()

    def count(kind: str, message: EmuMessage) -> None:
        nonlocal acted
        acted += 1
        if acted in KILL_AFTER:
            due.set()

    emulator.on_bot_action(count)

    async def killer() -> None:
        for _ in KILL_AFTER:
            await due.wait()
            due.clear()
            await bot_process.kill()
            await bot_process.start()

    killing = asyncio.create_task(killer())
    citizens = [emulator.user(3000 + n, first_name=f"Dân {n}") for n in range(CITIZENS)]
    served = await asyncio.gather(*(visit(c, n) for n, c in enumerate(citizens)))
    assert killing.done(), f"the burst ended after {acted} bot messages, before the 3rd kill"
    share = sum(served) / CITIZENS
    stranded = [c.id for c, ok in zip(citizens, served, strict=True) if not ok]
    assert share == 1.0, f"{share:.0%} got every reply; stranded: {stranded}"
    pages = await rows(database_url, BookPage)
    assert sorted(p.page_no for p in pages) == list(range(1, CITIZENS + 1))  # none filed twice
    assert len(await rows(database_url, Answer)) == 3 * CITIZENS


async def test_replies_lost_to_a_bot_api_outage_arrive_in_order_once_it_recovers(
    emulator: BotApiEmulator, running_bot: object, bot_env: dict[str, str], database_url: str
) -> None:
    await add_ward(bot_env)
    citizen, blocker = emulator.user(3101), emulator.user(3102)
    for person in (citizen, blocker):
        await person.send_text("/start d_NGHIA-TAN")
    survey = await citizen.wait_for(asks(1), timeout=30)
    blocked_survey = await blocker.wait_for(asks(1), timeout=30)
    emulator.fail("sendMessage", "editMessageText", status=502)
    await citizen.press(survey, "Hài lòng")
    await citizen.send_sticker()  # the reminder and the question again
    # one burst (bot.pacing.merge): the edit, then the reminder and the question as one message
    await until(lambda: _kept(database_url, 2))
    assert emulator.method_counts["editMessageText"] == 4  # the transport's own attempts
    assert not asks(2)(survey)
    shown: list[tuple[str, int]] = []
    emulator.on_bot_action(lambda kind, message: shown.append((kind, message.message_id)))
    emulator.heal()

    again = await citizen.wait_for(lambda m: "chọn một trong các câu trả lời" in m.text)
    assert asks(2)(again) and again.message_id > survey.message_id
    await until(lambda: _kept(database_url, 0))
    # once each, and in the order decided: the edit first
    assert shown == [("edit", survey.message_id), ("send", again.message_id)]
    assert asks(2)(survey)

    blocker.block()
    await blocker.press(blocked_survey, "Hài lòng")
    await until(lambda: _blocked(database_url, "3102"))
    await emulator.wait_idle()
    edits = [c for c in emulator.calls if c[0] == "editMessageText" and c[1]["chat_id"] == 3102]
    assert len(edits) == 1  # a 403 is final: neither retried nor kept
    assert await _kept(database_url, 0)


async def _kept(database_url: str, count: int) -> bool:
    return len(await rows(database_url, PendingReply)) == count


async def _blocked(database_url: str, chat_id: str) -> bool:
    async def read(session: AsyncSession) -> bool:
        person = await person_by_chat(session, "telegram", chat_id)
        return person is not None and person.blocked_at is not None

    return await in_test_db(database_url, read)


async def test_a_leader_back_after_blocking_the_bot_gets_the_pages_missed_once_in_order(
    emulator: BotApiEmulator, running_bot: object, database_url: str
) -> None:
    ward = await setup_ward(database_url)
    other = await setup_ward(database_url, "DICH-VONG", "Phường Dịch Vọng")
    leader = await join(emulator, database_url, ward, 3301, "Hùng")
    await join(emulator, database_url, other, 3301, "Hùng")
    leader.block()
    for number, code in enumerate(("NGHIA-TAN", "NGHIA-TAN", "DICH-VONG")):
        await suggest(emulator.user(3400 + number), f"Góp ý số {number}", False, code)
    await until(lambda: _notices(database_url, lambda n: n.failed == BLOCKED, 3))

    async def leave_other_ward(session: AsyncSession) -> None:
        result = await session.exec(select(Leadership).where(Leadership.ward_id == other.id))
        result.one().removed_at = utcnow()

    await in_test_db(database_url, leave_other_ward)  # its page is no longer theirs to read
    await leader.send_text("/help")  # back: writing to the bot unblocks it
    await until(lambda: _notices(database_url, lambda n: n.sent_at is not None, 2))
    await emulator.wait_idle()
    pages = [m.text for m in leader.messages if "Góp ý số" in m.text]
    assert len(pages) == 2
    assert "Góp ý số 0" in pages[0] and "Góp ý số 1" in pages[1]  # the newest last


async def _notices(database_url: str, matches: Callable[[Notice], bool], count: int) -> bool:
    return sum(matches(n) for n in await rows(database_url, Notice)) == count
