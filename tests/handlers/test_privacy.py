"""Citizens' data rights in the handlers: notice, see, withdraw, erase, retention, audit."""

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from bot.dispatch import Dispatcher
from bot.jobs import retention
from handlers.context import Context
from handlers.events import Response
from office.privacy import months_before
from storage.models import (
    ERASED,
    Answer,
    AuditEntry,
    BookPage,
    Case,
    JobRun,
    Person,
    Ward,
)
from storage.report import build_report
from tests.conftest import Chat, Clock

NAME = "Trịnh Thị Xuyến"


async def rows(ctx: Context, model: type) -> list:
    async with ctx.db() as session:
        return list((await session.exec(select(model))).all())


async def rated_and_signed(ctx: Context, ward: Ward, chat_id: str = "1001") -> Chat:
    """A citizen who answered the walk-in survey and signed a page with a photo."""
    chat = Chat(ctx, chat_id=chat_id, name=NAME)
    await chat.command("start", f"d_{ward.code}")
    await chat.answer_all("Hài lòng")
    await chat.photo("Ghế chờ bị gãy", file_id="PHOTO-XUYEN")
    await chat.press_label("Gửi kèm tên")
    return chat


def texts(response: Response) -> str:
    return "\n".join(reply.text for reply in response.replies)


async def test_the_short_notice_goes_once_with_the_first_reply(ctx: Context, ward: Ward) -> None:
    chat = Chat(ctx)
    first = await chat.command("help")
    assert len(first.replies) == 1  # a paragraph added, not a message more
    assert "/quyenriengtu" in first.replies[0].text and "24 tháng" in first.replies[0].text
    assert "/quyenriengtu —" in first.replies[0].text  # /help itself lists it too
    again = await chat.command("gopycuatoi")
    assert "Ủy ban nhân dân" not in texts(again)
    (person,) = await rows(ctx, Person)
    assert person.notice_version == 1 and person.notice_at == ctx.clock()
    full = await chat.command("quyenriengtu")
    assert "91/2025/QH15" in texts(full) and "/xoadulieu" in texts(full)


async def test_my_data_holds_everything_and_withdrawing_hides_the_name(
    ctx: Context, ward: Ward
) -> None:
    chat = await rated_and_signed(ctx, ward)
    shown = await chat.command("dulieucuatoi")
    (reply,) = shown.replies
    assert NAME in reply.text and "1 trang (ký tên: 1)" in reply.text
    assert reply.document is not None and reply.document[0].endswith(".json")
    data = json.loads(reply.document[1])
    assert data["person"]["name"] == NAME
    assert data["suggestions"][0]["text"] == "Ghế chờ bị gãy"
    assert len(data["surveys"][0]["answers"]) == 3
    assert data["consents"]["name_on_pages"][0]["signed"] is True
    assert data["consents"]["privacy_notice"]["version"] == 1

    withdrawn = await chat.press_label("Ẩn tên trên các trang")
    assert "1 trang" in texts(withdrawn)
    (page,) = await rows(ctx, BookPage)
    assert not page.signed and page.author_name is None
    assert "không có trang góp ý nào ký tên" in texts(await chat.command("angdanh"))
    again = json.loads((await chat.command("dulieucuatoi")).replies[0].document[1])  # type: ignore[index]
    assert again["consents"]["name_withdrawn_at"]  # the withdrawal is part of the evidence
    actions = [entry.action for entry in await rows(ctx, AuditEntry)]
    assert actions == ["export_own_data", "withdraw_name", "export_own_data"]


async def test_erasure_keeps_the_figures_and_the_page_and_forgets_the_person(
    ctx: Context, ward: Ward, clock: Clock
) -> None:
    chat = await rated_and_signed(ctx, ward)
    async with ctx.db() as session:
        case = Case(ward_id=ward.id, code="HS-9", procedure="Khai sinh", token="tok9")
        session.add(case)
        await session.commit()
    await chat.command("start", "c_tok9")

    async def figures() -> tuple[int, float | None]:
        async with ctx.db() as session:
            today = clock.now.astimezone(ctx.timezone).date()
            report = await build_report(session, zone=ctx.timezone, since=today, until=today)
        return report.overall.answers, report.overall.share

    before = await figures()
    ask = await chat.command("xoadulieu")
    assert [c.label for c in ask.replies[0].choices] == [
        "Xoá dữ liệu",
        "Xoá cả nội dung góp ý",
        "Không xoá",
    ]
    done = await chat.press_label("Xoá cả nội dung góp ý")
    assert "Đã xoá dữ liệu" in texts(done)
    assert await figures() == before and len(await rows(ctx, Answer)) == 3
    (page,) = await rows(ctx, BookPage)
    assert page.page_no == 1 and page.author_name is None and not page.signed
    assert page.text == "Đã xoá theo yêu cầu của người viết" and page.photo_file_id is None
    (erased,) = await rows(ctx, Person)
    assert erased.platform == ERASED and erased.name is None and erased.chat_id != "1001"
    assert erased.last_seen_at is None and erased.notice_at is None
    (linked,) = await rows(ctx, Case)
    assert linked.person_id is None

    fresh = await chat.command("gopycuatoi")  # the same chat is a new person now
    assert "chưa gửi góp ý nào" in texts(fresh) and "/quyenriengtu" in texts(fresh)
    assert len(await rows(ctx, Person)) == 2


async def test_a_stale_erase_button_cannot_erase_someone_else(ctx: Context, ward: Ward) -> None:
    chat = await rated_and_signed(ctx, ward)
    ask = await chat.command("xoadulieu")
    stranger = Chat(ctx, chat_id="2002")
    pressed = await stranger.press(ask.replies[0].choices[0].data)
    assert pressed.notice == "Nút này không còn dùng được."
    assert (await rows(ctx, BookPage))[0].author_name == NAME


async def test_retention_anonymizes_the_inactive_and_drops_old_photos_once_a_day(
    ctx: Context, ward: Ward, clock: Clock
) -> None:
    await rated_and_signed(ctx, ward)
    active = Chat(ctx, chat_id="3003")
    clock.advance(days=800)
    await active.command("help")  # active now: kept
    dispatcher = Dispatcher(ctx)
    assert await retention(dispatcher) == 2  # one person, one page's photo
    people = {p.chat_id: p for p in await rows(ctx, Person)}
    assert "3003" in people and "1001" not in people
    (page,) = await rows(ctx, BookPage)
    assert page.photo_file_id is None and page.text == "Ghế chờ bị gãy"  # text stays
    assert page.author_name is None
    assert await retention(dispatcher) == 0 and len(await rows(ctx, JobRun)) == 1
    (entry,) = [e for e in await rows(ctx, AuditEntry) if e.action == "retention_purge"]
    assert entry.subject == "1 people, 1 photos"


def test_months_before_keeps_the_day_or_takes_the_months_last() -> None:
    moment = Clock().now.replace(month=3, day=31)
    assert months_before(moment, 1).date().isoformat() == "2026-02-28"
    assert months_before(moment, 24).date().isoformat() == "2024-03-31"
    assert months_before(moment, 3) == moment.replace(year=2025, month=12)


async def test_the_audit_trail_refuses_updates_and_deletes(ctx: Context, ward: Ward) -> None:
    chat = await rated_and_signed(ctx, ward)
    await chat.command("dulieucuatoi")
    for statement in ("UPDATE auditentry SET actor = 'x'", "DELETE FROM auditentry"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with ctx.db() as session:
                await session.exec(text(statement))  # type: ignore[call-overload]
                await session.commit()
    assert len(await rows(ctx, AuditEntry)) == 1


async def test_an_erased_name_is_gone_from_the_sqlite_file(
    ctx: Context, ward: Ward, database_url: str
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("the file's bytes: SQLite")
    chat = await rated_and_signed(ctx, ward)
    path = Path(database_url.split("///", 1)[1])
    (page,) = await rows(ctx, BookPage)
    assert page.author_name == NAME
    await chat.command("xoadulieu")
    await chat.press_label("Xoá cả nội dung góp ý")
    await ctx.db.kw["bind"].dispose()  # type: ignore[union-attr]
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    content = await asyncio.to_thread(path.read_bytes)
    assert NAME.encode() not in content and "Ghế chờ bị gãy".encode() not in content
