"""Chats acting at the same moment (PostgreSQL runs them in parallel): one invite makes one
leader, one case link one owner and one survey."""

import asyncio
from datetime import timedelta

from sqlmodel import select

from handlers.context import Context
from handlers.events import Address, Incoming, Kind, Response
from handlers.router import handle
from storage.models import Case, Invite, Leadership, SurveySession, Ward

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
