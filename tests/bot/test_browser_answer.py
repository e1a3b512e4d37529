"""«Trả lời» from the console in a real browser (Playwright driving Debian's Chromium),
against the running bot's HTTP app, with the people in the Telegram emulator.

The chairman logs in with `/web`, answers a page with a photo, previews it and sends it;
the citizen receives the photo (uploaded by the bot) and the answer, and the deputy's
chat notification is edited to show the answer.
"""

import re

import httpx
import pytest
from playwright.async_api import Browser

from bot.emulator import BotApiEmulator
from tests.bot.test_browser import DESKTOP, browser, shoot  # noqa: F401  (a fixture)
from tests.bot.test_e2e_api import http_bot  # noqa: F401  (the running bot, a fixture)
from tests.bot.test_e2e_leaders import join, setup_ward, suggest
from tests.office.test_answers import PNG

pytestmark = [pytest.mark.browser, pytest.mark.any_database]


async def test_a_leader_answers_with_a_photo_on_the_web_and_the_chats_show_it(
    emulator: BotApiEmulator,
    http_bot: httpx.AsyncClient,  # noqa: F811
    database_url: str,
    browser: Browser,  # noqa: F811
) -> None:
    ward = await setup_ward(database_url)
    chairman = await join(emulator, database_url, ward, 5001, "Chủ tịch Hùng")
    deputy = await join(emulator, database_url, ward, 5002, "Phó chủ tịch Mai")
    citizen = emulator.user(5100, first_name="Lan")
    await suggest(citizen, "Đèn đường ngõ 5 hỏng", signed=False)
    await chairman.wait_for(lambda m: "Trang 1" in m.text)
    note = await deputy.wait_for(lambda m: "Trang 1" in m.text)

    await chairman.send_text("/web")
    sent = await chairman.wait_for(lambda m: "/console/link/" in m.text)
    link = re.search(r"http://\S+/console/link/[\w-]+", sent.text)
    assert link
    page = await browser.new_page(viewport=DESKTOP)
    await page.goto(link[0])
    await page.get_by_role("button", name="Đăng nhập trang quản lý").click()
    await page.get_by_role("link", name="Sổ góp ý của phường/xã").click()
    await page.get_by_role("link", name="Trả lời trang 1").click()
    typed = "Đã thay bóng đèn <ngõ 5> & ngõ 7"
    await page.get_by_label("Câu trả lời cho công dân").fill(typed)
    photo = {"name": "den.png", "mimeType": "image/png", "buffer": PNG}
    await page.get_by_label("Ảnh kèm theo (JPEG hoặc PNG)").set_input_files(photo)  # type: ignore[arg-type]
    await page.get_by_role("button", name="Xem trước").click()
    await page.get_by_text("Chưa gửi gì cho tới khi bấm «Gửi»").wait_for()
    assert typed in await page.locator("#message").inner_text()  # literal, as the citizen reads it
    await shoot(page, "answer-preview")
    assert await page.locator("img").count() == 1
    await page.get_by_role("button", name="Gửi", exact=True).click()
    await page.get_by_text(f"Trả lời: {typed}").wait_for()

    evidence = await citizen.wait_for(lambda m: m.photo is not None, timeout=12)
    assert evidence.photo_sizes[-1]["file_size"] == len(PNG)  # the bytes uploaded
    told = await citizen.wait_for(lambda m: "trả lời góp ý" in m.text, timeout=12)
    assert typed in told.text and told.message_id > evidence.message_id
    edited = await deputy.wait_for(
        lambda m: m.message_id == note.message_id and typed in m.text, timeout=12
    )
    assert "Chủ tịch Hùng" in edited.text
