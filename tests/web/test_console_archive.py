"""`/console/ward/{ward}/archive.pdf`: the month's archive from the book page, for the
ward's leaders and admins only, with the photos the running bot fetches back."""

import io
from collections.abc import Sequence
from urllib.parse import unquote

import httpx
from fastapi import FastAPI
from pypdf import PdfReader

from handlers.context import Context
from storage.models import Ward
from tests.conftest import add_ward
from tests.handlers.test_leaders import file_pages
from tests.office.test_archive import png
from tests.web.test_console import log_in, new_user, set_password
from web.state import HttpState

ARCHIVE = "/console/ward/NGHIA-TAN/archive.pdf"


async def logged_in(ctx: Context, client: httpx.AsyncClient, name: str, role: str) -> None:
    ward = None if role == "admin" else "NGHIA-TAN"
    _, token = await new_user(ctx, name, role, ward)
    await set_password(client, token)
    await log_in(client, name)


async def test_a_leader_prints_the_month_from_the_book_page(
    ctx: Context, ward: Ward, state: HttpState, client: httpx.AsyncClient
) -> None:
    asked: list[str] = []

    async def chat_photos(refs: Sequence[str]) -> dict[str, bytes]:
        asked.extend(refs)
        return {ref: png() for ref in refs}

    state.photos = chat_photos
    await file_pages(ctx, 3, photo_every=2)  # pages 1 and 3 carry a photo
    await logged_in(ctx, client, "Trần Văn Hùng", "leader")
    book = await client.get("/console/ward/NGHIA-TAN/book")
    assert f'action="{ARCHIVE}"' in book.text
    assert 'type="month" value="2026-11"' in book.text  # this month, local time

    printed = await client.get(ARCHIVE, params={"month": "2026-11"})
    assert printed.status_code == 200 and printed.headers["content-type"] == "application/pdf"
    disposition = unquote(printed.headers["content-disposition"])
    assert disposition.endswith("so-gop-y-NGHIA-TAN-2026-11.pdf")
    reader = PdfReader(io.BytesIO(printed.content))
    assert len(reader.pages) == 1 + 3
    assert "Số phiếu góp ý trong tháng: 3" in reader.pages[0].extract_text()
    assert [len(sheet.images) for sheet in reader.pages] == [0, 1, 0, 1]
    assert sorted(asked) == ["PHOTO-1", "PHOTO-3"]
    assert "Người viết: Ẩn danh" in reader.pages[2].extract_text()

    same = await client.get(ARCHIVE)  # no month picked: this one
    assert len(PdfReader(io.BytesIO(same.content)).pages) == 4
    october = await client.get(ARCHIVE, params={"month": "10/2026"})
    assert len(PdfReader(io.BytesIO(october.content)).pages) == 1  # the cover alone
    bad = await client.get(ARCHIVE, params={"month": "2026-Q4"})
    assert bad.status_code == 422 and "YYYY-MM" in bad.text


async def test_without_a_photo_source_the_page_says_where_the_photo_is(
    ctx: Context, ward: Ward, client: httpx.AsyncClient
) -> None:
    await file_pages(ctx, 1, photo_every=1)
    await logged_in(ctx, client, "Quản trị", "admin")
    printed = await client.get(ARCHIVE, params={"month": "2026-11"})
    sheet = PdfReader(io.BytesIO(printed.content)).pages[1]
    assert not sheet.images and "lưu trong cuộc trò chuyện trên Telegram" in sheet.extract_text()


async def test_a_clerk_and_another_ward_get_no_archive(
    ctx: Context, ward: Ward, app: FastAPI, client: httpx.AsyncClient
) -> None:
    await add_ward(ctx, "DICH-VONG", "Phường Dịch Vọng")
    assert (await client.get(ARCHIVE)).headers["location"] == "/console/login"
    await logged_in(ctx, client, "Lê Thị Hoa", "clerk")
    assert "archive.pdf" not in (await client.get("/console/ward/NGHIA-TAN/book")).text
    refused = await client.get(ARCHIVE, params={"month": "2026-11"})
    assert refused.status_code == 403 and "Chỉ lãnh đạo phường/xã và quản trị viên" in refused.text

    other = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=client.base_url)
    async with other:  # another browser
        await logged_in(ctx, other, "Trần Văn Hùng", "leader")
        answer = await other.get("/console/ward/DICH-VONG/archive.pdf", params={"month": "2026-11"})
        assert answer.status_code == 403 and "%PDF" not in answer.text
