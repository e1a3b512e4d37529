"""The book's scheduled messages: reminders of unread pages, escalation of overdue ones,
and the leaders' morning digest.

Each function decides from the database and the injected clock, records what it
decided in the same transaction (a page's `reminded_at` or `escalated_at`, a digest's
`JobRun` for the day), commits, and only then returns the messages: a restart never
sends the same thing twice, and work missed while the bot was down is done when it
comes back. Nothing is decided during quiet hours. Pages are read `FOR UPDATE SKIP
LOCKED`: a leader that lost its lock mid-job and its successor may run at once on
PostgreSQL, and each page is still told once.
"""

from collections import defaultdict
from datetime import datetime, time, timedelta

from sqlalchemy import case, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from handlers.catalogue import say, shorten
from handlers.context import Context
from handlers.events import Address, Reply
from storage.models import Answer, BookPage, JobRun, Leadership, Person, Ward
from storage.report import SOURCES

DIGEST_AT = time(7, 30)
PREVIEW = 200


def in_quiet_hours(ctx: Context, moment: datetime) -> bool:
    return quiet_at(ctx.quiet, moment.astimezone(ctx.timezone).time())


def quiet_at(quiet: tuple[time, time] | None, local: time) -> bool:
    """Whether a local time of day falls in the quiet hours (which may span midnight)."""
    if quiet is None:
        return False
    start, end = quiet
    return start <= local < end if start <= end else local >= start or local < end


async def _leaders_by_ward(ctx: Context, ward_ids: list[int]) -> dict[int, list[Person]]:
    async with ctx.db() as session:
        result = await session.exec(
            select(Leadership.ward_id, Person)
            .join(Person, col(Person.id) == Leadership.person_id)
            .where(
                col(Leadership.ward_id).in_(ward_ids),
                col(Leadership.removed_at).is_(None),
                col(Person.blocked_at).is_(None),
            )
        )
        leaders: dict[int, list[Person]] = defaultdict(list)
        for ward_id, person in result.all():
            leaders[ward_id].append(person)
    return leaders


async def remind_unread(ctx: Context, remind_after: timedelta) -> list[Reply]:
    """Leaders hear of pages unread for longer than `remind_after`, at most daily per page."""
    now = ctx.clock()
    if in_quiet_hours(ctx, now):
        return []
    async with ctx.db() as session:
        result = await session.exec(
            select(BookPage, Ward)
            .join(Ward, col(Ward.id) == BookPage.ward_id)
            .where(
                col(BookPage.seen_at).is_(None),
                col(BookPage.created_at) <= now - remind_after,
                (col(BookPage.reminded_at).is_(None))
                | (col(BookPage.reminded_at) <= now - timedelta(days=1)),
            )
            .order_by(col(BookPage.ward_id), col(BookPage.page_no))
            .with_for_update(of=BookPage, skip_locked=True)  # two runs at once tell a page once
        )
        by_ward: dict[int, tuple[Ward, list[int]]] = {}
        for page, ward in result.all():
            page.reminded_at = now
            assert ward.id is not None
            by_ward.setdefault(ward.id, (ward, []))[1].append(page.page_no)
        await session.commit()
    leaders = await _leaders_by_ward(ctx, list(by_ward))
    hours = int(remind_after.total_seconds() // 3600)
    replies = []
    for ward_id, (ward, numbers) in by_ward.items():
        pages = ", ".join(str(n) for n in numbers)
        for leader in leaders.get(ward_id, []):
            text = say(
                leader.language,
                "reminder",
                ward=ward.name,
                count=len(numbers),
                hours=hours,
                pages=pages,
            )
            replies.append(Reply(text, to=Address(leader.platform, leader.chat_id)))
    return replies


async def escalate_overdue(ctx: Context) -> list[Reply]:
    """Admins hear, once per page, of pages not answered within their ward's deadline."""
    now = ctx.clock()
    if in_quiet_hours(ctx, now) or not ctx.admins:
        return []
    async with ctx.db() as session:
        result = await session.exec(
            select(BookPage, Ward)
            .join(Ward, col(Ward.id) == BookPage.ward_id)
            .where(col(BookPage.answered_at).is_(None), col(BookPage.escalated_at).is_(None))
            .order_by(col(BookPage.created_at))
            .with_for_update(of=BookPage, skip_locked=True)  # two runs at once tell a page once
        )
        overdue = [
            (page, ward)
            for page, ward in result.all()
            if now > page.created_at + timedelta(days=ward.deadline_days)
        ]
        for page, _ in overdue:
            page.escalated_at = now
        await session.commit()
    replies = []
    for page, ward in overdue:
        text = page.text or say("vi", "photo_only")
        message = say(
            "vi",
            "escalation",
            ward=ward.name,
            page=page.page_no,
            days=ward.deadline_days,
            preview=shorten(text, PREVIEW),
        )
        replies.extend(
            Reply(message, to=Address("telegram", admin)) for admin in sorted(ctx.admins)
        )
    return replies


async def morning_digest(ctx: Context) -> list[Reply]:
    """Each leader's digest, once per local day, from 07:30 (later if the bot was down)."""
    now = ctx.clock()
    local = now.astimezone(ctx.timezone)
    if local.time() < DIGEST_AT or in_quiet_hours(ctx, now):
        return []
    day = local.date().isoformat()
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    yesterday = midnight - timedelta(days=1)
    async with ctx.db() as session:
        result = await session.exec(
            select(Person, Ward)
            .join(Leadership, col(Leadership.person_id) == Person.id)
            .join(Ward, col(Ward.id) == Leadership.ward_id)
            .where(col(Leadership.removed_at).is_(None), col(Person.blocked_at).is_(None))
            .order_by(col(Person.id), col(Ward.code))
        )
        wanted = list(result.all())
    replies = []
    for person, ward in wanted:
        assert person.id is not None and ward.id is not None
        async with ctx.db() as session:
            session.add(JobRun(job="digest", key=f"{person.id}:{ward.id}", day=day, done_at=now))
            try:
                await session.commit()
            except IntegrityError:
                continue  # already sent today
        language = person.language
        figures = await _ward_figures(ctx, ward, (yesterday, midnight), now, language)
        text = say(language, "digest", date=local.strftime("%d/%m/%Y"), ward=ward.name, **figures)
        replies.append(Reply(text, to=Address(person.platform, person.chat_id)))
    return replies


async def _ward_figures(
    ctx: Context, ward: Ward, day: tuple[datetime, datetime], now: datetime, language: str
) -> dict[str, str]:
    """Yesterday's new pages and share of satisfied answers, and today's backlog."""
    since, until = day
    async with ctx.db() as session:
        new = await session.scalar(
            select(func.count())
            .select_from(BookPage)
            .where(
                BookPage.ward_id == ward.id,
                col(BookPage.created_at) >= since,
                col(BookPage.created_at) < until,
            )
        )
        unread = await session.scalar(
            select(func.count())
            .select_from(BookPage)
            .where(BookPage.ward_id == ward.id, col(BookPage.seen_at).is_(None))
        )
        overdue = await session.scalar(
            select(func.count())
            .select_from(BookPage)
            .where(
                BookPage.ward_id == ward.id,
                col(BookPage.answered_at).is_(None),
                col(BookPage.created_at) < now - timedelta(days=ward.deadline_days),
            )
        )
        answers, satisfied = (
            await session.exec(
                select(func.count(), func.sum(case((col(Answer.level) >= 4, 1), else_=0))).where(
                    Answer.ward_id == ward.id,
                    col(Answer.answered_at) >= since,
                    col(Answer.answered_at) < until,
                    # ratings after a visit, as every report: no «Chưa có ý kiến», no broadcast
                    col(Answer.level).between(1, 5),
                    col(Answer.source).in_(SOURCES["visit"]),
                )
            )
        ).one()
    share = say(language, "digest_no_answers")
    if answers:
        percent = round(100 * (satisfied or 0) / answers)
        share = say(language, "digest_share", percent=percent, count=answers)
    return {"new": str(new), "unread": str(unread), "overdue": str(overdue), "share": share}
