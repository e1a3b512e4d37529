"""«Trả lời» and «Không cần trả lời» on the console's book page, over httpx: the form,
the preview that sends nothing, «Sửa lại», «Huỷ», «Gửi», the photo's checks, CSRF, a
clerk refused, markup shown literally."""

import json
import re
from collections.abc import Sequence

import httpx
import pytest
from sqlmodel import select

from handlers.context import Context
from storage.models import BookPage, NoticeRedraw, PendingReply, Ward, WebPhoto
from tests.conftest import Chat
from tests.handlers.test_leaders import file_pages
from tests.office.test_answers import JPEG, PNG, chairman_with_a_page
from tests.web.test_console import csrf_of, log_in, new_user, set_password
from web.state import HttpState

BOOK = "/console/ward/NGHIA-TAN/book"
ANSWER = f"{BOOK}/1/answer"


async def leader_on_the_web(ctx: Context, ward: Ward, client: httpx.AsyncClient) -> Chat:
    """The chairman on the chat (his notification sent, message 77), logged in with /web."""
    leader = await chairman_with_a_page(ctx, ward)
    ctx.console_url = "http://sogopy.test"
    link = re.search(r"/console/link/[\w-]+", (await leader.command("web")).replies[0].text)
    assert link
    await client.post(link[0], data={"csrf": csrf_of(await client.get(link[0]))})
    return leader


async def written(ctx: Context) -> tuple[BookPage, list[dict[str, object]], int]:
    async with ctx.db() as session:
        page = (await session.exec(select(BookPage))).one()
        kept = [json.loads(row.reply) for row in (await session.exec(select(PendingReply))).all()]
        redraws = len((await session.exec(select(NoticeRedraw))).all())
    return page, kept, redraws


async def test_a_leader_answers_with_a_photo_after_a_preview_and_an_edit(
    ctx: Context, ward: Ward, client: httpx.AsyncClient
) -> None:
    await leader_on_the_web(ctx, ward, client)
    book = await client.get(BOOK)
    assert f'href="{ANSWER}"' in book.text and "Không cần trả lời — đóng trang 1" in book.text
    form = await client.get(ANSWER)
    assert 'type="file" accept="image/*"' in form.text
    typed = "<script>alert(1)</script> Đèn ngõ 5 đã thay & sáng"
    files = {"photo": ("den.png", PNG, "image/png")}
    data = {"text": typed, "csrf": csrf_of(form)}
    preview = await client.post(ANSWER, data=data, files=files)
    assert preview.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Đèn ngõ 5 đã thay &amp; sáng" in preview.text
    assert "<script>" not in preview.text
    assert "<b>Phường Nghĩa Tân</b> trả lời góp ý" in preview.text  # as Telegram shows it
    token = re.search(r'/photo/([\w-]+)"', preview.text)
    assert token
    shown = await client.get(f"/console/ward/NGHIA-TAN/photo/{token[1]}")
    assert shown.content == PNG and shown.headers["content-type"] == "image/png"
    page, kept, redraws = await written(ctx)
    assert page.answered_at is None and page.seen_at is None and not kept and not redraws

    confirm = {"text": typed, "photo": token[1], "csrf": csrf_of(preview)}
    edit = await client.post(f"{ANSWER}/confirm", data={**confirm, "action": "edit"})
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Đèn" in edit.text and token[1] in edit.text
    assert (await written(ctx))[0].answered_at is None

    sent = await client.post(f"{ANSWER}/confirm", data={**confirm, "action": "send"})
    assert sent.status_code == 303
    page, kept, redraws = await written(ctx)
    assert page.answer_text == typed and page.seen_by_name == "Trần Văn Hùng, Chủ tịch"
    assert [bool(reply["image"]) for reply in kept] == [True, False] and redraws == 1
    after = await client.get(BOOK)
    assert "Trả lời: &lt;script&gt;alert(1)&lt;/script&gt; Đèn" in after.text
    assert f"/photo/{token[1]}" in after.text and f'href="{ANSWER}"' not in after.text
    again = await client.post(f"{ANSWER}/confirm", data={**confirm, "action": "send"})
    assert again.status_code == 409 and len((await written(ctx))[1]) == 2  # one answer
    public = await client.get(f"/console/shared/{token[1]}")  # what Zalo fetches
    assert public.content == PNG


async def test_a_photo_that_is_not_one_is_refused_naming_the_field_and_the_text_is_kept(
    ctx: Context, ward: Ward, client: httpx.AsyncClient
) -> None:
    await leader_on_the_web(ctx, ward, client)
    form = await client.get(ANSWER)
    files = {"photo": ("den.heic", b"not a picture", "image/heic")}
    refused = await client.post(ANSWER, data={"text": "Đã sửa", "csrf": csrf_of(form)}, files=files)
    assert refused.status_code == 422
    assert (
        "Ảnh kèm theo: chỉ nhận ảnh JPEG hoặc PNG" in refused.text
        and "Đã sửa</textarea>" in refused.text
    )
    empty = await client.post(ANSWER, data={"text": " ", "csrf": csrf_of(form)})
    assert empty.status_code == 422 and "Câu trả lời: còn trống" in empty.text
    async with ctx.db() as session:
        assert not (await session.exec(select(WebPhoto))).all()


async def test_cancel_drops_the_preview_and_its_photo(
    ctx: Context, ward: Ward, client: httpx.AsyncClient
) -> None:
    await leader_on_the_web(ctx, ward, client)
    form = await client.get(ANSWER)
    files = {"photo": ("den.png", PNG, "image/png")}
    preview = await client.post(ANSWER, data={"text": "x", "csrf": csrf_of(form)}, files=files)
    token = re.search(r'/photo/([\w-]+)"', preview.text)
    assert token
    data = {"text": "x", "photo": token[1], "action": "cancel", "csrf": csrf_of(preview)}
    assert (await client.post(f"{ANSWER}/confirm", data=data)).status_code == 303
    page, kept, _ = await written(ctx)
    assert page.answered_at is None and not kept
    async with ctx.db() as session:
        assert not (await session.exec(select(WebPhoto))).all()


async def test_a_leader_closes_a_page_from_the_web(
    ctx: Context, ward: Ward, client: httpx.AsyncClient
) -> None:
    await leader_on_the_web(ctx, ward, client)
    book = await client.get(BOOK)
    closed = await client.post(f"{BOOK}/1/close", data={"csrf": csrf_of(book)})
    assert closed.status_code == 303
    page, kept, redraws = await written(ctx)
    assert page.no_answer and page.seen_at is not None and redraws == 1
    assert "ghi nhận góp ý" in str(kept[0]["text"])
    assert "Đã đóng" in (await client.get(BOOK)).text
    twice = await client.post(f"{BOOK}/1/close", data={"csrf": csrf_of(book)})
    assert twice.status_code == 409 and len((await written(ctx))[1]) == 1


@pytest.mark.parametrize("path", [ANSWER, f"{ANSWER}/confirm", f"{BOOK}/1/close"])
async def test_a_post_without_its_csrf_token_is_refused(
    ctx: Context, ward: Ward, client: httpx.AsyncClient, path: str
) -> None:
    await leader_on_the_web(ctx, ward, client)
    forged = await client.post(path, data={"text": "x", "action": "send"})
    assert forged.status_code == 403
    page, kept, redraws = await written(ctx)
    assert page.answered_at is None and not kept and not redraws


async def test_a_clerk_cannot_answer_nor_close(
    ctx: Context, ward: Ward, client: httpx.AsyncClient
) -> None:
    await file_pages(ctx, 1)
    _, token = await new_user(ctx, "Lê Thị Hoa")
    await set_password(client, token)
    await log_in(client, "Lê Thị Hoa")
    book = await client.get(BOOK)
    assert "Trả lời trang 1" not in book.text and "đóng trang 1" not in book.text
    csrf = csrf_of(book)
    assert (await client.get(ANSWER)).status_code == 403
    files = {"photo": ("den.png", PNG, "image/png")}
    upload = await client.post(ANSWER, data={"text": "x", "csrf": csrf}, files=files)
    assert upload.status_code == 403 and "Chỉ lãnh đạo" in upload.text
    send = await client.post(
        f"{ANSWER}/confirm", data={"text": "x", "action": "send", "csrf": csrf}
    )
    assert send.status_code == 403
    assert (await client.post(f"{BOOK}/1/close", data={"csrf": csrf})).status_code == 403
    page, kept, _ = await written(ctx)
    assert page.answered_at is None and not kept
    async with ctx.db() as session:
        assert not (await session.exec(select(WebPhoto))).all()


async def test_the_citizens_photo_is_fetched_back_from_the_chat_for_the_book_page(
    ctx: Context, ward: Ward, state: HttpState, client: httpx.AsyncClient
) -> None:
    asked: list[str] = []

    async def chat_photos(refs: Sequence[str]) -> dict[str, bytes]:
        asked.extend(refs)
        return {ref: JPEG for ref in refs if ref == "PHOTO-1"}

    state.photos = chat_photos
    await leader_on_the_web(ctx, ward, client)  # page 1: words only
    await file_pages(ctx, 2, photo_every=1)  # pages 2 and 3 with photos; 3's is gone
    book = await client.get(BOOK)
    assert f'src="{BOOK}/2/photo"' in book.text and f'src="{BOOK}/1/photo"' not in book.text
    shown = await client.get(f"{BOOK}/2/photo")
    assert shown.content == JPEG and shown.headers["content-type"] == "image/jpeg"
    assert (await client.get(f"{BOOK}/3/photo")).status_code == 404  # the chat lost it
    assert (await client.get(f"{BOOK}/1/photo")).status_code == 404  # no photo at all
    assert asked == ["PHOTO-1", "PHOTO-2"]  # Telegram is asked only for pages with one
    other = await client.get("/console/ward/DICH-VONG/book/2/photo")
    assert other.status_code in (403, 404)
