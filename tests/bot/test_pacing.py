"""The pieces that keep the bot within Telegram's limits: merged answers to a burst, the
shared budget (replies first), and the getUpdates offset that passes handled updates only."""

import asyncio

import pytest

from bot.pacing import Budget, ChatPace, merge
from bot.telegram import Offsets
from handlers.events import Address, Choice, Reply, Response

pytestmark = pytest.mark.any_database

SIGN = (Choice("Gửi kèm tên", "s:7:1"), Choice("Gửi ẩn danh", "s:7:0"))


def test_a_burst_of_the_same_answer_is_answered_once() -> None:
    idle = Response([Reply("Xin gõ /gopy để viết góp ý.")])
    assert merge([idle, idle, idle]).replies == idle.replies


def test_a_question_asked_again_is_kept_only_with_its_newest_text() -> None:
    asks = [Response([Reply(f"Góp ý: dòng 1…{n}", SIGN, columns=2)]) for n in range(1, 4)]
    assert merge(asks).replies == [Reply("Góp ý: dòng 1…3", SIGN, columns=2)]


def test_edits_of_one_message_keep_the_last_and_texts_join_the_next_question() -> None:
    question = Reply("Câu 2/5", (Choice("Hài lòng", "a:1:2:4"),))
    merged = merge(
        [
            Response([Reply("Câu 1 — Hài lòng", edit=41)]),
            Response([Reply("Xin chọn một trong các câu trả lời."), question]),
            Response([Reply("Câu 1 — Rất hài lòng", edit=41)]),
        ]
    )
    assert merged.replies == [
        Reply("Xin chọn một trong các câu trả lời.\n\nCâu 2/5", question.choices),
        Reply("Câu 1 — Rất hài lòng", edit=41),
    ]


def test_replies_to_other_chats_are_kept_as_they_are() -> None:
    leader = Address("telegram", "77")
    told = Reply("Lãnh đạo đã xem góp ý của Ông/Bà.", to=leader)
    merged = merge([Response([told]), Response([told])])
    assert merged.replies == [told, told]


def test_the_offset_passes_an_update_only_when_every_one_before_it_is_handled() -> None:
    offsets = Offsets()
    batch = [{"update_id": n} for n in (10, 11, 12)]
    assert offsets.fresh(batch) == batch
    offsets.handled(12)
    offsets.handled(11)
    assert offsets.next is None  # 10 is still in hand
    assert offsets.fresh([*batch, {"update_id": 13}]) == [{"update_id": 13}]
    offsets.handled(10)
    assert offsets.next == 13
    assert offsets.fresh(batch) == []  # a poll that left before the offset moved
    offsets.handled(13)
    assert offsets.next == 14


def test_an_update_the_database_failed_keeps_the_offset_and_is_taken_again() -> None:
    offsets = Offsets()
    batch = [{"update_id": n} for n in (10, 11)]
    assert offsets.fresh(batch) == batch
    offsets.release(10)  # its handling failed: the database was away
    offsets.handled(11)
    assert offsets.next is None  # never confirmed: Telegram keeps it
    assert offsets.fresh(batch) == [{"update_id": 10}]  # the next poll takes it again, once
    assert offsets.fresh(batch) == []
    offsets.handled(10)
    assert offsets.next == 12


async def test_a_waiting_reply_gets_the_next_slot_before_a_waiting_broadcast() -> None:
    budget = Budget(rate=1)
    order: list[str] = []

    async def send(name: str, background: bool) -> None:
        async with budget.slot(background):
            order.append(name)

    await send("first reply", background=False)  # the only slot: back in a second
    broadcast = asyncio.create_task(send("broadcast", background=True))
    await asyncio.sleep(0)  # the broadcast is waiting first
    reply = asyncio.create_task(send("reply", background=False))
    await asyncio.gather(broadcast, reply)
    assert order == ["first reply", "reply", "broadcast"]


async def test_a_stopping_process_knows_how_long_until_every_chat_may_have_a_burst() -> None:
    """What `TelegramTransport.settle` waits at a stop, so the next process, whose buckets
    start full, provokes no 429: the emptiest chat's refill, nothing once all are full."""
    now = [100.0]
    pace = ChatPace(interval=1.0, burst=3, clock=lambda: now[0])
    assert pace.full_in() == 0.0
    for chat, sends in (("a", 1), ("b", 3)):
        for _ in range(sends):
            async with pace.turn(chat):
                pass
    assert pace.full_in() == pytest.approx(3.0, abs=0.02)  # "b" used its whole burst
    now[0] += 2.5
    assert pace.full_in() == pytest.approx(0.5, abs=0.02)
    now[0] += 1.0
    assert pace.full_in() == 0.0
