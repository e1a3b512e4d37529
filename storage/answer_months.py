"""A ward's answers counted per whole local month that has ended: what figures of the past sum.

A year of a busy ward's figures is a count of a million answers (the year by month of
the console's figures page: 1.4 s on SQLite for one year, 68 ms just to count its index
entries). Answers are only ever added, at the time they are given, and nothing changes
an answer, its case's procedure or its desk afterwards (erasure leaves answers as they
are, anonymous): so a month that has ended has the same counts forever, and
`AnswerMonth` keeps them, per element, procedure and desk, level and source. It is a
derived table, not a second record: `roll_up` fills it from `answer` only, month by
month as months end; `RollUp` says up to which month, in which zone (a local month
depends on it). A report takes the whole months counted from here and everything else
(partial months, months not yet counted, another zone) from `answer`, as before.
Deleting the `RollUp` row makes the next `roll_up` count everything again.
"""

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, DateTime, String, cast, delete, func, insert, literal, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Answer, AnswerMonth, Case, RollUp, SurveySession
from storage.report import local_day, offset_segments

KINDS = ("element", "procedure", "desk")
# a month is counted once it ended this long ago: an answer is written with the time it
# is given, in a transaction of a few seconds, so none can still arrive for it
SETTLED = timedelta(hours=1)


def _month_expr(column: Any, zone: ZoneInfo, start: datetime, end: datetime, dialect: str) -> Any:
    """SQL for the first local day of the month of a UTC column (see `local_day`)."""
    day = local_day(column, offset_segments(zone, start, end), dialect)
    if dialect == "sqlite":
        return func.date(day, "start of month", type_=Date)
    return cast(func.date_trunc("month", cast(day, DateTime)), Date)


def _counts(kind: str, month: Any, start: datetime | None, end: datetime) -> Any:
    """SELECT ward, month, code, level, source, count of the answers in [start, end)."""
    if kind == "element":
        code: Any = col(Answer.element)
    elif kind == "procedure":
        code = col(Case.procedure)
    else:
        code = cast(func.coalesce(col(SurveySession.desk), col(Case.desk)), String)
    keys = [col(Answer.ward_id), month, code, col(Answer.level), col(Answer.source)]
    query = select(*keys, literal(kind), func.count()).select_from(Answer)
    if kind == "desk":
        query = query.join(SurveySession, col(Answer.session_id) == col(SurveySession.id))
    if kind != "element":
        query = query.outerjoin(Case, col(Answer.case_id) == col(Case.id))
    if start is not None:
        query = query.where(col(Answer.answered_at) >= start)
    return query.where(col(Answer.answered_at) < end).group_by(*keys)


async def roll_up(session: AsyncSession, *, zone: ZoneInfo, now: datetime) -> int:
    """Count the months of `zone` that ended (`SETTLED` ago) since the last roll-up; how
    many months are newly counted. A zone not counted yet is counted from scratch, and
    the months of any other zone are dropped (the bot has one zone).

    Two processes rolling up at once: the second finds `through` moved and counts
    nothing, or, on the first run, fails to add the `RollUp` row (its transaction is
    rolled back, as any failed job's).
    """
    through = (now - SETTLED).astimezone(zone).date().replace(day=1)
    kept = (await session.exec(select(RollUp))).all()
    done = next((row for row in kept if row.zone == zone.key), None)
    if done is not None and done.through >= through:
        return 0
    if done is None:
        await session.exec(delete(AnswerMonth))  # type: ignore[call-overload]
        await session.exec(delete(RollUp))  # type: ignore[call-overload]
        first_answer = (await session.exec(select(func.min(col(Answer.answered_at))))).one()
        session.add(RollUp(zone=zone.key, through=through, done_at=now))
        await session.flush()  # a second process adding its row at once fails here
        since: date | None = None
        if first_answer is None:
            return 0
        begin = first_answer
    else:
        since = done.through
        moved = await session.exec(  # type: ignore[call-overload]
            update(RollUp)
            .where(col(RollUp.zone) == zone.key, col(RollUp.through) == since)
            .values(through=through, done_at=now)
        )
        if moved.rowcount != 1:
            return 0
        begin = datetime.combine(since, datetime.min.time(), zone)
    end = datetime.combine(through, datetime.min.time(), zone)
    if begin >= end:
        return 0
    month = _month_expr(col(Answer.answered_at), zone, begin, end, session.get_bind().dialect.name)
    columns = ["ward_id", "month", "code", "level", "source", "kind", "answers"]
    for kind in KINDS:
        counts = _counts(kind, month, begin if since is not None else None, end)
        await session.exec(insert(AnswerMonth).from_select(columns, counts))  # type: ignore[call-overload]
    first = begin.astimezone(zone).date()
    return (through.year - first.year) * 12 + through.month - first.month
