"""Chats acting at the same moment (PostgreSQL runs them in parallel): one invite makes one
leader, one case link one owner and one survey."""

import asyncio
from collections import Counter
from datetime import timedelta

from sqlmodel import select

from handlers.catalogue import say
from handlers.context import Context
from handlers.events import Address, Incoming, Kind, Response
from handlers.router import handle
from storage.models import Answer, Case, Invite, Leadership, SurveySession, Ward
from tests.conftest import Chat

ATTEMPTS = 8
ROUNDS = 10


async def opened_at_once(ctx: Context, payload: str, round_: int) -> list[Response]:
    """`/start payload` from ATTEMPTS new chats, all at the same time."""
    events = [
        Incoming(
            Address("telegram", f"{round_}{n:02d}"),
            Kind.COMMAND,
            user_name=f"Người {n}",
            command="start",
            text=payload,
            message_id=1,
        )
        for n in range(ATTEMPTS)
    ]
    return list(await asyncio.gather(*(handle(event, ctx) for event in events)))


async def test_an_invite_opened_by_several_chats_at_once_makes_one_leader(
    ctx: Context, ward: Ward
) -> None:
    for round_ in range(ROUNDS):
        async with ctx.db() as session:
            expires = ctx.clock() + timedelta(days=7)
            session.add(Invite(ward_id=ward.id, token=f"race{round_}", expires_at=expires))
            await session.commit()
        responses = await opened_at_once(ctx, f"l_race{round_}", round_)
        async with ctx.db() as session:
            leaders = (await session.exec(select(Leadership))).all()
        assert len(leaders) == round_ + 1  # exactly one more leader
        texts = [response.replies[0].text for response in responses]
        assert sum("là lãnh đạo" in text for text in texts) == 1, texts
        assert sum("đã có người dùng" in text for text in texts) == ATTEMPTS - 1, texts


async def test_a_case_link_opened_by_several_chats_at_once_has_one_owner_and_one_survey(
    ctx: Context, ward: Ward
) -> None:
    for round_ in range(ROUNDS):
        async with ctx.db() as session:
            case = Case(
                ward_id=ward.id,
                code=f"HS-{round_}",
                procedure="Khai sinh",
                token=f"case{round_}",
                done_at=ctx.clock() - timedelta(hours=1),
            )
            session.add(case)
            await session.commit()
        responses = await opened_at_once(ctx, f"c_case{round_}", round_)
        shown = [r for r in responses if any("Câu 1/5" in reply.text for reply in r.replies)]
        taken = [r for r in responses if "liên kết với một người khác" in r.replies[0].text]
        assert (len(shown), len(taken)) == (1, ATTEMPTS - 1)
        async with ctx.db() as session:
            case = (await session.exec(select(Case).where(Case.code == f"HS-{round_}"))).one()
            of_case = select(SurveySession).where(SurveySession.case_id == case.id)
            runs = (await session.exec(of_case)).all()
            assert len(runs) == 1 and runs[0].person_id == case.person_id


async def test_one_press_delivered_several_times_at_once_is_recorded_once(
    ctx: Context, ward: Ward
) -> None:
    """Webhook deliveries of one press, or a citizen's quick double taps, reach several
    processes at once: each question's answer is stored once, and every other delivery
    is told it was answered already. The ones that waited for the chat's lock must see
    what the first committed, never the run as it was when they asked."""
    for person in range(ROUNDS // 2):
        chat = Chat(ctx, chat_id=f"77{person}")
        await chat.command("start", f"d_{ward.code}")
        for question in range(3):  # a walk-in survey's questions
            again = say("vi", "survey_over" if question == 2 else "already_answered")
            choice = next(c for c in chat.keyboard if c.label == "Hài lòng")
            event = Incoming(
                chat.address, Kind.CHOICE, user_name=chat.name, choice=choice.data, message_id=5
            )
            responses = await asyncio.gather(*(handle(event, ctx) for _ in range(ATTEMPTS)))
            notices = Counter(response.notice for response in responses)
            assert notices == {"Hài lòng": 1, again: ATTEMPTS - 1}, notices
            chat.remember(next(r for r in responses if r.notice == "Hài lòng"))
    async with ctx.db() as session:
        stored = (await session.exec(select(Answer))).all()
    assert len(stored) == 3 * (ROUNDS // 2)
    assert len({(answer.session_id, answer.question_code) for answer in stored}) == len(stored)
