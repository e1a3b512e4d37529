"""Leaders and ward settings at the terminal: invites, the list, removal, the deadline.

Rows are set up directly in the test database; each command runs as its own process.
"""

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from storage.models import Invite, Leadership, Person, Ward, utcnow
from tests.bot.conftest import USERNAME, asogopy, store
from tests.bot.test_cli import add_ward_row, one_line_error, the_link
from tests.bot.test_e2e_citizen import rows

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
JOINED = datetime(2026, 3, 1, 20, 30, tzinfo=UTC)  # 02/03/2026 in Hà Nội


async def leaders_setup(database_url: str) -> dict[str, int]:
    """Two wards; An leads both, Bình leads NGHIA-TAN, Cường once led it (removed)."""
    nghia_tan = Ward(code="NGHIA-TAN", name="Phường Nghĩa Tân")
    dich_vong = Ward(code="DICH-VONG", name="Phường Dịch Vọng")
    an = Person(platform="telegram", chat_id="2001", name="An", role="leader")
    binh = Person(platform="telegram", chat_id="2002", name="Bình", role="leader")
    cuong = Person(platform="telegram", chat_id="2003", name="Cường", role="citizen")
    await store(database_url, nghia_tan, dich_vong, an, binh, cuong)
    an_nt = Leadership(
        person_id=an.id, ward_id=nghia_tan.id, name="Nguyễn Văn An", joined_at=JOINED
    )
    an_dv = Leadership(
        person_id=an.id, ward_id=dich_vong.id, name="Nguyễn Văn An", joined_at=JOINED
    )
    binh_nt = Leadership(
        person_id=binh.id,
        ward_id=nghia_tan.id,
        name="Trần\tThị  Bình",  # a name as typed: the list still has one field for it
        joined_at=JOINED + timedelta(days=1),
    )
    cuong_nt = Leadership(
        person_id=cuong.id,
        ward_id=nghia_tan.id,
        name="Lê Cường",
        joined_at=JOINED,
        removed_at=JOINED + timedelta(days=2),
    )
    await store(database_url, an_nt, an_dv, binh_nt, cuong_nt)
    ids = {"an_nt": an_nt.id, "an_dv": an_dv.id, "binh_nt": binh_nt.id, "cuong_nt": cuong_nt.id}
    ids |= {"an": an.id, "binh": binh.id}
    return {key: value for key, value in ids.items() if value is not None}


# --- invites -----------------------------------------------------------------------------


async def test_invite_prints_a_link_whose_token_is_stored_with_its_expiry(
    bot_env: dict[str, str], database_url: str
) -> None:
    await add_ward_row(database_url)
    started = utcnow()
    default, short, longest = await asyncio.gather(
        asogopy(bot_env, "leader", "invite", "nghia-tan", process=True),
        asogopy(bot_env, "leader", "invite", "NGHIA-TAN", "--days", "1"),
        asogopy(bot_env, "leader", "invite", "NGHIA-TAN", "--days", "90"),
    )
    finished = utcnow()
    (ward,) = await rows(database_url, Ward)
    invites = {invite.token: invite for invite in await rows(database_url, Invite)}
    assert len(invites) == 3
    for result, days in ((default, 7), (short, 1), (longest, 90)):
        lines = result.stdout.splitlines()
        assert len(lines) == 2, result.stdout
        payload = the_link(result)
        assert payload.startswith("l_") and len(payload) <= 64
        invite = invites[payload.removeprefix("l_")]
        assert invite.ward_id == ward.id
        assert (invite.used_at, invite.revoked_at) == (None, None)
        assert started - timedelta(seconds=1) <= invite.created_at <= finished
        assert invite.expires_at - invite.created_at == timedelta(days=days)
        until = invite.expires_at.astimezone(ZONE).strftime("%d/%m/%Y %H:%M")
        assert until in lines[1]
    assert default.stdout.startswith(f"https://t.me/{USERNAME}?start=l_")


async def test_invite_days_out_of_bounds_or_unknown_ward_is_one_line_error(
    bot_env: dict[str, str], database_url: str
) -> None:
    await add_ward_row(database_url)
    zero, too_many, unknown, no_leaders = await asyncio.gather(
        asogopy(bot_env, "leader", "invite", "NGHIA-TAN", "--days", "0"),
        asogopy(bot_env, "leader", "invite", "NGHIA-TAN", "--days", "91"),
        asogopy(bot_env, "leader", "invite", "KHONG-CO"),
        asogopy(bot_env, "leader", "list"),
    )
    assert "0 ngày" in one_line_error(zero)
    assert "91 ngày" in one_line_error(too_many)
    assert "Không có phường/xã mã 'KHONG-CO'" in one_line_error(unknown)
    for refused in (zero, too_many, unknown):
        assert refused.stdout == ""
    assert await rows(database_url, Invite) == []
    assert no_leaders.returncode == 0, no_leaders.stderr
    assert no_leaders.stdout.startswith("Chưa có lãnh đạo nào")


async def test_revoking_an_invite_by_link_or_token(
    bot_env: dict[str, str], database_url: str
) -> None:
    ward = Ward(code="NGHIA-TAN", name="Phường Nghĩa Tân")
    await store(database_url, ward)
    later = utcnow() + timedelta(days=7)
    fresh = Invite(ward_id=ward.id, token="fresh-token_1", expires_at=later)
    other = Invite(ward_id=ward.id, token="l_looks-prefixed", expires_at=later)
    used = Invite(ward_id=ward.id, token="used-token", expires_at=later, used_at=utcnow())
    await store(database_url, fresh, other, used)

    by_link, by_token, of_used, unknown = await asyncio.gather(
        asogopy(
            bot_env, "leader", "revoke-invite", f"https://t.me/{USERNAME}?start=l_fresh-token_1"
        ),
        asogopy(bot_env, "leader", "revoke-invite", "l_looks-prefixed"),
        asogopy(bot_env, "leader", "revoke-invite", "l_used-token"),
        asogopy(bot_env, "leader", "revoke-invite", "l_nothing"),
    )
    for done in (by_link, by_token):
        assert done.returncode == 0, done.stderr
        assert done.stdout.count("\n") == 1 and "NGHIA-TAN" in done.stdout
    assert "đã được dùng" in one_line_error(of_used)
    assert "Không tìm thấy lời mời" in one_line_error(unknown)
    again = await asogopy(bot_env, "leader", "revoke-invite", "fresh-token_1")
    assert "đã bị thu hồi" in one_line_error(again)
    revoked = {invite.token: invite.revoked_at for invite in await rows(database_url, Invite)}
    assert revoked["fresh-token_1"] is not None and revoked["l_looks-prefixed"] is not None
    assert revoked["used-token"] is None


# --- the list and removal -----------------------------------------------------------------


async def test_leader_list_shows_active_leaderships(
    bot_env: dict[str, str], database_url: str
) -> None:
    ids = await leaders_setup(database_url)
    everyone, nghia_tan, unknown = await asyncio.gather(
        asogopy(bot_env, "leader", "list"),
        asogopy(bot_env, "leader", "list", "--ward", "nghia-tan"),
        asogopy(bot_env, "leader", "list", "--ward", "KHONG-CO"),
    )
    assert everyone.returncode == 0, everyone.stderr
    an_dv = f"{ids['an_dv']}\tDICH-VONG\tNguyễn Văn An\ttelegram 2001\ttừ 02/03/2026"
    an_nt = f"{ids['an_nt']}\tNGHIA-TAN\tNguyễn Văn An\ttelegram 2001\ttừ 02/03/2026"
    binh_nt = f"{ids['binh_nt']}\tNGHIA-TAN\tTrần Thị Bình\ttelegram 2002\ttừ 03/03/2026"
    assert everyone.stdout.splitlines() == [an_dv, an_nt, binh_nt]
    assert nghia_tan.stdout.splitlines() == [an_nt, binh_nt]
    assert "Cường" not in everyone.stdout
    assert "Không có phường/xã mã 'KHONG-CO'" in one_line_error(unknown)


async def test_removing_a_leader_ends_the_leadership(
    bot_env: dict[str, str], database_url: str
) -> None:
    ids = await leaders_setup(database_url)
    binh, an_nt, unknown, bad, removed_before = await asyncio.gather(
        asogopy(bot_env, "leader", "remove", str(ids["binh_nt"])),
        asogopy(bot_env, "leader", "remove", str(ids["an_nt"])),
        asogopy(bot_env, "leader", "remove", "999"),
        asogopy(bot_env, "leader", "remove", "Bình"),
        asogopy(bot_env, "leader", "remove", str(ids["cuong_nt"])),
    )
    assert binh.returncode == 0, binh.stderr
    assert binh.stdout.splitlines() == [
        "Trần Thị Bình thôi làm lãnh đạo NGHIA-TAN (Phường Nghĩa Tân)"
    ]
    assert an_nt.stdout.splitlines() == [
        "Nguyễn Văn An thôi làm lãnh đạo NGHIA-TAN (Phường Nghĩa Tân)"
    ]
    assert "Không có lãnh đạo số 999" in one_line_error(unknown)
    assert "Số lãnh đạo" in one_line_error(bad)
    assert "đã thôi từ ngày 04/03/2026" in one_line_error(removed_before)

    again, listed = await asyncio.gather(
        asogopy(bot_env, "leader", "remove", str(ids["binh_nt"])),
        asogopy(bot_env, "leader", "list"),
    )
    assert "đã thôi" in one_line_error(again)
    assert [line.split("\t")[0] for line in listed.stdout.splitlines()] == [str(ids["an_dv"])]

    leaderships = {row.id: row for row in await rows(database_url, Leadership)}
    assert leaderships[ids["binh_nt"]].removed_at is not None
    assert leaderships[ids["an_nt"]].removed_at is not None
    assert leaderships[ids["an_dv"]].removed_at is None
    roles = {person.id: person.role for person in await rows(database_url, Person)}
    assert roles[ids["binh"]] == "citizen"  # no ward left
    assert roles[ids["an"]] == "leader"  # still leads DICH-VONG


# --- ward settings --------------------------------------------------------------------------


async def test_ward_set_changes_the_deadline(bot_env: dict[str, str], database_url: str) -> None:
    await add_ward_row(database_url)
    changed, zero, too_many, unknown, nothing = await asyncio.gather(
        asogopy(bot_env, "ward", "set", "nghia-tan", "--deadline-days", "14"),
        asogopy(bot_env, "ward", "set", "NGHIA-TAN", "--deadline-days", "0"),
        asogopy(bot_env, "ward", "set", "NGHIA-TAN", "--deadline-days", "366"),
        asogopy(bot_env, "ward", "set", "KHONG-CO", "--deadline-days", "5"),
        asogopy(bot_env, "ward", "set", "NGHIA-TAN"),
    )
    assert changed.returncode == 0, changed.stderr
    assert changed.stdout.splitlines() == ["NGHIA-TAN: hạn trả lời 14 ngày"]
    assert "0 ngày" in one_line_error(zero)
    assert "366 ngày" in one_line_error(too_many)
    assert "Không có phường/xã mã 'KHONG-CO'" in one_line_error(unknown)
    assert "--deadline-days" in one_line_error(nothing)
    (ward,) = await rows(database_url, Ward)
    assert ward.deadline_days == 14
