"""Scheduled work, run by APScheduler inside the bot's event loop."""

import logging
from dataclasses import replace
from datetime import timedelta
from typing import Protocol, runtime_checkable

from sqlalchemy import update
from sqlmodel import col, select

from bot import outbox
from bot.dispatch import Delivery, Dispatcher, Unreachable
from handlers import leaders, reminders
from handlers.events import Address, Response
from handlers.router import case_prompt, mark_prompted
from office import audit, privacy
from storage.answer_months import roll_up
from storage.db import gather_statistics
from storage.models import BookPage, JobRun, Notice, NoticeRedraw, Person
from storage.queries import NOTICE_UNSENT, due_case_prompts, forget_seen, people_with_menus

log = logging.getLogger(__name__)

CASE_BATCH = 50
NOTICE_BATCH = 100
# a notice claimed this long ago and not sent was cut off by a dying process: it may have
# arrived, so it is not sent again (the page stays unread, in /chuaxem and the reminders)
INTERRUPTED_AFTER = timedelta(seconds=15)
INTERRUPTED = "interrupted while sending"
SEEN_KEPT = timedelta(days=3)  # Telegram keeps an update it could not deliver for 24 hours


async def prompt_done_cases(dispatcher: Dispatcher) -> int:
    """Ask each citizen whose case was returned for the survey, once; returns how many."""
    ctx = dispatcher.ctx
    async with ctx.db() as session:
        due = await due_case_prompts(session, ctx.clock() - ctx.survey_delay, CASE_BATCH)
    sent = 0
    for case_id, platform, chat_id in due:
        address = Address(platform, chat_id)
        async with dispatcher.chat(address):
            decided = await case_prompt(ctx, case_id)
            outcome = Delivery.SENT
            if decided is not None:
                outcome = await dispatcher.deliver(decided[0], decided[1])
            if outcome == Delivery.FAILED:
                continue  # not marked: the next run tries again
            await mark_prompted(ctx, case_id)
            sent += outcome in (Delivery.SENT, Delivery.KEPT) and decided is not None
    return sent


async def send_replies(dispatcher: Dispatcher) -> int:
    """Send again the replies the platform could not take, each chat's in order; how many."""
    sent = 0
    for address in await outbox.waiting_chats(dispatcher.ctx.db, dispatcher.ctx.clock()):
        async with dispatcher.chat(address):
            sent += await dispatcher.resend(address)
    return sent


async def send_notices(dispatcher: Dispatcher) -> int:
    """Deliver the outbox: each new page to each leader of its ward, once; returns how many.

    A notice is marked sent, with its message id (to edit it when the page is signed),
    right after Telegram took it; a blocked leader is marked and skipped (sent again when
    they write to the bot), and when no leader of the ward can be reached the admins are told.
    """
    ctx = dispatcher.ctx
    async with ctx.db() as session:
        result = await session.exec(
            select(Notice.id, Person.platform, Person.chat_id)
            .join(Person, col(Person.id) == Notice.person_id)
            .where(*NOTICE_UNSENT)
            .order_by(col(Notice.id))
            .limit(NOTICE_BATCH)
        )
        due = list(result.all())
    sent = 0
    for notice_id, platform, chat_id in due:
        address = Address(platform, chat_id)
        async with dispatcher.chat(address):
            async with ctx.db() as session:
                notice = await session.get(Notice, notice_id)
                if notice is None or notice.sent_at is not None or notice.failed:
                    continue
                if notice.claimed_at is not None:  # a send of it began and never ended
                    if notice.claimed_at > ctx.clock() - INTERRUPTED_AFTER:
                        continue  # perhaps still under way, in a leader that lost its lock
                    notice.failed = INTERRUPTED  # it may have arrived: never sent twice
                    await session.commit()
                    log.warning("notice %s was interrupted mid-send; not sent again", notice_id)
                    continue
                decided = await leaders.notice_message(session, ctx, notice)
                if decided is None:
                    notice.failed = "not a leader any more"
                    await session.commit()
                    continue
                claimed = await session.exec(  # type: ignore[call-overload]
                    update(Notice)
                    .where(col(Notice.id) == notice_id, col(Notice.claimed_at).is_(None))
                    .values(claimed_at=ctx.clock())
                )
                await session.commit()
                if claimed.rowcount != 1:
                    continue  # another leader's send has it
            try:
                message_id = await dispatcher.send_all(address, decided[1])
                if decided[2]:  # the rest of a long page, after the notice that is edited
                    await dispatcher.send_all(address, decided[2])
            except Unreachable:
                await _notice_failed(dispatcher, notice_id, leaders.BLOCKED)
                continue
            except Exception:
                log.exception("notice %s not sent; retrying later", notice_id)
                await _notice_unclaimed(dispatcher, notice_id)
                continue
            async with ctx.db() as session:
                notice = await session.get(Notice, notice_id)
                assert notice is not None
                notice.sent_at, notice.message_id = ctx.clock(), message_id
                leader = await session.get(Person, notice.person_id)
                page = await session.get(BookPage, notice.page_id)
                if leader is not None and page is not None:  # the audit trail of named pages
                    audit.record_page_views(session, leader, [page], platform, ctx.clock())
                await session.commit()
            sent += 1
    return sent


async def _notice_unclaimed(dispatcher: Dispatcher, notice_id: int) -> None:
    """The platform refused the notice: its next run sends it again."""
    async with dispatcher.ctx.db() as session:
        await session.exec(  # type: ignore[call-overload]
            update(Notice).where(col(Notice.id) == notice_id).values(claimed_at=None)
        )
        await session.commit()


async def _notice_failed(dispatcher: Dispatcher, notice_id: int, reason: str) -> None:
    ctx = dispatcher.ctx
    async with ctx.db() as session:
        notice = await session.get(Notice, notice_id)
        assert notice is not None
        notice.failed = reason
        await session.commit()
        alerts = await leaders.unreachable_alert(session, ctx, notice.page_id)
    for alert in alerts:  # each to its own address
        assert alert.to is not None
        await dispatcher.deliver(alert.to, Response([alert]))


async def book_schedule(dispatcher: Dispatcher) -> int:
    """Reminders of unread pages, escalations of overdue ones, the morning digest."""
    ctx = dispatcher.ctx
    replies = [
        *await reminders.remind_unread(ctx, ctx.remind_after),
        *await reminders.escalate_overdue(ctx),
        *await reminders.morning_digest(ctx),
    ]
    for reply in replies:
        assert reply.to is not None
        await dispatcher.deliver(reply.to, Response([reply]))
    return len(replies)


async def retention(dispatcher: Dispatcher) -> int:
    """Once a local day: anonymize people inactive for SOGOPY_RETENTION_MONTHS, drop old photos."""
    ctx = dispatcher.ctx
    day = ctx.clock().astimezone(ctx.timezone).strftime("%Y-%m-%d")
    async with ctx.db() as session:
        done = await session.exec(
            select(JobRun.id).where(JobRun.job == "retention", JobRun.day == day)
        )
        if done.first() is not None:
            return 0
        plan = await privacy.purge(
            session, ctx.clock(), ctx.retention_months, "scheduler", "bot", "job"
        )
        session.add(JobRun(job="retention", key="all", day=day, done_at=ctx.clock()))
        await session.commit()
    people, photos = len(plan.people), len(plan.photos)
    if people or photos:
        log.info("retention: %d people anonymized, %d photos dropped", people, photos)
    return people + photos


async def statistics(dispatcher: Dispatcher) -> int:
    """Once a local day: the query planner's statistics, as the data grows (SQLite)."""
    ctx = dispatcher.ctx
    day = ctx.clock().astimezone(ctx.timezone).strftime("%Y-%m-%d")
    async with ctx.db() as session:
        done = await session.exec(
            select(JobRun.id).where(JobRun.job == "statistics", JobRun.day == day)
        )
        if done.first() is not None:
            return 0
        await (await session.connection()).run_sync(gather_statistics)
        session.add(JobRun(job="statistics", key="all", day=day, done_at=ctx.clock()))
        await session.commit()
    return 1


async def count_months(dispatcher: Dispatcher) -> int:
    """Count each local month into `AnswerMonth` once it has ended, for the figures: the
    months already counted cost one read of `rollup`; the first run counts them all."""
    ctx = dispatcher.ctx
    async with ctx.db() as session:
        months = await roll_up(session, zone=ctx.timezone, now=ctx.clock())
        await session.commit()
    if months:
        log.info("figures: %d months counted", months)
    return months


async def redraw_notices(dispatcher: Dispatcher) -> int:
    """Edit leaders' notifications of pages changed at the desk (erasure, retention)."""
    ctx = dispatcher.ctx
    async with ctx.db() as session:
        result = await session.exec(
            select(NoticeRedraw, Notice, Person, BookPage)
            .join(Notice, col(Notice.id) == NoticeRedraw.notice_id)
            .join(Person, col(Person.id) == Notice.person_id)
            .join(BookPage, col(BookPage.id) == Notice.page_id)
            .order_by(col(NoticeRedraw.id))
            .limit(NOTICE_BATCH)
        )
        due = []
        for redraw, notice, leader, page in result.all():
            shown = await leaders.render_notice(session, ctx, page, leader.language)
            edit = replace(
                shown, to=Address(leader.platform, leader.chat_id), edit=notice.message_id
            )
            due.append((redraw.id, edit))
    for redraw_id, edit in due:
        assert edit.to is not None
        try:
            await dispatcher.send_all(edit.to, [edit])
        except Unreachable:
            pass  # a leader who blocked the bot: nothing left to redraw
        except Exception:
            log.exception("notice not redrawn; retrying later")
            continue
        async with ctx.db() as session:
            row = await session.get(NoticeRedraw, redraw_id)
            if row is not None:
                await session.delete(row)
                await session.commit()
    return len(due)


@runtime_checkable
class MenuTransport(Protocol):
    """A transport with per-chat command menus (Telegram; Zalo has no menus)."""

    async def set_menu(self, chat_id: str, role: str | None) -> None: ...


async def sync_menus(dispatcher: Dispatcher) -> int:
    """Give each leader's and admin's chat its own command menu, and a removed leader the
    citizens' again (the office removes leaders from the CLI); returns how many changed."""
    ctx = dispatcher.ctx
    changed = 0
    for platform, transport in dispatcher.transports.items():
        if not isinstance(transport, MenuTransport):
            continue
        async with ctx.db() as session:
            due = []
            people = await people_with_menus(session, platform, ctx.admins)
            roles = await leaders.roles_of(session, ctx, people)
            for person in people:
                if roles[person.id] != person.menu:
                    due.append((person.id, person.chat_id, roles[person.id]))
        for person_id, chat_id, wanted in due:
            await transport.set_menu(chat_id, wanted)
            async with ctx.db() as session:
                person = await session.get(Person, person_id)
                if person is not None:
                    person.menu = wanted
                    await session.commit()
            changed += 1
    return changed


async def forget_handled(dispatcher: Dispatcher) -> int:
    """Forget the handled update and message ids no platform can deliver again; how many."""
    ctx = dispatcher.ctx
    async with ctx.db() as session:
        forgotten = await forget_seen(session, ctx.clock() - SEEN_KEPT)
        await session.commit()
    return forgotten
