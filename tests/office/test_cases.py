"""office/cases.py: registering, returning and reading cases, with the rules every door shares."""

import asyncio
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlmodel import select

from handlers.context import Context
from office.cases import CaseStatus, get_case, mark_case_done, register_case
from office.errors import Conflict, Forbidden, Invalid, NotFound
from storage.models import Case, Person, Ward
from tests.conftest import add_ward

HANOI = timezone(timedelta(hours=7))


async def register(ctx: Context, **fields: object) -> tuple[object, bool]:
    values: dict[str, object] = {"ward": "NGHIA-TAN", "code": "HS-1", "procedure": "Khai sinh"}
    async with ctx.db() as session:
        return await register_case(session, **{**values, **fields})  # type: ignore[arg-type]


async def test_a_new_case_is_registered_with_its_desk_data_in_utc(ctx: Context, ward: Ward) -> None:
    received = datetime(2026, 12, 1, 8, 30, tzinfo=HANOI)
    case, created = await register(
        ctx,
        ward="nghia-tan",
        procedure="  Đăng ký   khai sinh ",
        received_at=received,
        desk=2,
        due_at=received + timedelta(days=3),
    )
    assert created
    async with ctx.db() as session:
        again = await get_case(session, "HS-1")
    assert again == case
    assert again.ward_code == "NGHIA-TAN" and again.ward_name == "Phường Nghĩa Tân"
    assert again.procedure == "Đăng ký khai sinh"
    assert again.status == CaseStatus.REGISTERED
    assert again.received_at == datetime(2026, 12, 1, 1, 30, tzinfo=UTC)
    assert again.received_at.tzinfo == UTC
    assert again.desk == 2 and again.due_at == datetime(2026, 12, 4, 1, 30, tzinfo=UTC)
    assert len(again.token) >= 16 and again.done_at is None


async def test_the_same_case_again_is_the_one_kept(ctx: Context, ward: Ward) -> None:
    first, _ = await register(ctx)
    second, created = await register(ctx, procedure="Khai  sinh", desk=3)
    assert not created
    assert second == first  # the first registration's token and (absent) desk stay


@pytest.mark.parametrize("change", [{"procedure": "Kết hôn"}, {"ward": "DICH-VONG"}])
async def test_the_same_code_with_another_ward_or_procedure_is_a_conflict(
    ctx: Context, ward: Ward, change: dict[str, str]
) -> None:
    await add_ward(ctx, "DICH-VONG", "Phường Dịch Vọng")
    await register(ctx)
    with pytest.raises(Conflict) as raised:
        await register(ctx, **change)
    assert raised.value.code == "case_conflict" and raised.value.field == "code"
    assert raised.value.status == 409 and "HS-1" in raised.value.message


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"code": "HS 1"}, "bad_code", "code"),
        ({"code": "x" * 65}, "bad_code", "code"),
        ({"procedure": "   "}, "bad_procedure", "procedure"),
        ({"procedure": "x" * 501}, "bad_procedure", "procedure"),
        ({"desk": 0}, "bad_desk", "desk"),
        ({"received_at": datetime(2026, 12, 1, 8, 30)}, "naive_time", "received_at"),
        ({"due_at": datetime(1, 1, 1, tzinfo=HANOI)}, "time_out_of_range", "due_at"),
        (
            {
                "received_at": datetime(2026, 12, 2, tzinfo=UTC),
                "due_at": datetime(2026, 12, 1, tzinfo=UTC),
            },
            "due_before_received",
            "due_at",
        ),
    ],
)
async def test_bad_input_names_its_field_and_writes_nothing(
    ctx: Context, ward: Ward, fields: dict[str, object], code: str, field: str
) -> None:
    with pytest.raises(Invalid) as raised:
        await register(ctx, **fields)
    assert (raised.value.code, raised.value.field, raised.value.status) == (code, field, 422)
    assert raised.value.message and "\n" not in raised.value.message
    async with ctx.db() as session:
        assert (await session.exec(select(Case))).first() is None


async def test_an_unknown_or_removed_ward_takes_no_case(ctx: Context, ward: Ward) -> None:
    with pytest.raises(NotFound) as raised:
        await register(ctx, ward="NOWHERE")
    assert (raised.value.code, raised.value.field, raised.value.status) == (
        "unknown_ward",
        "ward",
        404,
    )
    async with ctx.db() as session:
        kept = await session.get(Ward, ward.id)
        assert kept is not None
        kept.removed_at = ctx.clock()
        await session.commit()
    with pytest.raises(Conflict) as removed:
        await register(ctx)
    assert removed.value.code == "ward_removed"


async def test_registering_at_the_same_moment_keeps_one_case(ctx: Context, ward: Ward) -> None:
    results = await asyncio.gather(*(register(ctx) for _ in range(4)))
    assert sorted(created for _, created in results) == [False, False, False, True]
    assert len({case.token for case, _ in results}) == 1  # type: ignore[attr-defined]


async def test_done_once_then_no_change(ctx: Context, ward: Ward) -> None:
    await register(ctx)
    async with ctx.db() as session:
        case, changed = await mark_case_done(session, "HS-1", now=ctx.clock())
    assert changed and case.status == CaseStatus.DONE and case.done_at == ctx.clock()
    first = ctx.clock()
    ctx.clock.advance(hours=1)  # type: ignore[attr-defined]
    async with ctx.db() as session:
        again, changed = await mark_case_done(session, "HS-1", now=ctx.clock())
    assert not changed and again.done_at == first


async def test_the_status_follows_the_case_through_the_survey(ctx: Context, ward: Ward) -> None:
    await register(ctx)
    async with ctx.db() as session:
        person = Person(platform="telegram", chat_id="1001")
        session.add(person)
        await session.commit()
    steps = [
        ({"person_id": person.id}, CaseStatus.LINKED),
        ({"done_at": ctx.clock()}, CaseStatus.DONE),
        ({"prompted_at": ctx.clock()}, CaseStatus.ASKED),
        ({"survey_answered_at": ctx.clock()}, CaseStatus.ANSWERED),
    ]
    for change, status in steps:
        async with ctx.db() as session:
            stored = (await session.exec(select(Case))).one()
            for name, value in change.items():
                setattr(stored, name, value)
            await session.commit()
            assert (await get_case(session, "HS-1")).status == status


async def test_a_ward_scoped_caller_sees_and_marks_only_its_ward(ctx: Context, ward: Ward) -> None:
    await add_ward(ctx, "DICH-VONG", "Phường Dịch Vọng")
    await register(ctx)
    async with ctx.db() as session:
        assert (await get_case(session, "HS-1", ward="nghia-tan")).code == "HS-1"
        with pytest.raises(Forbidden) as raised:
            await get_case(session, "HS-1", ward="DICH-VONG")
        assert raised.value.status == 403 and raised.value.code == "other_ward"
        with pytest.raises(Forbidden):
            await mark_case_done(session, "HS-1", ward="DICH-VONG")
        assert (await get_case(session, "HS-1")).done_at is None


async def test_an_unknown_case_is_not_found(ctx: Context, ward: Ward) -> None:
    async with ctx.db() as session:
        for call in (get_case(session, "HS-404"), mark_case_done(session, "HS-404")):
            with pytest.raises(NotFound) as raised:
                await call
            assert (raised.value.code, raised.value.field) == ("unknown_case", "code")
