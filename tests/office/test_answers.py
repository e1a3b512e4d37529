"""A leader's «Đã xem», «Trả lời» and «Không cần trả lời» from the web: the chat's rules,
and the page's change, the citizen's messages and the leaders' redraws in one commit."""

import asyncio
import base64
import json
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
from sqlmodel import select

from handlers.context import Context
from handlers.suggestions import page_status
from office import answers
from office.answers import (
    MAX_PHOTO,
    close_page,
    keep_photo,
    preview_answer,
    send_answer,
    shared_photo,
    sign_page,
    ward_photo,
)
from office.errors import Conflict, Forbidden, Invalid
from office.privacy import purge
from office.webusers import UserView, add_user
from storage.models import (
    BookPage,
    Notice,
    NoticeRedraw,
    PendingReply,
    Person,
    Ward,
    WebPhoto,
    WebUser,
)
from tests.conftest import Chat, Clock
from tests.handlers.test_leaders import file_pages, join

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


async def web_user(ctx: Context, name: str, role: str, chat: Chat | None = None) -> UserView:
    """A console account; tied to `chat`'s person as `/web` ties a leader's."""
    async with ctx.db() as session:
        user, _ = await add_user(session, name=name, role=role, ward="NGHIA-TAN", now=ctx.clock())
        if chat is not None:
            person = (
                await session.exec(select(Person).where(Person.chat_id == chat.chat_id))
            ).one()
            account = await session.get(WebUser, user.id)
            assert account is not None
            account.person_id = person.id
            await session.commit()
    return user


async def chairman_with_a_page(ctx: Context, ward: Ward) -> Chat:
    """The chairman on the chat, a page filed and his notification of it sent (message 77)."""
    leader = await join(ctx, ward, name="Trần Văn Hùng", title="Chủ tịch")
    await file_pages(ctx, 1)
    async with ctx.db() as session:
        for notice in (await session.exec(select(Notice))).all():
            notice.message_id = 77
            session.add(notice)
        await session.commit()
    return leader


@pytest.fixture
async def hung(ctx: Context, ward: Ward) -> UserView:
    """The chairman, on the chat and on the web."""
    return await web_user(ctx, "Hùng", "leader", await chairman_with_a_page(ctx, ward))


async def rows(ctx: Context) -> tuple[BookPage, list[PendingReply], list[NoticeRedraw]]:
    async with ctx.db() as session:
        page = (await session.exec(select(BookPage))).one()
        kept = list((await session.exec(select(PendingReply).order_by(PendingReply.id))).all())  # type: ignore[arg-type]
        redraws = list((await session.exec(select(NoticeRedraw))).all())
    return page, kept, redraws


async def test_an_answer_with_a_photo_signs_answers_and_hands_the_bot_all_at_once(
    ctx: Context, hung: UserView
) -> None:
    async with ctx.db() as session:
        token = await keep_photo(session, "NGHIA-TAN", hung, PNG, ctx.clock())
        shown = await preview_answer(session, "NGHIA-TAN", 1, hung, "<b>Đã sửa</b> đèn", token)
    assert "trả lời góp ý của Ông/Bà (trang số 1)" in shown.message
    assert "&lt;b&gt;Đã sửa&lt;/b&gt; đèn" in shown.message and shown.platform == "telegram"
    page, kept, _ = await rows(ctx)
    assert page.answered_at is None and page.seen_at is None and not kept  # a preview sends nothing

    async with ctx.db() as session:
        done = await send_answer(
            session, "NGHIA-TAN", 1, hung, "<b>Đã sửa</b> đèn", token, now=ctx.clock()
        )
    assert done.name == "Trần Văn Hùng, Chủ tịch"  # his chat signature
    page, kept, redraws = await rows(ctx)
    assert page.answer_text == "<b>Đã sửa</b> đèn" and page.answered_at == ctx.clock()
    assert page.seen_by_name == "Trần Văn Hùng, Chủ tịch"  # answering signs an unsigned page
    assert page.answer_photo_file_id == f"web:{token}"
    assert page_status(page, 10, ctx.clock()) == "answered"
    photo, text = (json.loads(row.reply) for row in kept)  # the photo first, as evidence
    assert base64.b64decode(photo["image"]) == PNG and photo["photo"] is None
    assert "&lt;b&gt;Đã sửa&lt;/b&gt; đèn" in text["text"]
    assert {row.chat_id for row in kept} == {"20000"}
    assert len(redraws) == 1  # the chairman's notification, redrawn by the bot
    async with ctx.db() as session:
        assert (await ward_photo(session, "NGHIA-TAN", token)).page_id == page.id
        with pytest.raises(Conflict):  # one answer
            await send_answer(session, "NGHIA-TAN", 1, hung, "lần hai", None, now=ctx.clock())
        with pytest.raises(Conflict):
            await close_page(session, "NGHIA-TAN", 1, hung, ctx.clock(), ctx.timezone)
    assert len((await rows(ctx))[1]) == 2


async def test_closing_signs_thanks_the_citizen_and_ends_answering(
    ctx: Context, hung: UserView
) -> None:
    async with ctx.db() as session:
        await close_page(session, "NGHIA-TAN", 1, hung, ctx.clock(), ctx.timezone)
    page, kept, redraws = await rows(ctx)
    assert (
        page.no_answer and page.answered_by_name == page.seen_by_name == "Trần Văn Hùng, Chủ tịch"
    )
    assert page_status(page, 10, ctx.clock() + timedelta(days=30)) == "closed"  # never overdue
    (thanks,) = kept
    assert "ghi nhận góp ý" in json.loads(thanks.reply)["text"] and len(redraws) == 1
    async with ctx.db() as session:
        with pytest.raises(Conflict):
            await send_answer(session, "NGHIA-TAN", 1, hung, "muộn", None, now=ctx.clock())


async def test_a_signed_page_is_answered_without_a_second_signature(
    ctx: Context, hung: UserView
) -> None:
    other = await web_user(ctx, "Phó chủ tịch Lan", "leader")
    async with ctx.db() as session:
        await sign_page(session, "NGHIA-TAN", 1, other, ctx.clock(), ctx.timezone)
        again = await sign_page(session, "NGHIA-TAN", 1, hung, ctx.clock(), ctx.timezone)
        await send_answer(session, "NGHIA-TAN", 1, hung, "Đã sửa", None, now=ctx.clock())
    assert again.name == "Phó chủ tịch Lan"
    page, kept, _ = await rows(ctx)
    assert (
        page.seen_by_name == "Phó chủ tịch Lan"
        and page.answered_by_name == "Trần Văn Hùng, Chủ tịch"
    )
    assert len(kept) == 2  # «Đã xem» once, then the answer (no photo)


async def test_a_clerk_cannot_answer_close_or_upload(ctx: Context, hung: UserView) -> None:
    clerk = await web_user(ctx, "Hoa", "clerk")
    async with ctx.db() as session:
        with pytest.raises(Forbidden):
            await send_answer(session, "NGHIA-TAN", 1, clerk, "x", None, now=ctx.clock())
        with pytest.raises(Forbidden):
            await close_page(session, "NGHIA-TAN", 1, clerk, ctx.clock(), ctx.timezone)
        with pytest.raises(Forbidden):
            await keep_photo(session, "NGHIA-TAN", clerk, PNG, ctx.clock())
    page, kept, _ = await rows(ctx)
    assert page.answered_at is None and not kept


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"GIF89a" + b"\x00" * 20, "bad_photo"),
        (b"", "bad_photo"),
        (JPEG + bytes(MAX_PHOTO), "big_photo"),
    ],
)
async def test_a_photo_is_checked_by_its_bytes_and_size(
    ctx: Context, hung: UserView, data: bytes, code: str
) -> None:
    async with ctx.db() as session:
        with pytest.raises(Invalid) as refused:
            await keep_photo(session, "NGHIA-TAN", hung, data, ctx.clock())
    assert refused.value.code == code and refused.value.field == "photo"
    assert "Ảnh kèm theo" in refused.value.message  # names the field


async def test_an_empty_answer_is_refused_naming_the_field(ctx: Context, hung: UserView) -> None:
    async with ctx.db() as session:
        with pytest.raises(Invalid) as refused:
            await preview_answer(session, "NGHIA-TAN", 1, hung, "  ", None)
    assert refused.value.field == "text" and "Câu trả lời" in refused.value.message


async def test_a_zalo_citizen_gets_the_photo_by_its_public_url(
    ctx: Context, ward: Ward, clock: Clock
) -> None:
    leader = await join(ctx, ward, name="Trần Văn Hùng")
    hung = await web_user(ctx, "Hùng", "leader", leader)
    for number, chat_id in enumerate(("z-1", "z-2"), start=1):
        citizen = Chat(ctx, chat_id=chat_id, platform="zalo")
        await citizen.command("gopy")
        await citizen.text(f"Góp ý {number}")
        await citizen.press_label("Gửi ẩn danh")
    async with ctx.db() as session:
        shared = await keep_photo(session, "NGHIA-TAN", hung, JPEG, ctx.clock())
        preview = await keep_photo(session, "NGHIA-TAN", hung, JPEG, ctx.clock())
        with pytest.raises(Exception, match="không còn"):  # a preview's photo is not public
            await shared_photo(session, preview)
        url = "https://so.example.vn/"
        await send_answer(
            session, "NGHIA-TAN", 1, hung, "Xong", shared, now=clock(), public_url=url
        )
        await send_answer(session, "NGHIA-TAN", 2, hung, "Xong", preview, now=clock())
        assert (await shared_photo(session, shared)).data == JPEG
        kept = [json.loads(r.reply) for r in (await session.exec(select(PendingReply))).all()]
    assert kept[0]["photo"] == f"https://so.example.vn/console/shared/{shared}"
    assert kept[0]["image"] is None
    assert kept[2]["photo"] is None and base64.b64decode(kept[2]["image"]) == JPEG  # said elsewhere


async def test_retention_drops_the_bytes_of_old_answer_photos(
    ctx: Context, hung: UserView, clock: Clock
) -> None:
    async with ctx.db() as session:
        token = await keep_photo(session, "NGHIA-TAN", hung, PNG, clock())
        await send_answer(session, "NGHIA-TAN", 1, hung, "Xong", token, now=clock())
    clock.advance(days=800)
    async with ctx.db() as session:
        await purge(session, clock(), 24, "cli", "cli", "cli")
        await session.commit()
        assert not (await session.exec(select(WebPhoto))).all()


Act = Callable[[UserView, Context], Awaitable[object]]


async def _sign(user: UserView, ctx: Context) -> object:
    async with ctx.db() as session:
        return await sign_page(session, "NGHIA-TAN", 1, user, ctx.clock(), ctx.timezone)


async def _answer(user: UserView, ctx: Context) -> object:
    async with ctx.db() as session:
        return await send_answer(session, "NGHIA-TAN", 1, user, "Xong", None, now=ctx.clock())


async def _close(user: UserView, ctx: Context) -> object:
    async with ctx.db() as session:
        return await close_page(session, "NGHIA-TAN", 1, user, ctx.clock(), ctx.timezone)


@pytest.mark.parametrize("act", [_sign, _answer, _close], ids=["seen", "answer", "close"])
async def test_a_failure_after_the_signature_leaves_nothing_signed_and_nothing_to_send(
    ctx: Context, hung: UserView, monkeypatch: pytest.MonkeyPatch, act: Act
) -> None:
    async def broken(*args: object) -> int:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(answers, "queue_redraws", broken)  # after the signature and the outbox
    with pytest.raises(RuntimeError):
        await act(hung, ctx)
    page, kept, redraws = await rows(ctx)
    assert page.seen_at is None and page.answered_at is None and not page.no_answer
    assert not kept and not redraws
    monkeypatch.undo()
    await act(hung, ctx)  # and the same act then goes through whole
    page, kept, redraws = await rows(ctx)
    assert page.seen_at is not None and kept and len(redraws) == 1


async def test_the_photo_of_a_preview_never_sent_goes_after_a_day(
    ctx: Context, hung: UserView, clock: Clock
) -> None:
    async with ctx.db() as session:
        left = await keep_photo(session, "NGHIA-TAN", hung, PNG, clock())
        clock.advance(hours=25)
        await keep_photo(session, "NGHIA-TAN", hung, JPEG, clock())
        kept = [photo.token for photo in (await session.exec(select(WebPhoto))).all()]
    assert left not in kept and len(kept) == 1


async def test_the_chat_and_the_web_answering_at_once_give_one_answer(
    ctx: Context, hung: UserView
) -> None:
    """On PostgreSQL the two commits race for real: one answer is kept and told, the
    other leader hears it was already answered."""
    leader = Chat(ctx, chat_id="7001")  # the chairman on the chat (`join`'s default)
    for number in range(1, 6):
        if number > 1:
            await file_pages(ctx, 1)
        page_id = (await page_no(ctx, number)).id
        await leader.press(f"r:{page_id}")
        await leader.text("Trả lời từ điện thoại")
        send = next(c.data for c in leader.keyboard if c.label == "📨 Gửi")

        async def on_web(number: int) -> str:
            async with ctx.db() as session:
                try:
                    await send_answer(
                        session, "NGHIA-TAN", number, hung, "Trả lời từ máy tính", None,
                        now=ctx.clock(),
                    )  # fmt: skip
                except Conflict:
                    return "refused"
                return "sent"

        chat, web = await asyncio.gather(
            leader.press(send, message_id=400 + number), on_web(number)
        )
        kept = await page_no(ctx, number)
        told = [r for r in chat.replies if r.to is not None]  # the chat's words to the citizen
        if web == "sent":
            assert kept.answer_text == "Trả lời từ máy tính" and not told
        else:
            assert kept.answer_text == "Trả lời từ điện thoại" and told


async def page_no(ctx: Context, number: int) -> BookPage:
    async with ctx.db() as session:
        return (await session.exec(select(BookPage).where(BookPage.page_no == number))).one()
