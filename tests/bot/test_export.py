"""`sogopy export book`: the ward's suggestion book as CSV (Excel-ready) and as xlsx.

The book is set up directly in the test database; the export runs as its own process,
and its files are read back with the csv module and with openpyxl.
"""

import asyncio
import csv
import io
import zipfile
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl

from office.exports import as_text
from storage.models import BookPage, Case, Person, Ward, utcnow
from tests.bot.conftest import asogopy, store
from tests.bot.test_cli import one_line_error

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
BOM = b"\xef\xbb\xbf"
HEADER = [
    "Trang",
    "Thời gian",
    "Nội dung",
    "Ảnh",
    "Mã hồ sơ",
    "Thủ tục",
    "Người viết",
    "Người xem",
    "Lúc xem",
    "Trả lời",
    "Lúc trả lời",
    "Tình trạng",
]
SECRET_NAME, SECRET_CHAT = "Lê Thị Bí Mật", "987654321"  # the anonymous author


def local(moment: datetime) -> str:
    return moment.astimezone(ZONE).strftime("%d/%m/%Y %H:%M")


async def book_setup(database_url: str) -> list[list[str]]:
    """NGHIA-TAN's book of five pages (stored out of order), and the rows expected."""
    now = utcnow().replace(second=0, microsecond=0)
    ward = Ward(code="NGHIA-TAN", name="Phường Nghĩa Tân", deadline_days=10, last_page=5)
    other = Ward(code="DICH-VONG", name="Phường Dịch Vọng", last_page=1)
    signer = Person(platform="telegram", chat_id="1001", name="Nguyễn Văn An")
    secret = Person(platform="telegram", chat_id=SECRET_CHAT, name=SECRET_NAME)
    leader = Person(platform="telegram", chat_id="2001", name="Bình", role="leader")
    await store(database_url, ward, other, signer, secret, leader)
    case = Case(ward_id=ward.id, code="HS-0042", procedure="Đăng ký khai sinh", token="tok42")
    await store(database_url, case)

    def page(number: int, author: Person, age: timedelta, **fields: object) -> BookPage:
        created = now - age
        return BookPage(
            ward_id=ward.id,
            page_no=number,
            person_id=author.id,
            consent_at=created,
            created_at=created,
            **fields,
        )

    signed_at = now - timedelta(hours=1)
    seen_at = now - timedelta(minutes=30)
    answered_at = now - timedelta(days=15)
    text_1 = 'Đường trước UBND bị ngập,\nđề nghị "khơi thông" cống; cảm ơn.'
    await store(
        database_url,
        page(3, secret, timedelta(days=3), text="Cán bộ tiếp dân rất nhiệt tình.",
             author_name=SECRET_NAME,  # a name left on an unsigned page is never shown
             seen_by_id=leader.id, seen_by_name="Trần Thị Bình", seen_at=seen_at),
        page(1, signer, timedelta(hours=1), text=text_1, signed=True, author_name="Nguyễn Văn An"),
        page(2, secret, timedelta(hours=2), text="=1+1 thủ tục chậm", photo_file_id="PHOTO-1",
             case_id=case.id),
        page(5, signer, timedelta(days=11), text="Xin hướng dẫn đăng ký tạm trú.", signed=True,
             author_name="Nguyễn Văn An"),
        page(4, secret, timedelta(days=20), text="", photo_file_id="PHOTO-2",
             seen_by_id=leader.id, seen_by_name="Trần Thị Bình", seen_at=answered_at,
             answer_text="Cảm ơn, phường đã xử lý.", answered_by_id=leader.id,
             answered_by_name="Trần Thị Bình", answered_at=answered_at),
        BookPage(ward_id=other.id, page_no=1, person_id=signer.id, consent_at=now, text="khác"),
    )  # fmt: skip
    return [
        ["1", local(signed_at), text_1, "không", "", "", "Nguyễn Văn An", "", "", "", "",
         "chưa xem"],
        ["2", local(now - timedelta(hours=2)), "=1+1 thủ tục chậm", "có", "HS-0042",
         "Đăng ký khai sinh", "Ẩn danh", "", "", "", "", "chưa xem"],
        ["3", local(now - timedelta(days=3)), "Cán bộ tiếp dân rất nhiệt tình.", "không", "", "",
         "Ẩn danh", "Trần Thị Bình", local(seen_at), "", "", "đã xem"],
        ["4", local(now - timedelta(days=20)), "", "có", "", "", "Ẩn danh", "Trần Thị Bình",
         local(answered_at), "Cảm ơn, phường đã xử lý.", local(answered_at), "đã trả lời"],
        ["5", local(now - timedelta(days=11)), "Xin hướng dẫn đăng ký tạm trú.", "không", "", "",
         "Nguyễn Văn An", "", "", "", "", "quá hạn"],
    ]  # fmt: skip


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(BOM)
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def assert_no_secret(data: bytes) -> None:
    assert SECRET_NAME.encode() not in data
    assert SECRET_CHAT.encode() not in data


async def test_export_book_as_csv_and_xlsx(
    bot_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    expected = await book_setup(database_url)
    csv_file, xlsx_file = tmp_path / "so-gop-y.csv", tmp_path / "so-gop-y.xlsx"
    env = bot_env | {"PYTHONIOENCODING": "utf-8"}
    book = ("export", "book", "--ward")
    to_file, to_stdout, to_xlsx, other_ward = await asyncio.gather(
        asogopy(env, *book, "nghia-tan", "--format", "csv", "-o", str(csv_file), process=True),
        asogopy(env, *book, "NGHIA-TAN", "--format", "csv"),
        asogopy(env, *book, "NGHIA-TAN", "--format", "xlsx", "-o", str(xlsx_file)),
        asogopy(env, *book, "DICH-VONG", "--format", "csv"),
    )
    for result in (to_file, to_stdout, to_xlsx, other_ward):
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""

    # CSV in a file: BOM, the header in order, the rows in page order
    assert to_file.stdout.splitlines() == [f"Đã ghi 5 trang sổ góp ý của NGHIA-TAN vào {csv_file}"]
    data = csv_file.read_bytes()
    assert read_csv(data) == [HEADER, *expected]
    assert_no_secret(data)

    # CSV on stdout: the same bytes (the subprocess helper decodes them as text)
    assert to_stdout.stdout.startswith("\ufeff")
    assert to_stdout.stdout.encode().replace(b"\r\n", b"\n") == data.replace(b"\r\n", b"\n")
    header, only = read_csv(other_ward.stdout.encode())  # another ward's book is its own
    assert header == HEADER and (only[0], only[2], only[6]) == ("1", "khác", "Ẩn danh")

    # xlsx: the same rows, text kept as text, a bold header and readable widths
    raw = xlsx_file.read_bytes()
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        assert_no_secret(b"".join(archive.read(name) for name in archive.namelist()))
    sheet = openpyxl.load_workbook(xlsx_file).active
    assert sheet is not None
    values = [[as_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    assert values == [HEADER, *expected]
    assert sheet["A2"].value == 1  # page numbers are numbers
    assert isinstance(sheet["B2"].value, datetime)  # times are Excel dates, shown local
    assert sheet["B2"].number_format == "dd/mm/yyyy hh:mm"
    assert sheet["C3"].data_type == "s"  # "=1+1 ..." is what the citizen wrote, not a formula
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["C"].width > sheet.column_dimensions["A"].width >= 6


async def test_export_errors_are_one_line(
    bot_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    await book_setup(database_url)
    missing_dir = tmp_path / "no-such-folder" / "book.csv"
    unknown, no_file, bad_format, unwritable = await asyncio.gather(
        asogopy(bot_env, "export", "book", "--ward", "KHONG-CO", "--format", "csv"),
        asogopy(bot_env, "export", "book", "--ward", "NGHIA-TAN", "--format", "xlsx"),
        asogopy(bot_env, "export", "book", "--ward", "NGHIA-TAN", "--format", "pdf"),
        asogopy(bot_env, "export", "book", "--ward", "NGHIA-TAN", "-o", str(missing_dir)),
    )
    assert "Không có phường/xã mã 'KHONG-CO'" in one_line_error(unknown)
    assert "-o" in one_line_error(no_file)
    assert "csv hoặc xlsx" in one_line_error(bad_format)
    assert f"Không ghi được {missing_dir}" in one_line_error(unwritable)
    for result in (unknown, no_file, bad_format, unwritable):
        assert result.stdout == ""
