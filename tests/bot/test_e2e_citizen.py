"""A citizen's whole visit, over HTTP: the real bot, the emulator, and the CLI an admin runs."""

import re

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.emulator import BotApiEmulator, EmuMessage, EmuUser
from storage.models import Answer, BookPage, Case
from tests.bot.conftest import asogopy, in_test_db

LINK = re.compile(r"^https://t\.me/sogopy_test_bot\?start=([A-Za-z0-9_-]{1,64})$", re.M)


async def rows(database_url: str, model: type) -> list:
    async def read(session: AsyncSession) -> list:
        return list((await session.exec(select(model))).all())

    return await in_test_db(database_url, read)


async def add_ward(
    env: dict[str, str], code: str = "NGHIA-TAN", name: str = "Phường Nghĩa Tân"
) -> str:
    added = await asogopy(env, "ward", "add", code.lower(), name)
    assert added.returncode == 0, added.stderr
    link = await asogopy(env, "desk-link", code, "--desk", "1")
    assert link.returncode == 0, link.stderr
    match = LINK.search(link.stdout)
    assert match, link.stdout
    return match[1]


async def answer_all(user: EmuUser, survey: EmuMessage, label: str = "Hài lòng") -> None:
    """Press one level per question asked (a walk-in is asked fewer than a case), waiting
    each time for the edited question."""
    number = 0
    while label in survey.button_labels:
        number += 1
        query = await user.press(survey, label)
        assert (await user.callback_answer(query))["text"] == label
        await user.wait_for(
            lambda m, n=number: m.message_id == survey.message_id and f"Câu {n} — " in m.text
        )


async def test_walk_in_survey_and_anonymous_suggestion(
    emulator: BotApiEmulator, bot_env: dict[str, str], running_bot: object, database_url: str
) -> None:
    payload = await add_ward(bot_env)
    citizen = emulator.user(1001, first_name="Lan", last_name="Trần")
    await citizen.send_text(f"/start {payload}")
    greeting = await citizen.next_message()
    assert "Xin chào" in greeting.text and "Phường Nghĩa Tân" in greeting.text
    survey = await citizen.next_message()
    assert survey.button_labels == [
        "Rất không hài lòng",
        "Không hài lòng",
        "Bình thường",
        "Hài lòng",
        "Rất hài lòng",
        "Chưa có ý kiến",
    ]
    await answer_all(citizen, survey)
    assert survey.buttons == [] and survey.text.count("Hài lòng") == 3
    ask = await citizen.next_message()
    assert "Bỏ qua" in ask.button_labels
    await citizen.send_photo(caption="Ghế chờ bị gãy <b>&</b> 😀")
    sign = await citizen.next_message()
    assert "Ghế chờ bị gãy <b>&</b> 😀" in sign.text  # shown literally
    await citizen.press(sign, "Gửi ẩn danh")
    filed = await citizen.next_message()
    assert "đã ghi vào sổ góp ý, trang số 1" in filed.text
    (page,) = await rows(database_url, BookPage)
    assert page.text == "Ghế chờ bị gãy <b>&</b> 😀" and page.photo_file_id
    assert not page.signed and page.author_name is None
    assert len(await rows(database_url, Answer)) == 3


async def test_case_survey_is_sent_when_the_case_is_done(
    emulator: BotApiEmulator, bot_env: dict[str, str], running_bot: object, database_url: str
) -> None:
    await add_ward(bot_env)
    created = await asogopy(
        bot_env, "case", "new", "--ward", "nghia-tan", "--code", "HS-0001",
        "--procedure", "Chứng thực bản sao",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    payload = LINK.search(created.stdout)[1]  # type: ignore[index]
    citizen = emulator.user(1002, first_name="Bình")
    await citizen.send_text(f"/start {payload}")
    linked = await citizen.next_message()
    assert "HS-0001" in linked.text and "Khi có kết quả" in linked.text
    stranger = emulator.user(1003, first_name="Chi")
    await stranger.send_text(f"/start {payload}")
    assert "người khác" in (await stranger.next_message()).text

    done = await asogopy(bot_env, "case", "done", "HS-0001")
    assert done.returncode == 0, done.stderr
    intro = await citizen.next_message(timeout=12)  # SOGOPY_SURVEY_DELAY (0) + 10 s
    assert "đã có kết quả" in intro.text
    survey = await citizen.next_message()
    await answer_all(citizen, survey, "Rất hài lòng")
    skip = await citizen.next_message()
    await citizen.press(skip, "Bỏ qua")
    assert "Cảm ơn" in (await citizen.next_message()).text
    await citizen.send_text(f"/start {payload}")
    assert "đã đánh giá" in (await citizen.next_message()).text
    answers = await rows(database_url, Answer)
    assert len(answers) == 5 and {a.source for a in answers} == {"case"}
    (case,) = await rows(database_url, Case)
    assert case.prompted_at is not None


async def test_duplicate_updates_and_stale_buttons_change_nothing(
    emulator: BotApiEmulator, bot_env: dict[str, str], running_bot: object, database_url: str
) -> None:
    payload = await add_ward(bot_env)
    citizen = emulator.user(1004)
    start = await citizen.send_text(f"/start {payload}")
    await citizen.next_message()
    survey = await citizen.next_message()
    emulator.redeliver(start)  # Telegram sends it again: no second survey, no second greeting
    first_data = survey.buttons[2][0][1]
    first = await citizen.press(survey, "Bình thường")
    await citizen.callback_answer(first)
    await citizen.wait_for(lambda m: "Câu 2/3" in m.text)
    again = await citizen.press_data(survey.message_id, first_data)  # a double tap
    assert "đã được trả lời" in (await citizen.callback_answer(again))["text"]
    forged = await citizen.press_data(survey.message_id, "a:99999:0:5")
    assert "không còn dùng được" in (await citizen.callback_answer(forged))["text"]
    await citizen.send_text("/thoat")
    assert "Đã dừng" in (await citizen.next_message()).text
    await citizen.send_text("/gopy")
    await citizen.next_message()
    text = await citizen.send_text("Một góp ý")
    sign = await citizen.next_message()
    emulator.redeliver(text)
    await citizen.press(sign, "Gửi kèm tên")
    assert "trang số 1" in (await citizen.wait_for(lambda m: "trang số" in m.text)).text
    (page,) = await rows(database_url, BookPage)
    assert page.text == "Một góp ý"
    assert len(await rows(database_url, Answer)) == 1
    greetings = [m for m in citizen.messages if "Xin chào" in m.text]
    assert len(greetings) == 1


async def test_odd_messages_get_kind_answers(emulator: BotApiEmulator, running_bot: object) -> None:
    citizen = emulator.user(1005)
    await citizen.send_sticker()
    assert "chỉ đọc được" in (await citizen.next_message()).text
    await citizen.send_voice()
    assert "chỉ đọc được" in (await citizen.next_message()).text
    await citizen.send_location(21.04, 105.79)
    assert "chỉ đọc được" in (await citizen.next_message()).text
    await citizen.send_text("/lenhla")
    assert "chưa hiểu lệnh" in (await citizen.next_message()).text
    await citizen.send_text("/start c_khong-co-that")
    assert "không đúng" in (await citizen.next_message()).text
    await citizen.send_text("/help")
    assert "/gopy" in (await citizen.next_message()).text
    await citizen.send_text("/ngonngu")
    assert "English" in (await citizen.next_message()).text


async def test_each_chat_is_served_in_order_while_chats_run_together(
    emulator: BotApiEmulator, bot_env: dict[str, str], running_bot: object, database_url: str
) -> None:
    """Ten quick messages from each of five people land in one batch: none is reordered."""
    await add_ward(bot_env)
    citizens = [emulator.user(3000 + n) for n in range(5)]
    for citizen in citizens:
        await citizen.send_text("/start d_NGHIA-TAN")
        await citizen.send_text("/thoat")
        await citizen.send_text("/gopy")
    for line in range(10):
        for citizen in citizens:
            await citizen.send_text(f"{citizen.id}: dòng {line}")
    for citizen in citizens:
        sign = await citizen.wait_for(lambda m: "dòng 9" in m.text and "ẩn danh" in m.text)
        await citizen.press(sign, "Gửi ẩn danh")
        await citizen.wait_for(lambda m: "trang số" in m.text)
    pages = {page.text for page in await rows(database_url, BookPage)}
    assert pages == {
        "\n".join(f"{citizen.id}: dòng {line}" for line in range(10)) for citizen in citizens
    }


async def test_a_case_code_typed_on_telegram_links_the_case(
    emulator: BotApiEmulator, bot_env: dict[str, str], running_bot: object
) -> None:
    """Issue 11, point 7: the receipt's six digits, typed as the first message (with or
    without its "c"), do what the receipt's link does."""
    await add_ward(bot_env)
    created = await asogopy(
        bot_env, "case", "new", "--ward", "Nghĩa Tân", "--code", "HS-0002",
        "--procedure", "Chứng thực bản sao",
    )  # fmt: skip
    code = re.search(r"^Mã số: ([1-9][0-9]{5}) ", created.stdout, re.M)
    assert code, created.stdout
    citizen = emulator.user(1002, first_name="Hoa")
    await citizen.send_text(f"c{code[1]}")
    linked = await citizen.next_message()
    assert "HS-0002" in linked.text and "Chứng thực bản sao" in linked.text
    other = emulator.user(1003, first_name="Minh")
    await other.send_text(code[1])
    assert "đã được liên kết với một người khác" in (await other.next_message()).text
