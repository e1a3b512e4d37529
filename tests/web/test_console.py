"""`/console` over httpx: set-password link, login, CSRF, lockout, logout everywhere,
cookie flags, escaping, ward scoping — the rules the browser tests lean on."""

import io
import re
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from pypdf import PdfReader
from sqlmodel import select

from handlers.context import Context
from office.cases import get_case, register_case
from office.errors import Forbidden
from office.leaders import remove_leader
from office.wards import desk_payload
from office.webusers import UserView, add_user, check_ward
from storage.models import BookPage, Leadership, Notice, NoticeRedraw, PendingReply, Ward
from tests.conftest import Chat, Clock, add_ward
from tests.handlers.test_leaders import file_pages, join
from web.console import CSRF_COOKIE, SESSION_COOKIE
from web.state import HttpState

PASSWORD = "mật khẩu dài đủ"


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text
    return found[1]


async def new_user(
    ctx: Context, name: str, role: str = "clerk", ward: str | None = "NGHIA-TAN"
) -> tuple[UserView, str]:
    async with ctx.db() as session:
        return await add_user(session, name=name, role=role, ward=ward, now=ctx.clock())


async def set_password(
    client: httpx.AsyncClient, token: str, password: str = PASSWORD
) -> httpx.Response:
    form = await client.get(f"/console/password/{token}")
    assert form.status_code == 200
    data = {"password": password, "csrf": csrf_of(form)}
    return await client.post(f"/console/password/{token}", data=data)


async def log_in(client: httpx.AsyncClient, name: str, password: str = PASSWORD) -> httpx.Response:
    form = await client.get("/console/login")
    data = {"name": name, "password": password, "csrf": csrf_of(form)}
    return await client.post("/console/login", data=data)


@pytest.fixture
async def hoa(ctx: Context, ward: Ward) -> tuple[UserView, str]:
    return await new_user(ctx, "Lê Thị Hoa")


async def test_a_link_sets_the_password_once_and_the_clerk_logs_in(
    client: httpx.AsyncClient, hoa: tuple[UserView, str]
) -> None:
    _, token = hoa
    assert (await client.get("/console")).headers["location"] == "/console/login"
    short = await set_password(client, token, "ngắn")
    assert short.status_code == 422 and "ít nhất 10 ký tự" in short.text
    done = await set_password(client, token)
    assert done.status_code == 200 and "Đã đặt mật khẩu" in done.text
    assert (await client.get(f"/console/password/{token}")).status_code == 404  # spent

    answer = await log_in(client, "Lê Thị Hoa")
    assert answer.status_code == 303 and answer.headers["location"] == "/console"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(SESSION_COOKIE) and "HttpOnly" in cookie
    assert "SameSite=lax" in cookie and "Secure" not in cookie
    home = await client.get("/console")
    assert home.status_code == 200 and "Xin chào Lê Thị Hoa" in home.text
    assert "Phường Nghĩa Tân" in home.text and "Cán bộ một cửa" in home.text

    out = await client.post("/console/logout", data={"csrf": csrf_of(home)})
    assert out.status_code == 303
    assert (await client.get("/console")).status_code == 303


async def test_cookies_are_secure_behind_an_https_public_url(
    state: HttpState, client: httpx.AsyncClient, hoa: tuple[UserView, str]
) -> None:
    state.public_url = "https://gopy.example.vn"
    form = await client.get("/console/login")
    assert "Secure" in form.headers["set-cookie"] and CSRF_COOKIE in form.headers["set-cookie"]


async def test_a_post_without_its_csrf_token_is_refused(
    ctx: Context, client: httpx.AsyncClient, hoa: tuple[UserView, str]
) -> None:
    _, token = hoa
    await client.get(f"/console/password/{token}")  # the browser has its CSRF cookie
    forged = await client.post(f"/console/password/{token}", data={"password": PASSWORD})
    assert forged.status_code == 403 and "Biểu mẫu đã hết hạn" in forged.text
    wrong = await client.post(
        f"/console/password/{token}", data={"password": PASSWORD, "csrf": "x.y.z"}
    )
    assert wrong.status_code == 403
    other = httpx.AsyncClient(transport=client._transport, base_url=client.base_url)
    async with other:  # another site's page: a token of its own, not this browser's cookie
        theirs = csrf_of(await other.get("/console/login"))
    stolen = await client.post(
        f"/console/password/{token}", data={"password": PASSWORD, "csrf": theirs}
    )
    assert stolen.status_code == 403
    assert (await log_in(client, "Lê Thị Hoa")).status_code == 422  # no password was set
    assert (await set_password(client, token)).status_code == 200  # the link still works


async def test_five_failed_logins_lock_the_account_for_fifteen_minutes(
    clock: Clock, client: httpx.AsyncClient, hoa: tuple[UserView, str]
) -> None:
    await set_password(client, hoa[1])
    for _ in range(4):
        wrong = await log_in(client, "Lê Thị Hoa", "sai mật khẩu rồi")
        assert wrong.status_code == 422 and "Sai tên hoặc mật khẩu" in wrong.text
    assert (await log_in(client, "Lê Thị Hoa", "sai mật khẩu rồi")).status_code == 403
    locked = await log_in(client, "Lê Thị Hoa")
    assert locked.status_code == 403 and "tạm khoá 15 phút" in locked.text
    clock.advance(minutes=14)
    assert (await log_in(client, "Lê Thị Hoa")).status_code == 403
    clock.advance(minutes=1)
    assert (await log_in(client, "Lê Thị Hoa")).status_code == 303
    assert (await log_in(client, "Không Có Ai")).status_code == 422


async def test_a_password_change_logs_out_everywhere(
    app: FastAPI, client: httpx.AsyncClient, hoa: tuple[UserView, str]
) -> None:
    await set_password(client, hoa[1])
    await log_in(client, "Lê Thị Hoa")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=client.base_url) as phone:
        await log_in(phone, "Lê Thị Hoa")
        assert (await phone.get("/console")).status_code == 200
        home = await client.get("/console")
        wrong = {"old": "không phải nó", "new": "mật khẩu mới tinh", "csrf": csrf_of(home)}
        assert (await client.post("/console/password", data=wrong)).status_code == 422
        right = {**wrong, "old": PASSWORD}
        changed = await client.post("/console/password", data=right)
        assert changed.status_code == 200 and "Đã đặt mật khẩu" in changed.text
        assert (await phone.get("/console")).status_code == 303
        assert (await client.get("/console")).status_code == 303
        assert (await log_in(phone, "Lê Thị Hoa", "mật khẩu mới tinh")).status_code == 303


async def test_a_forged_session_cookie_is_nobody(
    client: httpx.AsyncClient, hoa: tuple[UserView, str]
) -> None:
    client.cookies.set(SESSION_COOKIE, f"[{hoa[0].id}, 1].forged")
    assert (await client.get("/console")).status_code == 303


async def test_markup_in_a_name_is_shown_as_text(
    ctx: Context, ward: Ward, client: httpx.AsyncClient
) -> None:
    _, token = await new_user(ctx, "<b>Hoa</b> & <script>alert(1)</script>")
    form = await client.get(f"/console/password/{token}")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in form.text and "<script>" not in form.text


@pytest.mark.any_database
async def test_a_clerk_sees_only_the_own_ward_and_an_admin_every_ward(
    ctx: Context, ward: Ward
) -> None:
    clerk, _ = await new_user(ctx, "Hoa")
    admin, _ = await new_user(ctx, "Thành phố", role="admin", ward=None)
    assert check_ward(clerk, "nghia-tan") == "NGHIA-TAN"
    with pytest.raises(Forbidden):
        check_ward(clerk, "DICH-VONG")
    assert check_ward(admin, "DICH-VONG") == "DICH-VONG"


async def test_web_in_the_chat_gives_a_leader_a_ten_minute_one_time_login_link(
    ctx: Context, clock: Clock, ward: Ward, client: httpx.AsyncClient
) -> None:
    citizen = Chat(ctx, chat_id="1001")
    assert "chưa được bật" in (await citizen.command("web")).replies[0].text
    ctx.console_url = "https://gopy.example.vn"
    assert "chỉ dành cho lãnh đạo" in (await citizen.command("web")).replies[0].text

    leader = await join(ctx, ward, name="Trần Văn Hùng", title="Chủ tịch")
    text = (await leader.command("web")).replies[0].text
    link = re.search(r"https://gopy\.example\.vn(/console/link/[\w-]+)", text)
    assert link and "10 phút" in text
    preview = await client.get(link[1])  # a chat's link preview: the link is not spent
    assert preview.status_code == 200 and "Trần Văn Hùng" in preview.text
    assert (await client.post(link[1], data={})).status_code == 403  # no CSRF token
    entered = await client.post(link[1], data={"csrf": csrf_of(preview)})
    assert entered.status_code == 303
    home = await client.get("/console")
    assert "Lãnh đạo" in home.text and "Phường Nghĩa Tân" in home.text
    late = re.search(r"/console/link/[\w-]+", (await leader.command("web")).replies[0].text)
    assert late
    clock.advance(minutes=10)
    assert (await client.get(late[0])).status_code == 404
    assert (await client.get(link[1])).status_code == 404  # spent
    async with ctx.db() as session:
        (held,) = (await session.exec(select(Leadership))).all()
        assert held.id is not None
        await remove_leader(session, held.id, ctx.timezone)
    assert (await client.get("/console")).status_code == 303  # removed: out at once
    assert "chỉ dành cho lãnh đạo" in (await leader.command("web")).replies[0].text


async def test_an_admin_on_the_bot_gets_a_city_wide_account(
    ctx: Context, client: httpx.AsyncClient
) -> None:
    ctx.console_url, ctx.admins = "http://127.0.0.1:8080", frozenset({"42"})
    text = (await Chat(ctx, chat_id="42", name="Quản trị").command("web")).replies[0].text
    link = re.search(r"http://127\.0\.0\.1:8080(/console/link/[\w-]+)", text)
    assert link
    preview = await client.get(link[1])
    await client.post(link[1], data={"csrf": csrf_of(preview)})
    home = await client.get("/console")
    assert "Quản trị viên thành phố" in home.text and "Toàn thành phố" in home.text


@pytest.fixture
async def clerk(ctx: Context, client: httpx.AsyncClient, hoa: tuple[UserView, str]) -> str:
    """Hoa, clerk of NGHIA-TAN, logged in on `client`; returns her ward page's CSRF token."""
    await set_password(client, hoa[1])
    await log_in(client, "Lê Thị Hoa")
    return csrf_of(await client.get("/console/ward/NGHIA-TAN"))


async def test_a_clerk_registers_a_case_prints_its_slip_and_marks_it_returned(
    ctx: Context, client: httpx.AsyncClient, clerk: str
) -> None:
    form = {"code": "HS-2026/001", "procedure": "Đăng ký khai sinh", "desk": "2", "csrf": clerk}
    made = await client.post("/console/ward/NGHIA-TAN/cases", data=form)
    assert made.status_code == 303
    page = await client.get(made.headers["location"])
    assert "Đã đăng ký hồ sơ HS-2026/001" in page.text and "Chưa liên kết chat" in page.text
    assert '<option value="Đăng ký khai sinh">' in page.text  # offered next time
    slip = await client.get("/console/ward/NGHIA-TAN/cases/HS-2026%2F001/receipt.pdf")
    assert slip.status_code == 200 and slip.content.startswith(b"%PDF")
    assert slip.headers["content-type"] == "application/pdf"

    bad = await client.post("/console/ward/NGHIA-TAN/cases", data={**form, "desk": "hai"})
    assert bad.status_code == 422 and "Quầy số" in bad.text and 'value="hai"' in bad.text

    done = await client.post(
        "/console/ward/NGHIA-TAN/done", data={"codes": ["HS-2026/001"], "csrf": clerk}
    )
    assert done.status_code == 200 and "Đã đánh dấu trả kết quả: 1 hồ sơ" in done.text
    assert "Đã trả kết quả" in done.text
    async with ctx.db() as session:
        assert (await get_case(session, "HS-2026/001")).done_at is not None


async def test_a_clerk_of_one_ward_is_refused_another(
    ctx: Context, client: httpx.AsyncClient, clerk: str
) -> None:
    await add_ward(ctx, "DICH-VONG", "Phường Dịch Vọng")
    async with ctx.db() as session:
        await register_case(session, ward="DICH-VONG", code="DV-1", procedure="Chứng thực")
    assert (await client.get("/console/ward/DICH-VONG")).status_code == 403
    slip = "/console/ward/DICH-VONG/cases/DV-1/receipt.pdf"
    assert (await client.get(slip)).status_code == 403
    assert (await client.get("/console/ward/NGHIA-TAN/cases/DV-1/receipt.pdf")).status_code == 404
    done = {"codes": ["DV-1"], "csrf": clerk}
    assert (await client.post("/console/ward/DICH-VONG/done", data=done)).status_code == 403
    assert (await client.post("/console/ward/NGHIA-TAN/done", data=done)).status_code == 403
    async with ctx.db() as session:
        assert (await get_case(session, "DV-1")).done_at is None
    assert (
        await client.post("/console/ward/NGHIA-TAN/done", data={"codes": ["DV-1"]})
    ).status_code == 403


async def test_markup_typed_into_a_case_is_shown_as_text(
    ctx: Context, client: httpx.AsyncClient, clerk: str
) -> None:
    async with ctx.db() as session:
        await register_case(
            session, ward="NGHIA-TAN", code="HS-9", procedure='<img src=x onerror="alert(1)">'
        )
    page = await client.get("/console/ward/NGHIA-TAN")
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in page.text and "<img" not in page.text


async def test_the_desk_poster_is_an_a4_page_with_the_qr_and_the_six_digit_code(
    ctx: Context, client: httpx.AsyncClient, clerk: str
) -> None:
    page = await client.get("/console/ward/NGHIA-TAN")
    assert 'href="/console/ward/NGHIA-TAN/poster.pdf"' in page.text
    poster = await client.get("/console/ward/NGHIA-TAN/poster.pdf?desk=2")
    assert poster.status_code == 200 and poster.headers["content-type"] == "application/pdf"
    (sheet,) = PdfReader(io.BytesIO(poster.content)).pages
    assert round(float(sheet.mediabox.width) / 72 * 25.4) == 210  # A4
    text = sheet.extract_text()
    assert "Phường Nghĩa Tân" in text and "Quầy 2" in text and len(sheet.images) == 1
    assert re.search(r"Mã số: \d{6}", text)
    async with ctx.db() as session:
        assert (await desk_payload(session, "NGHIA-TAN", 2))[1] in text
    assert (await client.get("/console/ward/DICH-VONG/poster.pdf")).status_code == 403


async def test_a_clerk_uploads_the_one_stop_export_and_sees_the_summary(
    ctx: Context, client: httpx.AsyncClient, clerk: str
) -> None:
    export = (Path(__file__).parent.parent / "data" / "one_stop_export.csv").read_bytes()
    files = {"file": ("xuat-ngay.csv", export, "text/csv")}
    sent = await client.post("/console/ward/NGHIA-TAN/import", data={"csrf": clerk}, files=files)
    assert sent.status_code == 200 and "Kết quả nhập tệp" in sent.text
    assert re.search(r"Hồ sơ mới: [1-9]", sent.text) and "HS-0001" in sent.text
    again = await client.post("/console/ward/NGHIA-TAN/import", data={"csrf": clerk}, files=files)
    assert "Hồ sơ mới: 0" in again.text  # idempotent, as the CLI
    wrong = {"file": ("anh.png", b"\x89PNG", "image/png")}
    bad = await client.post("/console/ward/NGHIA-TAN/import", data={"csrf": clerk}, files=wrong)
    assert bad.status_code == 422 and ".xlsx hoặc .csv" in bad.text
    forged = await client.post("/console/ward/NGHIA-TAN/import", files=files)
    assert forged.status_code == 403


async def test_the_book_is_filtered_by_status_and_text_and_ordered_both_ways(
    ctx: Context, clock: Clock, client: httpx.AsyncClient, clerk: str
) -> None:
    citizens = await file_pages(ctx, 3, photo_every=2)
    await citizens[1].command("gopy")
    await citizens[1].text("<script>alert(1)</script> đèn đường hỏng")
    await citizens[1].press_label("Gửi ẩn danh")
    newest = await client.get("/console/ward/NGHIA-TAN/book")
    assert newest.status_code == 200
    order = [int(n) for n in re.findall(r"Trang (\d+) —", newest.text)]
    assert order == [4, 3, 2, 1]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; đèn đường hỏng" in newest.text
    assert "<script>" not in newest.text and "Ẩn danh" in newest.text
    assert "Ảnh công dân gửi kèm" in newest.text
    oldest = await client.get("/console/ward/NGHIA-TAN/book?order=oldest")
    assert [int(n) for n in re.findall(r"Trang (\d+) —", oldest.text)] == [1, 2, 3, 4]
    found = await client.get("/console/ward/NGHIA-TAN/book", params={"q": "ĐÈN đường"})
    assert re.findall(r"Trang (\d+) —", found.text) == ["4"]
    clock.advance(days=30)
    overdue = await client.get("/console/ward/NGHIA-TAN/book?status=overdue")
    assert len(re.findall(r"Trang \d+ —", overdue.text)) == 4
    none = await client.get("/console/ward/NGHIA-TAN/book?status=seen")
    assert "Không có trang nào" in none.text
    assert (await client.get("/console/ward/DICH-VONG/book")).status_code == 403


async def test_a_leader_signs_a_page_on_the_web_once_and_the_bot_is_handed_the_rest(
    ctx: Context, ward: Ward, client: httpx.AsyncClient
) -> None:
    leader = await join(ctx, ward, name="Trần Văn Hùng", title="Chủ tịch")
    (citizen,) = await file_pages(ctx, 1)
    async with ctx.db() as session:
        (notice,) = (await session.exec(select(Notice))).all()
        notice.message_id = 77  # the running bot sent it
        session.add(notice)
        await session.commit()
    ctx.console_url = "http://sogopy.test"
    link = re.search(r"/console/link/[\w-]+", (await leader.command("web")).replies[0].text)
    assert link
    await client.post(link[0], data={"csrf": csrf_of(await client.get(link[0]))})
    book = await client.get("/console/ward/NGHIA-TAN/book")
    assert (await client.post("/console/ward/NGHIA-TAN/book/1/seen", data={})).status_code == 403
    signed = await client.post("/console/ward/NGHIA-TAN/book/1/seen", data={"csrf": csrf_of(book)})
    assert signed.status_code == 303
    after = await client.get("/console/ward/NGHIA-TAN/book")
    assert "Đã xem: Trần Văn Hùng, Chủ tịch" in after.text and "ký trang 1" not in after.text
    await client.post("/console/ward/NGHIA-TAN/book/1/seen", data={"csrf": csrf_of(book)})
    async with ctx.db() as session:
        (page,) = (await session.exec(select(BookPage))).all()
        assert page.seen_by_name == "Trần Văn Hùng, Chủ tịch" and page.seen_at == ctx.clock()
        (redraw,) = (await session.exec(select(NoticeRedraw))).all()
        assert redraw.notice_id == notice.id  # the bot redraws the leader's notification
        (told,) = (await session.exec(select(PendingReply))).all()  # once: one signature
    assert told.chat_id == citizen.chat_id and "Đã xem — Trần Văn Hùng, Chủ tịch" in told.reply


async def test_a_clerk_cannot_sign(ctx: Context, client: httpx.AsyncClient, clerk: str) -> None:
    await file_pages(ctx, 1)
    book = await client.get("/console/ward/NGHIA-TAN/book")
    assert "ký trang 1" not in book.text
    refused = await client.post("/console/ward/NGHIA-TAN/book/1/seen", data={"csrf": clerk})
    assert refused.status_code == 403 and "Chỉ lãnh đạo" in refused.text
