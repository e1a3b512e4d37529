"""`sogopy export archive`: a month of the book as a PDF, with the photos fetched back
from the Bot API emulator as the command fetches them from Telegram."""

import asyncio
import io
from asyncio.subprocess import PIPE
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from bot.emulator import BotApiEmulator
from storage.models import BookPage, Person, Ward
from tests.bot.conftest import SOGOPY, TOKEN, asogopy, store
from tests.bot.test_cli import one_line_error
from tests.office.test_archive import png

SECRET_NAME = "Lê Thị Bí Mật"


async def book(database_url: str, emulator: BotApiEmulator) -> None:
    """Two pages of NGHIA-TAN in November 2026: an anonymous one with a Telegram photo
    (sent to the emulator), and a signed one whose Zalo photo cannot be fetched."""
    update = await emulator.user(7001, first_name="Lan").send_photo("ảnh", data=png())
    file_id = update["message"]["photo"][-1]["file_id"]
    gone = f"{emulator.base_file_url}{TOKEN}/anh-da-het-han.jpg"  # a link that answers 404
    ward = Ward(code="NGHIA-TAN", name="Phường Nghĩa Tân", last_page=2)
    secret = Person(platform="telegram", chat_id="7001", name=SECRET_NAME)
    signer = Person(platform="zalo", chat_id="z-1", name="Nguyễn Văn An")
    await store(database_url, ward, secret, signer)
    at = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)
    await store(
        database_url,
        BookPage(ward_id=ward.id, page_no=1, person_id=secret.id, text="Ngõ 5 <b>tối</b>",
                 author_name=SECRET_NAME, photo_file_id=file_id, consent_at=at, created_at=at),
        BookPage(ward_id=ward.id, page_no=2, person_id=signer.id, text="Rác", signed=True,
                 author_name="Nguyễn Văn An", photo_file_id=gone, consent_at=at, created_at=at),
    )  # fmt: skip


async def test_the_archive_is_written_with_the_photos_from_the_chat(
    bot_env: dict[str, str],
    database_url: str,
    emulator: BotApiEmulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await book(database_url, emulator)
    monkeypatch.chdir(tmp_path)
    done = await asogopy(bot_env, "export", "archive", "--ward", "Nghĩa Tân", "--month", "2026-11")
    assert done.returncode == 0, done.stderr
    written = tmp_path / "so-gop-y-NGHIA-TAN-2026-11.pdf"
    assert done.stdout.splitlines() == [
        f"Đã ghi sổ lưu tháng 11/2026 của NGHIA-TAN: 2 trang góp ý, 3 tờ, vào {written.name}",
        "1 ảnh không tải được từ chat: trang sổ ghi rõ ảnh được lưu ở đâu",
    ]
    cover, anonymous, signed = PdfReader(written).pages
    assert "Phường Nghĩa Tân" in cover.extract_text()
    assert len(anonymous.images) == 1 and "Ngõ 5 <b>tối</b>" in anonymous.extract_text()
    assert "Người viết: Ẩn danh" in anonymous.extract_text()
    assert "lưu trong cuộc trò chuyện trên Zalo" in signed.extract_text()
    assert not any(SECRET_NAME in sheet.extract_text() for sheet in (cover, anonymous, signed))


async def test_the_archive_goes_to_stdout_for_a_pipe(
    bot_env: dict[str, str], database_url: str, emulator: BotApiEmulator
) -> None:
    await book(database_url, emulator)
    args = [SOGOPY, "export", "archive", "--ward", "NGHIA-TAN", "--month", "11/2026", "-o", "-"]
    piped = await asyncio.create_subprocess_exec(*args, env=bot_env, stdout=PIPE, stderr=PIPE)
    out, err = await asyncio.wait_for(piped.communicate(), 60)  # the emulator answers meanwhile
    assert piped.returncode == 0, err
    assert len(PdfReader(io.BytesIO(out)).pages) == 3
    assert (
        err.decode().strip() == "1 ảnh không tải được từ chat: trang sổ ghi rõ ảnh được lưu ở đâu"
    )


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--ward", "NGHIA-TAN", "--month", "2026-Q4"), "Tháng «2026-Q4» không đọc được"),
        (("--ward", "KHONG-CO", "--month", "2026-11"), "KHONG-CO"),
    ],
)
async def test_a_bad_month_or_ward_is_one_line(
    bot_env: dict[str, str], database_url: str, tmp_path: Path, args: tuple[str, ...], said: str
) -> None:
    await store(database_url, Ward(code="NGHIA-TAN", name="Phường Nghĩa Tân"))
    refused = await asogopy(bot_env, "export", "archive", *args, "-o", str(tmp_path / "x.pdf"))
    assert said in one_line_error(refused)
    assert not (tmp_path / "x.pdf").exists()
