"""The jobs that run every few seconds read what is pending through an index, never by
scanning tables that grow for ever (every notice, case, page and person, ever), and
/metrics counts the waiting rows the same way: on SQLite, each of their SELECTs is
explained as the bot ran it (migration 0012)."""

import re
import sqlite3
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url

from bot.dispatch import Dispatcher
from bot.jobs import book_schedule, prompt_done_cases, send_notices, sync_menus
from handlers.context import Context
from storage.models import Ward
from storage.queries import backlog
from tests.conftest import Chat
from tests.handlers.test_menus import MenuRecorder

GROWING = ("notice", "case", "person", "bookpage", "draft", "answer", "surveysession")
FULL_SCAN = re.compile(rf"^SCAN ({'|'.join(GROWING)})$")
USING = re.compile(r"USING (?:COVERING )?INDEX (\w+)")
PENDING = {
    "ix_draft_session_id",  # the run's draft: typed mid-survey, the last press
    "ix_notice_unsent",  # the leaders' notices to send
    "ix_case_to_prompt",  # the done cases whose citizen is to be asked
    "ix_person_menu",  # the people with a command menu of their own
    "ix_bookpage_unseen",  # reminders
    "ix_bookpage_to_escalate",  # escalations
}


@pytest.mark.any_database
async def test_the_periodic_jobs_read_by_index(ctx: Context, ward: Ward, database_url: str) -> None:
    ctx = replace(ctx, admins=frozenset({"9001"}), quiet=None)
    dispatcher = Dispatcher(ctx)
    dispatcher.transports["telegram"] = MenuRecorder()  # type: ignore[assignment]
    citizen = Chat(ctx, chat_id="3001")
    await citizen.command("start", "d_NGHIA-TAN")
    engine = ctx.db.kw["bind"]
    ran: list[tuple[str, Any]] = []

    def keep(_conn: object, _cursor: object, statement: str, parameters: Any, *_: object) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            ran.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", keep)
    try:
        await citizen.text("Ghế chờ ít")  # typed mid-survey: the run's draft looked up
        await citizen.answer_all("Hài lòng")  # the last press: the draft again
        for job in (send_notices, prompt_done_cases, sync_menus, book_schedule):
            await job(dispatcher)
        async with ctx.db() as session:  # /metrics counts the same rows at each scrape
            await backlog(session, ctx.clock())
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", keep)
    with sqlite3.connect(make_url(database_url).database or "") as connection:
        plans = [
            (detail, statement)
            for statement, parameters in ran
            for *_, detail in connection.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
        ]
    assert [(d, s) for d, s in plans if FULL_SCAN.match(d)] == []
    # an index on the table is not enough (the platform's every person, every case done):
    # the pending rows' own partial indexes are the ones read
    used = {found[1] for detail, _ in plans if (found := USING.search(detail))}
    assert PENDING <= used, PENDING - used
