"""The console's book page a screen at a time: «Trang sau» and «Trang trước» keep the filters."""

import html
import re

import httpx

from handlers.context import Context
from office.console import BOOK_SHOWN
from storage.models import Ward
from tests.office.test_console import write_pages
from tests.web.test_console import log_in, new_user, set_password


def shown(page: httpx.Response) -> list[int]:
    return [int(n) for n in re.findall(r"Trang (\d+) —", page.text)]


def link(page: httpx.Response, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', page.text)
    return html.unescape(found[1]) if found else None


async def test_the_book_page_turns_screens_and_keeps_its_filters(
    ctx: Context, client: httpx.AsyncClient, ward: Ward
) -> None:
    total = 2 * BOOK_SHOWN + 5
    await write_pages(
        ctx, ward, [("Đèn đường hỏng" if n % 2 else "Vỉa hè") for n in range(1, total + 1)]
    )
    _, token = await new_user(ctx, "Trần Văn Lãnh Đạo", role="leader")
    await set_password(client, token)
    await log_in(client, "Trần Văn Lãnh Đạo")
    base = "/console/ward/NGHIA-TAN/book"

    first = await client.get(base)
    assert shown(first) == list(range(total, total - BOOK_SHOWN, -1))
    assert link(first, "prev") is None and "Trang sau" in first.text
    later = link(first, "next")
    assert later is not None
    second = await client.get(base + later)
    assert shown(second) == list(range(total - BOOK_SHOWN, total - 2 * BOOK_SHOWN, -1))
    back = link(second, "prev")
    assert back is not None and shown(await client.get(base + back)) == shown(first)

    words = await client.get(base, params={"q": "den duong", "order": "oldest"})
    odd = list(range(1, total + 1, 2))
    assert shown(words) == odd[:BOOK_SHOWN]
    following = link(words, "next")
    assert following is not None and "q=den+duong" in following and "order=oldest" in following
    rest = await client.get(base + following)
    assert shown(rest) == odd[BOOK_SHOWN:] and link(rest, "next") is None
