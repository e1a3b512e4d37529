"""The period rule of every report: a month, quarter or year named whole, and the period
before it that the report sets beside it."""

from datetime import date

import pytest

from office.errors import Invalid
from office.figures import named_period, previous_span


@pytest.mark.parametrize(
    ("typed", "first", "last"),
    [
        ("2026-11", date(2026, 11, 1), date(2026, 11, 30)),
        ("2/2028", date(2028, 2, 1), date(2028, 2, 29)),
        ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31)),
        ("q4/2026", date(2026, 10, 1), date(2026, 12, 31)),
        (" 2026 ", date(2026, 1, 1), date(2026, 12, 31)),
    ],
)
def test_a_named_period_is_its_first_and_last_day(typed: str, first: date, last: date) -> None:
    assert named_period(typed) == (first, last)


@pytest.mark.parametrize(
    "typed", ["2026-13", "2026-Q5", "tháng 11", "1999", "26", "0000", "9999-Q4", "12/9999"]
)
def test_a_period_that_is_not_one_is_refused_naming_the_field(typed: str) -> None:
    with pytest.raises(Invalid) as refused:
        named_period(typed)
    assert refused.value.field == "period"


@pytest.mark.parametrize(
    ("first", "last", "before"),
    [
        (date(2026, 3, 1), date(2026, 3, 31), (date(2026, 2, 1), date(2026, 2, 28))),
        (date(2026, 1, 1), date(2026, 3, 31), (date(2025, 10, 1), date(2025, 12, 31))),
        (date(2026, 1, 1), date(2026, 12, 31), (date(2025, 1, 1), date(2025, 12, 31))),
        # whole months, but neither one, a quarter nor a year: as many days just before
        (date(2026, 2, 1), date(2026, 4, 30), (date(2025, 11, 4), date(2026, 1, 31))),
        (date(2026, 11, 24), date(2026, 11, 30), (date(2026, 11, 17), date(2026, 11, 23))),
    ],
)
def test_the_period_before(first: date, last: date, before: tuple[date, date]) -> None:
    assert previous_span(first, last) == before
