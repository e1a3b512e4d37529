"""Reminders, escalations and the morning digest, on a clock the test moves."""

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from handlers.context import Context
from handlers.reminders import escalate_overdue, morning_digest, remind_unread
from storage.models import Answer, BookPage, Leadership, Person, SurveySession, SurveyVersion, Ward
from tests.conftest import Clock

DAY = timedelta(days=1)
LOCAL = timedelta(hours=7)  # Asia/Ho_Chi_Minh


def at_local(clock: Clock, day: int, hour: int, minute: int = 0) -> None:
    clock.now = datetime(2026, 11, day, hour, minute, tzinfo=UTC) - LOCAL


async def leader_and_page(ctx: Context, ward: Ward, created: datetime) -> BookPage:
    async with ctx.db() as session:
        leader = Person(platform="telegram", chat_id="777", name="Hùng", role="leader")
        citizen = Person(platform="telegram", chat_id="888")
        session.add_all([leader, citizen])
        await session.flush()
        session.add(Leadership(person_id=leader.id, ward_id=ward.id, name="Hùng"))
        page = BookPage(
            ward_id=ward.id, page_no=1, person_id=citizen.id, text="Đường tối", consent_at=created,
            created_at=created,
        )  # fmt: skip
        session.add(page)
        await session.commit()
        return page


async def test_unread_pages_are_reminded_at_most_daily_and_never_at_night(
    ctx: Context, ward: Ward, clock: Clock
) -> None:
    at_local(clock, 26, 9)
    page = await leader_and_page(ctx, ward, clock.now)
    clock.advance(hours=23)
    assert await remind_unread(ctx, timedelta(hours=24)) == []
    clock.advance(hours=2)  # 10:00 the next day
    (reminder,) = await remind_unread(ctx, timedelta(hours=24))
    assert reminder.to is not None and reminder.to.chat_id == "777"
    assert "Phường Nghĩa Tân" in reminder.text and "trang 1" in reminder.text
    clock.advance(hours=1)
    assert await remind_unread(ctx, timedelta(hours=24)) == []  # once a day
    at_local(clock, 27, 22)
    clock.advance(days=1)  # 22:00 two days later: quiet hours
    assert await remind_unread(ctx, timedelta(hours=24)) == []
    clock.advance(hours=10)  # 08:00: reminded again, a day after the last one
    assert len(await remind_unread(ctx, timedelta(hours=24))) == 1
    async with ctx.db() as session:
        stored = await session.get(BookPage, page.id)
        assert stored is not None
        stored.seen_at = clock.now
        await session.commit()
    clock.advance(days=2)
    assert await remind_unread(ctx, timedelta(hours=24)) == []


async def test_unanswered_pages_escalate_to_admins_once_after_the_deadline(
    ctx: Context, ward: Ward, clock: Clock
) -> None:
    ctx = replace(ctx, admins=frozenset({"9001", "9002"}))
    at_local(clock, 1, 10)
    await leader_and_page(ctx, ward, clock.now)
    clock.advance(days=9)
    assert await escalate_overdue(ctx) == []
    clock.advance(days=2)
    alerts = await escalate_overdue(ctx)
    assert {a.to.chat_id for a in alerts if a.to} == {"9001", "9002"}
    assert "Quá hạn" in alerts[0].text and "trang số 1" in alerts[0].text
    assert "Đường tối" in alerts[0].text
    assert await escalate_overdue(ctx) == []


async def test_the_digest_comes_once_a_day_from_0730_even_after_a_restart(
    ctx: Context, ward: Ward, clock: Clock
) -> None:
    at_local(clock, 25, 15)
    await leader_and_page(ctx, ward, clock.now)
    async with ctx.db() as session:  # yesterday's ratings: 3 of 4 satisfied
        version = await session.get(SurveyVersion, ctx.surveys.current["sipas"])
        assert version is not None and ward.id is not None
        # a walk-in's «Chưa có ý kiến» (0) and a broadcast's answer are no ratings of a visit
        for source, levels in (("walkin", [5, 4, 4, 2, 0]), ("broadcast", [1])):
            run = SurveySession(
                person_id=1, ward_id=ward.id, survey_version_id=version.id, source=source
            )
            session.add(run)
            await session.flush()
            for code, level in zip(
                ["access", "procedure", "officer", "result", "feedback"], levels, strict=False
            ):
                session.add(
                    Answer(
                        session_id=run.id, survey_version_id=version.id, ward_id=ward.id,
                        source=source, question_code=code, element=code, level=level,
                        answered_at=clock.now,
                    )
                )  # fmt: skip
        await session.commit()
    at_local(clock, 26, 7, 29)
    assert await morning_digest(ctx) == []
    at_local(clock, 26, 7, 30)
    (digest,) = await morning_digest(ctx)
    assert "Bản tin sáng 26/11/2026" in digest.text and "Phường Nghĩa Tân" in digest.text
    assert "Góp ý mới hôm qua: 1" in digest.text and "75% (4 câu trả lời)" in digest.text
    restarted = replace(ctx)  # a new process: only the database remembers
    assert await morning_digest(restarted) == []
    at_local(clock, 27, 9, 15)  # the bot was down at 07:30: the digest still comes
    (late,) = await morning_digest(ctx)
    assert "27/11/2026" in late.text and "chưa có đánh giá" in late.text


async def test_a_job_run_twice_at_once_reminds_and_escalates_once(
    ctx: Context, ward: Ward, clock: Clock
) -> None:
    """A leader that lost its lock may still be in the middle of the job its successor
    starts: on PostgreSQL the two run truly at once, and each page is still told once."""
    ctx = replace(ctx, admins=frozenset({"9001"}))
    at_local(clock, 1, 10)
    await leader_and_page(ctx, ward, clock.now)
    clock.advance(days=11)
    for _ in range(5):
        reminded = await asyncio.gather(*(remind_unread(ctx, DAY) for _ in range(4)))
        escalated = await asyncio.gather(*(escalate_overdue(ctx) for _ in range(4)))
        assert sum(map(len, reminded)) == 1 and sum(map(len, escalated)) == 1
        clock.advance(days=1)
        async with ctx.db() as session:  # the next round: a page overdue again
            page = (await session.exec(select(BookPage))).one()
            page.escalated_at = None
            await session.commit()
