"""Ward leaders (issue 11): the official signature, the answer shown before «Gửi»,
«Không cần trả lời», the unread list in batches with photos, /help per role."""

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from handlers.context import Context
from handlers.leaders import menu
from handlers.reminders import escalate_overdue, remind_unread
from handlers.suggestions import page_status
from office.api_book import book_pages
from office.exports import page_row
from office.leaders import invite_leader
from storage.models import BookPage, Draft, Invite, Ward
from tests.conftest import Chat, Clock

SIGNATURE = "Nguyễn Văn A, Chủ tịch UBND phường"


async def file_pages(ctx: Context, count: int, photo_every: int = 0) -> list[Chat]:
    """`count` anonymous pages in the ward's book, written by one citizen each."""
    citizens = []
    for n in range(count):
        citizen = Chat(ctx, chat_id=f"20{n:03}", name=f"Dân {n}")
        await citizen.command("gopy")
        if photo_every and n % photo_every == 0:
            await citizen.photo(caption=f"Góp ý số {n + 1}", file_id=f"PHOTO-{n + 1}")
        else:
            await citizen.text(f"Góp ý số {n + 1}")
        await citizen.press_label("Gửi ẩn danh")
        citizens.append(citizen)
    return citizens


async def join(ctx: Context, ward: Ward, chat_id: str = "7001", **signed: str) -> Chat:
    """A leader who opened an invite; `signed` (name, title) as the office gave them."""
    async with ctx.db() as session:
        invite = await invite_leader(session, ward.code, now=ctx.clock(), **signed)
    leader = Chat(ctx, chat_id=chat_id, name="Hùng Telegram")
    await leader.command("start", f"l_{invite.token}")
    return leader


async def page(ctx: Context, number: int = 1) -> BookPage:
    async with ctx.db() as session:
        found = await session.exec(select(BookPage).where(BookPage.page_no == number))
        return found.one()


def sent_to(response_replies: list, chat: Chat) -> list[str]:  # type: ignore[type-arg]
    return [r.text for r in response_replies if r.to is not None and r.to == chat.address]


async def test_a_new_leader_is_asked_name_then_title_and_signs_with_them(
    ctx: Context, ward: Ward
) -> None:
    (citizen,) = await file_pages(ctx, 1)
    leader = await join(ctx, ward)
    assert "họ tên đầy đủ" in leader.last.replies[0].text
    await leader.command("chuaxem")  # a command in between does not lose the question
    assert "chức vụ" not in leader.last.replies[0].text
    await leader.text("  Nguyễn   Văn A ")
    assert "chức vụ" in leader.last.replies[0].text
    await leader.text("Chủ tịch UBND phường")
    assert f"Đã xem — {SIGNATURE}" in leader.last.replies[0].text
    shown = await page(ctx)
    response = await leader.press(f"v:{shown.id}")
    (told,) = sent_to(response.replies, citizen)
    assert "đã đọc góp ý" in told
    assert f"Đã xem — {SIGNATURE} — 26/11/2026 10:00" in told
    edited = [r for r in response.replies if r.edit == 500]
    assert f"Đã xem</b> — {SIGNATURE} — 26/11/2026 10:00" in edited[0].text
    signed = await page(ctx)
    assert signed.seen_by_name == SIGNATURE  # the book's exports and the API read this
    row = page_row(signed, None, ward.deadline_days, ctx.timezone, ctx.clock())
    assert row[7] == SIGNATURE and row[8] == datetime(2026, 11, 26, 10, 0)  # local time
    async with ctx.db() as session:
        now = ctx.clock()
        (api_page,) = await book_pages(session, zone=ctx.timezone, today=now.date(), now=now)
    assert api_page.seen_by == SIGNATURE


async def test_an_invite_carrying_name_and_title_asks_nothing(ctx: Context, ward: Ward) -> None:
    await file_pages(ctx, 1)
    leader = await join(ctx, ward, name="Nguyễn Văn A", title="Chủ tịch UBND phường")
    assert "họ tên" not in leader.last.replies[0].text
    assert "Nguyễn Văn A" in leader.last.replies[0].text
    await leader.text("Đèn đã sửa")  # just text: not taken as a name
    await leader.press(f"v:{(await page(ctx)).id}")
    assert (await page(ctx)).seen_by_name == SIGNATURE


async def test_invite_name_or_title_must_be_one_line_of_some_length(
    ctx: Context, ward: Ward
) -> None:
    async with ctx.db() as session:
        with pytest.raises(Exception, match="--title"):
            await invite_leader(session, ward.code, name="A", title="   ")
        invite = await invite_leader(session, ward.code, name="  Trần\nThị B ")
        assert (await session.get(Invite, invite.id)).name == "Trần Thị B"  # type: ignore[union-attr]


async def test_the_answer_is_shown_as_the_citizen_will_see_it_and_leaves_only_on_send(
    ctx: Context, ward: Ward
) -> None:
    (citizen,) = await file_pages(ctx, 1)
    leader = await join(ctx, ward, name="Nguyễn Văn A", title="Chủ tịch UBND phường")
    page_id = (await page(ctx)).id
    await leader.press(f"r:{page_id}")
    response = await leader.photo(caption="Đã sửa <đèn> ngõ 5", file_id="EVIDENCE")
    assert all(r.to is None for r in response.replies)  # nothing to the citizen yet
    assert "Xem trước" in response.replies[0].text
    assert response.replies[1].photo == "EVIDENCE"
    assert "trả lời góp ý của Ông/Bà (trang số 1)" in response.replies[2].text
    assert "Đã sửa &lt;đèn&gt; ngõ 5" in response.replies[2].text
    assert [c.label for c in leader.keyboard] == ["📨 Gửi", "✏️ Sửa lại", "✖️ Huỷ"]
    assert (await page(ctx)).answered_at is None

    response = await leader.press_label("✏️ Sửa lại")
    assert "Xin gõ câu trả lời" in response.replies[-1].text
    await leader.text("Đã sửa đèn ngõ 5 và ngõ 7")
    response = await leader.press_label("✖️ Huỷ")
    assert all(r.to is None for r in response.replies)
    assert "không được gửi" in response.replies[-1].text
    assert (await page(ctx)).answered_at is None
    stale = await leader.press_label("📨 Gửi")  # the old preview's button
    assert stale.replies == [] and stale.notice

    await leader.press(f"r:{page_id}")
    await leader.text("Đã sửa đèn ngõ 5 và ngõ 7")
    response = await leader.press_label("📨 Gửi", message_id=321)
    assert response.replies[0].edit == 321 and response.replies[0].choices == ()
    (answer,) = sent_to(response.replies, citizen)
    assert "Đã sửa đèn ngõ 5 và ngõ 7" in answer
    answered = await page(ctx)
    assert answered.answer_text == "Đã sửa đèn ngõ 5 và ngõ 7"
    assert answered.answered_by_name == SIGNATURE
    async with ctx.db() as session:
        assert (await session.exec(select(Draft))).all() == []  # the drafts went


async def test_no_answer_needed_closes_the_page_thanks_the_citizen_and_is_never_overdue(
    ctx: Context, ward: Ward, clock: Clock
) -> None:
    ctx = replace(ctx, admins=frozenset({"9001"}))
    (citizen,) = await file_pages(ctx, 1)
    leader = await join(ctx, ward, name="Nguyễn Văn A", title="Chủ tịch UBND phường")
    response = await leader.press(f"n:{(await page(ctx)).id}", message_id=77)
    (thanks,) = sent_to(response.replies, citizen)
    assert "cảm ơn" in thanks and SIGNATURE in thanks
    (mine,) = [r for r in response.replies if r.edit == 77]
    assert f"Không cần trả lời</b> — {SIGNATURE}" in mine.text
    assert [c.label for c in mine.choices] == []  # nothing left to do on the page
    closed = await page(ctx)
    assert closed.no_answer and closed.answered_by_name == SIGNATURE
    assert closed.seen_by_name == SIGNATURE
    again = await leader.press(f"r:{closed.id}")
    assert again.notice and again.replies == []
    clock.advance(days=30)
    clock.now = clock.now.replace(hour=3)  # 10:00 local: not quiet hours
    assert page_status(closed, ward.deadline_days, clock.now) == "closed"
    assert await escalate_overdue(ctx) == []
    assert await remind_unread(ctx, timedelta(hours=24)) == []
    row = page_row(closed, None, ward.deadline_days, ctx.timezone, clock.now)
    assert row[-1] == "không cần trả lời"
    await citizen.command("gopycuatoi")
    assert "không cần trả lời" in citizen.last.replies[0].text


async def test_unread_tells_the_true_count_and_pages_through_in_batches_with_photos(
    ctx: Context, ward: Ward
) -> None:
    await file_pages(ctx, 12, photo_every=6)  # pages 1 and 7 carry a photo
    leader = await join(ctx, ward, name="Nguyễn Văn A", title="Chủ tịch UBND phường")
    response = await leader.command("chuaxem")
    title, *notices, more = response.replies
    assert "Có 12 trang chưa xem" in title.text
    assert ["Trang 1<" in n.text for n in notices] == [True, False, False, False, False]
    assert "📷 Xem ảnh" in [c.label for c in notices[0].choices]
    assert "Còn 7 trang" in more.text
    response = await leader.press_label("Xem tiếp ▶")
    *notices, more = response.replies
    assert len(notices) == 5 and "Trang 6<" in notices[0].text and "Còn 2 trang" in more.text
    photo = next(c.data for c in notices[1].choices if c.label == "📷 Xem ảnh")
    shown = await leader.press(photo)
    assert shown.replies[0].photo == "PHOTO-7" and "trang số 7" in shown.replies[0].text
    await leader.press(f"v:{(await page(ctx, 12)).id}")  # read meanwhile: not listed again
    response = await leader.press(more.choices[0].data)
    assert len(response.replies) == 1 and "Trang 11<" in response.replies[0].text
    await leader.command("so")
    assert "📷 Xem ảnh" not in [c.label for c in leader.keyboard]  # page 12: no photo
    await leader.press(f"b:{ward.id}:7")  # the book turned to page 7, which has one
    assert "📷 Xem ảnh" in [c.label for c in leader.keyboard]
    outsider = Chat(ctx, chat_id="555")
    assert (await outsider.press(photo)).notice  # only the ward's leaders see its photos


@pytest.mark.any_database
async def test_help_and_menus_follow_the_role(ctx: Context, ward: Ward) -> None:
    citizen = Chat(ctx, chat_id="3001")
    text = (await citizen.command("help")).replies[0].text
    assert "/gopy" in text and "/chuaxem" not in text and "/guikhaosat" not in text
    leader = await join(ctx, ward, name="Nguyễn Văn A", title="Chủ tịch UBND phường")
    text = (await leader.command("help")).replies[0].text
    assert all(c in text for c in ("/gopy", "/chuaxem", "/so", "/baocao", "/web"))
    assert (
        "/guikhaosat" not in text and "/web" not in (await citizen.command("help")).replies[0].text
    )
    admin = Chat(replace(ctx, admins=frozenset({"9001"})), chat_id="9001")
    text = (await admin.command("help")).replies[0].text
    assert "/guikhaosat" in text and "/baocao" in text and "/chuaxem" not in text
    assert [name for name, _ in menu(None)][:2] == ["gopy", "gopycuatoi"]
    assert {"chuaxem", "so", "baocao", "web"} <= {name for name, _ in menu("leader")}
    assert "web" in {name for name, _ in menu("admin")} and "web" not in dict(menu(None))
    assert "guikhaosat" in {name for name, _ in menu("admin+leader")}
    assert "guikhaosat" not in {name for name, _ in menu("leader")}
