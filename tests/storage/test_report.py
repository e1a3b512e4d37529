"""The satisfaction report against figures worked out by hand on small sets of rows.

Rows are inserted directly (no conversation), on every backend of `database_url`.
Times are written in local time (Hanoi, UTC+7, unless a test says otherwise).
"""

import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import count
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import alembic_config, upgrade_sync
from storage.models import Answer, Case, Person, SessionStatus, SurveySession, SurveyVersion, Ward
from storage.report import (
    ELEMENT_ORDER,
    Cell,
    Report,
    build_report,
    offset_segments,
    utc_bounds,
)

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
PARIS = ZoneInfo("Europe/Paris")
# a Monday-to-Sunday week, and the Thursday to Wednesday around it
MON, SUN = date(2026, 11, 16), date(2026, 11, 22)
LABELS = {
    "access": "Tiếp cận dịch vụ",
    "procedure": "Thủ tục hành chính",
    "officer": "Công chức giải quyết công việc",
    "result": "Kết quả giải quyết",
    "feedback": "Tiếp nhận, xử lý góp ý",
}
_numbers = count(1)


def at(day: date, hour: int = 9, minute: int = 0, zone: ZoneInfo = HANOI) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)


@dataclass
class City:
    """Builds rows in one session: wards, cases, and survey runs with their answers."""

    session: AsyncSession
    version: SurveyVersion
    person: Person

    @classmethod
    async def start(cls, session: AsyncSession) -> "City":
        version = SurveyVersion(
            key="sipas", version=1, title="SIPAS", definition="{}", content_hash="v1"
        )
        person = Person(platform="telegram", chat_id="1001", name="Nguyễn Văn An")
        session.add_all([version, person])
        await session.flush()
        return cls(session, version, person)

    async def ward(self, code: str, name: str | None = None) -> Ward:
        ward = Ward(code=code, name=name or f"Phường {code}")
        self.session.add(ward)
        await self.session.flush()
        return ward

    async def new_version(self) -> SurveyVersion:
        version = SurveyVersion(
            key="sipas", version=2, title="SIPAS", definition="{}", content_hash="v2"
        )
        self.session.add(version)
        await self.session.flush()
        self.version = version
        return version

    async def case(
        self, ward: Ward, done: datetime | None, procedure: str = "Đăng ký khai sinh"
    ) -> Case:
        number = next(_numbers)
        case = Case(
            ward_id=ward.id,  # type: ignore[arg-type]
            code=f"HS-{number}",
            procedure=procedure,
            token=f"tok{number}",
            person_id=self.person.id,
            done_at=done,
        )
        self.session.add(case)
        await self.session.flush()
        return case

    async def run(
        self,
        ward: Ward,
        when: datetime,
        answers: dict[str, int],
        source: str = "walkin",
        case: Case | None = None,
        desk: int | None = None,
    ) -> None:
        """One survey run: question code -> level; a code's element is its prefix.

        A case's run marks the case answered at its first answer, as the bot does.
        """
        run = SurveySession(
            person_id=self.person.id,  # type: ignore[arg-type]
            ward_id=ward.id,  # type: ignore[arg-type]
            survey_version_id=self.version.id,  # type: ignore[arg-type]
            source=source,
            case_id=case.id if case else None,
            desk=desk,
            step=len(answers),
            status=SessionStatus.COMPLETED,
            started_at=when,
            completed_at=when,
        )
        self.session.add(run)
        await self.session.flush()
        for offset, (code, level) in enumerate(answers.items()):
            self.session.add(
                Answer(
                    session_id=run.id,  # type: ignore[arg-type]
                    survey_version_id=self.version.id,  # type: ignore[arg-type]
                    ward_id=ward.id,  # type: ignore[arg-type]
                    case_id=case.id if case else None,
                    source=source,
                    question_code=code,
                    element=code.split(".")[0],
                    level=level,
                    answered_at=when + timedelta(seconds=offset),
                )
            )
        if case is not None and answers and case.survey_answered_at is None:
            case.survey_answered_at = when
        await self.session.flush()

    async def walkins(
        self,
        ward: Ward,
        when: datetime,
        *levels: int,
        element: str = "access",
        desk: int | None = None,
    ) -> None:
        """One walk-in run per level (a run answers each question once)."""
        for level in levels:
            await self.run(ward, when, {element: level}, desk=desk)


async def report(
    city: City, since: date = MON, until: date = SUN, zone: ZoneInfo = HANOI, **options: object
) -> Report:
    await city.session.commit()
    return await build_report(
        city.session, zone=zone, since=since, until=until, element_labels=LABELS, **options
    )  # type: ignore[arg-type]


def cells(rows: list[Cell]) -> list[tuple[str, tuple[int, ...]]]:
    return [(cell.key, cell.levels) for cell in rows]


async def test_shares_and_means_are_exact(city: City) -> None:
    ward = await city.ward("NGHIA-TAN")
    await city.walkins(ward, at(MON), 1, 2, 3, 4, 5, 5, 4, 4)
    result = await report(city)
    overall = result.overall
    assert overall.levels == (1, 1, 1, 3, 2)
    assert (overall.answers, overall.satisfied) == (8, 5)
    assert overall.share == 5 / 8
    assert overall.mean == (1 + 2 + 3 + 4 * 3 + 5 * 2) / 8 == 3.5
    assert overall.too_few
    assert (overall.key, overall.label) == ("all", "all")


async def test_a_single_answer(city: City) -> None:
    ward = await city.ward("NGHIA-TAN")
    await city.walkins(ward, at(MON), 3)
    result = await report(city)
    assert result.overall.levels == (0, 0, 1, 0, 0)
    assert result.overall.share == 0.0  # an answer, none satisfied: 0%, not "no figure"
    assert result.overall.mean == 3.0
    assert result.overall.too_few


async def test_ten_answers_are_enough_to_judge_nine_are_too_few(city: City) -> None:
    ward = await city.ward("NGHIA-TAN")
    await city.walkins(ward, at(MON), *[4] * 9)
    await city.walkins(ward, at(MON), *[5] * 10, element="officer")
    result = await report(city)
    figures = {cell.key: cell for cell in result.rows}
    assert figures["access"].answers == 9 and figures["access"].too_few
    assert figures["officer"].answers == 10 and not figures["officer"].too_few
    assert figures["result"].answers == 0 and figures["result"].too_few
    assert not result.overall.too_few


async def test_every_element_has_a_row_in_order_with_its_label(city: City) -> None:
    ward = await city.ward("NGHIA-TAN")
    await city.run(ward, at(MON), {"officer": 5, "result": 2})
    await city.run(ward, at(MON), {"officer": 4, "custom": 1})  # an element of no row
    result = await report(city)
    assert [cell.key for cell in result.rows] == list(ELEMENT_ORDER)
    assert [cell.label for cell in result.rows] == [LABELS[code] for code in ELEMENT_ORDER]
    assert cells(result.rows) == [
        ("access", (0, 0, 0, 0, 0)),
        ("procedure", (0, 0, 0, 0, 0)),
        ("officer", (0, 0, 0, 1, 1)),
        ("result", (0, 1, 0, 0, 0)),
        ("feedback", (0, 0, 0, 0, 0)),
    ]
    assert result.rows[0].share is None and result.rows[0].mean is None
    assert result.overall.levels == (1, 1, 0, 1, 1)  # the unknown element counts overall
    assert result.elements == {}


async def test_element_codes_are_the_labels_when_none_are_given(city: City) -> None:
    ward = await city.ward("NGHIA-TAN")
    await city.walkins(ward, at(MON), 4)
    await city.session.commit()
    result = await build_report(city.session, zone=HANOI, since=MON, until=SUN)
    assert [cell.label for cell in result.rows] == list(ELEMENT_ORDER)


async def test_a_question_keeps_its_history_across_survey_versions(city: City) -> None:
    ward = await city.ward("NGHIA-TAN")
    await city.run(ward, at(MON), {"access": 2, "officer": 5})
    await city.new_version()  # the file changed: version 2, same codes, a new question
    await city.run(ward, at(SUN), {"access": 4, "officer": 5, "officer.extra": 1})
    result = await report(city)
    figures = {cell.key: cell.levels for cell in result.rows}
    assert figures["access"] == (0, 1, 0, 1, 0)
    assert figures["officer"] == (1, 0, 0, 0, 2)  # the new question shares its element
    assert result.overall.answers == 5


async def test_a_removed_question_is_reported_where_it_existed(city: City) -> None:
    ward = await city.ward("NGHIA-TAN")
    await city.run(ward, at(MON), {"access": 5, "feedback": 2})
    await city.new_version()  # the file changed: "feedback" is no longer asked
    await city.run(ward, at(SUN), {"access": 4})
    week = {cell.key: cell.levels for cell in (await report(city)).rows}
    assert week["feedback"] == (0, 1, 0, 0, 0) and week["access"] == (0, 0, 0, 1, 1)
    sunday = {cell.key: cell for cell in (await report(city, since=SUN)).rows}
    assert sunday["feedback"].answers == 0 and sunday["feedback"].share is None
    assert sunday["access"].levels == (0, 0, 0, 1, 0)


async def test_walk_ins_and_cases_mixed_by_procedure_and_by_ward(city: City) -> None:
    """Walk-ins count in the ward's figures, never under a procedure nor in the rate."""
    ward = await city.ward("NGHIA-TAN")
    await city.ward("DICH-VONG")  # no answers, no cases
    first = await city.case(ward, done=at(MON, 8), procedure="Đăng ký kết hôn")
    await city.run(ward, at(MON, 10), {"access": 4, "officer": 2}, "case", first)
    await city.case(ward, done=at(MON, 9), procedure="Đăng ký kết hôn")  # never answered
    await city.walkins(ward, at(MON, 11), 5, 5, 1)
    by_ward = await report(city, by="ward")
    assert cells(by_ward.rows) == [("NGHIA-TAN", (1, 1, 0, 1, 2)), ("DICH-VONG", (0,) * 5)]
    assert cells(by_ward.elements["NGHIA-TAN"])[:3] == [
        ("access", (1, 0, 0, 1, 2)),
        ("procedure", (0, 0, 0, 0, 0)),
        ("officer", (0, 1, 0, 0, 0)),
    ]
    assert (by_ward.cases_done, by_ward.cases_answered, by_ward.walkin_answers) == (2, 1, 3)
    assert by_ward.response_rate == 0.5 and by_ward.response_too_few
    by_procedure = await report(city, by="procedure")
    assert cells(by_procedure.rows) == [("Đăng ký kết hôn", (0, 1, 0, 1, 0))]
    assert by_procedure.overall.levels == (1, 1, 0, 1, 2)


async def test_ten_cases_are_enough_to_judge_the_rate(city: City) -> None:
    ward = await city.ward("NGHIA-TAN")
    for number in range(10):
        case = await city.case(ward, done=at(MON, 8))
        if number < 7:
            await city.run(ward, at(MON, 9), {"access": 4}, "case", case)
    result = await report(city)
    assert (result.cases_done, result.cases_answered) == (10, 7)
    assert result.response_rate == 0.7 and not result.response_too_few


async def test_period_bounds_are_local_midnights(city: City) -> None:
    ward = await city.ward("NGHIA-TAN")
    await city.walkins(ward, at(MON - timedelta(days=1), 23, 59), 1)  # out: the day before
    await city.walkins(ward, at(MON, 0, 0), 2)  # in: the first instant
    await city.walkins(ward, at(SUN, 23, 30), 4)  # in: 16:30 UTC, the last evening
    await city.walkins(ward, at(SUN + timedelta(days=1), 0, 30), 5)  # out: 17:30 UTC Sunday
    result = await report(city)
    assert result.overall.levels == (0, 1, 0, 1, 0)
    assert utc_bounds(HANOI, MON, SUN) == (
        datetime(2026, 11, 15, 17, tzinfo=UTC),
        datetime(2026, 11, 22, 17, tzinfo=UTC),
    )


async def test_the_last_microsecond_of_the_period_is_in_and_in_its_week(city: City) -> None:
    ward = await city.ward("NGHIA-TAN")
    last = at(SUN + timedelta(days=1), 0, 0) - timedelta(microseconds=1)
    await city.walkins(ward, last, 5)
    for by in ("element", "week"):
        result = await report(city, by=by)
        assert result.overall.levels == (0, 0, 0, 0, 1)
        assert sum(cell.answers for cell in result.rows) == 1


async def test_walk_ins_count_in_the_figures_but_not_in_the_response_rate(city: City) -> None:
    ward = await city.ward("NGHIA-TAN")
    answered = await city.case(ward, done=at(MON, 8))
    await city.run(ward, at(MON, 10), {"access": 5, "officer": 4}, "case", answered)
    await city.walkins(ward, at(MON), 2, 4, 5)
    await city.run(ward, at(MON), {"access": 3}, "broadcast")  # neither a case nor a walk-in
    result = await report(city)
    assert result.overall.levels == (0, 1, 0, 2, 2)  # the broadcast answer is apart
    assert result.walkin_answers == 3
    assert (result.cases_done, result.cases_answered) == (1, 1)
    assert result.response_rate == 1.0


async def test_broadcast_answers_are_kept_apart_unless_asked_for(city: City) -> None:
    ward = await city.ward("NGHIA-TAN")
    answered = await city.case(ward, done=at(MON, 8))
    await city.run(ward, at(MON, 10), {"access": 5}, "case", answered)
    await city.walkins(ward, at(MON), 4)
    await city.run(ward, at(MON), {"access": 1, "officer": 2}, "broadcast")
    visits = await report(city)
    assert (visits.source, visits.overall.levels) == ("visit", (0, 0, 0, 1, 1))
    assert visits.rows[0].levels == (0, 0, 0, 1, 1)  # access, without the broadcast's 1
    assert visits.broadcast.levels == (1, 1, 0, 0, 0)
    broadcasts = await report(city, source="broadcast")
    assert broadcasts.overall.levels == (1, 1, 0, 0, 0) and broadcasts.walkin_answers == 0
    assert (await report(city, source="all")).overall.levels == (1, 1, 0, 1, 1)
    assert (await report(city, source="case")).overall.levels == (0, 0, 0, 0, 1)
    for by in ("ward", "procedure", "week", "desk"):
        assert (await report(city, by=by)).broadcast.answers == 2


async def test_no_opinion_is_in_no_share_or_mean_and_counted_apart(city: City) -> None:
    ward = await city.ward("NGHIA-TAN")
    answered = await city.case(ward, done=at(MON, 8))
    await city.run(ward, at(MON, 10), {"access": 0, "officer": 4}, "case", answered)
    await city.walkins(ward, at(MON), 5, 0, 0, 3)
    await city.run(ward, at(MON), {"access": 0}, "broadcast")
    result = await report(city)
    access = result.rows[0]
    assert (access.levels, access.no_opinion) == ((0, 0, 1, 0, 1), 3)
    assert (access.answers, access.share, access.mean) == (2, 0.5, 4.0)
    assert (result.overall.answers, result.overall.no_opinion) == (3, 3)
    assert result.overall.mean == 4.0 and result.walkin_answers == 2
    assert result.broadcast.no_opinion == 1 and result.broadcast.share is None
    for by in ("week", "month", "desk"):
        assert sum(cell.no_opinion for cell in (await report(city, by=by)).rows) == 3
    by_ward = await report(city, by="ward")
    assert by_ward.elements["NGHIA-TAN"][0].no_opinion == 3
    procedures = await report(city, by="procedure")
    assert [(cell.levels, cell.no_opinion) for cell in procedures.rows] == [((0, 0, 0, 1, 0), 1)]


async def test_by_desk_counts_the_walk_in_qr_desk_and_the_case_desk(city: City) -> None:
    ward = await city.ward("NGHIA-TAN")
    case = await city.case(ward, done=at(MON, 8))
    case.desk = 1
    await city.run(ward, at(MON, 10), {"access": 5, "officer": 4}, "case", case)
    await city.walkins(ward, at(MON), 2, 3, desk=2)
    await city.walkins(ward, at(MON), 4, desk=10)
    await city.walkins(ward, at(MON), 1)  # a QR code without a desk
    result = await report(city, by="desk")
    assert cells(result.rows) == [
        ("1", (0, 0, 0, 1, 1)),
        ("2", (0, 1, 1, 0, 0)),
        ("10", (0, 0, 0, 1, 0)),
        ("none", (1, 0, 0, 0, 0)),
    ]


async def test_months_quarters_and_years_each_have_a_row_empty_ones_included(
    city: City,
) -> None:
    ward = await city.ward("NGHIA-TAN")
    await city.walkins(ward, at(date(2026, 10, 31), 23, 30), 5)  # still October in Hà Nội
    await city.walkins(ward, at(date(2026, 11, 1), 0, 10), 4, 3)
    await city.walkins(ward, at(date(2025, 12, 31), 12), 1)
    months = await report(city, since=date(2026, 10, 1), until=date(2026, 12, 31), by="month")
    assert [(c.key, c.label, c.answers) for c in months.rows] == [
        ("2026-10", "10/2026", 1),
        ("2026-11", "11/2026", 2),
        ("2026-12", "12/2026", 0),
    ]
    quarters = await report(city, since=date(2026, 8, 15), until=date(2026, 11, 1), by="quarter")
    assert [(c.key, c.label, c.answers) for c in quarters.rows] == [
        ("2026-Q3", "Q3/2026", 0),
        ("2026-Q4", "Q4/2026", 3),
    ]
    years = await report(city, since=date(2025, 6, 1), until=date(2026, 12, 31), by="year")
    assert [(c.key, c.answers) for c in years.rows] == [("2025", 1), ("2026", 3)]


async def test_a_case_done_but_never_answered_lowers_the_rate(city: City) -> None:
    ward = await city.ward("NGHIA-TAN")
    first = await city.case(ward, done=at(MON, 8))
    await city.case(ward, done=at(SUN, 16))  # done, linked, never answered
    await city.case(ward, done=None)  # still open: not in the rate
    await city.run(ward, at(MON, 9), {"access": 4}, "case", first)
    result = await report(city)
    assert (result.cases_done, result.cases_answered) == (2, 1)
    assert result.response_rate == 0.5


async def test_a_case_with_several_answers_counts_once(city: City) -> None:
    ward = await city.ward("NGHIA-TAN")
    case = await city.case(ward, done=at(MON, 8))
    await city.run(ward, at(MON, 9), {code: 5 for code in ELEMENT_ORDER}, "case", case)
    result = await report(city)
    assert result.overall.answers == 5
    assert (result.cases_done, result.cases_answered) == (1, 1)


async def test_the_rate_follows_when_cases_were_done_not_when_they_were_answered(
    city: City,
) -> None:
    ward = await city.ward("NGHIA-TAN")
    late = await city.case(ward, done=at(SUN, 23, 30))  # done in, answered after the period
    await city.run(ward, at(SUN + timedelta(days=2)), {"access": 5}, "case", late)
    earlier = await city.case(ward, done=at(MON - timedelta(days=1), 23, 30))  # done before
    await city.run(ward, at(MON, 9), {"access": 1}, "case", earlier)
    await city.case(ward, done=at(SUN + timedelta(days=1), 0, 30))  # done after: out
    result = await report(city)
    assert (result.cases_done, result.cases_answered) == (1, 1)
    assert result.overall.levels == (1, 0, 0, 0, 0)  # answers follow their own time


async def test_no_cases_no_rate(city: City) -> None:
    ward = await city.ward("NGHIA-TAN")
    await city.walkins(ward, at(MON), 5)
    result = await report(city)
    assert (result.cases_done, result.cases_answered, result.response_rate) == (0, 0, None)


async def test_by_ward_ranks_every_ward_with_its_elements_and_shows_empty_wards(
    city: City,
) -> None:
    low = await city.ward("B-LOW", "Phường Thấp")
    high = await city.ward("C-HIGH", "Phường Cao")
    await city.ward("A-EMPTY", "Phường Trống")
    tie = await city.ward("D-TIE", "Phường Hòa")
    await city.run(low, at(MON), {"access": 2, "officer": 4})  # 1/2
    await city.run(high, at(MON), {"access": 5, "result": 4, "feedback": 3})  # 2/3
    await city.walkins(tie, at(MON), 4, 1)  # 1/2, ranked after B-LOW by code
    result = await report(city, by="ward")
    assert [(c.key, c.label, c.levels) for c in result.rows] == [
        ("C-HIGH", "Phường Cao", (0, 0, 1, 1, 1)),
        ("B-LOW", "Phường Thấp", (0, 1, 0, 1, 0)),
        ("D-TIE", "Phường Hòa", (1, 0, 0, 1, 0)),
        ("A-EMPTY", "Phường Trống", (0, 0, 0, 0, 0)),
    ]
    assert set(result.elements) == {"A-EMPTY", "B-LOW", "C-HIGH", "D-TIE"}
    assert cells(result.elements["C-HIGH"]) == [
        ("access", (0, 0, 0, 0, 1)),
        ("procedure", (0, 0, 0, 0, 0)),
        ("officer", (0, 0, 0, 0, 0)),
        ("result", (0, 0, 0, 1, 0)),
        ("feedback", (0, 0, 1, 0, 0)),
    ]
    assert result.elements["C-HIGH"][0].label == LABELS["access"]
    assert all(cell.answers == 0 for cell in result.elements["A-EMPTY"])
    assert result.overall.levels == (1, 1, 1, 3, 1)
    assert (result.ward, result.walkin_answers) == (None, 7)  # every run here is a walk-in


async def test_one_ward_leaves_the_others_out(city: City) -> None:
    mine = await city.ward("NGHIA-TAN", "Phường Nghĩa Tân")
    other = await city.ward("DICH-VONG")
    await city.walkins(mine, at(MON), 5, 3)
    await city.walkins(other, at(MON), 1, 1, 1)
    mine_case = await city.case(mine, done=at(MON))
    await city.case(other, done=at(MON))
    await city.run(mine, at(MON, 10), {"officer": 4}, "case", mine_case)
    result = await report(city, ward_id=mine.id)
    assert (result.ward, result.overall.label) == ("NGHIA-TAN", "Phường Nghĩa Tân")
    assert result.overall.levels == (0, 0, 1, 1, 1)
    assert (result.cases_done, result.cases_answered, result.walkin_answers) == (1, 1, 2)
    by_ward = await report(city, ward_id=mine.id, by="ward")
    assert cells(by_ward.rows) == [("NGHIA-TAN", (0, 0, 1, 1, 1))]
    assert set(by_ward.elements) == {"NGHIA-TAN"}


async def test_by_procedure_lowest_share_first_walk_ins_apart(city: City) -> None:
    ward = await city.ward("NGHIA-TAN")
    for procedure, levels in (
        ("Chứng thực bản sao", {"access": 5, "officer": 5}),  # 100%
        ("Đăng ký kết hôn", {"access": 1, "officer": 4}),  # 50%
        ("Đăng ký khai sinh", {"access": 2, "officer": 2, "result": 4}),  # 33%
    ):
        case = await city.case(ward, done=at(MON), procedure=procedure)
        await city.run(ward, at(MON, 10), levels, "case", case)
    second = await city.case(ward, done=at(MON), procedure="Đăng ký kết hôn")
    await city.run(ward, at(MON, 11), {"access": 5, "officer": 5}, "case", second)  # now 75%
    await city.walkins(ward, at(MON), 1, 1)
    result = await report(city, by="procedure")
    assert [(c.key, c.label, c.levels) for c in result.rows] == [
        ("Đăng ký khai sinh", "Đăng ký khai sinh", (0, 2, 0, 1, 0)),
        ("Đăng ký kết hôn", "Đăng ký kết hôn", (1, 0, 0, 1, 2)),
        ("Chứng thực bản sao", "Chứng thực bản sao", (0, 0, 0, 0, 2)),
    ]
    assert result.overall.answers == 11 and result.walkin_answers == 2
    assert (result.cases_done, result.cases_answered) == (4, 4)


async def test_by_week_uses_local_iso_weeks_and_keeps_empty_ones(city: City) -> None:
    ward = await city.ward("NGHIA-TAN")
    since, until = date(2026, 11, 12), date(2026, 12, 2)  # Thursday to Wednesday
    await city.walkins(ward, at(since, 0, 10), 2)  # 17:10 UTC the day before: still in
    await city.walkins(ward, at(date(2026, 11, 15), 23, 50), 4)  # Sunday night: week 46
    await city.walkins(ward, at(date(2026, 11, 30), 0, 30), 5)  # Monday 00:30: week 49
    await city.walkins(ward, at(until, 23, 59), 5)
    result = await report(city, since=since, until=until, by="week")
    assert [(c.key, c.label, c.levels) for c in result.rows] == [
        ("2026-W46", "09/11–15/11", (0, 1, 0, 1, 0)),
        ("2026-W47", "16/11–22/11", (0, 0, 0, 0, 0)),
        ("2026-W48", "23/11–29/11", (0, 0, 0, 0, 0)),
        ("2026-W49", "30/11–06/12", (0, 0, 0, 0, 2)),
    ]
    assert result.overall.answers == 4


async def test_weeks_across_the_new_year_take_the_iso_year(city: City) -> None:
    ward = await city.ward("NGHIA-TAN")
    await city.walkins(ward, at(date(2027, 1, 2)), 4)
    result = await report(city, since=date(2026, 12, 28), until=date(2027, 1, 4), by="week")
    assert [(c.key, c.label, c.answers) for c in result.rows] == [
        ("2026-W53", "28/12–03/01", 1),
        ("2027-W01", "04/01–10/01", 0),
    ]


async def test_weeks_follow_local_days_across_a_change_to_summer_time(city: City) -> None:
    """Paris moves from +1 to +2 on Sunday 29 March 2026 at 01:00 UTC."""
    ward = await city.ward("NGHIA-TAN")
    since, until = date(2026, 3, 23), date(2026, 4, 5)
    await city.walkins(ward, at(date(2026, 3, 29), 23, 30, PARIS), 1)  # 21:30 UTC, Sunday
    await city.walkins(ward, at(date(2026, 3, 30), 0, 30, PARIS), 5)  # 22:30 UTC Sunday
    await city.walkins(ward, at(date(2026, 3, 23), 0, 30, PARIS), 3)  # 23:30 UTC, +1
    await city.walkins(ward, at(date(2026, 4, 5), 23, 59, PARIS), 4)
    await city.walkins(ward, at(date(2026, 4, 6), 0, 1, PARIS), 2)  # out
    result = await report(city, since=since, until=until, zone=PARIS, by="week")
    assert cells(result.rows) == [("2026-W13", (1, 0, 1, 0, 0)), ("2026-W14", (0, 0, 0, 1, 1))]
    assert offset_segments(PARIS, *utc_bounds(PARIS, since, until)) == [
        (datetime(2026, 3, 22, 23, tzinfo=UTC), 3600),
        (datetime(2026, 3, 29, 1, tzinfo=UTC), 7200),
    ]


async def test_levels_outside_the_scale_are_no_ratings(city: City) -> None:
    ward = await city.ward("NGHIA-TAN")
    await city.walkins(ward, at(MON), 0, 4, 6)
    result = await report(city, by="ward")
    assert result.overall.levels == (0, 0, 0, 1, 0)
    assert result.walkin_answers == 1


async def test_an_empty_city(city: City) -> None:
    result = await report(city, by="ward")
    assert (result.rows, result.elements, result.overall.share) == ([], {}, None)
    assert result.overall.too_few and result.response_rate is None


async def test_bad_requests_are_refused(city: City) -> None:
    await city.ward("NGHIA-TAN")
    with pytest.raises(ValueError, match="grouping"):
        await report(city, by="district")
    with pytest.raises(ValueError, match="source"):
        await report(city, source="kiosk")
    with pytest.raises(ValueError, match="before it starts"):
        await report(city, since=SUN, until=MON)
    with pytest.raises(LookupError):
        await report(city, ward_id=999)


async def test_a_report_planned_many_times_gives_the_same_figures(city: City) -> None:
    """PostgreSQL switches prepared statements to generic plans after five runs."""
    ward = await city.ward("NGHIA-TAN")
    await city.walkins(ward, at(MON), 4, 5, 2)
    figures = {(await report(city, by="ward")).overall.levels for _ in range(7)}
    assert figures == {(0, 1, 0, 1, 1)}


def test_migration_0004_marks_the_cases_already_answered(tmp_path: Path) -> None:
    """Cases answered before the marker existed get their first answer's time; and back."""
    path = tmp_path / "old.db"
    config = alembic_config(f"sqlite:///{path}")
    upgrade_sync(f"sqlite:///{path}")
    command.downgrade(config, "0003")
    rows = {
        "ward": [(1, "NGHIA-TAN", "Phường Nghĩa Tân", 10, 0, "2026-01-01 00:00:00.000000")],
        "person": [(1, "telegram", "1", "vi", "citizen", "idle", 0, "2026-01-01 00:00:00.000000")],
        "surveyversion": [(1, "sipas", 1, "SIPAS", "{}", "h", "2026-01-01 00:00:00.000000")],
        "case": [
            (number, 1, f"HS-{number}", "Đăng ký khai sinh", f"t{number}",
             "2026-11-16 01:00:00.000000", "2026-11-16 02:00:00.000000")
            for number in (1, 2, 3)
        ],
        "surveysession": [
            (1, 1, 1, 1, "case", 1, 5, "completed", "2026-11-16 03:00:00.000000"),
            (2, 1, 1, 1, "walkin", None, 5, "completed", "2026-11-16 03:00:00.000000"),
            (3, 1, 1, 1, "case", 3, 0, "active", "2026-11-16 03:00:00.000000"),  # no answer
        ],
        "answer": [
            (1, 1, 1, 1, 1, "case", "officer", "officer", 4, "2026-11-16 03:00:09.000000"),
            (2, 1, 1, 1, 1, "case", "access", "access", 5, "2026-11-16 03:00:05.000000"),
            (3, 2, 1, 1, None, "walkin", "access", "access", 1, "2026-11-16 03:00:01.000000"),
        ],
    }  # fmt: skip
    columns = {
        "ward": "id, code, name, deadline_days, last_page, created_at",
        "person": "id, platform, chat_id, language, role, dialog, last_message_id, created_at",
        "surveyversion": "id, key, version, title, definition, content_hash, created_at",
        "case": "id, ward_id, code, procedure, token, created_at, done_at",
        "surveysession": "id, person_id, ward_id, survey_version_id, source, case_id, step,"
        " status, started_at",
        "answer": "id, session_id, survey_version_id, ward_id, case_id, source, question_code,"
        " element, level, answered_at",
    }
    with sqlite3.connect(path) as connection:
        for table, values in rows.items():
            marks = ", ".join("?" * len(values[0]))
            connection.executemany(
                f'INSERT INTO "{table}" ({columns[table]}) VALUES ({marks})', values
            )
    command.upgrade(config, "0004")
    with sqlite3.connect(path) as connection:
        marks = connection.execute('SELECT id, survey_answered_at FROM "case" ORDER BY id')
        assert marks.fetchall() == [(1, "2026-11-16 03:00:05.000000"), (2, None), (3, None)]
        indexes = {row[1] for row in connection.execute("PRAGMA index_list('answer')")}
        assert "ix_answer_ward_id" not in indexes and "ix_answer_report" in indexes
    command.downgrade(config, "0003")
    with sqlite3.connect(path) as connection:
        names = {row[1] for row in connection.execute("PRAGMA table_info('case')")}
        assert "survey_answered_at" not in names and "done_at" in names
