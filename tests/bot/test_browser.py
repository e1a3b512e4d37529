"""The console in a real browser (Playwright driving Debian's Chromium) against the
running bot's own HTTP app, with the citizen in the Telegram emulator.

One browser for the whole test: a clerk sets her password from the link `sogopy user
add` printed, logs in, registers a case, fetches its slip (with the QR), marks it
returned, and the running bot asks the citizen; a forged POST without the CSRF token,
markup typed into a case, and another ward's page are refused or shown literally. A
leader logs in with `/web` from the chat, signs a page «Đã xem» on the web, and the
running bot edits the chat notification and tells the citizen.
Screenshots at phone and desktop width go to tests/screenshots/ (ignored by git).
"""

import io
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright
from pypdf import PdfReader

from bot.emulator import BotApiEmulator
from storage.models import Case, Ward
from tests.bot.conftest import asogopy, store
from tests.bot.test_e2e_api import http_bot  # noqa: F401  (the running bot, a fixture)
from tests.bot.test_e2e_citizen import rows
from tests.bot.test_e2e_leaders import join, setup_ward, suggest
from tests.conftest import CHROMIUM

pytestmark = [pytest.mark.browser, pytest.mark.any_database]

SHOTS = Path(__file__).parent.parent / "screenshots"
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 800}
PASSWORD = "mật khẩu của Hoa"


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        yield launched
        await launched.close()


async def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    for width, size in (("phone", PHONE), ("desktop", DESKTOP)):
        await page.set_viewport_size(size)
        await page.screenshot(path=SHOTS / f"{name}-{width}.png", full_page=True)


async def test_a_clerk_works_the_desk_in_a_browser(
    emulator: BotApiEmulator,
    bot_env: dict[str, str],
    http_bot: httpx.AsyncClient,  # noqa: F811
    database_url: str,
    browser: Browser,
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
    page = await browser.new_page(viewport=PHONE)

    await page.goto(f"{base}/console/{path}")
    await page.get_by_label("Mật khẩu mới").fill(PASSWORD)
    await page.get_by_role("button", name="Lưu").click()
    await page.get_by_label("Tên đăng nhập").fill("Lê Thị Hoa")
    await page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
    await shoot(page, "login")
    await page.get_by_role("button", name="Đăng nhập").click()
    await page.get_by_role("link", name="Hồ sơ một cửa của phường/xã").click()

    await page.get_by_label("Mã hồ sơ").fill("HS-0042")
    await page.get_by_label("Thủ tục").fill("Chứng thực <b>bản sao</b>")
    await page.get_by_label("Quầy số").fill("3")
    await page.get_by_role("button", name="Đăng ký và in phiếu").click()
    await page.get_by_text("Đã đăng ký hồ sơ HS-0042").wait_for()
    assert await page.get_by_role("cell", name="Chứng thực <b>bản sao</b>").count() == 1
    await shoot(page, "cases")

    slip = await page.request.get(f"{base}/console/ward/NGHIA-TAN/cases/HS-0042/receipt.pdf")
    assert slip.ok and slip.headers["content-type"] == "application/pdf"
    assert len(PdfReader(io.BytesIO(await slip.body())).pages[0].images) == 1  # the QR

    (case,) = await rows(database_url, Case)
    citizen = emulator.user(1002, first_name="Bình")
    await citizen.send_text(f"/start c_{case.token}")  # the slip's QR code
    assert "HS-0042" in (await citizen.next_message()).text

    forged = await page.request.post(
        f"{base}/console/ward/NGHIA-TAN/done", form={"codes": "HS-0042"}
    )
    assert forged.status == 403  # the session cookie alone is not enough
    other = await page.request.get(f"{base}/console/ward/DICH-VONG")
    assert other.status == 403

    await page.get_by_label("Chọn HS-0042").check()
    await page.get_by_role("button", name="Đánh dấu đã trả kết quả").click()
    await page.get_by_text("Đã đánh dấu trả kết quả: 1 hồ sơ").wait_for()
    assert "đã có kết quả" in (await citizen.next_message(timeout=12)).text
    assert re.search(r"HS-0042", await page.content())


async def test_a_leader_signs_a_page_on_the_web_and_the_chat_shows_it(
    emulator: BotApiEmulator,
    http_bot: httpx.AsyncClient,  # noqa: F811
    database_url: str,
    browser: Browser,
) -> None:
    ward = await setup_ward(database_url)
    chairman = await join(emulator, database_url, ward, 5001, "Chủ tịch Hùng")
    citizen = emulator.user(5100, first_name="Lan")
    await suggest(citizen, "Đèn đường <ngõ 5> hỏng", signed=False)
    note = await chairman.wait_for(lambda m: "Trang 1" in m.text)

    await chairman.send_text("/web")
    sent = await chairman.wait_for(lambda m: "/console/link/" in m.text)
    link = re.search(r"http://\S+/console/link/[\w-]+", sent.text)
    assert link
    page = await browser.new_page(viewport=DESKTOP)
    await page.goto(link[0])
    await page.get_by_role("button", name="Đăng nhập trang quản lý").click()
    await page.get_by_role("link", name="Sổ góp ý của phường/xã").click()
    assert await page.get_by_text("Đèn đường <ngõ 5> hỏng").count() == 1  # literal
    await shoot(page, "book")
    await page.get_by_role("button", name="Đã xem — ký trang 1").click()
    await page.get_by_text("Đã xem: Chủ tịch Hùng").wait_for()

    await chairman.wait_for(lambda m: m.message_id == note.message_id and "Đã xem —" in m.text)
    told = await citizen.wait_for(lambda m: "đã đọc góp ý" in m.text)
    assert "Chủ tịch Hùng" in told.text
