"""An event handled before, whose replies may never have left (the bot was killed after the
commit): it changes nothing, and re-sends what the person should now see."""

from datetime import timedelta

from sqlmodel import select

from handlers.broadcasts import INVITE
from handlers.context import Context
from handlers.events import Kind
from storage.models import (
    Answer,
    BookPage,
    Broadcast,
    Case,
    Draft,
    Person,
    Recipient,
    SurveySession,
    Ward,
)
from tests.conftest import Chat


async def all_rows(ctx: Context, model: type) -> list:
    async with ctx.db() as session:
        return list((await session.exec(select(model))).all())


async def test_a_redelivered_case_link_shows_the_same_survey_once(chat: Chat, ward: Ward) -> None:
    async with chat.ctx.db() as session:
        done = chat.ctx.clock() - timedelta(1)
        case = Case(ward_id=ward.id, code="HS-1", procedure="Hộ tịch", token="t1", done_at=done)
        session.add(case)
        await session.commit()
    await chat.send(Kind.COMMAND, command="help", message_id=69)  # the privacy notice goes here
    first = await chat.send(Kind.COMMAND, command="start", text="c_t1", message_id=70)
    again = await chat.send(Kind.COMMAND, command="start", text="c_t1", message_id=70, resend=True)
    assert [r.text for r in again.replies] == [r.text for r in first.replies]
    assert "HS-1" in again.replies[0].text and "Câu 1/5" in again.replies[1].text
    assert len(await all_rows(chat.ctx, SurveySession)) == 1
    # a process that answered this chat itself sends nothing twice
    quiet = await chat.send(Kind.COMMAND, command="start", text="c_t1", message_id=70)
    assert quiet.replies == []


async def test_a_press_recorded_before_shows_the_next_question_and_then_the_prompt(
    chat: Chat, ward: Ward
) -> None:
    await chat.command("start", "d_NGHIA-TAN")
    first = chat.keyboard[3].data
    await chat.press(first)
    again = await chat.send(Kind.CHOICE, choice=first, message_id=500, resend=True)
    (edit,) = again.replies
    assert edit.edit == 500 and "Câu 2/3" in edit.text and edit.choices
    await chat.answer_all("Hài lòng")
    last = chat.keyboard  # the suggestion prompt's skip button
    repeated = await chat.send(Kind.CHOICE, choice=first, message_id=500, resend=True)
    shown, prompt = repeated.replies
    assert shown.text.count("Hài lòng") == 3 and not shown.choices
    assert prompt.choices == last
    (run,) = await all_rows(chat.ctx, SurveySession)
    assert run.step == 5


async def test_a_redelivered_suggestion_is_not_added_twice_and_its_page_number_comes_again(
    chat: Chat, ward: Ward
) -> None:
    await chat.command("start", "d_NGHIA-TAN")
    await chat.command("thoat")
    await chat.command("gopy")
    typed = chat.new_message_id()  # a fixed id would be older than earlier tests' ids
    await chat.send(Kind.TEXT, text="Thêm ghế chờ", message_id=typed)
    again = await chat.send(Kind.TEXT, text="Thêm ghế chờ", message_id=typed, resend=True)
    (prompt,) = again.replies
    assert "Thêm ghế chờ" in prompt.text and "Gửi ẩn danh" in [c.label for c in prompt.choices]
    (draft,) = await all_rows(chat.ctx, Draft)
    assert draft.text == "Thêm ghế chờ"
    sign = chat.keyboard[1].data
    filed = await chat.press(sign, message_id=81)
    repeated = await chat.send(Kind.CHOICE, choice=sign, message_id=81, resend=True)
    assert [r.text for r in repeated.replies] == [r.text for r in filed.replies]
    assert "trang số 1" in repeated.replies[1].text and repeated.replies[0].edit == 81
    assert len(await all_rows(chat.ctx, BookPage)) == 1


async def test_a_repeated_first_press_on_a_broadcast_invitation_shows_the_next_question(
    chat: Chat, ward: Ward
) -> None:
    await chat.command("start", "d_NGHIA-TAN")
    await chat.command("thoat")
    async with chat.ctx.db() as session:
        person = (await session.exec(select(Person))).one()
        version = chat.ctx.surveys.current["sipas"]
        broadcast = Broadcast(survey_key="sipas", survey_version_id=version, created_by="cli")
        session.add(broadcast)
        await session.flush()
        recipient = Recipient(broadcast_id=broadcast.id, person_id=person.id, status="sent")
        session.add(recipient)
        await session.commit()
    first = await chat.press(f"{INVITE}:{recipient.id}:4", message_id=60)
    data = f"{INVITE}:{recipient.id}:4"
    again = await chat.send(Kind.CHOICE, choice=data, message_id=60, resend=True)
    assert [r.text for r in again.replies] == [r.text for r in first.replies]
    assert again.replies[0].edit == 60 and "Câu 2/5" in again.replies[0].text
    async with chat.ctx.db() as session:
        assert len((await session.exec(select(Answer))).all()) == 1
