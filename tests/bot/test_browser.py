"""The console in a real browser (Playwright driving Debian's Chromium) against the
running bot's own HTTP app, with the citizen in the Telegram emulator.

A clerk sets her password from the link `sogopy user add` printed, logs in, registers a
case, fetches its slip (whose QR code is the case's link, pixel for pixel), marks it
returned, and the running bot asks the citizen; a form sent with its CSRF token taken
out by script is refused and changes nothing; every page of another ward answers 403
(its case's slip 404 under her own ward). A leader logs in with `/web` from the chat,
reads a citizen's markup as typed, signs a page «Đã xem» on the web (the running bot
edits the chat notification and tells the citizen), and prints the month's archive,
with the photo the running bot fetched back from the chat. Every page passes
`check_accessible`; `shoot` writes each at phone and desktop width to `.screenshots/`.
"""

import io
import re

import httpx
import pytest
from PIL import Image, ImageChops
from playwright.async_api import Browser, Page
from pypdf import PdfReader

from bot.emulator import BotApiEmulator
from office.receipts import qr_png
from storage.models import Case, Ward
from tests.bot.conftest import USERNAME, asogopy, store
from tests.bot.test_e2e_api import http_bot  # noqa: F401  (the running bot, a fixture)
from tests.bot.test_e2e_citizen import rows
from tests.bot.test_e2e_leaders import join, setup_ward, suggest
from tests.browser import DESKTOP, PHONE, browser, check_accessible, shoot  # noqa: F401
from tests.office.test_archive import png

pytestmark = [pytest.mark.browser, pytest.mark.any_database]

PASSWORD = "mật khẩu của Hoa"
MARKUP = "<b>Đèn</b> ngõ 5 <script>window.pwned = 1</script> hỏng & tối"


async def visit(page: Page, url: str) -> int:
    """The status a page of the console answers with, once it is shown."""
    response = await page.goto(url)
    assert response is not None
    return response.status


async def test_a_clerk_works_the_desk_in_a_browser(
    emulator: BotApiEmulator,
    bot_env: dict[str, str],
    http_bot: httpx.AsyncClient,  # noqa: F811
    database_url: str,
    browser: Browser,  # noqa: F811
) -> None:
    await store(
        database_url,
        Ward(code="NGHIA-TAN", name="Phường Nghĩa Tân"),
        Ward(code="DICH-VONG", name="Phường Dịch Vọng"),
    )
    made = await asogopy(
        bot_env, "user", "add", "--ward", "NGHIA-TAN", "--role", "clerk", "--name", "Lê Thị Hoa"
    )
    link = made.stdout.splitlines()[-1]
    base = str(http_bot.base_url).rstrip("/")
    path = link.split("/console/", 1)[1]
    page = await browser.new_page(viewport=PHONE, locale="vi-VN")

    await page.goto(f"{base}/console/{path}")
    await check_accessible(page)
    await shoot(page, "set-password")
    await page.get_by_label("Mật khẩu mới").fill(PASSWORD)
    await page.get_by_role("button", name="Lưu").click()
    await page.get_by_label("Tên đăng nhập").fill("Lê Thị Hoa")
    await page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
    await check_accessible(page)
    await shoot(page, "login")
    await page.get_by_role("button", name="Đăng nhập").click()
    await page.get_by_role("link", name="Hồ sơ một cửa của phường/xã").wait_for()
    await check_accessible(page)
    await shoot(page, "home")
    await page.get_by_role("link", name="Hồ sơ một cửa của phường/xã").click()

    await page.get_by_label("Mã hồ sơ").fill("HS-0042")
    await page.get_by_label("Thủ tục").fill("Chứng thực <b>bản sao</b>")
    await page.get_by_label("Quầy số").fill("3")
    await page.get_by_role("button", name="Đăng ký và in phiếu").click()
    await page.get_by_text("Đã đăng ký hồ sơ HS-0042").wait_for()
    assert await page.get_by_role("cell", name="Chứng thực <b>bản sao</b>").count() == 1
    await check_accessible(page)
    await shoot(page, "cases")

    (case,) = await rows(database_url, Case)
    slip = await page.request.get(f"{base}/console/ward/NGHIA-TAN/cases/HS-0042/receipt.pdf")
    assert slip.ok and slip.headers["content-type"] == "application/pdf"
    (drawn,) = PdfReader(io.BytesIO(await slip.body())).pages[0].images
    expected = Image.open(io.BytesIO(qr_png(f"https://t.me/{USERNAME}?start=c_{case.token}")))
    assert drawn.image is not None and drawn.image.size == expected.size
    assert ImageChops.difference(drawn.image.convert("L"), expected.convert("L")).getbbox() is None

    citizen = emulator.user(1002, first_name="Bình")
    await citizen.send_text(f"/start c_{case.token}")  # the slip's QR code
    assert "HS-0042" in (await citizen.next_message()).text

    # a form whose CSRF token a script took out: refused, and nothing is done
    await page.get_by_label("Chọn HS-0042").check()
    await page.evaluate("document.querySelectorAll('input[name=csrf]').forEach(e => e.remove())")
    await page.get_by_role("button", name="Đánh dấu đã trả kết quả").click()
    await page.get_by_text("Biểu mẫu đã hết hạn hoặc không hợp lệ").wait_for()
    assert await page.get_by_role("heading", name="Không được phép").count() == 1
    await check_accessible(page)
    await shoot(page, "forbidden")
    (case,) = await rows(database_url, Case)
    assert case.done_at is None
    forged = await page.request.post(
        f"{base}/console/ward/NGHIA-TAN/done", form={"codes": "HS-0042"}
    )
    assert forged.status == 403  # the session cookie alone is not enough

    # every page of another ward: 403; its case's slip under her own ward: 404
    await asogopy(
        bot_env, "case", "new", "--ward", "DICH-VONG", "--code", "DV-7", "--procedure", "Hộ tịch"
    )
    other = f"{base}/console/ward/DICH-VONG"
    for url in (other, f"{other}/book", f"{other}/cases/DV-7/receipt.pdf", f"{other}/poster.pdf",
                f"{other}/archive.pdf?month=2026-11"):  # fmt: skip
        assert await visit(page, url) == 403, url
        assert "DV-7" not in await page.content() and "Dịch Vọng" not in await page.content()
    assert await visit(page, f"{base}/console/ward/NGHIA-TAN/cases/DV-7/receipt.pdf") == 404
    clerk_archive = f"{base}/console/ward/NGHIA-TAN/archive.pdf?month=2026-11"
    assert await visit(page, clerk_archive) == 403  # the archive is the leaders'

    await page.goto(f"{base}/console/ward/NGHIA-TAN")
    await page.get_by_label("Chọn HS-0042").check()
    await page.get_by_role("button", name="Đánh dấu đã trả kết quả").click()
    await page.get_by_text("Đã đánh dấu trả kết quả: 1 hồ sơ").wait_for()
    assert "đã có kết quả" in (await citizen.next_message(timeout=12)).text
    assert re.search(r"HS-0042", await page.content())


async def test_a_leader_signs_a_page_on_the_web_and_prints_the_month(
    emulator: BotApiEmulator,
    http_bot: httpx.AsyncClient,  # noqa: F811
    database_url: str,
    browser: Browser,  # noqa: F811
) -> None:
    ward = await setup_ward(database_url)
    chairman = await join(emulator, database_url, ward, 5001, "Chủ tịch Hùng")
    citizen = emulator.user(5100, first_name="Lan")
    await suggest(citizen, MARKUP, signed=False)
    note = await chairman.wait_for(lambda m: "Trang 1" in m.text)
    await citizen.send_text("/gopy")
    await citizen.send_photo("Ảnh rác ngõ 7", data=png())
    prompt = await citizen.wait_for(lambda m: "ẩn danh" in m.text and m.buttons != [], timeout=10)
    await citizen.press(prompt, "Gửi kèm tên")
    await chairman.wait_for(lambda m: "Trang 2" in m.text)

    await chairman.send_text("/web")
    sent = await chairman.wait_for(lambda m: "/console/link/" in m.text)
    link = re.search(r"http://\S+/console/link/[\w-]+", sent.text)
    assert link
    page = await browser.new_page(viewport=DESKTOP, locale="vi-VN")
    await page.goto(link[0])
    await check_accessible(page)
    await shoot(page, "chat-login")
    await page.get_by_role("button", name="Đăng nhập trang quản lý").click()
    await page.get_by_role("link", name="Sổ góp ý của phường/xã").click()
    assert await page.get_by_text(MARKUP).count() == 1  # shown as typed
    assert await page.locator("article b, article script").count() == 0
    assert await page.evaluate("window.pwned") is None
    await page.get_by_role("button", name="Đã xem — ký trang 1").click()
    await page.get_by_text("Đã xem: Chủ tịch Hùng").wait_for()
    await check_accessible(page)
    await shoot(page, "book")

    await chairman.wait_for(lambda m: m.message_id == note.message_id and "Đã xem —" in m.text)
    told = await citizen.wait_for(lambda m: "đã đọc góp ý" in m.text)
    assert "Chủ tịch Hùng" in told.text

    async with page.expect_response(lambda r: "/archive.pdf?month=" in r.url) as answered:
        await page.get_by_role("button", name="In sổ lưu tháng (PDF)").click()  # this month
    archive = await answered.value
    assert archive.ok and archive.headers["content-type"] == "application/pdf"
    assert re.search(r"so-gop-y-NGHIA-TAN-\d{4}-\d{2}\.pdf", archive.headers["content-disposition"])
    # Chromium's PDF viewer stands in for the body: the same URL again, with the same cookies
    printed = await page.request.get(archive.url)
    cover, first, second = PdfReader(io.BytesIO(await printed.body())).pages
    assert "Số phiếu góp ý trong tháng: 2" in cover.extract_text()
    assert MARKUP in first.extract_text() and "Đã xem — Chủ tịch Hùng" in first.extract_text()
    assert "Người viết: Ẩn danh" in first.extract_text()
    assert "Người viết: Lan" in second.extract_text()
    assert len(second.images) == 1  # fetched back from the chat by the running bot
