"""Satisfaction figures (SIPAS), always recomputed from the raw five-level answers.

Share satisfied = answers at levels 4-5 / all answers to rating questions; the mean
and the full distribution come with it, since the official method may change. A
figure standing on fewer than `TOO_FEW` answers is marked as too few to judge.
«Chưa có ý kiến» (`NO_OPINION`) is no rating: left out of every share and mean and
counted apart. Broadcast answers are given without any visit: a ward's figures count
case and walk-in answers unless asked otherwise, and show broadcast answers apart.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, and_, bindparam, case, cast, func, literal, literal_column
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    NO_OPINION,
    Answer,
    AnswerMonth,
    Case,
    RollUp,
    Source,
    SurveySession,
    UTCDateTime,
    Ward,
)

ELEMENT_ORDER = ("access", "procedure", "officer", "result", "feedback")
TOO_FEW = 10
PERIODS = ("week", "month", "quarter", "year")  # groupings by the local answer day
GROUPINGS = ("element", "procedure", "ward", "desk", *PERIODS)
# which answers a report counts: after a visit (the default), one source, or every one
SOURCES: dict[str, tuple[str, ...]] = {
    "visit": (Source.CASE, Source.WALKIN),
    "case": (Source.CASE,),
    "walkin": (Source.WALKIN,),
    "broadcast": (Source.BROADCAST,),
    "all": (Source.CASE, Source.WALKIN, Source.BROADCAST),
}
NO_DESK = "none"  # the desk row's key for answers whose desk is not known


@dataclass(frozen=True)
class Cell:
    """The answers behind one figure: how many at each level, 1 to 5, and how many said
    «Chưa có ý kiến» (in no share or mean)."""

    key: str  # ward or element code, procedure, desk, "2026-W47", "2026-11", "2026-Q4", "all"
    label: str  # what people read: ward name, element label, procedure, "17/11-23/11"
    levels: tuple[int, int, int, int, int]
    no_opinion: int = 0  # «Chưa có ý kiến»: in no share or mean

    @property
    def answers(self) -> int:
        return sum(self.levels)

    @property
    def satisfied(self) -> int:
        return self.levels[3] + self.levels[4]

    @property
    def share(self) -> float | None:
        return self.satisfied / self.answers if self.answers else None

    @property
    def mean(self) -> float | None:
        if not self.answers:
            return None
        return sum(level * count for level, count in enumerate(self.levels, start=1)) / self.answers

    @property
    def too_few(self) -> bool:
        return self.answers < TOO_FEW


@dataclass(frozen=True)
class Report:
    """A period's figures for one ward or the city, grouped one way."""

    since: date  # local dates, both included
    until: date
    ward: str | None  # ward code, or None for every ward
    by: str  # one of GROUPINGS
    overall: Cell
    rows: list[Cell]
    elements: dict[str, list[Cell]] = field(default_factory=dict)  # by="ward": each ward's
    cases_done: int = 0  # unique cases marked done in the period
    cases_answered: int = 0  # of those, cases whose survey was answered
    walkin_answers: int = 0  # counted apart: never mixed into the case response rate
    source: str = "visit"  # a key of SOURCES: the answers counted in overall and rows
    broadcast: Cell = Cell("broadcast", "broadcast", (0, 0, 0, 0, 0))  # shown apart
    previous: "Report | None" = None  # the same figures over the period before
    ward_name: str | None = None  # the ward's name, for titles; None for every ward

    @property
    def response_rate(self) -> float | None:
        return self.cases_answered / self.cases_done if self.cases_done else None

    @property
    def response_too_few(self) -> bool:
        """The rate stands on cases: under TOO_FEW of them, as with answers, no judgement."""
        return self.cases_done < TOO_FEW


# --- computing a report --------------------------------------------------------------
#
# The database does the counting (GROUP BY on a few columns of `answer`, covered by the
# index of migration 0003); Python only assembles the few thousand counts into Cells.

_EMPTY = (0, 0, 0, 0, 0)
_OFFSET_PROBE = timedelta(hours=6)  # zones never change their offset twice within this


def _instant(moment: datetime) -> Any:
    """A UTC instant written into the SQL text, not bound as a parameter.

    PostgreSQL plans a prepared statement (asyncpg prepares them all) for its values
    five times, then may switch to a generic plan that does not know the period: for a
    year of a city's answers it sorted a million rows on disk instead of hashing them,
    three times slower. With the bounds in the text, every report is planned for its
    own period. The values are computed instants, never text from a person.
    """
    return bindparam(None, moment, type_=UTCDateTime(), literal_execute=True)


def utc_bounds(zone: ZoneInfo, since: date, until: date) -> tuple[datetime, datetime]:
    """The UTC instants [since 00:00 local, until + 1 day 00:00 local)."""
    start = datetime.combine(since, time(), zone).astimezone(UTC)
    end = datetime.combine(until + timedelta(days=1), time(), zone).astimezone(UTC)
    return start, end


def _offset(zone: ZoneInfo, instant: datetime) -> int:
    offset = instant.astimezone(zone).utcoffset()
    assert offset is not None
    return int(offset.total_seconds())


def offset_segments(zone: ZoneInfo, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """The zone's UTC offsets (seconds) over [start, end): (UTC instant it starts, offset).

    The first segment starts at `start`; a new one at each change of offset (summer
    time), found to the second. Asia/Ho_Chi_Minh gives one segment: +25200.
    """
    segments = [(start, _offset(zone, start))]
    probe = start
    while probe < end:
        later = min(probe + _OFFSET_PROBE, end)
        if _offset(zone, later) != segments[-1][1]:
            low, high = probe, later  # offset(low) is the old one, offset(high) the new
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if _offset(zone, middle) == segments[-1][1]:
                    low = middle
                else:
                    high = middle
            changed = high.replace(microsecond=0)  # changes fall on whole seconds
            segments.append((changed, _offset(zone, changed)))
        probe = later
    return segments


def local_day(column: Any, segments: list[tuple[datetime, int]], dialect: str) -> Any:
    """SQL for the local date of a UTC column: the column shifted by the zone's offset.

    Portable between SQLite (naive UTC text, no zones) and PostgreSQL (timestamp without
    time zone): the offset is a constant, or a CASE over the segments' start instants
    when the period crosses a change of offset. SQLite rounds date arithmetic to the
    millisecond (23:59:59.9999 would become the next day), so the text is cut to whole
    seconds first; offsets are whole seconds, hence the date is exact.
    """
    offsets: Any = literal(segments[0][1])
    if len(segments) > 1:
        offsets = case(
            *((column < _instant(begins), offset) for (begins, _), (_, offset)
              in zip(segments[1:], segments, strict=False)),
            else_=segments[-1][1],
        )  # fmt: skip
    if dialect == "sqlite":
        modifier = func.printf("%+d seconds", offsets)
        return func.date(func.substr(column, 1, 19), modifier, type_=Date)
    return cast(column + offsets * literal_column("interval '1 second'"), Date)


def _period_key(day: date, unit: str) -> str:
    if unit == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if unit == "month":
        return f"{day.year}-{day.month:02d}"
    if unit == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return str(day.year)


def _period_start(day: date, unit: str) -> date:
    """The first day of the week, month, quarter or year holding `day`."""
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    if unit == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(month=1, day=1)


def _next_start(start: date, unit: str) -> date:
    if unit == "week":
        return start + timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[unit]
    month = start.month - 1 + months
    return start.replace(year=start.year + month // 12, month=month % 12 + 1)


def _period_label(start: date, unit: str) -> str:
    """ "17/11–23/11", "11/2026", "Q4/2026" or "2026": written the same in both languages."""
    if unit == "week":
        return f"{start:%d/%m}–{start + timedelta(days=6):%d/%m}"
    if unit == "month":
        return f"{start:%m/%Y}"
    if unit == "quarter":
        return f"Q{(start.month - 1) // 3 + 1}/{start.year}"
    return str(start.year)


def _period_cells(counts: dict[date, list[int]], since: date, until: date, unit: str) -> list[Cell]:
    """One Cell per week, month, quarter or year touching the period, empty ones included,
    oldest first.

    The label spans the whole unit, but only the answers within the period are counted:
    the first and last may be partial.
    """
    periods: dict[str, list[int]] = {}
    labels: dict[str, str] = {}
    start = _period_start(since, unit)
    while start <= until:
        key = _period_key(start, unit)
        periods[key] = [0] * 6
        labels[key] = _period_label(start, unit)
        start = _next_start(start, unit)
    for day, levels in counts.items():
        slot = periods[_period_key(day, unit)]
        for index, count in enumerate(levels):
            slot[index] += count
    return [_cell(key, labels[key], slot) for key, slot in periods.items()]


def _cell(key: str, label: str, counts: list[int] | None) -> Cell:
    """A Cell from six counts: «Chưa có ý kiến», then levels 1 to 5."""
    if counts is None:
        return Cell(key, label, _EMPTY)
    return Cell(key, label, (counts[1], counts[2], counts[3], counts[4], counts[5]), counts[0])


class _Tally:
    """Counts per key, «Chưa có ý kiến» and level, filled from GROUP BY rows (key, level,
    source, count), of the answers from `sources`; broadcast answers are also counted in
    `broadcast` whatever `sources` says, to be shown apart."""

    def __init__(self, sources: tuple[str, ...]) -> None:
        self.sources = sources
        self.by_key: dict[Any, list[int]] = {}
        self.overall = [0] * 6
        self.broadcast = [0] * 6
        self.walkins = 0

    def add(self, key: Any, level: int, source: str, count: int) -> None:
        if not NO_OPINION <= level <= 5:
            return  # neither a five-level answer nor «Chưa có ý kiến»: nothing to count
        if source == Source.BROADCAST:
            self.broadcast[level] += count
        if source not in self.sources:
            return
        self.overall[level] += count
        if source == Source.WALKIN and level != NO_OPINION:
            self.walkins += count
        self.by_key.setdefault(key, [0] * 6)[level] += count

    def cell(self, key: Any, code: str, label: str) -> Cell:
        return _cell(code, label, self.by_key.get(key))


def _fold(counts: dict[Any, list[int]], group: Callable[[Any], Any]) -> dict[Any, list[int]]:
    """Counts per level summed over the keys that `group` maps to the same value."""
    folded: dict[Any, list[int]] = {}
    for key, levels in counts.items():
        total = folded.setdefault(group(key), [0] * 6)
        for index, number in enumerate(levels):
            total[index] += number
    return folded


def _day(text: str) -> date:
    return date.fromisoformat(text)  # SQLite's date(): "YYYY-MM-DD"


def _by_share_descending(cell: Cell) -> tuple[bool, float, str]:
    return (cell.share is None, -(cell.share or 0.0), cell.key)


def _by_share_ascending(cell: Cell) -> tuple[bool, float, str]:
    return (cell.share is None, cell.share or 0.0, cell.key)


async def _response(
    session: AsyncSession, start: datetime, end: datetime, ward_id: int | None
) -> tuple[int, int]:
    """Cases done in the period, and how many of them have an answer from their survey.

    No GROUP BY on `answer` can give it (a case done in the period may be answered after
    it), so each case carries its survey's first answer time, written with that answer:
    both counts come from one range of ix_case_response (the city) or
    ix_case_ward_response (one ward), no row of `answer` read.
    """
    done_in_period = [col(Case.done_at) >= _instant(start), col(Case.done_at) < _instant(end)]
    if ward_id is not None:
        done_in_period.append(col(Case.ward_id) == ward_id)
    query = select(func.count(), func.count(col(Case.survey_answered_at))).where(*done_in_period)
    done, with_answers = (await session.exec(query)).one()
    return done, with_answers


# what `AnswerMonth` (storage.answer_months) counts each grouping by; a week may span
# two months, so weeks are always counted from the answers
_KIND = {
    "element": "element", "ward": "element", "procedure": "procedure", "desk": "desk",
    "month": "element", "quarter": "element", "year": "element",
}  # fmt: skip


async def _counted_months(
    session: AsyncSession, zone: ZoneInfo, since: date, until: date
) -> tuple[date, date] | None:
    """The whole local months within `since`..`until` that `AnswerMonth` counts, as [first
    day of the first, first day after the last); None when there are none."""
    first = since if since.day == 1 else _next_start(_period_start(since, "month"), "month")
    end = _period_start(until + timedelta(days=1), "month")
    if first >= end:
        return None
    through = await session.exec(select(RollUp.through).where(RollUp.zone == zone.key))
    counted = through.first()
    if counted is None or first >= min(end, counted):
        return None
    return first, min(end, counted)


async def _month_counts(
    session: AsyncSession, by: str, months: tuple[date, date], ward_id: int | None
) -> list[tuple[Any, int, str, int]]:
    """(key, level, source, answers) of the counted months [first, end), keyed as the
    answers' GROUP BY rows are for `by`: (ward, element), procedure, desk or month."""
    kind = _KIND[by]
    if by in PERIODS:
        keys: list[Any] = [col(AnswerMonth.month)]
    elif by in ("element", "ward"):
        keys = [col(AnswerMonth.ward_id), col(AnswerMonth.code)]
    else:
        keys = [col(AnswerMonth.code)]
    query = (
        select(*keys, col(AnswerMonth.level), col(AnswerMonth.source),
               func.sum(col(AnswerMonth.answers)))
        .where(col(AnswerMonth.kind) == kind, col(AnswerMonth.month) >= months[0],
               col(AnswerMonth.month) < months[1])
        .group_by(*keys, col(AnswerMonth.level), col(AnswerMonth.source))
    )  # fmt: skip
    if ward_id is not None:
        query = query.where(col(AnswerMonth.ward_id) == ward_id)
    rows = []
    for *key, level, source, answers in await session.exec(query):
        value: Any = tuple(key) if len(key) > 1 else key[0]
        if kind == "desk" and value is not None:
            value = int(value)  # a desk number, kept as text beside procedures
        rows.append((value, level, source, int(answers)))
    return rows


def _answer_counts(
    groupings: Sequence[str],
    zone: ZoneInfo,
    start: datetime,
    end: datetime,
    ward_id: int | None,
    dialect: str,
) -> Any:
    """The GROUP BY of the answers of [start, end) by the keys of each of `groupings` at
    once: (keys..., level, source, count), two keys (ward, element) for "element" and
    "ward", one for the others."""
    in_scope = [col(Answer.answered_at) >= _instant(start), col(Answer.answered_at) < _instant(end)]
    if ward_id is not None:
        in_scope.append(col(Answer.ward_id) == ward_id)
    level, answer_source, count = col(Answer.level), col(Answer.source), func.count()
    keys: list[Any] = []
    for by in groupings:
        if by in ("element", "ward"):
            # by ward even for the elements: ix_answer_report's order, so the count streams
            keys += [col(Answer.ward_id), col(Answer.element)]
        elif by == "procedure":
            keys.append(col(Case.procedure))
        elif by == "desk":
            keys.append(func.coalesce(col(SurveySession.desk), col(Case.desk)))
        else:
            segments = offset_segments(zone, start, end)
            keys.append(local_day(col(Answer.answered_at), segments, dialect))
    query = (
        select(*keys, level, answer_source, count)
        .where(*in_scope)
        .group_by(*keys, level, answer_source)
        .select_from(Answer)
    )
    if "desk" in groupings:
        runs = [col(Answer.session_id) == col(SurveySession.id)]
        if ward_id is not None:
            # a run's answers carry its ward: said here, PostgreSQL reads the ward's runs
            # instead of hashing every run of the city (71 -> 28 ms for a ward's month)
            runs.append(col(SurveySession.ward_id) == ward_id)
        query = query.join(SurveySession, and_(*runs))
    if "desk" in groupings or "procedure" in groupings:
        query = query.outerjoin(Case, col(Answer.case_id) == col(Case.id))
    return query


async def responses_by_ward(
    session: AsyncSession, *, zone: ZoneInfo, since: date, until: date
) -> dict[int, tuple[int, int]]:
    """`_response` of every ward at once, by ward id: cases done in the local days
    `since`..`until`, and of them those answered (one range of ix_case_response)."""
    start, end = utc_bounds(zone, since, until)
    ward_id = col(Case.ward_id)
    query = (
        select(ward_id, func.count(), func.count(col(Case.survey_answered_at)))
        .where(col(Case.done_at) >= _instant(start), col(Case.done_at) < _instant(end))
        .group_by(ward_id)
    )
    return {ward: (done, answered) for ward, done, answered in (await session.exec(query)).all()}


async def build_report(
    session: AsyncSession,
    *,
    zone: ZoneInfo,
    since: date,
    until: date,
    ward_id: int | None = None,
    by: str = "element",
    element_labels: dict[str, str] | None = None,
    source: str = "visit",
) -> Report:
    """The figures of the local days `since`..`until` (both included), for one ward or all.

    `overall` counts every answer in scope from the sources named by `source` (a key of
    SOURCES: case and walk-in answers by default); `broadcast` counts the period's
    broadcast answers whatever `source` says, to be shown apart. `rows` follow `by`:
    "element" (the five SIPAS elements in order, even unanswered), "ward" (every ward,
    best share first, with each ward's five elements in `elements`), "procedure" (the
    answers of cases, per procedure, lowest share first), "desk" (the desk a walk-in's
    QR code or a case's registration named, by number, unknown last) or "week", "month",
    "quarter", "year" (of the local answer time, oldest first, empty ones included).
    Answers are grouped by element, never by survey version, so a question keeps its
    history across versions; an element outside ELEMENT_ORDER has no row of its own, but
    counts in `overall` (and in its ward's row). «Chưa có ý kiến» answers count in each
    cell's `no_opinion`, in no share or mean; other levels outside 1-5 are left out.
    `overall` is keyed "all", labelled with the ward's name (or "all" for the city).
    Raises LookupError for an unknown ward, ValueError for a bad grouping, source or period.

    Whole months that `storage.answer_months.roll_up` has counted are summed from
    `AnswerMonth` (weeks excepted); the other days are counted from the answers.

    The response rate counts cases, not survey runs: cases done in the period, and of
    them those with at least one answer from their case survey (whenever answered);
    walk-in answers are counted apart in `walkin_answers`.
    """
    (report,) = await build_reports(
        session, zone=zone, since=since, until=until, ward_id=ward_id, groupings=(by,),
        element_labels=element_labels, source=source,
    )  # fmt: skip
    return report


async def build_reports(
    session: AsyncSession,
    *,
    zone: ZoneInfo,
    since: date,
    until: date,
    ward_id: int | None = None,
    groupings: Sequence[str] = ("element",),
    element_labels: dict[str, str] | None = None,
    source: str = "visit",
) -> list[Report]:
    """`build_report` for each of `groupings`, over the same days: the ward, the months
    counted and the response rate are read once for them all (a page of several tables
    makes one round trip each instead of one per table)."""
    for by in groupings:
        if by not in GROUPINGS:
            raise ValueError(f"unknown grouping {by!r}: use one of {', '.join(GROUPINGS)}")
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}: use one of {', '.join(SOURCES)}")
    if until < since:
        raise ValueError(f"the period ends ({until}) before it starts ({since})")
    wards_query = select(col(Ward.id), col(Ward.code), col(Ward.name)).order_by(Ward.code)
    if ward_id is not None:
        wards_query = wards_query.where(col(Ward.id) == ward_id)
    needed = "ward" in groupings or ward_id is not None
    wards = (await session.exec(wards_query)).all() if needed else []
    if ward_id is not None and not wards:
        raise LookupError(f"no ward with id {ward_id}")
    scope = wards[0] if ward_id is not None else None  # (id, code, name)
    months = None
    if any(by in _KIND for by in groupings):
        months = await _counted_months(session, zone, since, until)
    cases_done, cases_answered = await _response(session, *utc_bounds(zone, since, until), ward_id)
    tallies = {by: _Tally(SOURCES[source]) for by in groupings}
    # a ward's elements, procedures and desks from one read of its answers; the city's
    # would multiply its rows by its wards
    together = [by for by in groupings if by in ("element", "procedure", "desk")]
    if ward_id is None or len(together) < 2:
        together = []
    batches = ([together] if together else []) + [[by] for by in groupings if by not in together]
    for batch in batches:
        counted = months if batch[0] in _KIND else None
        batch_tallies = {by: tallies[by] for by in batch}
        await _count(session, batch_tallies, zone, since, until, ward_id, counted)
    reports = []
    for by in groupings:
        tally = tallies[by]
        rows, elements = _rows(by, tally, wards, element_labels or {}, since, until)
        reports.append(
            Report(
                since=since,
                until=until,
                ward=scope[1] if scope else None,
                by=by,
                overall=_cell("all", scope[2] if scope else "all", tally.overall),
                rows=rows,
                elements=elements,
                cases_done=cases_done,
                cases_answered=cases_answered,
                walkin_answers=tally.walkins,
                source=source,
                broadcast=_cell("broadcast", "broadcast", tally.broadcast),
                ward_name=scope[2] if scope else None,
            )
        )
    return reports


async def _count(
    session: AsyncSession,
    tallies: dict[str, _Tally],
    zone: ZoneInfo,
    since: date,
    until: date,
    ward_id: int | None,
    months: tuple[date, date] | None,
) -> None:
    """Fill each grouping's tally with the counts of the months counted (`months`) and the
    answers of the other days, the answers read once for every grouping."""
    live = [(since, until)]
    if months is not None:
        for by, tally in tallies.items():
            for code, level, source, answers in await _month_counts(session, by, months, ward_id):
                tally.add(code, level, source, answers)
        live = [(since, months[0] - timedelta(days=1)), (months[1], until)]
    dialect = session.get_bind().dialect.name
    if list(tallies) in (["month"], ["quarter"], ["year"]):
        # a month's answers all have its key: counted month by month, no local day computed
        # for each answer (half the time of the GROUP BY on SQLite)
        (tally,) = tallies.values()
        for first, last in (month for days in live for month in _months_of(*days)):
            query = _answer_counts([], zone, *utc_bounds(zone, first, last), ward_id, dialect)
            for level, source, count in await session.exec(query):
                tally.add(first, level, source, count)
        return
    widths = [(tally, 2 if by in ("element", "ward") else 1) for by, tally in tallies.items()]
    for first, last in live:
        if first > last:
            continue
        bounds = utc_bounds(zone, first, last)
        query = _answer_counts(list(tallies), zone, *bounds, ward_id, dialect)
        for *keys, level, source, count in await session.exec(query):
            for tally, width in widths:
                key = tuple(keys[:width]) if width > 1 else keys[0]
                tally.add(key, level, source, count)
                keys = keys[width:]


def _months_of(first: date, last: date) -> list[tuple[date, date]]:
    """The days `first`..`last` cut at the start of each month; none if `last` < `first`."""
    parts = []
    while first <= last:
        month_end = _next_start(_period_start(first, "month"), "month") - timedelta(days=1)
        parts.append((first, min(last, month_end)))
        first = month_end + timedelta(days=1)
    return parts


def _rows(
    by: str,
    tally: _Tally,
    wards: Sequence[Any],
    labels: dict[str, str],
    since: date,
    until: date,
) -> tuple[list[Cell], dict[str, list[Cell]]]:
    """A report's rows from its counts, and by ward each ward's elements."""
    elements: dict[str, list[Cell]] = {}
    if by == "element":
        per_element = _fold(tally.by_key, lambda key: key[1])
        rows = [
            _cell(code, labels.get(code, code), per_element.get(code)) for code in ELEMENT_ORDER
        ]
    elif by == "ward":
        per_ward = _fold(tally.by_key, lambda key: key[0])  # every element, even unknown ones
        rows = []
        for id_, code, name in wards:
            elements[code] = [
                tally.cell((id_, element), element, labels.get(element, element))
                for element in ELEMENT_ORDER
            ]
            rows.append(_cell(code, name, per_ward.get(id_)))
        rows.sort(key=_by_share_descending)
    elif by == "procedure":
        rows = [
            _cell(procedure, procedure, counts)
            for procedure, counts in tally.by_key.items()
            if procedure is not None  # answers without a case: walk-ins, broadcasts
        ]
        rows.sort(key=_by_share_ascending)
    elif by == "desk":
        desks = sorted(tally.by_key, key=lambda desk: (desk is None, desk or 0))
        rows = [
            _cell(NO_DESK if desk is None else str(desk), NO_DESK if desk is None else str(desk),
                  tally.by_key[desk])
            for desk in desks
        ]  # fmt: skip
    else:
        per_day = _fold(tally.by_key, lambda day: day if isinstance(day, date) else _day(day))
        rows = _period_cells(per_day, since, until, by)
    return rows, elements
