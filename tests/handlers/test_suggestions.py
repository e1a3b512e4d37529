"""Suggestions: the page of the book, signing or anonymity, and the citizen's own list."""

from sqlmodel import select

from handlers.context import Context
from storage.models import BookPage, Draft, Person, Ward
from tests.conftest import Chat, Clock, add_ward


async def pages(ctx: Context) -> list[BookPage]:
    async with ctx.db() as session:
        return list((await session.exec(select(BookPage).order_by(BookPage.id))).all())


async def finish_survey(chat: Chat) -> None:
    await chat.command("start", "d_NGHIA-TAN")
    await chat.answer_all("Hài lòng")


async def test_suggestion_after_survey_is_filed_anonymously(chat: Chat, ward: Ward) -> None:
    await finish_survey(chat)
    response = await chat.text("Nên có thêm ghế chờ.")
    prompt = response.replies[0]
    assert "ẩn danh" in prompt.text and "Nên có thêm ghế chờ." in prompt.text
    assert [c.label for c in prompt.choices] == ["Gửi kèm tên", "Gửi ẩn danh"]
    assert await pages(chat.ctx) == []  # nothing is filed before the choice
    response = await chat.press_label("Gửi ẩn danh", message_id=90)
    assert response.replies[0].edit == 90
    assert "đã ghi vào sổ góp ý, trang số 1" in response.replies[1].text
    (page,) = await pages(chat.ctx)
    assert page.text == "Nên có thêm ghế chờ." and page.page_no == 1
    assert page.signed is False and page.author_name is None
    assert page.consent_at == chat.ctx.clock()
    assert page.session_id is not None


async def test_signed_suggestion_keeps_the_name_and_pages_count_up(chat: Chat, ward: Ward) -> None:
    await finish_survey(chat)
    await chat.text("Cảm ơn cán bộ")
    await chat.press_label("Gửi kèm tên")
    response = await chat.command("gopy")
    assert "Phường Nghĩa Tân" in response.replies[0].text
    await chat.photo(caption="Vỉa hè bị hỏng", file_id="PHOTO-9")
    response = await chat.press_label("Gửi kèm tên")
    assert "trang số 2" in response.replies[1].text
    first, second = await pages(chat.ctx)
    assert first.signed and first.author_name == "Nguyễn Văn An"
    assert second.photo_file_id == "PHOTO-9" and second.text == "Vỉa hè bị hỏng"


async def test_each_ward_has_its_own_page_numbers(ctx: Context, ward: Ward) -> None:
    other = await add_ward(ctx, "DICH-VONG", "Phường Dịch Vọng")
    for ward_code, chat_id in [("NGHIA-TAN", "1"), ("DICH-VONG", "2"), ("DICH-VONG", "3")]:
        chat = Chat(ctx, chat_id=chat_id)
        await chat.command("start", f"d_{ward_code}")
        await chat.command("thoat")
        await chat.command("gopy")
        await chat.text("góp ý")
        await chat.press_label("Gửi ẩn danh")
    numbers = [(p.ward_id, p.page_no) for p in await pages(ctx)]
    assert numbers == [(ward.id, 1), (other.id, 1), (other.id, 2)]


async def test_skip_ends_without_a_page(chat: Chat, ward: Ward) -> None:
    await finish_survey(chat)
    skip = next(choice.data for choice in chat.keyboard if choice.label == "Bỏ qua")
    response = await chat.press(skip, message_id=91)
    assert response.replies[0].edit == 91 and response.replies[0].choices == ()
    assert "Cảm ơn" in response.replies[1].text
    again = await chat.press(skip)
    assert again.replies == []
    assert await pages(chat.ctx) == []
    async with chat.ctx.db() as session:
        assert (await session.exec(select(Draft))).all() == []


async def test_text_is_stored_exactly_and_shown_literally(chat: Chat, ward: Ward) -> None:
    nasty = "<b>đậm</b> & <script>x</script> 😀\u200b\u200dcuối" + "ờ" * 3900
    await chat.command("gopy")
    response = await chat.text(nasty)
    prompt = response.replies[0].text
    assert "&lt;b&gt;đậm&lt;/b&gt; &amp; &lt;script&gt;" in prompt and "<script>" not in prompt
    assert len(prompt) < 4096
    await chat.press_label("Gửi ẩn danh")
    (page,) = await pages(chat.ctx)
    assert page.text == nasty
    listing = (await chat.command("gopycuatoi")).replies[0].text
    assert "&lt;b&gt;đậm" in listing and "<b>đậm" not in listing


async def test_several_messages_make_one_suggestion(chat: Chat, ward: Ward) -> None:
    await chat.command("gopy")
    await chat.text("Dòng một")
    response = await chat.text("Dòng hai")
    assert "Dòng một\nDòng hai" in response.replies[0].text
    await chat.press_label("Gửi ẩn danh")
    (page,) = await pages(chat.ctx)
    assert page.text == "Dòng một\nDòng hai"


async def test_pressing_sign_twice_files_one_page(chat: Chat, ward: Ward) -> None:
    await chat.command("gopy")
    await chat.text("Một lần thôi")
    sign = chat.keyboard[1].data
    await chat.press(sign)
    again = await chat.press(sign)
    assert again.replies == [] and again.notice
    assert len(await pages(chat.ctx)) == 1


async def test_gopy_without_a_known_ward(ctx: Context) -> None:
    chat = Chat(ctx)
    response = await chat.command("gopy")
    assert "quét mã QR" in response.replies[0].text
    await add_ward(ctx, "A", "Phường A")
    await add_ward(ctx, "B", "Phường B")
    response = await chat.command("gopy")
    assert [c.label for c in response.replies[0].choices] == ["Phường A", "Phường B"]
    response = await chat.press_label("Phường B")
    assert "Phường B" in response.replies[0].text
    await chat.text("xin chào")
    await chat.press_label("Gửi ẩn danh")
    async with ctx.db() as session:
        stored = (await session.exec(select(Person))).one()
    assert stored.ward_id is not None


async def test_my_pages_show_status_and_overdue(chat: Chat, ward: Ward, clock: Clock) -> None:
    response = await chat.command("gopycuatoi")
    assert "chưa gửi góp ý" in response.replies[0].text
    await chat.command("gopy")
    await chat.text("Đường tối")
    await chat.press_label("Gửi ẩn danh")
    listing = (await chat.command("gopycuatoi")).replies[0].text
    assert "Trang 1" in listing and "chưa xem" in listing and "26/11/2026" in listing
    clock.advance(days=11)
    listing = (await chat.command("gopycuatoi")).replies[0].text
    assert "quá hạn" in listing


async def test_empty_photo_only_and_stop(chat: Chat, ward: Ward) -> None:
    await chat.command("gopy")
    response = await chat.text("   ")
    assert "còn trống" in response.replies[0].text
    response = await chat.photo()
    assert "ảnh, không có chữ" in response.replies[0].text
    response = await chat.command("thoat")
    assert "Đã dừng" in response.replies[0].text
    response = await chat.command("thoat")
    assert "Không có việc" in response.replies[0].text


async def test_a_zalo_photo_with_a_long_signed_url_is_kept_whole(ctx: Context, ward: Ward) -> None:
    url = "https://photo-zalo.example/jpg/" + "a1b2c3d4" * 50  # 431 characters, as Zalo signs
    chat = Chat(ctx, platform="zalo")
    await chat.command("start", "d_NGHIA-TAN")
    await chat.command("thoat")
    await chat.command("gopy")
    await chat.photo(caption="Vỉa hè vỡ", file_id=url)
    await chat.press_label("Gửi ẩn danh")
    (page,) = await pages(ctx)
    assert page.photo_file_id == url and page.text == "Vỉa hè vỡ"
