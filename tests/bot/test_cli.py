"""The admin office at the terminal: `sogopy` as its own process, as an admin runs it.

Every expected failure must be one line on stderr and exit status 1, never a traceback.
"""

import asyncio
import re
import struct
import subprocess
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlmodel import select

from bot.emulator import BotApiEmulator
from storage.db import create_engine, session_maker
from storage.models import Case, Ward
from tests.bot.conftest import TOKEN, USERNAME, asogopy, clean_env, sogopy
from tests.bot.test_e2e_citizen import rows
from tests.conftest import PG_URL

LINK = re.compile(rf"^https://t\.me/{USERNAME}\?start=([A-Za-z0-9_-]{{1,64}})$")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
NOBODY_LISTENS = "postgresql://postgres@127.0.0.1:1"  # port 1: refused at once
CODE_LINE = re.compile(r"Mã số: ([1-9][0-9]{5}) \(gõ số này vào Zalo hoặc Telegram .*\)")


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The single `Lỗi: ...` line of a refused command."""
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Lỗi: ")
    return lines[0]


def the_link(result: subprocess.CompletedProcess[str]) -> str:
    """The payload of the one link line a command printed."""
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    match = LINK.match(lines[0]) if lines else None
    assert match, result.stdout
    return match[1]


async def add_ward_row(database_url: str, code: str = "NGHIA-TAN") -> None:
    """A ward already registered (set up directly: the test is about the next command)."""
    engine = create_engine(database_url)
    try:
        async with session_maker(engine)() as session:
            session.add(Ward(code=code, name="Phường Nghĩa Tân"))
            await session.commit()
    finally:
        await engine.dispose()


async def add_case_row(database_url: str, code: str) -> None:
    """A case registered at NGHIA-TAN's desk, its link not yet opened."""
    await add_ward_row(database_url)
    engine = create_engine(database_url)
    try:
        async with session_maker(engine)() as session:
            (ward,) = (await session.exec(select(Ward))).all()
            assert ward.id is not None
            session.add(Case(ward_id=ward.id, code=code, procedure="Khai sinh", token="t0ken"))
            await session.commit()
    finally:
        await engine.dispose()


@pytest.fixture
def new_machine_env(tmp_path: Path) -> dict[str, str]:
    """An admin's first terminal: the database's folder does not even exist yet."""
    return clean_env(
        TELEGRAM_BOT_USERNAME=USERNAME,
        DATABASE_URL=f"sqlite:///{tmp_path / 'new' / 'sogopy.db'}",
    )


# --- wards -------------------------------------------------------------------------------


async def test_ward_add_upper_cases_the_code_and_tidies_the_name(
    bot_env: dict[str, str],
) -> None:
    added = await asogopy(bot_env, "ward", "add", "nghia-tan", "  Phường   Nghĩa\tTân ")
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "Đã thêm phường NGHIA-TAN: Phường Nghĩa Tân"

    listed = await asogopy(bot_env, "ward", "list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[0].split("\t")[:2] == ["NGHIA-TAN", "Phường Nghĩa Tân"]


async def test_adding_the_same_ward_twice_is_one_line_error(
    bot_env: dict[str, str], database_url: str
) -> None:
    await add_ward_row(database_url)
    again = await asogopy(bot_env, "ward", "add", "nghia-tan", "Phường khác")
    assert "Phường/xã NGHIA-TAN đã có" in one_line_error(again)
    assert [ward.name for ward in await rows(database_url, Ward)] == ["Phường Nghĩa Tân"]


async def test_a_bad_ward_code_is_refused(new_machine_env: dict[str, str]) -> None:
    codes = ["bad code!", "", "A" * 33, "Phường"]
    results = await asyncio.gather(
        *(
            asogopy(new_machine_env, "ward", "add", code, "Phường Nghĩa Tân", process=True)
            for code in codes
        )
    )
    for code, result in zip(codes, results, strict=True):
        assert f"Mã phường/xã {code!r} không hợp lệ" in one_line_error(result)


def test_a_ward_code_ending_in_a_newline_is_refused(new_machine_env: dict[str, str]) -> None:
    refused = sogopy(new_machine_env, "ward", "add", "NGHIA-TAN\n", "Phường Nghĩa Tân")
    assert "không hợp lệ" in one_line_error(refused)


# --- desk links and QR codes -----------------------------------------------------------------


async def test_desk_link_prints_one_start_link(bot_env: dict[str, str], database_url: str) -> None:
    await add_ward_row(database_url)
    plain, desk = await asyncio.gather(
        asogopy(bot_env, "desk-link", "nghia-tan"),
        asogopy(bot_env, "desk-link", "NGHIA-TAN", "--desk", "3"),
    )
    assert plain.stdout.count("\n") == 2  # the link, then the desk's code (issue 11)
    assert the_link(plain) == "d_NGHIA-TAN"
    assert desk.stdout.count("\n") == 2
    assert the_link(desk).endswith("_3")
    codes = [CODE_LINE.fullmatch(result.stdout.splitlines()[1]) for result in (plain, desk)]
    assert all(codes) and codes[0][1] != codes[1][1]  # type: ignore[index]
    again = await asogopy(bot_env, "desk-link", "Nghĩa Tân", "--desk", "3")
    assert again.stdout == desk.stdout  # a desk keeps its code; the ward named by its name


async def test_desk_link_writes_a_printable_qr_png(
    bot_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    await add_ward_row(database_url)
    png = tmp_path / "quay-3.png"
    result = await asogopy(bot_env, "desk-link", "NGHIA-TAN", "--desk", "3", "--qr", str(png))
    assert the_link(result) == "d_NGHIA-TAN_3"
    data = png.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert width > 100 and height > 100


async def test_desk_link_refuses_a_qr_file_that_is_not_png(
    bot_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    await add_ward_row(database_url)
    text_file = tmp_path / "quay.txt"
    result = await asogopy(bot_env, "desk-link", "NGHIA-TAN", "--qr", str(text_file))
    assert "PNG" in one_line_error(result)
    assert not text_file.exists()


# --- cases -------------------------------------------------------------------------------


async def test_case_new_prints_the_receipt_link(bot_env: dict[str, str], database_url: str) -> None:
    await add_ward_row(database_url)
    result = await asogopy(
        bot_env,
        *("case", "new", "--ward", "nghia-tan", "--code", "HS-0001"),
        *("--procedure", "Đăng ký  khai sinh"),
        process=True,  # end to end: the installed command, as an admin runs it
    )
    assert result.stdout.count("\n") == 2
    assert CODE_LINE.fullmatch(result.stdout.splitlines()[1]), result.stdout
    payload = the_link(result)
    (case,) = await rows(database_url, Case)
    assert payload == f"c_{case.token}"
    assert (case.code, case.procedure) == ("HS-0001", "Đăng ký khai sinh")


async def test_a_case_code_is_registered_only_once(
    bot_env: dict[str, str], database_url: str
) -> None:
    await add_ward_row(database_url)
    new = ("case", "new", "--ward", "NGHIA-TAN", "--code", "HS-0001", "--procedure", "Khai sinh")
    assert (await asogopy(bot_env, *new)).returncode == 0
    assert "Hồ sơ HS-0001 đã có" in one_line_error(await asogopy(bot_env, *new))
    assert len(await rows(database_url, Case)) == 1


async def test_an_unknown_ward_is_one_line_error(bot_env: dict[str, str]) -> None:
    link, case = await asyncio.gather(
        asogopy(bot_env, "desk-link", "KHONG-CO"),
        asogopy(
            bot_env,
            *("case", "new", "--ward", "KHONG-CO", "--code", "HS-1", "--procedure", "Khai sinh"),
        ),
    )
    for result in (link, case):
        assert "Không có phường/xã mã 'KHONG-CO'" in one_line_error(result)
        assert result.stdout == ""


async def test_a_bad_case_code_is_refused(new_machine_env: dict[str, str]) -> None:
    new = ("case", "new", "--ward", "NGHIA-TAN", "--procedure", "Khai sinh", "--code")
    results = await asyncio.gather(
        *(asogopy(new_machine_env, *new, code) for code in ["HS 0001", "x" * 65])
    )
    for result in results:
        assert "Mã hồ sơ" in one_line_error(result)


async def test_marking_a_case_done_twice_keeps_the_first_time(
    bot_env: dict[str, str], database_url: str
) -> None:
    await add_case_row(database_url, "HS-1")
    first = await asogopy(bot_env, "case", "done", "HS-1")
    assert first.returncode == 0, first.stderr
    assert "chưa công dân nào mở link" in first.stdout
    (case,) = await rows(database_url, Case)
    second = await asogopy(bot_env, "case", "done", "HS-1")
    assert second.returncode == 0, second.stderr
    (again,) = await rows(database_url, Case)
    assert case.done_at is not None and again.done_at == case.done_at


# --- a new machine, and the bot's username ----------------------------------------------------


async def test_any_first_command_on_a_new_machine_creates_the_database(
    new_machine_env: dict[str, str],
) -> None:
    unknown = await asogopy(new_machine_env, "case", "done", "HS-1")
    assert "Không có hồ sơ mã" in one_line_error(unknown)
    listed = await asogopy(new_machine_env, "ward", "list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.startswith("Chưa có phường, xã nào")


async def test_without_a_username_the_link_asks_the_bot_api(
    emulator: BotApiEmulator, bot_env: dict[str, str], database_url: str
) -> None:
    await add_ward_row(database_url)
    env = {key: value for key, value in bot_env.items() if key != "TELEGRAM_BOT_USERNAME"}
    assert env["TELEGRAM_BOT_TOKEN"] == TOKEN
    result = await asogopy(env, "desk-link", "NGHIA-TAN")  # the emulator answers getMe
    assert the_link(result) == "d_NGHIA-TAN"


async def test_without_username_or_token_links_cannot_be_printed(
    new_machine_env: dict[str, str],
) -> None:
    env = {key: value for key, value in new_machine_env.items() if key != "TELEGRAM_BOT_USERNAME"}
    result = await asogopy(
        env, "case", "new", "--ward", "NGHIA-TAN", "--code", "HS-1", "--procedure", "Khai sinh"
    )
    assert "TELEGRAM_BOT_USERNAME" in one_line_error(result)
    assert result.stdout == ""


@pytest.mark.any_database
def test_a_database_that_cannot_be_used_is_one_line_naming_the_setting() -> None:
    """SQLAlchemy's own text was two lines (the driver's words, then a link)."""
    prefix = "Lỗi: cơ sở dữ liệu (DATABASE_URL) không dùng được: "
    refused = clean_env(TELEGRAM_BOT_USERNAME=USERNAME, DATABASE_URL=f"{NOBODY_LISTENS}/sogopy")
    assert one_line_error(sogopy(refused, "ward", "list")).startswith(prefix)
    if PG_URL:  # a server that answers, and refuses: the database's own words
        missing = make_url(PG_URL).set(database="sogopy_no_such_database")
        env = clean_env(DATABASE_URL=missing.render_as_string(hide_password=False))
        line = one_line_error(sogopy(env, "ward", "list"))
        assert line == prefix + 'database "sogopy_no_such_database" does not exist'
