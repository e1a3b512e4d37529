"""office/archive.py: a month of the book as a PDF, read back with pypdf.

The book is set up in the test database around the month's edges (local time), with
an anonymous author whose name and chat id must never print, markup typed by a
citizen, a signed and answered page, a closed one, a photo the chat gives back and
one it does not.
"""

import io
from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlmodel import select

from handlers.context import Context
from office.archive import (
    Archive,
    may_print,
    month_archive,
    parse_month,
    print_archive,
    printable,
)
from office.errors import Forbidden, Invalid
from office.webusers import Role, UserView
from storage.models import AuditEntry, BookPage, Case, Person, Ward, WebPhoto
from tests.conftest import add_ward

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
SECRET_NAME, SECRET_CHAT = "Lê Thị Bí Mật", "987654321"
MARKUP = "Đèn <b>x</b><script>alert(1)</script> hỏng & tối"
SIGNER = "Trần Thị Bình, Chủ tịch UBND phường"
TELEGRAM_PHOTO, ZALO_PHOTO = "AgACAgIAAxkBAA-photo", "https://zalo.example/p/1.jpg"


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZONE).astimezone(UTC)


def png(width: int = 640, height: int = 480) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


class FakeChat:
    """The photo source: gives back the Telegram photo only, and remembers what was asked."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def __call__(self, refs: Sequence[str]) -> dict[str, bytes]:
        self.asked.extend(refs)
        return {ref: png() for ref in refs if ref == TELEGRAM_PHOTO}


async def book(ctx: Context, ward: Ward) -> None:
    """Pages 1 (October, local) and 2-6 (November, local), and one of another ward."""
    other = await add_ward(ctx, "DICH-VONG", "Phường Dịch Vọng")
    async with ctx.db() as session:
        secret = Person(platform="telegram", chat_id=SECRET_CHAT, name=SECRET_NAME)
        signer = Person(platform="telegram", chat_id="1001", name="Nguyễn Văn An")
        session.add_all([secret, signer])
        await session.flush()
        case = Case(ward_id=ward.id, code="HS-0042", procedure="Đăng ký khai sinh", token="t42")
        session.add(case)
        await session.flush()

        def page(number: int, author: Person, at: datetime, **fields: object) -> BookPage:
            return BookPage(
                ward_id=ward.id, page_no=number, person_id=author.id, consent_at=at,
                created_at=at, **fields,
            )  # fmt: skip

        session.add_all(
            [
                page(1, signer, local(2026, 10, 31, 23, 50), text="Tháng mười", signed=True,
                     author_name="Nguyễn Văn An"),
                page(2, secret, local(2026, 11, 1, 0, 10), text=MARKUP, author_name=SECRET_NAME,
                     photo_file_id=TELEGRAM_PHOTO, case_id=case.id),
                page(3, signer, local(2026, 11, 5, 9, 15), text="Cảm ơn chị Hoa.", signed=True,
                     author_name="Nguyễn Văn An", seen_by_name=SIGNER,
                     seen_at=local(2026, 11, 5, 10, 30), answer_text="Phường ghi nhận.",
                     answered_by_name=SIGNER, answered_at=local(2026, 11, 6, 8, 0)),
                page(4, secret, local(2026, 11, 20, 14, 0), text="Ảnh rác thải",
                     photo_file_id=ZALO_PHOTO),
                page(5, secret, local(2026, 11, 25, 8, 0), text="Đã rõ", seen_by_name=SIGNER,
                     seen_at=local(2026, 11, 25, 9, 0), no_answer=True, answered_by_name=SIGNER,
                     answered_at=local(2026, 11, 25, 9, 5)),
                page(6, signer, local(2026, 11, 30, 23, 59), text="Cuối tháng"),
                page(7, signer, local(2026, 12, 1, 0, 0), text="Tháng mười hai"),
                BookPage(ward_id=other.id, page_no=1, person_id=signer.id, text="Phường khác",
                         consent_at=local(2026, 11, 10, 8), created_at=local(2026, 11, 10, 8)),
            ]
        )  # fmt: skip
        await session.commit()


async def archive_of(ctx: Context, month: str = "2026-11") -> Archive:
    async with ctx.db() as session:
        return await month_archive(
            session, "nghia-tan", month, zone=ZONE, now=ctx.clock(), actor="Trần Thị Bình",
            actor_kind="leader", how="console",
        )  # fmt: skip


def texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


async def test_a_month_prints_a_cover_and_one_page_per_suggestion(ctx: Context, ward: Ward) -> None:
    await book(ctx, ward)
    archive = await archive_of(ctx)
    assert [page.page for page in archive.pages] == [2, 3, 4, 5, 6]  # the month, local time
    chat = FakeChat()
    printed = await print_archive(archive, ZONE, chat)

    sheets = texts(printed.pdf)
    assert len(sheets) == printed.sheets == 1 + 5
    cover, *pages = sheets
    assert "Phường Nghĩa Tân" in cover and "Tháng 11/2026" in cover
    assert "Số phiếu góp ý trong tháng: 5" in cover and "Từ trang 2 đến trang 6" in cover
    for number, sheet in zip(range(2, 7), pages, strict=True):
        assert f"Trang {number}" in sheet
        assert f"tờ {number}/6" in sheet  # the footer's sheet number of the total

    anonymous, signed, zalo, closed, last = pages
    assert "Người viết: Ẩn danh" in anonymous and "Người viết: Ẩn danh" in zalo
    assert "Người viết: Nguyễn Văn An" in signed
    assert MARKUP in anonymous  # drawn as text: markup prints as typed
    assert "Thời gian: 01/11/2026 00:10" in anonymous
    assert "Hồ sơ: HS-0042 — Đăng ký khai sinh" in anonymous
    assert "Đã xem — Trần Thị Bình, Chủ tịch UBND phường — 05/11/2026 10:30" in signed
    assert "Trả lời — Trần Thị Bình, Chủ tịch UBND phường — 06/11/2026 08:00" in signed
    assert "Phường ghi nhận." in signed and "Tình trạng: Đã trả lời" in signed
    assert "Đã đóng, không cần trả lời — Trần Thị Bình" in closed
    assert "Chưa có lãnh đạo ký «Đã xem»." in last and "Chưa trả lời." in last
    assert "Tình trạng: Chưa xem" in last

    reader = PdfReader(io.BytesIO(printed.pdf))
    assert len(reader.pages[1].images) == 1  # the Telegram photo, fetched back
    assert "lưu trong cuộc trò chuyện trên Zalo" in zalo and not reader.pages[3].images
    assert printed.photos_missing == 1
    assert sorted(chat.asked) == sorted([TELEGRAM_PHOTO, ZALO_PHOTO])

    everything = "".join(sheets) + str(reader.metadata)
    assert SECRET_NAME not in everything and SECRET_CHAT not in everything
    assert "Phường khác" not in everything and "Tháng mười" not in everything


async def test_an_archive_with_names_is_in_the_audit_trail(ctx: Context, ward: Ward) -> None:
    await book(ctx, ward)
    await archive_of(ctx)
    await archive_of(ctx, "2027-01")  # nobody named: nothing recorded
    async with ctx.db() as session:
        entries = (await session.exec(select(AuditEntry))).all()
    assert [(e.action, e.actor, e.how, e.detail) for e in entries] == [
        ("export_archive", "Trần Thị Bình", "console", "1 named pages, 2026-11")
    ]


async def test_a_long_text_continues_on_the_next_sheet(ctx: Context, ward: Ward) -> None:
    async with ctx.db() as session:
        person = Person(platform="zalo", chat_id="z1", name="Ba")
        session.add(person)
        await session.flush()
        at = local(2026, 11, 3, 9)
        words = " ".join(f"từ{n}" for n in range(2500))
        session.add(
            BookPage(ward_id=ward.id, page_no=1, person_id=person.id, text=words,
                     consent_at=at, created_at=at)
        )  # fmt: skip
        await session.commit()
    printed = await print_archive(await archive_of(ctx), ZONE, None)
    _, first, *more = texts(printed.pdf)
    assert more and all(sheet.startswith("Trang 1 (tiếp)") for sheet in more)
    whole = " ".join(" ".join([first, *more]).split())
    assert "từ0 từ1" in whole and "từ2498 từ2499" in whole
    assert "Chưa có lãnh đạo ký" in more[-1]


async def test_an_empty_month_is_a_cover_that_says_so(ctx: Context, ward: Ward) -> None:
    printed = await print_archive(await archive_of(ctx, "11/2026"), ZONE, FakeChat())
    (cover,) = texts(printed.pdf)
    assert "Số phiếu góp ý trong tháng: 0" in cover and "Tháng này không có góp ý nào." in cover


@pytest.mark.parametrize("typed", ["2026-11", "11/2026", " 2026-1 "])
def test_a_month_is_read_as_typed(typed: str) -> None:
    assert parse_month(typed).day == 1


@pytest.mark.parametrize("typed", ["2026", "2026-Q4", "2026-13", "tháng 11", "1999-12", ""])
def test_anything_but_one_month_is_refused(typed: str) -> None:
    with pytest.raises(Invalid) as refused:
        parse_month(typed)
    assert refused.value.field == "month" and "YYYY-MM" in refused.value.message


@pytest.mark.parametrize("role", list(Role))
def test_only_leaders_and_admins_print_the_archive(role: Role) -> None:
    user = UserView(1, "Hoa", role, None if role is Role.ADMIN else "NGHIA-TAN", None, 1)
    if role is Role.CLERK:
        with pytest.raises(Forbidden):
            may_print(user)
    else:
        may_print(user)


def test_a_photo_that_is_no_picture_is_named_not_drawn() -> None:
    assert printable(b"\xff\xd8\xff\xe0 not a jpeg") is None
    jpeg, width, height = printable(png(4000, 3000)) or (b"", 0, 0)
    assert jpeg.startswith(b"\xff\xd8") and (width, height) == (1600, 1200)


def test_a_phone_photo_prints_upright() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the camera was turned; the pixels lie on their side
    out = io.BytesIO()
    Image.new("RGB", (400, 300)).save(out, format="JPEG", exif=exif)
    assert (printable(out.getvalue()) or (b"", 0, 0))[1:] == (300, 400)


async def test_a_photo_a_leader_attached_on_the_web_prints_from_the_database(
    ctx: Context, ward: Ward
) -> None:
    await book(ctx, ward)
    async with ctx.db() as session:
        page = (await session.exec(select(BookPage).where(BookPage.page_no == 6))).one()
        page.answer_text, page.answer_photo_file_id = "Đã dọn", "web:tok-6"
        page.answered_by_name, page.answered_at = SIGNER, local(2026, 11, 30, 23, 59)
        session.add(WebPhoto(token="tok-6", ward_id=ward.id, page_id=page.id,
                             content_type="image/png", data=png()))  # fmt: skip
        await session.commit()
    chat = FakeChat()
    printed = await print_archive(await archive_of(ctx), ZONE, chat)
    assert "web:tok-6" not in chat.asked  # no chat holds it: nobody is asked for it
    assert printed.photos_missing == 1  # only the Zalo photo the chat did not give back
    assert sum(len(page.images) for page in PdfReader(io.BytesIO(printed.pdf)).pages) == 2
