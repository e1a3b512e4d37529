"""The walk-in and case surveys, driven through the handlers as a citizen would."""

import re
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import event
from sqlmodel import select

from handlers.catalogue import LEVELS, NO_OPINION_LABEL
from handlers.context import Context, stored_version
from handlers.events import Kind
from handlers.router import case_prompt, mark_prompted
from storage.models import (
    NO_OPINION,
    Answer,
    Case,
    Dialog,
    Draft,
    Person,
    SessionStatus,
    SurveySession,
    Ward,
)
from tests.conftest import Chat, Clock

LABELS = [vi for vi, _ in LEVELS.values()]


async def answers(ctx: Context) -> list[Answer]:
    async with ctx.db() as session:
        return list((await session.exec(select(Answer).order_by(Answer.id))).all())


async def person(ctx: Context, chat: Chat) -> Person:
    async with ctx.db() as session:
        found = await session.exec(select(Person).where(Person.chat_id == chat.chat_id))
        return found.one()


async def test_walk_in_survey_asks_what_a_visitor_can_answer(chat: Chat, ward: Ward) -> None:
    """The result and the handling of complaints are a case's questions: not a walk-in's."""
    response = await chat.command("start", "d_NGHIA-TAN")
    greeting, question = response.replies
    assert "Xin chào" in greeting.text and "Phường Nghĩa Tân" in greeting.text
    assert "3 câu hỏi" in greeting.text and "Câu 1/3" in question.text
    assert [c.label for c in question.choices] == [*LABELS, NO_OPINION_LABEL[0]]
    for number, level in enumerate([5, 4, 3], start=1):
        response = await chat.press_label(LABELS[level - 1], message_id=77)
        edited = response.replies[0]
        assert edited.edit == 77  # the question message itself shows the answer
        assert f"Câu {number} — " in edited.text and LABELS[level - 1] in edited.text
        assert response.notice == LABELS[level - 1]
        if number < 3:
            assert f"Câu {number + 1}/3" in edited.text
    assert edited.choices == ()
    assert "góp ý" in response.replies[1].text
    assert [c.label for c in response.replies[1].choices] == ["Bỏ qua"]
    stored = await answers(chat.ctx)
    assert [(a.question_code, a.element, a.level, a.source) for a in stored] == [
        ("access", "access", 5, "walkin"),
        ("procedure", "procedure", 4, "walkin"),
        ("officer", "officer", 3, "walkin"),
    ]


async def test_no_opinion_is_stored_as_its_own_value_and_shown_as_such(
    ctx: Context, ward: Ward
) -> None:
    case = await new_case(ctx, ward)
    await mark_done(ctx, case)
    citizen = Chat(ctx)
    first = (await citizen.command("start", f"c_{case.token}")).replies[1]
    assert "Câu 1/5" in first.text  # a case's citizen is asked every question
    response = await citizen.press_label("Chưa có ý kiến", message_id=78)
    assert "Tiếp cận dịch vụ: <b>Chưa có ý kiến</b>" in response.replies[0].text
    assert response.notice == "Chưa có ý kiến"
    await citizen.answer_all("Hài lòng")
    stored = await answers(ctx)
    assert [(a.question_code, a.level) for a in stored] == [
        ("access", NO_OPINION),
        ("procedure", 4),
        ("officer", 4),
        ("result", 4),
        ("feedback", 4),
    ]


async def test_old_and_repeated_presses_change_nothing(chat: Chat, ward: Ward) -> None:
    response = await chat.command("start", "d_NGHIA-TAN")
    first = response.replies[1].choices[3].data
    await chat.press(first)
    again = await chat.press(first)  # the same update delivered twice, or a double tap
    assert again.replies == [] and "đã được trả lời" in again.notice
    assert len(await answers(chat.ctx)) == 1
    await chat.answer_all("Hài lòng")
    over = await chat.press(first)
    assert over.replies == [] and over.notice
    assert len(await answers(chat.ctx)) == 3


async def test_forged_buttons_are_refused_kindly(chat: Chat, ward: Ward, ctx: Context) -> None:
    await chat.command("start", "d_NGHIA-TAN")
    other = Chat(ctx, chat_id="2002")
    await other.command("start", "d_NGHIA-TAN")
    theirs = other.last.replies[1].choices[0].data
    for data in [
        theirs,
        "a:999:0:5",
        "a:1:0:9",
        "a:1:3:5",
        "a:x:y",
        "a:999:0:5:1:walkin",
        "a:1:0:9:1:walkin",
        "a:1:9:5:1:walkin",
        "a:1:0:5:1",
        "a:1:0:5:1:walkin:x",
        "a:999:0:5:" + "9" * 40 + ":walkin",
        "zzz",
        "",
        "k:1",
        "g:1:1",
        "w:x",
    ]:
        response = await chat.press(data)
        assert response.replies == [] and response.notice == "Nút này không còn dùng được."
    assert await answers(ctx) == []


async def test_bad_start_payloads_get_a_kind_message(chat: Chat, ward: Ward) -> None:
    for payload in ["d_NOPE", "d_", "c_unknown", "zzz", "d_NGHIA-TAN_abc", "c_", "x" * 64]:
        response = await chat.command("start", payload)
        assert "không đúng" in response.replies[0].text
    response = await chat.command("start")
    assert "Sổ góp ý" in response.replies[0].text


async def test_restart_continues_at_the_same_question(ctx: Context, ward: Ward) -> None:
    """State is only in the database: a fresh handler chain picks up at question 3."""
    chat = Chat(ctx)
    await chat.command("start", "d_NGHIA-TAN")
    await chat.press_label("Hài lòng")
    await chat.press_label("Rất hài lòng")
    resumed = Chat(ctx)  # nothing carried over in memory
    response = await resumed.send(Kind.UNSUPPORTED)  # a sticker
    assert "chọn một trong các câu trả lời" in response.replies[0].text
    assert "Câu 3/3" in response.replies[1].text
    await resumed.press_label("Bình thường")
    assert [a.level for a in await answers(ctx)] == [4, 5, 3]


async def test_walk_in_once_per_person_ward_and_day(chat: Chat, ward: Ward, clock: Clock) -> None:
    await chat.command("start", "d_NGHIA-TAN")
    await chat.answer_all("Hài lòng")
    response = await chat.command("start", "d_NGHIA-TAN_2")
    assert "đã đánh giá" in response.replies[0].text
    clock.advance(days=1)
    response = await chat.command("start", "d_NGHIA-TAN_2")
    assert "Câu 1/3" in response.replies[1].text


async def test_scanning_again_mid_survey_resumes_it(chat: Chat, ward: Ward) -> None:
    await chat.command("start", "d_NGHIA-TAN")
    await chat.press_label("Hài lòng")
    response = await chat.command("start", "d_NGHIA-TAN")
    assert "Câu 2/3" in response.replies[1].text
    async with chat.ctx.db() as session:
        runs = (await session.exec(select(SurveySession))).all()
    assert len(runs) == 1


async def new_case(ctx: Context, ward: Ward, code: str = "HS-0001") -> Case:
    async with ctx.db() as session:
        case = Case(ward_id=ward.id, code=code, procedure="Đăng ký khai sinh", token=f"t{code}")
        session.add(case)
        await session.commit()
        return case


async def mark_done(ctx: Context, case: Case) -> None:
    async with ctx.db() as session:
        stored = await session.get(Case, case.id)
        assert stored is not None
        stored.done_at = ctx.clock()
        await session.commit()


async def test_case_survey_one_response_per_case(ctx: Context, ward: Ward) -> None:
    case = await new_case(ctx, ward)
    citizen, stranger = Chat(ctx), Chat(ctx, chat_id="3003")
    response = await citizen.command("start", f"c_{case.token}")
    assert "HS-0001" in response.replies[0].text and "Đăng ký khai sinh" in response.replies[0].text
    assert "Khi có kết quả" in response.replies[0].text
    response = await stranger.command("start", f"c_{case.token}")
    assert "người khác" in response.replies[0].text
    assert await case_prompt(ctx, case.id) is None  # not done yet: no prompt is due
    await mark_done(ctx, case)
    decided = await case_prompt(ctx, case.id)
    assert decided is not None
    address, prompt = decided
    assert address == citizen.address
    assert "đã có kết quả" in prompt.replies[0].text and "Câu 1/5" in prompt.replies[1].text
    await mark_prompted(ctx, case.id)
    assert await case_prompt(ctx, case.id) is None  # prompted once
    citizen.remember(prompt)
    await citizen.answer_all("Rất hài lòng")
    response = await citizen.command("start", f"c_{case.token}")
    assert "đã đánh giá" in response.replies[0].text
    stored = await answers(ctx)
    assert len(stored) == 5 and {a.source for a in stored} == {"case"}
    assert {a.case_id for a in stored} == {case.id}


async def test_case_opened_after_it_is_done_starts_at_once(ctx: Context, ward: Ward) -> None:
    case = await new_case(ctx, ward)
    await mark_done(ctx, case)
    citizen = Chat(ctx)
    response = await citizen.command("start", f"c_{case.token}")
    assert "Câu 1/5" in response.replies[1].text
    assert await case_prompt(ctx, case.id) is None  # the scheduler will not ask again


async def test_a_case_is_marked_answered_at_its_first_answer_only(
    ctx: Context, ward: Ward, clock: Clock
) -> None:
    """The response rate counts this marker: prompted is not answered, one press is."""
    case = await new_case(ctx, ward)
    await new_case(ctx, ward, "HS-0002")  # never answered
    await mark_done(ctx, case)
    citizen = Chat(ctx)
    await citizen.command("start", f"c_{case.token}")
    walk_in = Chat(ctx, chat_id="3004")
    await walk_in.command("start", "d_NGHIA-TAN")
    await walk_in.press_label("Hài lòng")  # a walk-in marks no case

    async def marks() -> list[object]:
        async with ctx.db() as session:
            found = await session.exec(select(Case.survey_answered_at).order_by(Case.code))
            return list(found.all())

    assert await marks() == [None, None]
    first = clock.now
    await citizen.press_label("Hài lòng")
    clock.advance(minutes=3)
    await citizen.press_label("Rất hài lòng")
    assert await marks() == [first, None]


async def test_stopped_case_survey_resumes_the_same_run(ctx: Context, ward: Ward) -> None:
    case = await new_case(ctx, ward)
    await mark_done(ctx, case)
    citizen = Chat(ctx)
    await citizen.command("start", f"c_{case.token}")
    await citizen.press_label("Hài lòng")
    await citizen.command("thoat")
    response = await citizen.command("start", f"c_{case.token}")
    assert "Câu 2/5" in response.replies[1].text
    async with ctx.db() as session:
        run = (await session.exec(select(SurveySession))).one()
    assert run.status == SessionStatus.ACTIVE


async def test_redelivered_message_is_ignored(chat: Chat, ward: Ward) -> None:
    first = await chat.send(Kind.COMMAND, command="start", text="d_NGHIA-TAN", message_id=10)
    again = await chat.send(Kind.COMMAND, command="start", text="d_NGHIA-TAN", message_id=10)
    assert first.replies and again.replies == []
    stored = await person(chat.ctx, chat)
    assert stored.dialog == Dialog.SURVEY and stored.last_message_id == 10
    async with chat.ctx.db() as session:
        assert len((await session.exec(select(SurveySession))).all()) == 1


async def test_a_middle_press_takes_few_statements(chat: Chat, ward: Ward, ctx: Context) -> None:
    """Issue 14: on PostgreSQL every statement is a round trip the bot waits on. A press
    between the first and the last question: the person locked and the run read with its
    answers in one query, the run's step updated and the answer inserted. On PostgreSQL
    all of it is one statement, committed as it runs (`press_at_once`): five statements
    before, then three, then BEGIN, two and COMMIT. The last press too (it was seven)."""
    engine = ctx.db.kw["bind"]
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement.split(None, 1)[0].upper())

    await chat.command("start", "d_NGHIA-TAN")
    await chat.press_label("Hài lòng")
    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        response = await chat.press_label("Rất hài lòng")
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert "Câu 2 — " in response.replies[0].text and "Câu 3/3" in response.replies[0].text
    assert [a.level for a in await answers(ctx)] == [4, 5]
    if engine.dialect.name == "postgresql":
        assert statements == ["WITH"]
        event.listen(engine.sync_engine, "before_cursor_execute", count)
        try:  # the last press too: the run completed, the suggestion's draft made and asked for
            response = await chat.press_label("Hài lòng")
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", count)
        assert "góp ý" in response.replies[1].text
        assert statements == ["WITH", "WITH"]
    else:
        assert [s for s in statements if s not in ("BEGIN", "COMMIT")] == [
            "SELECT",
            "UPDATE",
            "INSERT",
        ]


async def test_a_button_whose_hints_differ_from_its_run_is_decided_by_the_run(
    chat: Chat, ward: Ward, ctx: Context
) -> None:
    """A level button names its run's survey version and source, so that a press can be
    stored before the run is read (`press_at_once`). Hints that do not match the run (a
    forged button, or an older one without them) change nothing but the path: the run
    decides, and what is stored is the run's own question."""
    await chat.command("start", "d_NGHIA-TAN")
    data = chat.keyboard[3].data  # "Hài lòng" on question 1
    prefix, run_id, index, level, version, source = data.split(":")
    assert (prefix, index, level, source) == ("a", "0", "4", "walkin")
    current = ctx.surveys.survey(int(version))
    renamed = tuple(replace(q, code=f"{q.code}_v2") for q in current.questions)
    newer = replace(current, version=current.version + 1, questions=renamed)
    async with ctx.db() as session:
        row = await stored_version(session, "sipas", newer)
        await session.commit()
    assert row.id is not None
    ctx.surveys.versions[row.id] = newer  # a version the run does not have
    await chat.press(f"a:{run_id}:0:4:{row.id}:walkin")
    await chat.press(f"a:{run_id}:1:5:{version}:case")
    await chat.press(f"a:{run_id}:2:3")  # a four-field button, as sent before the hints
    stored = await answers(ctx)
    assert [(a.question_code, a.level, a.source) for a in stored] == [
        ("access", 4, "walkin"),
        ("procedure", 5, "walkin"),
        ("officer", 3, "walkin"),
    ]
    assert {a.survey_version_id for a in stored} == {int(version)}
    again = await chat.press(data)
    assert again.replies == [] and again.notice
    assert len(await answers(ctx)) == 3


async def test_a_press_after_an_hours_rest_notes_the_activity(
    chat: Chat, ward: Ward, ctx: Context, clock: Clock
) -> None:
    """Activity is noted at most once an hour (data protection's last-seen date): a press
    after a longer rest must note it, whichever path records the press."""
    await chat.command("start", "d_NGHIA-TAN")
    seen = (await person(ctx, chat)).last_seen_at
    clock.advance(minutes=59)
    await chat.press_label("Hài lòng")
    assert (await person(ctx, chat)).last_seen_at == seen
    clock.advance(hours=2)
    response = await chat.press_label("Hài lòng")
    assert "Câu 3/3" in response.replies[0].text
    assert (await person(ctx, chat)).last_seen_at == clock.now
    assert len(await answers(ctx)) == 2


async def test_a_press_from_a_chat_that_had_blocked_the_bot_unblocks_it(
    chat: Chat, ward: Ward, ctx: Context, clock: Clock
) -> None:
    await chat.command("start", "d_NGHIA-TAN")
    async with ctx.db() as session:
        found = (await session.exec(select(Person).where(Person.chat_id == chat.chat_id))).one()
        found.blocked_at = clock.now
        await session.commit()
    await chat.press_label("Hài lòng")
    assert (await person(ctx, chat)).blocked_at is None
    assert len(await answers(ctx)) == 1


async def test_a_press_shows_and_stores_the_same_whichever_path_takes_it(
    ctx: Context, ward: Ward, clock: Clock
) -> None:
    """On PostgreSQL a press is one statement (`press_at_once`), unless its button lacks
    the run's version and source (then the full path decides). Two citizens answer the
    same case survey, one with the buttons as sent, one with the older four-field ones:
    what each is shown, and what is stored for each, must be the same."""
    shown: list[list[str]] = []
    stored: list[tuple[object, ...]] = []
    for number, older in enumerate((False, True)):
        case = await new_case(ctx, ward, f"HS-000{number}")
        await mark_done(ctx, case)
        citizen = Chat(ctx, chat_id=f"500{number}")
        await citizen.command("start", f"c_{case.token}")
        responses = []
        for level in (5, 4, 3, 2, 1):
            clock.advance(seconds=30)
            data = citizen.keyboard[level - 1].data
            responses.append(await citizen.press(":".join(data.split(":")[:4]) if older else data))
        ids = re.compile(r"\b([ak]):\d+")
        shown.append([ids.sub(r"\1:ID", repr(response)) for response in responses])
        async with ctx.db() as session:
            run = (
                await session.exec(select(SurveySession).where(SurveySession.case_id == case.id))
            ).one()
            asked = (
                await session.exec(select(Person).where(Person.chat_id == citizen.chat_id))
            ).one()
            draft = await session.get(Draft, asked.dialog_ref)
            answered = (await session.exec(select(Answer).where(Answer.session_id == run.id))).all()
            marked = await session.get(Case, case.id)
        assert draft is not None and marked is not None
        stored.append(
            (
                [(a.question_code, a.element, a.level, a.source, a.answered_at) for a in answered],
                (run.step, run.status, run.completed_at),
                (asked.dialog, draft.session_id == run.id, draft.ward_id, draft.created_at),
                marked.survey_answered_at - clock.now,
            )
        )
        clock.now -= timedelta(seconds=150)  # the second citizen presses at the same times
    assert shown[0] == shown[1]
    assert stored[0] == stored[1]
    assert stored[0][2][0] == Dialog.SUGGEST_TEXT
