"""Months counted ahead (`AnswerMonth`) give the very figures the answers give.

Rows are inserted directly, as in test_report, on every backend of `database_url`.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, delete, func, select

from bot.dispatch import Dispatcher
from bot.jobs import count_months
from handlers.context import Context
from storage.answer_months import roll_up
from storage.models import AnswerMonth, RollUp, Ward
from storage.report import GROUPINGS, Report, build_report, build_reports
from tests.conftest import Clock
from tests.storage.test_report import HANOI, PARIS, City, at

PERIODS = [
    (date(2026, 9, 1), date(2026, 9, 30)),  # a whole month
    (date(2026, 8, 1), date(2026, 10, 31)),  # a quarter's worth of months
    (date(2026, 8, 17), date(2026, 10, 9)),  # partial months around a whole one
    (date(2026, 1, 1), date(2026, 12, 31)),  # a year, its last months not counted yet
    (date(2026, 10, 2), date(2026, 10, 30)),  # within one month: no whole month
]
NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)  # October has ended, November has not


async def _busy_ward(city: City) -> Ward:
    """Answers of every source, element, level and desk over August to November, with a
    neighbouring ward's answers beside, some at local midnights."""
    ward, other = await city.ward("P01"), await city.ward("P02")
    days = (date(2026, 8, 3), date(2026, 8, 31), date(2026, 9, 10), date(2026, 10, 1),
            date(2026, 10, 31), date(2026, 11, 5))  # fmt: skip
    for index, day in enumerate(days):
        for hour in (0, 9, 23):
            when = at(day, hour, 59 if hour == 23 else 0)
            level = (index + hour) % 6
            procedure = ("Đăng ký khai sinh", "Chứng thực bản sao")[hour % 2]
            case = await city.case(ward, when, procedure=procedure)
            case.desk = index % 3 or None
            answers = {"access": level, "result": 5 - level, "feedback": 7}
            await city.run(ward, when, answers, source="case", case=case, desk=hour % 2 or None)
            await city.walkins(ward, when, level, 4, element="officer", desk=index % 2 + 1)
            await city.run(ward, when, {"procedure": 4, "access": 0}, source="broadcast")
            await city.walkins(other, when, 1, 2)
    return ward


async def _reports(city: City, ward: Ward, zone: ZoneInfo = HANOI) -> list[Report]:
    return [
        await build_report(city.session, zone=zone, since=first, until=last, ward_id=ward_id,
                           by=by, source=source)
        for first, last in PERIODS
        for by in GROUPINGS
        for ward_id in (ward.id, None)
        for source in ("visit", "all")
    ]  # fmt: skip


async def test_counted_months_give_the_answers_figures(city: City) -> None:
    ward = await _busy_ward(city)
    counted = await _reports(city, ward)
    assert await roll_up(city.session, zone=HANOI, now=NOW) == 3  # August to October
    assert (await city.session.exec(select(RollUp.through))).one() == date(2026, 11, 1)
    assert (await city.session.exec(select(func.count()).select_from(AnswerMonth))).one() > 0
    assert await _reports(city, ward) == counted


async def test_counted_months_are_summed_not_recounted(city: City) -> None:
    """What the bot never does (write an answer into a month that has ended) shows that
    the month's figures come from its counts."""
    ward = await city.ward("P01")
    await city.walkins(ward, at(date(2026, 9, 10)), 5, 5)
    await roll_up(city.session, zone=HANOI, now=NOW)
    await city.walkins(ward, at(date(2026, 9, 11)), 1)
    september = await build_report(
        city.session, zone=HANOI, since=date(2026, 9, 1), until=date(2026, 9, 30), ward_id=ward.id
    )
    assert september.overall.levels == (0, 0, 0, 0, 2)
    partial = await build_report(
        city.session, zone=HANOI, since=date(2026, 9, 2), until=date(2026, 9, 30), ward_id=ward.id
    )
    assert partial.overall.levels == (1, 0, 0, 0, 2)  # no whole month: every answer counted


async def test_months_are_counted_once_as_they_end(city: City) -> None:
    ward = await _busy_ward(city)
    assert await roll_up(city.session, zone=HANOI, now=NOW) == 3
    assert await roll_up(city.session, zone=HANOI, now=NOW + timedelta(days=5)) == 0
    # the first hour of December, local: November's last answers may still be arriving
    midnight = datetime(2026, 12, 1, 0, 30, tzinfo=HANOI)
    await city.walkins(ward, at(date(2026, 11, 30), 23, 59), 3)
    assert await roll_up(city.session, zone=HANOI, now=midnight) == 0
    assert await roll_up(city.session, zone=HANOI, now=midnight + timedelta(hours=1)) == 1
    rolled = await _reports(city, ward)
    await city.session.exec(delete(RollUp))  # type: ignore[call-overload]
    assert await _reports(city, ward) == rolled  # every answer counted again: the same
    # counted again from scratch, not on top of the months kept
    assert await roll_up(city.session, zone=HANOI, now=midnight + timedelta(hours=1)) == 4
    assert await _reports(city, ward) == rolled


async def test_another_zone_counts_its_own_months(city: City) -> None:
    ward = await _busy_ward(city)
    await roll_up(city.session, zone=HANOI, now=NOW)
    from_answers = await _reports(city, ward, PARIS)
    assert await roll_up(city.session, zone=PARIS, now=NOW) == 3
    kept = (await city.session.exec(select(col(RollUp.zone)))).all()
    assert kept == [PARIS.key]
    assert await _reports(city, ward, PARIS) == from_answers


async def test_nothing_to_count(city: City) -> None:
    assert await roll_up(city.session, zone=HANOI, now=NOW) == 0
    assert (await city.session.exec(select(RollUp.through))).one() == date(2026, 11, 1)


async def test_the_bot_counts_each_month_once_it_has_ended(ctx: Context, clock: Clock) -> None:
    dispatcher = Dispatcher(ctx)  # the clock: 26/11/2026
    assert await count_months(dispatcher) == 0  # every month before November: none answered
    assert await count_months(dispatcher) == 0
    clock.advance(days=10)
    assert await count_months(dispatcher) == 1  # November
    async with ctx.db() as session:
        assert (await session.exec(select(RollUp.through))).one() == date(2026, 12, 1)


async def test_groupings_counted_together_are_each_the_same(city: City) -> None:
    """A ward's elements, procedures and desks read from one pass over its answers."""
    ward = await _busy_ward(city)
    groupings = ("element", "procedure", "desk", "month")
    for counted in (False, True):
        if counted:
            await roll_up(city.session, zone=HANOI, now=NOW)
        for first, last in PERIODS:
            together = await build_reports(
                city.session, zone=HANOI, since=first, until=last, ward_id=ward.id,
                groupings=groupings, source="all",
            )  # fmt: skip
            assert together == [
                await build_report(city.session, zone=HANOI, since=first, until=last,
                                   ward_id=ward.id, by=by, source="all")
                for by in groupings
            ]  # fmt: skip
