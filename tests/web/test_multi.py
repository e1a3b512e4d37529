"""The HTTP app of a process among several: the Telegram webhook's answers, and /metrics."""

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import select

from bot.dispatch import Dispatcher
from bot.telegram import TelegramTransport
from handlers.context import Context
from storage.models import (
    Broadcast,
    BroadcastStatus,
    Case,
    Person,
    Recipient,
    RecipientStatus,
    SeenMessage,
    Ward,
)
from tests.conftest import Clock
from web.state import HttpState

SECRET = "webhook-s3cret_42"
SIGNED = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
UPDATE = {
    "update_id": 41,
    "message": {
        "message_id": 3,
        "date": 1764200000,
        "chat": {"id": 77, "type": "private"},
        "from": {"id": 77, "is_bot": False, "first_name": "Giả"},
        "text": "/help",
        "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
    },
}


async def rows(ctx: Context, model: type) -> list[Any]:
    async with ctx.db() as session:
        return list((await session.exec(select(model))).all())


@pytest.fixture
def webhook(state: HttpState, ctx: Context) -> Dispatcher:
    """The app in webhook mode; the replies have no transport to go to (logged, dropped)."""
    dispatcher = Dispatcher(ctx)
    state.telegram = TelegramTransport(None, dispatcher)  # type: ignore[arg-type]
    state.telegram_secret = SECRET
    return dispatcher


async def test_the_webhook_answers_5xx_until_the_update_is_handled(
    client: httpx.AsyncClient, webhook: Dispatcher, monkeypatch: pytest.MonkeyPatch, ctx: Context
) -> None:
    async def broken(*_: object) -> None:
        raise ConnectionError("the database went away")

    with monkeypatch.context() as patched:
        patched.setattr("bot.dispatch.handle", broken)
        answer = await client.post("/telegram/webhook", json=UPDATE, headers=SIGNED)
    assert answer.status_code == 500  # Telegram delivers it again
    assert await rows(ctx, SeenMessage) == []
    for _ in range(2):  # delivered again; and once more (its 200 lost on the way)
        answer = await client.post("/telegram/webhook", json=UPDATE, headers=SIGNED)
        assert answer.status_code == 200
    assert [s.message_id for s in await rows(ctx, SeenMessage)] == ["41"]
    assert len(await rows(ctx, Person)) == 1


@pytest.mark.any_database
async def test_the_webhook_refuses_what_is_not_a_signed_update(
    client: httpx.AsyncClient, webhook: Dispatcher, ctx: Context
) -> None:
    for headers, body, status in (
        ({}, UPDATE, 401),
        ({"X-Telegram-Bot-Api-Secret-Token": "wrong"}, UPDATE, 401),
        (SIGNED, {"message": UPDATE["message"]}, 400),
        (SIGNED, [UPDATE], 400),
    ):
        answer = await client.post("/telegram/webhook", json=body, headers=headers)
        assert answer.status_code == status
    answer = await client.post("/telegram/webhook", content=b"{not json", headers=SIGNED)
    assert answer.status_code == 400
    assert await rows(ctx, Person) == []


@pytest.mark.any_database
async def test_without_webhook_mode_there_is_no_webhook(client: httpx.AsyncClient) -> None:
    answer = await client.post("/telegram/webhook", json=UPDATE, headers=SIGNED)
    assert answer.status_code == 404


async def test_metrics_show_the_backlog_and_broadcast_progress(
    client: httpx.AsyncClient, ctx: Context, ward: Ward, clock: Clock
) -> None:
    async with ctx.db() as session:
        citizen, blocked = (
            Person(platform="telegram", chat_id="1"),
            Person(platform="telegram", chat_id="2", blocked_at=clock()),
        )
        session.add_all([citizen, blocked])
        await session.flush()
        assert ward.id is not None and citizen.id is not None and blocked.id is not None
        done = clock() - timedelta(minutes=5)
        for number, person in enumerate((citizen, blocked, None)):
            session.add(
                Case(
                    ward_id=ward.id,
                    code=f"HS-{number}",
                    procedure="Chứng thực",
                    token=f"t{number}",
                    person_id=person.id if person else None,
                    done_at=done,
                )
            )
        broadcast = Broadcast(survey_key="sipas", created_by="cli", status=BroadcastStatus.RUNNING)
        session.add(broadcast)
        await session.flush()
        assert broadcast.id is not None
        session.add(Recipient(broadcast_id=broadcast.id, person_id=citizen.id))
        session.add(
            Recipient(broadcast_id=broadcast.id, person_id=blocked.id, status=RecipientStatus.SENT)
        )
        await session.commit()
    answer = await client.get("/metrics")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    lines = set(answer.text.splitlines())
    assert 'sogopy_backlog{kind="case_prompts"} 1.0' in lines  # linked, reachable, not asked
    assert 'sogopy_backlog{kind="notices"} 0.0' in lines
    assert 'sogopy_backlog{kind="replies"} 0.0' in lines
    b = broadcast.id
    assert f'sogopy_broadcast_recipients{{broadcast="{b}",status="pending"}} 1.0' in lines
    assert f'sogopy_broadcast_recipients{{broadcast="{b}",status="sent"}} 1.0' in lines
    assert any(line.startswith("sogopy_leader ") for line in lines)
