"""Issue 11 over HTTP, on Telegram and Zalo: nothing typed is lost, «Chưa có ý kiến» and
the walk-in's own questions, and a broadcast audience of people it can reach."""

import json

from bot.emulator import BotApiEmulator
from bot.zalo_emulator import ZaloEmulator
from storage.models import NO_OPINION, Answer, BookPage, Person, Recipient, Ward
from tests.bot.conftest import asogopy, store, until
from tests.bot.test_e2e_broadcast import invitations
from tests.bot.test_e2e_citizen import rows
from tests.bot.test_e2e_zalo import zalo, zalo_bot, zalo_env  # noqa: F401 (fixtures)


async def test_a_telegram_citizen_loses_nothing_they_type(
    emulator: BotApiEmulator, running_bot: object, database_url: str
) -> None:
    await store(database_url, Ward(code="NGHIA-TAN", name="Phường Nghĩa Tân"))
    citizen = emulator.user(1101, first_name="Lan")
    await citizen.send_text("/start d_NGHIA-TAN")
    survey = await citizen.wait_for(lambda m: "Câu 1/3" in m.text)
    assert survey.button_labels[-1] == "Chưa có ý kiến"
    await citizen.press(survey, "Chưa có ý kiến")
    await citizen.wait_for(lambda m: m.message_id == survey.message_id and "Câu 2/3" in m.text)
    await citizen.send_text("Cán bộ rất nhiệt tình")
    await citizen.wait_for(lambda m: "Đã giữ tin nhắn" in m.text)
    again = await citizen.wait_for(lambda m: "Câu 2/3" in m.text and bool(m.buttons))
    await citizen.press(again, "Hài lòng")
    await citizen.wait_for(lambda m: m.message_id == again.message_id and "Câu 3/3" in m.text)
    await citizen.press(again, "Rất hài lòng")
    offer = await citizen.wait_for(lambda m: "Gửi như vậy" in m.button_labels)
    assert "Cán bộ rất nhiệt tình" in offer.text
    assert offer.button_labels == ["Gửi như vậy", "Viết thêm", "Không gửi"]
    await citizen.press(offer, "Gửi như vậy")
    await citizen.wait_for(
        lambda m: m.message_id == offer.message_id and "Gửi ẩn danh" in m.button_labels
    )
    await citizen.press(offer, "Gửi ẩn danh")
    await citizen.wait_for(lambda m: "trang số 1" in m.text)

    await citizen.send_text("Đề nghị sửa đèn đường ngõ 12")  # nothing in progress now
    idle = await citizen.wait_for(lambda m: "Đề nghị sửa đèn đường ngõ 12" in m.text)
    assert idle.button_labels == ["Gửi kèm tên", "Gửi ẩn danh", "Không gửi"]
    await citizen.press(idle, "Gửi kèm tên")
    await citizen.wait_for(lambda m: "trang số 2" in m.text)

    first, second = sorted(await rows(database_url, BookPage), key=lambda p: p.page_no)
    assert first.text == "Cán bộ rất nhiệt tình" and first.session_id is not None
    assert second.text == "Đề nghị sửa đèn đường ngõ 12" and second.author_name == "Lan"
    answers = sorted(await rows(database_url, Answer), key=lambda a: a.id)
    assert [(a.question_code, a.level) for a in answers] == [
        ("access", NO_OPINION),
        ("procedure", 4),
        ("officer", 5),
    ]


async def test_a_zalo_citizen_loses_nothing_they_type(
    zalo: ZaloEmulator,  # noqa: F811 (the fixture)
    zalo_bot: object,  # noqa: F811
    database_url: str,
) -> None:
    await store(database_url, Ward(code="NGHIA-TAN", name="Phường Nghĩa Tân"))
    citizen = zalo.user("8827300001", "Bà Tư")
    await citizen.send_text("d_NGHIA-TAN")
    first = await citizen.wait_for(lambda m: "Câu 1/3" in m.text)
    assert "6. Chưa có ý kiến" in first.text
    await citizen.send_text("6")
    await citizen.wait_for(lambda m: "Câu 2/3" in m.text)
    await citizen.send_text("Cán bộ rất nhiệt tình")  # neither a number nor an answer: kept
    await citizen.wait_for(lambda m: "Đã giữ tin nhắn" in m.text)
    await citizen.send_text("4")
    await citizen.wait_for(lambda m: "Câu 3/3" in m.text)
    await citizen.send_text("5")
    offer = await citizen.wait_for(lambda m: "Gửi như vậy" in m.text)
    assert "Cán bộ rất nhiệt tình" in offer.text and "3. Không gửi" in offer.text
    await citizen.send_text("1")
    await citizen.wait_for(lambda m: "2. Gửi ẩn danh" in m.text)
    await citizen.send_text("2")
    await citizen.wait_for(lambda m: "trang số 1" in m.text)
    await citizen.send_image("https://zalo.example/den-hong.jpg", "Đèn đường ngõ 12 hỏng")
    idle = await citizen.wait_for(lambda m: "Đèn đường ngõ 12 hỏng" in m.text)
    assert "3. Không gửi" in idle.text
    await citizen.send_text("3")
    await citizen.wait_for(lambda m: "không gửi" in m.text)
    (page,) = await rows(database_url, BookPage)
    assert page.text == "Cán bộ rất nhiệt tình" and not page.signed
    levels = [a.level for a in sorted(await rows(database_url, Answer), key=lambda a: a.id)]
    assert levels == [NO_OPINION, 4, 5]


async def test_opting_in_without_a_ward_asks_which_and_the_count_is_the_delivery(
    emulator: BotApiEmulator,
    zalo: ZaloEmulator,  # noqa: F811 (the fixture)
    zalo_env: dict[str, str],  # noqa: F811
    zalo_bot: object,  # noqa: F811
    database_url: str,
) -> None:
    await store(database_url, Ward(code="NGHIA-TAN", name="Phường Nghĩa Tân"))
    await store(database_url, Ward(code="DICH-VONG", name="Phường Dịch Vọng"))
    on_telegram = emulator.user(1201, first_name="Minh")
    await on_telegram.send_text("/nhan")
    asked = await on_telegram.wait_for(lambda m: "phường nào" in m.text)
    assert asked.button_labels == ["Phường Dịch Vọng", "Phường Nghĩa Tân"]
    await on_telegram.press(asked, "Phường Nghĩa Tân")
    await on_telegram.wait_for(lambda m: "Phường Nghĩa Tân sẽ gửi khảo sát" in m.text)
    on_zalo = zalo.user("8827300002", "Chị Hoa")
    await on_zalo.send_text("/nhan")
    numbered = await on_zalo.wait_for(lambda m: "phường nào" in m.text)
    assert "1. Phường Dịch Vọng" in numbered.text
    await on_zalo.send_text("1")
    await on_zalo.wait_for(lambda m: "Phường Dịch Vọng sẽ gửi khảo sát" in m.text)
    undecided = emulator.user(1202, first_name="Khoa")  # opted in, never said which ward
    await undecided.send_text("/nhan")
    await undecided.wait_for(lambda m: "phường nào" in m.text)
    optins = {p.chat_id: p.optin for p in await rows(database_url, Person)}
    assert optins == {"1201": True, "8827300002": True, "1202": True}

    created = await asogopy(zalo_env, "broadcast", "create", "--survey", "sipas")
    assert created.returncode == 0, created.stderr
    # the undecided person cannot be reached: not counted, so the count is the delivery
    assert len(await rows(database_url, Recipient)) == 2
    await on_telegram.wait_for(lambda m: "kính mời Ông/Bà" in m.text)
    invite = await on_zalo.wait_for(lambda m: "kính mời Ông/Bà" in m.text)
    assert "Phường Dịch Vọng" in invite.text and "6. Chưa có ý kiến" in invite.text
    assert invitations(undecided) == []


async def test_no_opinion_and_broadcast_answers_are_apart_in_the_wards_figures(
    emulator: BotApiEmulator,
    zalo: ZaloEmulator,  # noqa: F811 (the fixture)
    zalo_env: dict[str, str],  # noqa: F811
    zalo_bot: object,  # noqa: F811
    database_url: str,
) -> None:
    """Points 3 and 4 over both chats: a Telegram walk-in rates with «Chưa có ý kiến», a
    Zalo citizen answers a broadcast; the ward's figures count the visit's ratings alone
    and show the «Chưa có ý kiến» and the broadcast answers apart."""
    ward = Ward(code="NGHIA-TAN", name="Phường Nghĩa Tân")
    await store(database_url, ward)
    visitor = emulator.user(1201, first_name="Lan")
    await visitor.send_text("/start d_NGHIA-TAN")
    survey = await visitor.wait_for(lambda m: "Câu 1/3" in m.text)
    for label, number in (("Chưa có ý kiến", 2), ("Hài lòng", 3), ("Rất hài lòng", 0)):
        await visitor.press(survey, label)
        if number:
            await visitor.wait_for(
                lambda m, n=number: m.message_id == survey.message_id and f"Câu {n}/3" in m.text
            )
    await visitor.wait_for(lambda m: "Bỏ qua" in m.button_labels)

    listener = zalo.user("99002", "Chị Hoa")
    await store(
        database_url,
        Person(platform="zalo", chat_id="99002", ward_id=ward.id, optin=True, optin_at=None),
    )
    created = await asogopy(zalo_env, "broadcast", "create", "--survey", "sipas")
    assert created.returncode == 0, created.stderr
    await listener.wait_for(lambda m: "kính mời Ông/Bà" in m.text)
    for number in range(2, 6):
        await listener.send_text("1")  # «Rất không hài lòng», without any visit
        await listener.wait_for(lambda m, n=number: f"Câu {n}/5" in m.text)
    await listener.send_text("1")
    await until(lambda: _answers_stored(database_url, 8))

    report = await asogopy(zalo_env, "report", "--ward", "NGHIA-TAN", "--format", "json")
    figures = json.loads(report.stdout)
    overall, broadcast = figures["overall"], figures["broadcast"]
    assert (overall["answers"], overall["satisfied"], overall["no_opinion"]) == (2, 2, 1)
    assert overall["share"] == 1.0  # «Chưa có ý kiến» is in no share, the broadcast apart
    assert (broadcast["answers"], broadcast["satisfied"]) == (5, 0)
    table = await asogopy(zalo_env, "report", "--ward", "NGHIA-TAN")
    assert "Chưa có ý kiến: 1" in table.stdout
    everything = await asogopy(
        zalo_env, "report", "--ward", "NGHIA-TAN", "--source", "all", "--format", "json"
    )
    assert json.loads(everything.stdout)["overall"]["answers"] == 7


async def _answers_stored(database_url: str, count: int) -> bool:
    return len(await rows(database_url, Answer)) == count
