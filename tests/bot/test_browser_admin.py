"""The admin's broadcast page in a real browser (Playwright driving Debian's Chromium),
against the running bot sending to citizens in the Telegram emulator.

The admin logs in with `/web` from the chat, starts a broadcast on the web, and watches
its numbers grow while the page stays loaded (its own script asks the JSON route);
pauses it, and the bot stops sending; resumes it; then cancels it, after the
confirmation page, and the bot sends nothing more. Then the wards' ranking, and a
ward's page where an invite's QR code is shown to scan.
"""

import asyncio
import re

import httpx
import pytest
from playwright.async_api import Browser, Page

from bot.broadcast import CONTROL_SECONDS
from bot.emulator import BotApiEmulator
from storage.models import BroadcastStatus, Recipient, Ward
from tests.bot.conftest import ADMIN, store, until
from tests.bot.test_browser import DESKTOP, browser, shoot  # noqa: F401  (a fixture)
from tests.bot.test_e2e_api import http_bot  # noqa: F401  (the running bot, a fixture)
from tests.bot.test_e2e_broadcast import broadcast_row, invitations, opted_in
from tests.bot.test_e2e_citizen import rows

pytestmark = [pytest.mark.browser, pytest.mark.any_database]

PEOPLE = 30


@pytest.fixture
def bot_env(bot_env: dict[str, str]) -> dict[str, str]:
    """No quiet hours (tests run at any time), and 2 messages a second: 15 s to send all,
    time to press «Tạm dừng» and «Huỷ» in between."""
    return {**bot_env, "SOGOPY_QUIET_HOURS": "", "SOGOPY_SEND_RATE": "2"}


async def sent_rows(database_url: str) -> int:
    return sum(1 for row in await rows(database_url, Recipient) if row.status == "sent")


async def nothing_in_flight(database_url: str) -> bool:
    return all(row.status != "sending" for row in await rows(database_url, Recipient))


async def stopped_sending(database_url: str, paused: float) -> bool:
    """The bot no longer sends a broadcast paused (or cancelled) at loop time `paused`.

    The sender looks at the broadcast's row at least every CONTROL_SECONDS: a send that
    looked just before the pause may still claim its row within that time, none later.
    No event says when it looked, so that bound is waited for, then no row in flight."""
    late = asyncio.get_running_loop().time() > paused + 2 * CONTROL_SECONDS
    return late and await nothing_in_flight(database_url)


async def shown_sent(page: Page) -> int:
    return int(await page.locator("#bc-sent").inner_text())


async def wait_shown_above(page: Page, count: int) -> None:
    """The page's number of sent invitations goes past `count` (the script's doing)."""
    await page.wait_for_function(
        "n => Number(document.getElementById('bc-sent').textContent) > n", arg=count
    )


async def test_an_admin_follows_pauses_and_cancels_a_broadcast_in_a_browser(
    emulator: BotApiEmulator,
    http_bot: httpx.AsyncClient,  # noqa: F811
    database_url: str,
    browser: Browser,  # noqa: F811
) -> None:
    ward = Ward(code="NGHIA-TAN", name="Phường Nghĩa Tân")
    await store(database_url, ward)
    people = await opted_in(emulator, database_url, ward, 7001, PEOPLE)
    office = emulator.user(ADMIN, first_name="Văn phòng")
    await office.send_text("/web")
    sent = await office.wait_for(lambda m: "/console/link/" in m.text)
    link = re.search(r"http://\S+/console/link/[\w-]+", sent.text)
    assert link
    page = await browser.new_page(viewport=DESKTOP)
    await page.goto(link[0])
    await page.get_by_role("button", name="Đăng nhập trang quản lý").click()
    await page.get_by_role("link", name="Gửi khảo sát").click()
    await page.get_by_label("Khảo sát", exact=True).select_option("sipas")
    await page.get_by_label("Phường Nghĩa Tân").check()
    await page.get_by_role("button", name="Tạo đợt gửi").click()

    # scheduled, then running: the script reloads the page when the state changes
    await page.locator("#bc-state", has_text="Đang gửi").wait_for()
    await page.evaluate("window.stillTheSamePage = true")
    start = await shown_sent(page)
    await wait_shown_above(page, start + 1)  # grows with the page loaded
    assert await page.evaluate("window.stillTheSamePage") is True  # updated, not reloaded
    bar = await page.locator("#bc-bar").evaluate("bar => bar.value")
    assert bar >= await shown_sent(page) > start  # the bar moved with the numbers
    await shoot(page, "broadcast")

    await page.get_by_role("button", name="Tạm dừng").click()
    await page.get_by_text("Đã tạm dừng đợt gửi.").wait_for()
    assert (await broadcast_row(database_url, 1)).status == BroadcastStatus.PAUSED
    paused = asyncio.get_running_loop().time()
    await until(lambda: stopped_sending(database_url, paused))
    paused_at = await sent_rows(database_url)
    assert 0 < paused_at < PEOPLE
    assert sum(len(invitations(p)) for p in people) == paused_at
    async with page.expect_response(lambda answer: answer.url.endswith("/progress")) as polled:
        await page.get_by_role("link", name="Tải lại số liệu").click()
        assert await shown_sent(page) == paused_at  # without the script: the numbers on reload
    assert (await (await polled.value).json())["sent"] == paused_at  # two seconds on: none sent
    assert await sent_rows(database_url) == paused_at

    await page.get_by_role("button", name="Tiếp tục gửi").click()
    await page.locator("#bc-state", has_text="Đang gửi").wait_for()
    await wait_shown_above(page, paused_at)

    await page.get_by_role("link", name="Huỷ đợt gửi…").click()
    await page.get_by_role("heading", name="Huỷ đợt gửi số 1?").wait_for()
    assert (await broadcast_row(database_url, 1)).status == BroadcastStatus.RUNNING  # asked only
    await page.get_by_role("button", name="Huỷ đợt gửi").click()
    await page.get_by_text("Đã huỷ đợt gửi.").wait_for()
    assert await page.locator("#bc-state").inner_text() == "Đã huỷ"
    cancelled = await broadcast_row(database_url, 1)
    assert cancelled.status == BroadcastStatus.CANCELLED and cancelled.finished_at is not None
    over = asyncio.get_running_loop().time()
    await until(lambda: stopped_sending(database_url, over))
    final = await sent_rows(database_url)
    assert paused_at < final < PEOPLE
    assert sum(len(invitations(p)) for p in people) == final  # each once, the rest never

    await page.get_by_role("link", name="Trang đầu").click()
    await page.get_by_role("link", name="Xếp hạng phường/xã").click()
    await page.get_by_role("row", name=re.compile("Phường Nghĩa Tân")).wait_for()
    await shoot(page, "ranking")

    await page.get_by_role("link", name="Phường Nghĩa Tân").click()
    await page.get_by_label("Chức danh").fill("Chủ tịch UBND phường")
    await page.get_by_role("button", name="Tạo link mời").click()
    qr = page.get_by_role("img", name="Mã QR mời làm lãnh đạo Phường Nghĩa Tân")
    await qr.wait_for()
    assert await qr.evaluate("img => img.naturalWidth") > 100  # a real image, decoded
    await shoot(page, "ward-admin")
