"""The admin's console pages over httpx: each action end to end through the office layer
(the rows it changes, as `sogopy` would), refusals for clerks and leaders, CSRF."""

import base64
import re
from datetime import time

import httpx
import pytest
from sqlmodel import select

from handlers.context import Context
from office.keys import authenticate
from office.wards import desk_payload
from storage.models import (
    ApiKey,
    Broadcast,
    BroadcastStatus,
    Invite,
    Leadership,
    Person,
    Ward,
    WardKind,
    utcnow,
)
from tests.conftest import Chat, add_ward
from tests.handlers.test_leaders import join
from tests.web.conftest import USERNAME
from tests.web.test_console import csrf_of, log_in, new_user, set_password
from web.state import HttpState

ADMIN_PAGES = (
    "/console/admin/wards",
    "/console/admin/wards/NGHIA-TAN",
    "/console/admin/keys",
    "/console/admin/broadcasts",
)


async def logged_in(ctx: Context, client: httpx.AsyncClient, name: str, **kind: str | None) -> None:
    _, token = await new_user(ctx, name, **kind)  # type: ignore[arg-type]
    await set_password(client, token)
    assert (await log_in(client, name)).status_code == 303


@pytest.fixture
async def admin(ctx: Context, ward: Ward, client: httpx.AsyncClient) -> str:
    """The city's admin, logged in on `client`; returns a CSRF token of the console."""
    await logged_in(ctx, client, "Văn phòng thành phố", role="admin", ward=None)
    return csrf_of(await client.get("/console"))


async def opted_in(ctx: Context, ward: Ward, count: int) -> None:
    """`count` citizens of `ward` who agreed to receive surveys."""
    async with ctx.db() as session:
        for n in range(count):
            session.add(
                Person(
                    platform="telegram",
                    chat_id=f"30{n:03}",
                    ward_id=ward.id,
                    optin=True,
                    optin_at=utcnow(),
                )
            )
        await session.commit()


async def broadcast_row(ctx: Context, broadcast_id: int) -> Broadcast:
    async with ctx.db() as session:
        found = await session.get(Broadcast, broadcast_id)
        assert found is not None
        return found


@pytest.mark.parametrize("role", ["clerk", "leader"])
async def test_a_clerk_or_a_leader_gets_403_on_every_admin_page_and_action(
    ctx: Context, ward: Ward, client: httpx.AsyncClient, role: str
) -> None:
    await logged_in(ctx, client, "Lê Thị Hoa", role=role)
    home = await client.get("/console")
    assert "/console/admin/" not in home.text  # no link to pages they may not open
    token = csrf_of(home)
    for path in ADMIN_PAGES:
        answer = await client.get(path)
        assert answer.status_code == 403 and "quản trị viên thành phố" in answer.text, path
    posts = {
        "/console/admin/keys": {"ward": "NGHIA-TAN", "name": "lén"},
        "/console/admin/wards/NGHIA-TAN/invites": {"days": "7"},
        "/console/admin/broadcasts": {"survey": "sipas"},
    }
    for path, form in posts.items():
        answer = await client.post(path, data={**form, "csrf": token})
        assert answer.status_code == 403, path
    progress = await client.get("/console/admin/broadcasts/1/progress")
    assert progress.status_code == 403 and "error" in progress.json()
    async with ctx.db() as session:
        assert (await session.exec(select(ApiKey))).all() == []
        assert (await session.exec(select(Invite))).all() == []
        assert (await session.exec(select(Broadcast))).all() == []


async def test_nobody_logged_in_is_sent_to_the_login_and_the_script_gets_401(
    client: httpx.AsyncClient,
) -> None:
    for path in ADMIN_PAGES:
        answer = await client.get(path)
        assert answer.status_code == 303 and answer.headers["location"] == "/console/login"
    assert (await client.get("/console/admin/broadcasts/1/progress")).status_code == 401


async def test_an_admin_post_without_its_csrf_token_changes_nothing(
    ctx: Context, ward: Ward, client: httpx.AsyncClient, admin: str
) -> None:
    await opted_in(ctx, ward, 2)
    made = await client.post("/console/admin/broadcasts", data={"survey": "sipas", "csrf": admin})
    assert made.status_code == 303
    forged = {
        "/console/admin/keys": {"ward": "*"},
        "/console/admin/wards/NGHIA-TAN/invites": {"days": "7"},
        "/console/admin/broadcasts/1/pause": {},
        "/console/admin/broadcasts/1/cancel": {},
    }
    for path, form in forged.items():
        for token in ("", "x.y.z"):
            answer = await client.post(path, data={**form, "csrf": token})
            assert answer.status_code == 403 and "Biểu mẫu đã hết hạn" in answer.text, path
    async with ctx.db() as session:
        assert (await session.exec(select(ApiKey))).all() == []
        assert (await session.exec(select(Invite))).all() == []
    assert (await broadcast_row(ctx, 1)).status == BroadcastStatus.SCHEDULED


async def test_the_home_page_leads_an_admin_to_the_admin_pages(
    client: httpx.AsyncClient, admin: str
) -> None:
    home = await client.get("/console")
    for path in ("/console/admin/wards", "/console/admin/broadcasts", "/console/admin/keys"):
        assert f'href="{path}"' in home.text


async def test_every_ward_is_on_the_ranking_with_its_kind_and_links(
    ctx: Context, ward: Ward, client: httpx.AsyncClient, admin: str
) -> None:
    await add_ward(ctx, "DICH-VONG", "Xã Dịch Vọng <b>")
    async with ctx.db() as session:
        other = (await session.exec(select(Ward).where(Ward.code == "DICH-VONG"))).one()
        other.kind = WardKind.XA
        await session.commit()
    ranking = await client.get("/console/admin/wards")
    assert ranking.status_code == 200
    assert '<option value="2026-11" selected>Tháng 11/2026</option>' in ranking.text
    assert 'value="2026-Q4">Quý 4/2026' in ranking.text and 'value="2025">Năm 2025' in ranking.text
    assert "Từ 01/11/2026 đến 30/11/2026" in ranking.text
    assert "Xã Dịch Vọng &lt;b&gt;" in ranking.text and "<td>xã</td>" in ranking.text
    assert "<td>phường</td>" in ranking.text
    for link in (
        "/console/admin/wards/NGHIA-TAN",
        "/console/ward/NGHIA-TAN",
        "/console/ward/NGHIA-TAN/book",
        "/console/ward/NGHIA-TAN/figures?period=2026-11",
    ):
        assert f'href="{link}"' in ranking.text
    quarter = await client.get("/console/admin/wards", params={"period": "2026-Q3"})
    assert "Từ 01/07/2026 đến 30/09/2026" in quarter.text
    bad = await client.get("/console/admin/wards", params={"period": "tháng 11"})
    assert bad.status_code == 422 and "tháng 11" in bad.text


async def test_the_ranking_shows_the_office_figures(
    ctx: Context, ward: Ward, client: httpx.AsyncClient, admin: str
) -> None:
    async with ctx.db() as session:  # walk-ins through the bot, stored as the chat stores them
        payload, _ = await desk_payload(session, ward.code)
    for n in range(10):
        walker = Chat(ctx, chat_id=f"50{n:02}")
        await walker.command("start", payload)
        await walker.answer_all("Rất hài lòng" if n else "Không hài lòng")
    ranking = await client.get("/console/admin/wards")
    row = re.search(r"<tr>\s*<td>1</td>.*?</tr>", ranking.text, re.S)
    assert row and "Phường Nghĩa Tân" in row[0]
    assert re.search(r"<td>90,0%</td>\s*<td>–</td>\s*<td>30</td>", row[0]), row[0]
    assert "–" in row[0] and "(0/0)" in row[0]  # no case done: no response rate


async def test_an_invite_made_on_the_web_shows_its_link_and_qr_and_makes_a_leader(
    ctx: Context, ward: Ward, client: httpx.AsyncClient, admin: str
) -> None:
    form = {"name": "Trần  Văn Hùng", "title": "Chủ tịch UBND phường", "days": "7"}
    made = await client.post("/console/admin/wards/nghia-tan/invites", data={**form, "csrf": admin})
    assert made.status_code == 200
    link = re.search(rf"https://t\.me/{USERNAME}\?start=l_([\w-]+)", made.text)
    assert link
    qr = re.search(r'src="data:image/png;base64,([^"]+)"', made.text)
    assert qr and base64.b64decode(qr[1]).startswith(b"\x89PNG")
    assert "Hiệu lực đến 03/12/2026 10:00" in made.text  # 7 days, local time
    async with ctx.db() as session:
        (invite,) = (await session.exec(select(Invite))).all()
    assert invite.token == link[1] and invite.name == "Trần Văn Hùng"
    page = await client.get("/console/admin/wards/NGHIA-TAN")
    assert link[0] not in page.text  # shown once, when made
    assert "Lời mời chưa dùng" in page.text and "Chủ tịch UBND phường" in page.text

    leader = Chat(ctx, chat_id="7001", name="Hùng Telegram")
    await leader.command("start", f"l_{link[1]}")
    page = await client.get("/console/admin/wards/NGHIA-TAN")
    assert "Không có lời mời nào đang chờ" in page.text  # used
    row = re.search(r"<tr>\s*<td>Trần Văn Hùng</td>.*?</tr>", page.text, re.S)
    assert row and "Chủ tịch UBND phường" in row[0] and "telegram" in row[0]

    too_long = await client.post(
        "/console/admin/wards/NGHIA-TAN/invites", data={"days": "91", "csrf": admin}
    )
    assert too_long.status_code == 422 and 'value="91"' in too_long.text
    unknown = await client.post(
        "/console/admin/wards/KHONG-CO/invites", data={"days": "7", "csrf": admin}
    )
    assert unknown.status_code == 404


async def test_an_invite_revoked_on_the_web_no_longer_works(
    ctx: Context, ward: Ward, client: httpx.AsyncClient, admin: str
) -> None:
    made = await client.post(
        "/console/admin/wards/NGHIA-TAN/invites", data={"days": "7", "csrf": admin}
    )
    token = re.search(r"start=l_([\w-]+)", made.text)
    assert token
    async with ctx.db() as session:
        (invite,) = (await session.exec(select(Invite))).all()
    path = f"/console/admin/wards/NGHIA-TAN/invites/{invite.id}/revoke"
    revoked = await client.post(path, data={"csrf": admin})
    assert revoked.status_code == 200 and "Đã thu hồi lời mời" in revoked.text
    assert "Không có lời mời nào đang chờ" in revoked.text
    again = await client.post(path, data={"csrf": admin})
    assert again.status_code == 409 and "đã bị thu hồi" in again.text
    await add_ward(ctx, "DICH-VONG", "Phường Dịch Vọng")
    elsewhere = f"/console/admin/wards/DICH-VONG/invites/{invite.id}/revoke"
    assert (await client.post(elsewhere, data={"csrf": admin})).status_code == 404
    person = Chat(ctx, chat_id="7002")
    await person.command("start", f"l_{token[1]}")
    async with ctx.db() as session:
        assert (await session.exec(select(Leadership))).all() == []


async def test_a_leader_removed_on_the_web_after_a_confirmation_loses_the_ward(
    ctx: Context, ward: Ward, client: httpx.AsyncClient, admin: str
) -> None:
    leader = await join(ctx, ward, name="Trần Văn Hùng", title="Chủ tịch")
    async with ctx.db() as session:
        (held,) = (await session.exec(select(Leadership))).all()
    path = f"/console/admin/wards/NGHIA-TAN/leaders/{held.id}/remove"
    await add_ward(ctx, "DICH-VONG", "Phường Dịch Vọng")
    wrong = path.replace("NGHIA-TAN", "DICH-VONG")  # the id of another ward's leader
    assert (await client.get(wrong)).status_code == 404
    assert (await client.post(wrong, data={"csrf": admin})).status_code == 404
    page = await client.get("/console/admin/wards/NGHIA-TAN")
    assert f'href="{path}"' in page.text
    ask = await client.get(path)
    assert ask.status_code == 200 and "Thôi vai trò lãnh đạo của Trần Văn Hùng?" in ask.text
    assert f'action="{path}"' in ask.text and 'href="/console/admin/wards/NGHIA-TAN"' in ask.text
    async with ctx.db() as session:
        assert (await session.get(Leadership, held.id)).removed_at is None  # type: ignore[union-attr]
    removed = await client.post(path, data={"csrf": csrf_of(ask)})
    assert (
        removed.status_code == 200 and "Đã thôi vai trò lãnh đạo của Trần Văn Hùng" in removed.text
    )
    assert "Phường/xã chưa có lãnh đạo nào" in removed.text
    async with ctx.db() as session:
        kept = await session.get(Leadership, held.id)
        assert kept is not None and kept.removed_at is not None
        person = await session.get(Person, kept.person_id)
        assert person is not None and person.role == "citizen"  # as `sogopy leader remove`
    assert "dành cho lãnh đạo" in (await leader.command("chuaxem")).replies[0].text
    twice = await client.post(path, data={"csrf": csrf_of(ask)})
    assert twice.status_code == 409 and "đã thôi từ ngày" in twice.text
    assert (await client.get(path)).status_code == 404  # no longer a leader to remove


async def test_a_key_is_shown_once_works_and_is_revoked_after_a_confirmation(
    ctx: Context, ward: Ward, client: httpx.AsyncClient, admin: str
) -> None:
    page = await client.get("/console/admin/keys")
    assert '<option value="*">Toàn thành phố</option>' in page.text
    assert '<label for="ward">' in page.text and '<label for="name">' in page.text
    nobody = await client.post("/console/admin/keys", data={"name": "x", "csrf": admin})
    assert nobody.status_code == 422 and "Chọn phạm vi" in nobody.text
    made = await client.post(
        "/console/admin/keys", data={"ward": "NGHIA-TAN", "name": "một cửa", "csrf": admin}
    )
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    secret = re.search(r'<code id="new-key"[^>]*>(sgp_[\w-]+)</code>', made.text)
    assert secret and "chỉ hiện một lần" in made.text
    async with ctx.db() as session:
        found = await authenticate(session, secret[1])
    assert found is not None and found.ward_code == "NGHIA-TAN" and found.name == "một cửa"
    listed = await client.get("/console/admin/keys")
    assert secret[1] not in listed.text and f"{secret[1][:12]}…" in listed.text

    city = await client.post("/console/admin/keys", data={"ward": "*", "csrf": admin})
    city_key = re.search(r"(sgp_[\w-]+)</code>", city.text)
    assert city_key
    async with ctx.db() as session:
        wide = await authenticate(session, city_key[1])
    assert wide is not None and wide.ward_code is None

    path = f"/console/admin/keys/{found.id}/revoke"
    assert f'href="{path}"' in listed.text
    ask = await client.get(path)
    assert ask.status_code == 200 and f"Thu hồi khoá {found.prefix}… (NGHIA-TAN)?" in ask.text
    async with ctx.db() as session:
        assert await authenticate(session, secret[1]) is not None  # asking changes nothing
    revoked = await client.post(path, data={"csrf": csrf_of(ask)})
    assert revoked.status_code == 200 and f"Đã thu hồi khoá {found.prefix}" in revoked.text
    assert "Đã thu hồi lúc" in revoked.text
    async with ctx.db() as session:
        assert await authenticate(session, secret[1]) is None
        assert await authenticate(session, city_key[1]) is not None
    assert (await client.get("/console/admin/keys/999/revoke")).status_code == 404


async def test_a_broadcast_made_on_the_web_is_paused_resumed_and_cancelled_after_asking(
    ctx: Context, ward: Ward, client: httpx.AsyncClient, admin: str
) -> None:
    await opted_in(ctx, ward, 3)
    page = await client.get("/console/admin/broadcasts")
    assert '<option value="sipas"' in page.text and "Chưa có đợt gửi nào" in page.text
    made = await client.post(
        "/console/admin/broadcasts",
        data={"survey": "sipas", "wards": ["NGHIA-TAN"], "csrf": admin},
    )
    assert made.status_code == 303 and made.headers["location"] == "/console/admin/broadcasts/1"
    row = await broadcast_row(ctx, 1)
    assert row.status == BroadcastStatus.SCHEDULED and row.created_by.startswith("web ")
    shown = await client.get("/console/admin/broadcasts/1")
    assert 'id="bc-sent">0</span> / <span id="bc-total">3</span>' in shown.text
    assert 'data-url="/console/admin/broadcasts/1/progress"' in shown.text
    assert "<progress" in shown.text and "Tải lại số liệu" in shown.text
    assert "Phường Nghĩa Tân" in shown.text and "Khảo sát: Khảo sát mức độ hài lòng" in shown.text
    progress = await client.get("/console/admin/broadcasts/1/progress")
    assert progress.headers["cache-control"] == "no-store"
    assert progress.json() == {
        "id": 1,
        "status": "scheduled",
        "state": "Chờ đến giờ gửi",
        "total": 3,
        "sent": 0,
        "failed": 0,
        "blocked": 0,
        "skipped": 0,
        "pending": 3,
        "processed": 0,
        "answered": 0,
    }
    listed = await client.get("/console/admin/broadcasts")
    assert 'href="/console/admin/broadcasts/1"' in listed.text and "0 / 3" in listed.text

    token = csrf_of(shown)
    paused = await client.post("/console/admin/broadcasts/1/pause", data={"csrf": token})
    assert paused.status_code == 303
    assert (await broadcast_row(ctx, 1)).status == BroadcastStatus.PAUSED
    after = await client.get(paused.headers["location"])
    assert "Đã tạm dừng đợt gửi." in after.text and "Tiếp tục gửi" in after.text
    assert "/console/admin/broadcasts/1/pause" not in after.text
    twice = await client.post("/console/admin/broadcasts/1/pause", data={"csrf": token})
    assert twice.status_code == 409 and "không tạm dừng được: Đã tạm dừng" in twice.text
    resumed = await client.post("/console/admin/broadcasts/1/resume", data={"csrf": token})
    assert resumed.status_code == 303
    assert (await broadcast_row(ctx, 1)).status == BroadcastStatus.SCHEDULED

    ask = await client.get("/console/admin/broadcasts/1/cancel")
    assert ask.status_code == 200 and "Huỷ đợt gửi số 1?" in ask.text
    assert "3 người còn lại sẽ không nhận" in ask.text
    assert (await broadcast_row(ctx, 1)).status == BroadcastStatus.SCHEDULED  # only asked
    cancelled = await client.post("/console/admin/broadcasts/1/cancel", data={"csrf": token})
    assert cancelled.status_code == 303
    row = await broadcast_row(ctx, 1)
    assert row.status == BroadcastStatus.CANCELLED and row.finished_at is not None
    over = await client.get(cancelled.headers["location"])
    assert "Đã huỷ đợt gửi." in over.text and "<script>" not in over.text  # nothing to follow
    late = await client.post("/console/admin/broadcasts/1/resume", data={"csrf": token})
    assert late.status_code == 409 and "không ở trạng thái tạm dừng: Đã huỷ" in late.text
    assert (await client.get("/console/admin/broadcasts/9")).status_code == 404
    assert (await client.get("/console/admin/broadcasts/9/progress")).status_code == 404
    assert (
        await client.post("/console/admin/broadcasts/9/pause", data={"csrf": token})
    ).status_code == 404


async def test_a_broadcast_the_office_would_refuse_is_refused_on_the_web_too(
    ctx: Context, ward: Ward, state: HttpState, client: httpx.AsyncClient, admin: str
) -> None:
    nobody = await client.post("/console/admin/broadcasts", data={"survey": "sipas", "csrf": admin})
    assert nobody.status_code == 409 and "toàn thành phố" in nobody.text
    await opted_in(ctx, ward, 1)
    state.quiet = (time(21), time(7))
    night = await client.post(
        "/console/admin/broadcasts",
        data={"survey": "sipas", "at": "2099-01-01T23:30", "csrf": admin},
    )
    assert night.status_code == 422 and "01/01/2099 23:30" in night.text
    assert 'value="2099-01-01T23:30"' in night.text  # the form keeps what was typed
    unknown = await client.post(
        "/console/admin/broadcasts", data={"survey": "khong-co", "csrf": admin}
    )
    assert unknown.status_code == 404
    later = await client.post(
        "/console/admin/broadcasts",
        data={"survey": "sipas", "at": "2099-01-02T09:15", "csrf": admin},
    )
    assert later.status_code == 303  # refused ones kept nothing (PostgreSQL spent their ids)
    row = await broadcast_row(ctx, int(later.headers["location"].rsplit("/", 1)[1]))
    assert row.scheduled_at is not None
    assert (
        row.scheduled_at.astimezone(ctx.timezone).strftime("%d/%m/%Y %H:%M") == "02/01/2099 09:15"
    )
    async with ctx.db() as session:
        assert len((await session.exec(select(Broadcast))).all()) == 1


async def test_a_broadcast_paused_in_the_chat_is_resumed_on_the_web(
    ctx: Context, ward: Ward, client: httpx.AsyncClient, admin: str
) -> None:
    """One rule for both doors: the chat's «Tạm dừng», then the web's «Tiếp tục»."""
    ctx.admins = frozenset({"42"})
    await opted_in(ctx, ward, 2)
    office = Chat(ctx, chat_id="42", name="Văn phòng")
    await office.command("guikhaosat")
    await office.press_label("Khảo sát mức độ hài lòng")
    await office.press_label("Toàn thành phố (2 người)")
    await office.press_label("📤 Gửi ngay")
    await office.press("x:1:p")
    assert (await broadcast_row(ctx, 1)).status == BroadcastStatus.PAUSED
    shown = await client.get("/console/admin/broadcasts/1")
    assert "Đã tạm dừng" in shown.text and "Tiếp tục gửi" in shown.text
    await client.post("/console/admin/broadcasts/1/resume", data={"csrf": csrf_of(shown)})
    assert (await broadcast_row(ctx, 1)).status == BroadcastStatus.SCHEDULED
