"""Citizens' data rights over HTTP: Telegram and Zalo emulators, the CLI at the desk."""

import asyncio
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import make_url, text

from bot.emulator import BotApiEmulator
from bot.zalo_emulator import ZaloEmulator
from handlers.leaders import menu
from storage.db import create_engine, normalize_url
from storage.models import Answer, AuditEntry, BookPage, Person
from tests.bot.conftest import asogopy, until
from tests.bot.test_e2e_citizen import answer_all, rows
from tests.bot.test_e2e_leaders import join, setup_ward, suggest
from tests.bot.test_e2e_zalo import walk_in, zalo, zalo_bot, zalo_env  # noqa: F401 (fixtures)

SIGNED = "Trịnh Thị Xuyến"
HIDDEN = "Phạm Văn Kín"


def mentions(emulator: BotApiEmulator, name: str, skip_chat: int | None = None) -> list[str]:
    """Every recorded Bot API call whose parameters contain `name` (but for one chat's own)."""
    found = []
    for method, params in emulator.calls:
        if skip_chat is not None and params.get("chat_id") == skip_chat:
            continue
        if name in json.dumps(params, ensure_ascii=False, default=str):
            found.append(method)
    return found


async def test_a_citizen_sees_withdraws_and_erases_and_no_leader_or_export_shows_the_name(
    emulator: BotApiEmulator,
    bot_env: dict[str, str],
    running_bot: object,
    database_url: str,
    tmp_path: Path,
) -> None:
    ward = await setup_ward(database_url)
    leader = await join(emulator, database_url, ward, 5001, "Chủ tịch Hùng")
    assert "/quyenriengtu" in leader.messages[0].text  # the notice came with the welcome
    anonymous = emulator.user(7002, first_name="Phạm Văn", last_name="Kín")
    await suggest(anonymous, "Thiếu ghế chờ", signed=False)
    citizen = emulator.user(7001, first_name="Trịnh Thị", last_name="Xuyến")
    await suggest(citizen, "Cần thêm quầy buổi chiều", signed=True)
    note = await leader.wait_for(lambda m: "Cần thêm quầy" in m.text)
    assert SIGNED in note.text  # consent given: the leader sees the name

    await citizen.send_text("/dulieucuatoi")
    summary = await citizen.wait_for(lambda m: "• Tài khoản:" in m.text)
    assert SIGNED in summary.text and summary.button_labels == ["Ẩn tên trên các trang"]
    sent = await citizen.wait_for(lambda m: m.document is not None)
    name, content = sent.document  # type: ignore[misc]
    assert name.endswith(".json")
    data = json.loads(content)
    assert data["person"]["name"] == SIGNED
    assert data["suggestions"][0]["text"] == "Cần thêm quầy buổi chiều"

    await citizen.press(summary, "Ẩn tên trên các trang")
    await citizen.wait_for(lambda m: "Đã ẩn tên trên 1 trang" in m.text)
    await leader.wait_for(lambda m: m.message_id == note.message_id and "Ẩn danh" in m.text)
    assert SIGNED not in note.text

    await citizen.send_text("/xoadulieu")
    ask = await citizen.wait_for(lambda m: "Xoá cả nội dung góp ý" in m.button_labels)
    erased_from = len(emulator.calls)
    await citizen.press(ask, "Xoá cả nội dung góp ý")
    await citizen.wait_for(lambda m: "Đã xoá dữ liệu" in m.text)
    await leader.wait_for(
        lambda m: m.message_id == note.message_id and "Đã xoá theo yêu cầu" in m.text
    )
    await citizen.send_text("/gopycuatoi")  # a new person in the same chat
    fresh = await citizen.wait_for(lambda m: "chưa gửi góp ý nào" in m.text)
    assert "/quyenriengtu" in fresh.text
    await leader.send_text("/chuaxem")
    await leader.wait_for(lambda m: "chưa xem, cũ nhất trước" in m.text)
    await leader.send_text("/so")
    await leader.wait_for(lambda m: m.message_id > note.message_id and "Trang 2" in m.text)

    book, answers = tmp_path / "book.csv", tmp_path / "answers.csv"
    exported = await asogopy(bot_env, "export", "book", "--ward", "NGHIA-TAN", "-o", str(book))
    assert exported.returncode == 0, exported.stderr
    exported = await asogopy(bot_env, "export", "answers", "-o", str(answers))
    assert exported.returncode == 0, exported.stderr
    content_csv = book.read_text(encoding="utf-8-sig") + answers.read_text(encoding="utf-8-sig")
    assert "Đã xoá theo yêu cầu của người viết" in content_csv
    for secret in (SIGNED, HIDDEN, "Cần thêm quầy"):
        assert secret not in content_csv
    assert mentions(emulator, HIDDEN, skip_chat=7002) == []  # anonymous: never to anyone else
    later = emulator.calls[erased_from:]
    assert not any(SIGNED in json.dumps(p, ensure_ascii=False, default=str) for _, p in later)
    people = await rows(database_url, Person)
    assert all(person.name != SIGNED for person in people)
    assert any(person.chat_id == "7001" and person.name is None for person in people)
    actions = {entry.action for entry in await rows(database_url, AuditEntry)}
    assert {"read_named_page", "export_own_data", "withdraw_name", "erase"} <= actions
    commands = {command["command"] for command in next(iter(emulator.commands.values()))}
    assert {"dulieucuatoi", "xoadulieu", "quyenriengtu"} <= commands
    assert {"dulieucuatoi", "xoadulieu", "quyenriengtu"} <= {name for name, _ in menu(None)}


async def test_a_zalo_citizen_gets_the_summary_and_erases_by_number(
    zalo: ZaloEmulator,  # noqa: F811 (the fixture)
    emulator: BotApiEmulator,
    zalo_bot: object,  # noqa: F811
    database_url: str,
) -> None:
    await setup_ward(database_url)
    citizen = zalo.user("zl-77", "Đỗ Văn Zalo")
    await walk_in(citizen)
    for number in range(2, 4):
        await citizen.send_text("4")
        await citizen.wait_for(lambda m, n=number: f"Câu {n}/3" in m.text)
    await citizen.send_text("4")
    await citizen.wait_for(lambda m: "1. Bỏ qua" in m.text)
    await citizen.send_text("/dulieucuatoi")
    summary = await citizen.wait_for(lambda m: "• Tài khoản:" in m.text)
    assert "Bộ phận một cửa" in summary.text and "3 câu trả lời" in summary.text
    await citizen.send_text("/xoadulieu")
    ask = await citizen.wait_for(lambda m: "Xoá cả nội dung góp ý" in m.text)
    assert "1. Xoá dữ liệu" in ask.text
    await citizen.send_text("1")
    await citizen.wait_for(lambda m: "Đã xoá dữ liệu" in m.text)
    people = await rows(database_url, Person)
    assert not any(person.chat_id == "zl-77" for person in people)
    assert len(await rows(database_url, Answer)) == 3


async def test_the_desk_exports_and_erases_by_reference_and_the_audit_shows_it(
    emulator: BotApiEmulator,
    bot_env: dict[str, str],
    running_bot: object,
    database_url: str,
    tmp_path: Path,
) -> None:
    ward = await setup_ward(database_url)
    leader = await join(emulator, database_url, ward, 5001, "Chủ tịch Hùng")
    for user_id in (7101, 7102):  # two people who gave the same name
        citizen = emulator.user(user_id, first_name="Nguyễn Văn", last_name="An")
        await suggest(citizen, f"Góp ý số {user_id}", signed=True)
    ambiguous = await asogopy(bot_env, "privacy", "export", "--person", "nguyen van an")
    assert ambiguous.returncode == 1
    assert "7101" in ambiguous.stderr and "7102" in ambiguous.stderr and ambiguous.stdout == ""
    out = tmp_path / "an.json"
    exported = await asogopy(bot_env, "privacy", "export", "--person", "7101", "-o", str(out))
    assert exported.returncode == 0, exported.stderr
    assert json.loads(out.read_text())["suggestions"][0]["text"] == "Góp ý số 7101"
    unknown = await asogopy(bot_env, "privacy", "erase", "--person", "nobody")
    assert unknown.returncode == 1 and "Không ai khớp với 'nobody'" in unknown.stderr
    erased = await asogopy(bot_env, "privacy", "erase", "--person", "7102", "--content")
    assert erased.returncode == 0, erased.stderr
    assert "1 trang góp ý đã thay nội dung" in erased.stdout
    pages = {page.page_no: page for page in await rows(database_url, BookPage)}
    assert pages[2].author_name is None and pages[2].text.startswith("Đã xoá")
    assert pages[1].author_name == "Nguyễn Văn An"
    redrawn = await leader.wait_for(lambda m: "Trang 2" in m.text and "Đã xoá theo" in m.text)
    assert "Nguyễn Văn An" not in redrawn.text and "Góp ý số 7102" not in redrawn.text

    trail = await asogopy(bot_env, "audit", "--who", "cli")
    assert trail.returncode == 0, trail.stderr
    lines = trail.stdout.splitlines()
    assert [line.split("\t")[2] for line in lines] == ["export_person_data", "erase"]
    assert "Nguyễn" not in trail.stdout  # the trail names rows, never the person
    leader_views = await asogopy(bot_env, "audit", "--who", "Hùng", "--since", "2020-01-01")
    assert "read_named_page" in leader_views.stdout
    bad = await asogopy(bot_env, "audit", "--since", "hôm qua")
    assert bad.returncode == 1 and "hôm qua" in bad.stderr


async def test_purge_shows_then_anonymizes_the_inactive(
    bot_env: dict[str, str], database_url: str
) -> None:
    async def old_person() -> None:
        engine = create_engine(database_url)
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO person (platform, chat_id, name, language, role, dialog, "
                    "last_message_id, created_at) VALUES ('telegram', '8001', 'Cũ', 'vi', "
                    "'citizen', 'idle', 0, '2020-01-01 00:00:00')"
                )
            )
        await engine.dispose()

    await asogopy(bot_env, "ward", "list")  # the schema
    await old_person()
    shown = await asogopy(bot_env, "privacy", "purge", "--dry-run")
    assert shown.returncode == 0, shown.stderr
    assert "Sẽ ẩn danh 1 người" in shown.stdout and "telegram 8001 (Cũ)" in shown.stdout
    assert (await rows(database_url, Person))[0].name == "Cũ"
    done = await asogopy({**bot_env, "SOGOPY_RETENTION_MONTHS": "12"}, "privacy", "purge")
    assert done.returncode == 0 and "Đã ẩn danh 1 người" in done.stdout
    (person,) = await rows(database_url, Person)
    assert person.name is None and person.chat_id != "8001"
    bad = await asogopy({**bot_env, "SOGOPY_RETENTION_MONTHS": "hai năm"}, "privacy", "purge")
    assert bad.returncode == 1
    assert bad.stderr.count("\n") == 1 and "SOGOPY_RETENTION_MONTHS" in bad.stderr


async def _restored_url(database_url: str, tmp_path: Path) -> str:
    """A new, empty database beside the test's own."""
    if database_url.startswith("sqlite"):
        return f"sqlite+aiosqlite:///{tmp_path / 'restored.db'}"
    base = make_url(normalize_url(database_url))
    name = f"{base.database}_restored"
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


async def test_a_backup_of_the_running_bot_under_load_restores_every_confirmed_page(
    emulator: BotApiEmulator,
    bot_env: dict[str, str],
    running_bot: object,
    database_url: str,
    tmp_path: Path,
) -> None:
    await setup_ward(database_url)
    citizens = [emulator.user(9000 + n, first_name=f"Dân {n}") for n in range(6)]

    async def visit(user_index: int) -> list[str]:
        citizen = citizens[user_index]
        await citizen.send_text("/start d_NGHIA-TAN")
        survey = await citizen.wait_for(lambda m: "Câu 1/3" in m.text)
        await answer_all(citizen, survey)
        filed = []
        for round_ in range(3):
            note = await suggest(citizen, f"Góp ý {user_index}-{round_}", signed=False)
            filed.append(note.text)
        return filed

    def told() -> set[int]:
        """The page numbers citizens were told were recorded."""
        found = (re.search(r"trang số (\d+)", m.text) for c in citizens for m in c.messages)
        return {int(match[1]) for match in found if match}

    async def some_told() -> bool:
        return len(told()) >= 3

    load = asyncio.gather(*(visit(n) for n in range(len(citizens))))
    await until(some_told)
    confirmed = told()  # told "recorded" before the copy starts: these must be in it
    copy = tmp_path / ("copy.db" if database_url.startswith("sqlite") else "copy.dump")
    made = await asogopy(bot_env, "backup", str(copy))
    assert made.returncode == 0, made.stderr
    await load
    target = await _restored_url(database_url, tmp_path)
    restored = await asogopy({**bot_env, "DATABASE_URL": target}, "restore", str(copy))
    assert restored.returncode == 0, restored.stderr
    again = await asogopy({**bot_env, "DATABASE_URL": target}, "restore", str(copy))
    assert again.returncode == 1 and "--force" in again.stderr
    forced = await asogopy({**bot_env, "DATABASE_URL": target}, "restore", str(copy), "--force")
    assert forced.returncode == 0, forced.stderr

    pages = await rows(target, BookPage)
    assert confirmed <= {p.page_no for p in pages}
    assert sorted(p.page_no for p in pages) == list(range(1, len(pages) + 1))  # no gaps
    live = {(p.page_no, p.text) for p in await rows(database_url, BookPage)}
    assert {(p.page_no, p.text) for p in pages} <= live
    answers = await rows(target, Answer)
    assert len(answers) % 3 == 0 and len(answers) >= 3 * len({p.person_id for p in pages})
    exists = await asogopy(bot_env, "backup", str(copy))
    assert exists.returncode == 1 and "exists already" in exists.stderr


@pytest.mark.any_database
async def test_backup_on_postgresql_without_pg_dump_prints_the_command(
    bot_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**bot_env, "DATABASE_URL": "postgresql://u@127.0.0.1:1/x", "PATH": str(tmp_path)}
    result = await asogopy(env, "restore", str(tmp_path / "none.dump"))
    assert result.returncode == 1 and "no backup file" in result.stderr
    (tmp_path / "x.dump").write_bytes(b"dump")
    result = await asogopy(env, "restore", str(tmp_path / "x.dump"), "--force")
    assert result.returncode == 1
    assert "pg_restore is not installed" in result.stderr and "--dbname x" in result.stderr
