"""Nothing a person types is lost: text or a photo outside the step asked for is kept and
offered as a suggestion, outside any flow at once, mid-survey at its end (issue 11)."""

from dataclasses import replace

from sqlmodel import select

from handlers.context import Context
from handlers.events import Kind
from storage.models import BookPage, Dialog, Draft, Person, Ward
from tests.conftest import Chat, add_ward
from tests.handlers.test_suggestions import finish_survey, pages

OFFER = ["Gửi kèm tên", "Gửi ẩn danh", "Không gửi"]
KEPT = ["Gửi như vậy", "Viết thêm", "Không gửi"]


async def drafts(ctx: Context) -> list[Draft]:
    async with ctx.db() as session:
        return list((await session.exec(select(Draft))).all())


async def dialog(ctx: Context, chat: Chat) -> str:
    async with ctx.db() as session:
        found = await session.exec(select(Person).where(Person.chat_id == chat.chat_id))
        return found.one().dialog


async def test_text_outside_any_flow_is_offered_to_the_ward_at_once(chat: Chat, ward: Ward) -> None:
    await finish_survey(chat)
    await chat.press_label("Bỏ qua")
    response = await chat.text("Đề nghị sửa đèn đường ngõ 12")
    (offer,) = response.replies
    assert "Phường Nghĩa Tân" in offer.text and "Đề nghị sửa đèn đường ngõ 12" in offer.text
    assert [c.label for c in offer.choices] == OFFER
    assert await pages(chat.ctx) == []  # nothing is filed before the choice
    filed = await chat.press_label("Gửi ẩn danh", message_id=91)
    assert filed.replies[0].edit == 91 and "trang số 1" in filed.replies[1].text
    (page,) = await pages(chat.ctx)
    assert page.text == "Đề nghị sửa đèn đường ngõ 12" and not page.signed
    assert page.session_id is None and page.ward_id == ward.id


async def test_a_photo_outside_any_flow_is_offered_and_can_be_dropped(
    chat: Chat, ward: Ward
) -> None:
    await chat.command("start", "d_NGHIA-TAN")
    await chat.command("thoat")
    offer = (await chat.photo(file_id="PHOTO-DEN")).replies[0]
    assert "(ảnh, không có chữ)" in offer.text and [c.label for c in offer.choices] == OFFER
    dropped = await chat.press_label("Không gửi", message_id=92)
    assert dropped.replies[0].edit == 92 and "không gửi" in dropped.replies[0].text
    assert await pages(chat.ctx) == [] and await drafts(chat.ctx) == []
    assert await dialog(chat.ctx, chat) == Dialog.IDLE
    assert (await chat.press_label("Gửi kèm tên")).notice  # the old offer is gone


async def test_text_from_someone_without_a_ward_asks_which_ward_first(
    ctx: Context, ward: Ward
) -> None:
    other = await add_ward(ctx, "DICH-VONG", "Phường Dịch Vọng")
    chat = Chat(ctx)
    ask = (await chat.text("Vỉa hè phố Trần Cung bị chiếm")).replies[0]
    assert "phường nào" in ask.text
    assert [c.label for c in ask.choices] == ["Phường Dịch Vọng", "Phường Nghĩa Tân"]
    offer = (await chat.press_label("Phường Dịch Vọng")).replies[0]
    assert "Phường Dịch Vọng" in offer.text and "Vỉa hè phố Trần Cung" in offer.text
    await chat.press_label("Gửi kèm tên")
    (page,) = await pages(ctx)
    assert page.ward_id == other.id and page.author_name == "Nguyễn Văn An"
    assert page.text == "Vỉa hè phố Trần Cung bị chiếm"


async def test_text_typed_mid_survey_is_kept_and_offered_at_the_end(chat: Chat, ward: Ward) -> None:
    await chat.command("start", "d_NGHIA-TAN")
    await chat.press_label("Hài lòng")
    kept, question = (await chat.text("Cán bộ rất nhiệt tình")).replies
    assert "Đã giữ tin nhắn" in kept.text and "Câu 2/3" in question.text
    await chat.photo("Ghế chờ bị gãy", file_id="PHOTO-GHE")
    last = await chat.answer_all("Hài lòng")
    offer = last.replies[-1]
    assert "Cán bộ rất nhiệt tình\nGhế chờ bị gãy" in offer.text
    assert [c.label for c in offer.choices] == KEPT  # not the empty suggestion prompt
    sign = (await chat.press_label("Gửi như vậy", message_id=93)).replies[0]
    assert sign.edit == 93 and [c.label for c in sign.choices] == ["Gửi kèm tên", "Gửi ẩn danh"]
    await chat.press_label("Gửi ẩn danh")
    (page,) = await pages(chat.ctx)
    assert page.text == "Cán bộ rất nhiệt tình\nGhế chờ bị gãy"
    assert page.photo_file_id == "PHOTO-GHE" and page.session_id is not None


async def test_a_kept_draft_can_be_added_to_or_not_sent(ctx: Context, ward: Ward) -> None:
    writer, dropper = Chat(ctx, chat_id="1"), Chat(ctx, chat_id="2")
    for chat in (writer, dropper):
        await chat.command("start", "d_NGHIA-TAN")
        await chat.text("Phòng chờ hơi nóng")
        await chat.answer_all("Hài lòng")
    more = (await writer.press_label("Viết thêm")).replies[0]
    assert "phần đã viết vẫn được giữ" in more.text
    await writer.text("Nên có quạt")
    await writer.press_label("Gửi kèm tên")
    dropped = await dropper.press_label("Không gửi")
    assert "khảo sát ý kiến sau này" in dropped.replies[-1].text  # the survey's closing words
    (page,) = await pages(ctx)
    assert page.text == "Phòng chờ hơi nóng\nNên có quạt"
    assert await drafts(ctx) == []


async def test_a_restart_shows_the_offer_again_and_stop_drops_it(chat: Chat, ward: Ward) -> None:
    await chat.command("start", "d_NGHIA-TAN")
    await chat.command("thoat")
    await chat.text("Xin cho hỏi giờ làm việc")
    again = await chat.send(Kind.TEXT, text="Xin cho hỏi giờ làm việc", message_id=1, resend=True)
    assert [c.label for c in again.replies[0].choices] == OFFER
    await chat.command("thoat")
    assert await drafts(chat.ctx) == [] and await pages(chat.ctx) == []


async def test_leaders_and_admins_typing_in_their_own_flows_are_not_offered(
    ctx: Context, ward: Ward
) -> None:
    admin = Chat(replace(ctx, admins=frozenset({"900"})), chat_id="900")
    await admin.command("guikhaosat")
    await admin.press_label("Khảo sát mức độ hài lòng")
    preview = (await admin.text("nghia-tan")).replies[0]
    assert "nơi nhận: Phường Nghĩa Tân" in preview.text
    assert await drafts(ctx) == []
    async with ctx.db() as session:
        assert (await session.exec(select(BookPage))).all() == []
