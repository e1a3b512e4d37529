"""Broadcast handlers called directly: consent asked once, the wizard's typed time and state."""

from dataclasses import replace
from datetime import UTC, datetime

from sqlmodel import select

from handlers.context import Context
from storage.models import Broadcast, BroadcastStatus, Dialog, Person, Recipient, Ward
from tests.conftest import Chat, Clock, add_ward
from tests.handlers.test_suggestions import finish_survey

CONSENT = "khảo sát ý kiến sau này"


async def person(ctx: Context, chat_id: str) -> Person:
    async with ctx.db() as session:
        return (await session.exec(select(Person).where(Person.chat_id == chat_id))).one()


async def test_consent_is_asked_once_after_the_first_survey_only(
    chat: Chat, ward: Ward, clock: Clock
) -> None:
    await finish_survey(chat)
    thanks = (await chat.press_label("Bỏ qua")).replies[-1]
    assert CONSENT in thanks.text and [c.data for c in thanks.choices] == ["o:1", "o:0"]
    assert (await person(chat.ctx, chat.chat_id)).optin is None  # asked, not answered
    clock.advance(days=1)
    await finish_survey(chat)  # the next day's survey: not asked again
    again = (await chat.press_label("Bỏ qua")).replies[-1]
    assert CONSENT not in again.text and again.choices == ()
    await chat.press("o:0")  # the old buttons still record an answer, with its time
    refused = await person(chat.ctx, chat.chat_id)
    assert refused.optin is False and refused.optin_at == clock.now
    assert (await chat.press("o:7")).notice == "Nút này không còn dùng được."


async def test_an_admin_schedules_by_typing_a_local_time(
    ctx: Context, ward: Ward, clock: Clock
) -> None:
    ctx = replace(ctx, admins=frozenset({"900"}))
    citizen = Chat(ctx, chat_id="1001")
    await finish_survey(citizen)
    await citizen.press_label("Bỏ qua")
    await citizen.press_label("Đồng ý")
    admin = Chat(ctx, chat_id="900")
    await admin.command("guikhaosat")
    await admin.press_label("Khảo sát mức độ hài lòng")
    await admin.press_label("Phường Nghĩa Tân (1 người)")
    await admin.press_label("🕒 Hẹn giờ")
    for typed, answer in (
        ("mai 8 giờ", "Chưa đọc được ngày giờ này"),
        ("26/11/2026 09:00", "Thời điểm này đã qua"),  # 10:00 local now
    ):
        assert answer in (await admin.text(typed)).replies[0].text
    scheduled = (await admin.text("27/11/2026 08:00")).replies[0]
    assert "lúc 27/11/2026 08:00 tới 1 người" in scheduled.text
    async with ctx.db() as session:
        (broadcast,) = (await session.exec(select(Broadcast))).all()
        assert broadcast.status == BroadcastStatus.SCHEDULED
        assert broadcast.scheduled_at == datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
        assert len((await session.exec(select(Recipient))).all()) == 1
    assert (await person(ctx, "900")).dialog == Dialog.IDLE
    cancelled = await admin.press_label("Huỷ")
    assert cancelled.notice == "Đã huỷ đợt gửi"
    assert (await admin.press_label("Huỷ")).notice == "Không thay đổi được lúc này"


async def test_a_ward_with_nobody_opted_in_sends_nothing(
    ctx: Context, ward: Ward, clock: Clock
) -> None:
    admin = Chat(replace(ctx, admins=frozenset({"900"})), chat_id="900")
    await admin.command("broadcast")
    await admin.press_label("Khảo sát mức độ hài lòng")
    preview = (await admin.text("nghia-tan")).replies[0]
    assert "nơi nhận: Phường Nghĩa Tân; 0 người" in preview.text
    nobody = await admin.press_label("📤 Gửi ngay")
    assert "không gửi gì" in nobody.replies[0].text
    async with ctx.db() as session:
        (broadcast,) = (await session.exec(select(Broadcast))).all()
        assert broadcast.status == BroadcastStatus.CANCELLED


async def test_the_wizard_lists_refused_survey_files_with_their_error(ctx: Context) -> None:
    problem = "/srv/surveys/thang12.yaml:14: questions[1].code: duplicate code 'access'"
    admin = Chat(replace(ctx, admins=frozenset({"900"}), survey_problems=(problem,)), "900")
    choose = (await admin.command("guikhaosat")).replies[0]
    assert "bị lỗi nên không dùng được" in choose.text and problem in choose.text
    assert [c.label for c in choose.choices] == ["Khảo sát mức độ hài lòng", "Huỷ"]


async def test_wards_are_typed_by_name_or_code_with_or_without_diacritics(
    ctx: Context, ward: Ward
) -> None:
    await add_ward(ctx, "DICH-VONG", "Phường Dịch Vọng")
    admin = Chat(replace(ctx, admins=frozenset({"900"})), chat_id="900")
    await admin.command("guikhaosat")
    await admin.press_label("Khảo sát mức độ hài lòng")
    wrong = (await admin.text("Nghĩa Tân, Cầu Giấy")).replies[0].text
    assert "Không tìm thấy phường: Cầu Giấy." in wrong
    preview = (await admin.text("nghĩa tân; phuong dich vong, NGHIA-TAN")).replies[0].text
    assert "nơi nhận: Phường Dịch Vọng, Phường Nghĩa Tân; 0 người" in preview


async def test_the_audience_counts_only_people_a_broadcast_can_reach(
    ctx: Context, ward: Ward, clock: Clock
) -> None:
    """/nhan without ever scanning a ward's code asks which ward; until then, and when the
    ward is removed, the person is not counted (issue 11): the count is the delivery's."""
    other = await add_ward(ctx, "DICH-VONG", "Phường Dịch Vọng")
    admin = Chat(replace(ctx, admins=frozenset({"900"})), chat_id="900")

    async def city_audience() -> str:
        await admin.command("guikhaosat")
        return (await admin.press_label("Khảo sát mức độ hài lòng")).replies[0].choices[0].label

    stranger = Chat(ctx, chat_id="1")
    asked = (await stranger.command("nhan")).replies[0]
    assert "phường nào" in asked.text
    assert [c.label for c in asked.choices] == ["Phường Dịch Vọng", "Phường Nghĩa Tân"]
    assert (await person(ctx, "1")).optin is True
    assert await city_audience() == "Toàn thành phố (0 người)"
    chosen = await stranger.press_label("Phường Dịch Vọng")
    assert "Phường Dịch Vọng sẽ gửi khảo sát" in chosen.replies[0].text
    assert (await person(ctx, "1")).ward_id == other.id
    assert await city_audience() == "Toàn thành phố (1 người)"
    async with ctx.db() as session:
        removed = await session.get(Ward, other.id)
        assert removed is not None
        removed.removed_at = clock.now
        await session.commit()
    assert await city_audience() == "Toàn thành phố (0 người)"
    resident = Chat(ctx, chat_id="2")
    await finish_survey(resident)
    await resident.command("nhan")  # their ward is known: nothing to ask
    assert resident.last.replies[0].choices == ()
    assert await city_audience() == "Toàn thành phố (1 người)"
