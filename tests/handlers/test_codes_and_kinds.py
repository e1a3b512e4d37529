"""Issue 11: six-digit codes typed instead of a link (point 7), and a ward's kind in what
its citizens read (point 14)."""

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from handlers.catalogue import say
from handlers.context import Context
from office.cases import register_case
from office.wards import add_ward, desk_payload
from storage import codes
from storage.codes import typed_code
from storage.models import Case, ShortCode, Ward
from tests.conftest import Chat, Clock


@pytest.mark.any_database
@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("123456", "123456"),
        ("c123456", "123456"),
        ("C 123456", "123456"),
        (" d-123456 ", "123456"),
        ("#123456", "123456"),
        ("12345", None),
        ("1234567", None),
        ("x123456", None),
        ("Đèn đường ngõ 123456 hỏng", None),
    ],
)
def test_what_counts_as_a_typed_code(typed: str, code: str | None) -> None:
    assert typed_code(typed) == code


async def case_code(ctx: Context, code: str = "HS-1") -> str:
    async with ctx.db() as session:
        case, _ = await register_case(session, ward="NGHIA-TAN", code=code, procedure="Khai sinh")
    return case.short_code


async def test_a_case_code_typed_outside_a_flow_links_the_case(chat: Chat, ward: Ward) -> None:
    short = await case_code(chat.ctx)
    response = await chat.text(f"C {short}")
    assert "HS-1" in response.replies[0].text and "Khai sinh" in response.replies[0].text
    again = await Chat(chat.ctx, chat_id="2002").text(short)
    assert again.replies[0].text.startswith(say("vi", "case_taken"))


async def test_a_desk_code_starts_the_walk_in_survey_at_that_desk(chat: Chat, ward: Ward) -> None:
    async with chat.ctx.db() as session:
        _, short = await desk_payload(session, "NGHIA-TAN", 4)
    response = await chat.text(short)
    assert "Phường Nghĩa Tân" in response.replies[0].text
    assert "Câu 1/3" in response.replies[1].text
    async with chat.ctx.db() as session:
        assert (await desk_payload(session, "Nghĩa Tân", 4))[1] == short  # kept for good


async def test_wrong_codes_are_answered_kindly_then_slowed_down(
    chat: Chat, ward: Ward, clock: Clock
) -> None:
    short = await case_code(chat.ctx)
    wrong = "100000" if short != "100000" else "100001"
    for _ in range(3):
        response = await chat.text(wrong)
        assert response.replies[0].text.startswith(say("vi", "code_unknown", code=wrong))
    response = await chat.text(short)  # even the right one waits now
    assert response.replies[0].text == say("vi", "code_wait", minutes=1)
    clock.advance(minutes=1, seconds=1)
    response = await chat.text(short)
    assert "HS-1" in response.replies[0].text


async def test_a_case_code_is_free_again_a_month_after_its_survey(
    ctx: Context, ward: Ward, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    short = await case_code(ctx)
    # every draw now meets the first case's code
    monkeypatch.setattr(codes.secrets, "randbelow", lambda _: int(short) - codes.LOWEST)
    async with ctx.db() as session:
        case = Case(ward_id=ward.id or 0, code="HS-2", procedure="Khai sinh", token="t2")
        session.add(case)
        await session.flush()
        with pytest.raises(codes.NoFreeCode):  # still in use: its survey is not over
            await codes.case_code(session, case, clock())
        answered = clock() - codes.FREE_AFTER_ANSWER - timedelta(days=1)
        await session.exec(
            update(Case).where(Case.code == "HS-1").values(survey_answered_at=answered)
        )
        assert await codes.case_code(session, case, clock()) == short
        await session.commit()
        kept = (await session.exec(select(ShortCode))).all()
    assert [(row.code, row.case_id) for row in kept] == [(short, case.id)]


async def test_a_xa_is_called_xa_in_what_its_citizens_read(ctx: Context) -> None:
    async with ctx.db() as session:
        ward = await add_ward(session, "TAN-LAP", "Xã Tân Lập")
    assert ward.kind == "xã"
    chat = Chat(ctx)
    await chat.command("start", "d_TAN-LAP")
    for _ in range(2):  # a walk-in is asked three questions
        await chat.press_label("Hài lòng")
    asked = (await chat.press_label("Hài lòng")).replies[-1].text
    assert "để xã phục vụ tốt hơn" in asked and "phường" not in asked
    signing = (await chat.text("Cần thêm chỗ để xe")).replies[0].text
    assert "lãnh đạo xã thấy tên" in signing and "phường" not in signing
    filed = (await chat.press_label("Gửi ẩn danh")).replies[1].text
    assert "Lãnh đạo xã sẽ đọc" in filed and "Xã có thể gửi Ông/Bà" in filed
    assert "phường" not in filed.replace("Phường", "")
    for command in ("help", "start", "quyenriengtu"):
        shown = (await chat.command(command)).replies[0].text
        assert "phường" not in shown.lower(), (command, shown)
