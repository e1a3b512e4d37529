"""One chat never holds up the others, and replies go before broadcasts, under Telegram's
limits (the emulator: a few messages a second overall, one a second per chat after a
burst of three, 429 beyond them)."""

import asyncio

import pytest

from bot.emulator import BotApiEmulator, EmuMessage, EmuUser
from storage.models import Draft, Ward
from tests.bot.conftest import BotProcess, asogopy, store, until
from tests.bot.test_e2e_broadcast import INVITE_WORDS, invitations, opted_in
from tests.bot.test_e2e_citizen import add_ward, answer_all, rows

FLOOD_CAP = 400  # the flooder gives up here: the other citizen was never answered


def telegram_limits(emulator: BotApiEmulator, overall: float = 30) -> None:
    emulator.global_rate = overall
    emulator.per_chat_interval = 1.0
    emulator.per_chat_burst = 3


async def open_draft(user: EmuUser, payload: str) -> None:
    """The citizen is writing a suggestion: what they type next goes into its draft."""
    await user.send_text(f"/start {payload}")
    await user.wait_for(lambda m: "Câu 1/" in m.text)
    await user.send_text("/thoat")
    await user.send_text("/gopy")
    await user.wait_for(lambda m: "Phường Nghĩa Tân" in m.text and "góp ý" in m.text.lower())


async def draft_text(database_url: str) -> str:
    (draft,) = await rows(database_url, Draft)
    return draft.text


async def test_a_flooding_citizen_holds_up_nobody_and_loses_nothing(
    emulator: BotApiEmulator, bot_env: dict[str, str], running_bot: object, database_url: str
) -> None:
    payload = await add_ward(bot_env)
    flooder, other = emulator.user(3001, first_name="Lũ"), emulator.user(3002, first_name="Hà")
    await open_draft(flooder, payload)
    telegram_limits(emulator)
    # the flooder writes ten more lines whenever the bot answers them, and goes on until
    # the other citizen has been answered (or gives up at FLOOD_CAP)
    answered, spoke = asyncio.Event(), asyncio.Event()
    flood_began = len(flooder.messages)

    def bot_acted(kind: str, message: EmuMessage) -> None:
        if message.chat_id == other.id:
            answered.set()
        spoke.set()

    unsubscribe = emulator.on_bot_action(bot_acted)
    typed: list[str] = []
    for _ in range(100):
        typed.append(f"dòng {len(typed) + 1}")
        await flooder.send_text(typed[-1])
    await flooder.wait_for(lambda m: "dòng" in m.text)  # the bot is at the flood
    await other.send_text("/help")
    while not answered.is_set() and len(typed) < FLOOD_CAP:
        spoke.clear()
        await spoke.wait()
        for _ in range(10):
            typed.append(f"dòng {len(typed) + 1}")
            await flooder.send_text(typed[-1])
    unsubscribe()
    assert answered.is_set() and len(typed) < FLOOD_CAP  # answered while the flood went on

    await emulator.wait_idle(timeout=60, quiet=1.5)
    assert await draft_text(database_url) == "\n".join(typed)  # every line, once, in order
    last = flooder.messages[-1]
    assert typed[0] in last.text and "Gửi ẩn danh" in last.button_labels  # asked to sign it
    assert len(flooder.messages) - flood_began < 20  # one answer for a burst, not one a line
    assert emulator.throttled == 0, list(emulator.errors)


@pytest.mark.any_database  # the transport's doing: the database adds nothing
async def test_sigterm_with_a_backlog_stops_at_once_and_the_rest_comes_after_the_restart(
    emulator: BotApiEmulator, bot_env: dict[str, str], bot_process: BotProcess, database_url: str
) -> None:
    payload = await add_ward(bot_env)
    await bot_process.start()
    await emulator.wait_polling(timeout=60)
    flooder = emulator.user(3101, first_name="Lũ")
    await open_draft(flooder, payload)
    telegram_limits(emulator)
    typed = [f"dòng {n}" for n in range(1, 301)]
    started = len(flooder.messages)
    for line in typed:
        await flooder.send_text(line)
    await flooder.wait_for(lambda m: m.message_id > flooder.messages[started - 1].message_id)
    assert await bot_process.terminate(timeout=15) == 0  # not after the backlog: at once

    await bot_process.start()
    await until(lambda: _has_every_line(database_url, typed), seconds=120)
    await emulator.wait_idle(timeout=60, quiet=1.5)
    assert await draft_text(database_url) == "\n".join(typed)  # each line once, in order
    assert emulator.throttled == 0


async def _has_every_line(database_url: str, typed: list[str]) -> bool:
    return (await draft_text(database_url)).endswith(typed[-1])


@pytest.fixture
def bot_env(bot_env: dict[str, str]) -> dict[str, str]:
    """Broadcasts at the emulator's limit, at any time of day."""
    return {**bot_env, "SOGOPY_QUIET_HOURS": "", "SOGOPY_SEND_RATE": "10"}


async def test_presses_during_a_broadcast_go_first_and_no_429_is_provoked(
    emulator: BotApiEmulator, bot_env: dict[str, str], running_bot: object, database_url: str
) -> None:
    payload = await add_ward(bot_env)
    ward = Ward(code="PHU-THUONG", name="Phường Phú Thượng")
    await store(database_url, ward)
    people = await opted_in(emulator, database_url, ward, 7001, 40)
    citizens = [emulator.user(3201 + n, first_name=f"Dân {n}") for n in range(6)]
    surveys: list[EmuMessage] = []
    for citizen in citizens:
        await citizen.send_text(f"/start {payload}")
        surveys.append(await citizen.wait_for(lambda m: "Câu 1/" in m.text))
    telegram_limits(emulator, overall=10)
    broadcasting = asyncio.Event()
    emulator.on_bot_action(
        lambda kind, message: broadcasting.set() if INVITE_WORDS in message.text else None
    )
    created = await asogopy(
        bot_env, "broadcast", "create", "--survey", "sipas", "--ward", "PHU-THUONG"
    )
    assert created.returncode == 0, created.stderr
    await broadcasting.wait()
    await asyncio.gather(*(answer_all(c, s) for c, s in zip(citizens, surveys, strict=True)))
    await until(lambda: _all_invited(people))
    await emulator.wait_idle(timeout=30, quiet=1.5)
    assert [len(invitations(p)) for p in people] == [1] * 40
    assert emulator.throttled == 0


async def _all_invited(people: list[EmuUser]) -> bool:
    return all(invitations(p) for p in people)


async def test_a_slow_menu_call_holds_up_no_answer_nor_the_stop(
    emulator: BotApiEmulator, bot_process: BotProcess
) -> None:
    """The command menu is set beside the first answers, not before them (a round trip to
    Telegram less from a start to the first answer), and a stop does not wait for it."""
    emulator.latency["setMyCommands"] = 300  # answered long after the test is over
    citizen = emulator.user(3101)
    await citizen.send_text("/help")
    await bot_process.start()
    await citizen.wait_for(lambda m: "Hướng dẫn" in m.text)
    assert emulator.method_counts["setMyCommands"] == 1 and emulator.commands == {}
    assert await bot_process.terminate(timeout=15) == 0
