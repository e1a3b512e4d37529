"""The console's book in SQL: the status and words filters, and a screen at a time."""

import sqlite3
from datetime import timedelta
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import update
from sqlmodel import col, select

from handlers.context import Context
from handlers.suggestions import page_status, page_status_is
from office.console import BOOK_SHOWN, STATUSES, ward_book
from storage.db import alembic_config, upgrade_sync
from storage.models import BookPage, Person, Ward
from tests.conftest import Clock


async def write_pages(ctx: Context, ward: Ward, texts: list[str], **fields: object) -> None:
    """Pages 1, 2, … of the ward's book with these texts, a minute apart."""
    now = ctx.clock()
    async with ctx.db() as session:
        person = Person(platform="telegram", chat_id="9001")
        session.add(person)
        await session.flush()
        assert ward.id is not None and person.id is not None
        for number, text in enumerate(texts, start=1):
            moment = now - timedelta(minutes=len(texts) - number)
            session.add(
                BookPage(
                    ward_id=ward.id, page_no=number, person_id=person.id, text=text,
                    consent_at=moment, created_at=moment, **fields,
                )
            )  # fmt: skip
        await session.commit()


async def book(ctx: Context, **asked: object) -> list[int]:
    async with ctx.db() as session:
        screen = await ward_book(
            session, "NGHIA-TAN", now=ctx.clock(), reader="t", reader_kind="leader", **asked
        )
    return [line.page for line in screen.lines]


async def test_the_status_filter_in_sql_is_the_chats_page_status(
    ctx: Context, clock: Clock, ward: Ward
) -> None:
    """Every mix of seen, answered and closed, on both sides of the ward's deadline (and
    exactly on it), is counted in the same status by SQL as by `page_status`."""
    now = clock()
    deadline = timedelta(days=ward.deadline_days)
    ages = (timedelta(0), deadline - timedelta(seconds=1), deadline, deadline + timedelta(1))
    async with ctx.db() as session:
        person = Person(platform="telegram", chat_id="9001")
        session.add(person)
        await session.flush()
        assert ward.id is not None and person.id is not None
        number = 0
        for age in ages:
            for seen in (None, now - age / 2):
                for answered, closed in ((None, False), (now, False), (now, True)):
                    number += 1
                    session.add(
                        BookPage(
                            ward_id=ward.id, page_no=number, person_id=person.id, text="x",
                            consent_at=now - age, created_at=now - age, seen_at=seen,
                            answered_at=answered, no_answer=closed,
                        )
                    )  # fmt: skip
        await session.commit()
        pages = (await session.exec(select(BookPage))).all()
        expected = {
            status: {p.page_no for p in pages if page_status(p, ward.deadline_days, now) == status}
            for status in STATUSES
        }
        assert all(expected.values())  # every status is there
        for status in STATUSES:
            query = select(BookPage.page_no).where(page_status_is(status, ward.deadline_days, now))
            assert set((await session.exec(query)).all()) == expected[status], status
        assert (
            await session.exec(select(BookPage).where(page_status_is("x", 10, now)))
        ).all() == []
    assert await book(ctx, status="overdue") == sorted(expected["overdue"], reverse=True)


async def test_words_match_whatever_their_case_and_diacritics(ctx: Context, ward: Ward) -> None:
    await write_pages(
        ctx,
        ward,
        ["Đèn đường ngõ 5 hỏng", "ĐÈN ĐƯỜNG\nphố Huế", "den duong tối", "Đền thờ", "Điện"],
    )
    assert await book(ctx, text="den duong") == [3, 2, 1]
    assert await book(ctx, text="  ĐÈN   đường ") == [3, 2, 1]
    assert await book(ctx, text="đường phố") == [2]  # a line break is a space
    assert await book(ctx, text="dien") == [5]
    assert await book(ctx, text="den duong", newest_first=False) == [1, 2, 3]


async def test_wildcards_in_the_words_typed_match_only_themselves(ctx: Context, ward: Ward) -> None:
    await write_pages(ctx, ward, ["giảm 50% lệ phí", "mã a_b", "phí 500 đồng", "nothing here"])
    assert await book(ctx, text="%") == [1]
    assert await book(ctx, text="_") == [2]
    assert await book(ctx, text="50%") == [3, 1]  # the words: "50"
    assert await book(ctx, text="a_b") == [2]  # "a b"


async def test_a_long_book_is_read_a_screen_at_a_time_both_ways(ctx: Context, ward: Ward) -> None:
    total = 2 * BOOK_SHOWN + 20
    await write_pages(ctx, ward, [f"trang {n}" for n in range(1, total + 1)])

    async def screen(**asked: object) -> tuple[list[int], int | None, int | None]:
        async with ctx.db() as session:
            found = await ward_book(
                session, "NGHIA-TAN", now=ctx.clock(), reader="t", reader_kind="leader", **asked
            )
        return [line.page for line in found.lines], found.later, found.earlier

    first = await screen()
    assert first == (list(range(total, total - BOOK_SHOWN, -1)), total - BOOK_SHOWN + 1, None)
    second = await screen(after=first[1])
    assert second[0] == list(range(total - BOOK_SHOWN, 20, -1))
    assert second[1:] == (21, total - BOOK_SHOWN)
    last = await screen(after=second[1])
    assert last == (list(range(20, 0, -1)), None, 20)
    assert await screen(before=last[2]) == second
    assert await screen(before=second[2]) == first
    oldest = await screen(newest_first=False, after=BOOK_SHOWN)
    assert oldest[0] == list(range(BOOK_SHOWN + 1, 2 * BOOK_SHOWN + 1))
    assert oldest[1:] == (2 * BOOK_SHOWN, BOOK_SHOWN + 1)
    assert await screen(text="trang 11", after=112) == ([111, 110, 11], None, 111)


async def test_the_folded_text_follows_the_text_on_every_write(ctx: Context, ward: Ward) -> None:
    await write_pages(ctx, ward, ["Đèn ĐƯỜNG, ngõ 5!"])
    async with ctx.db() as session:
        page = (await session.exec(select(BookPage))).one()
        assert page.folded == "den duong ngo 5"
        page.text = "Nội dung đã bị xoá"  # an erasure with --content
        session.add(page)
        await session.commit()
        await session.exec(  # type: ignore[call-overload]
            update(BookPage).where(col(BookPage.id) == page.id).values(seen_by_name="A")
        )
        await session.commit()
        await session.refresh(page)
        assert page.folded == "noi dung da bi xoa" and page.seen_by_name == "A"
    assert await book(ctx, text="den duong") == []


def test_migration_0010_folds_the_pages_already_written(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    config = alembic_config(f"sqlite:///{path}")
    upgrade_sync(f"sqlite:///{path}")
    before = ScriptDirectory.from_config(config).get_revision("0010_webbench").down_revision
    assert isinstance(before, str)
    command.downgrade(config, before)
    moment = "2026-11-16 01:00:00.000000"
    with sqlite3.connect(path) as connection:
        connection.execute(
            "INSERT INTO ward (id, code, name, kind, deadline_days, last_page, created_at)"
            f" VALUES (1, 'NGHIA-TAN', 'Phường Nghĩa Tân', 'phường', 10, 2, '{moment}')"
        )
        connection.execute(
            "INSERT INTO person (id, platform, chat_id, language, role, dialog,"
            f" last_message_id, created_at) VALUES (1, 'telegram', '1', 'vi', 'citizen', 'idle',"
            f" 0, '{moment}')"
        )
        connection.executemany(
            "INSERT INTO bookpage (id, ward_id, page_no, person_id, text, signed, consent_at,"
            f" created_at) VALUES (?, 1, ?, 1, ?, 0, '{moment}', '{moment}')",
            [(1, 1, "Đèn đường hỏng"), (2, 2, "")],
        )
    command.upgrade(config, "0010_webbench")
    with sqlite3.connect(path) as connection:
        folded = connection.execute("SELECT id, folded FROM bookpage ORDER BY id").fetchall()
    assert folded == [(1, "den duong hong"), (2, "")]
    command.downgrade(config, before)
    with sqlite3.connect(path) as connection:
        names = {row[1] for row in connection.execute("PRAGMA table_info('bookpage')")}
    assert "folded" not in names and "text" in names
