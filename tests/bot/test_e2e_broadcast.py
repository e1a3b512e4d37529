"""Broadcasts over HTTP: consent, the admin's wizard, the CLI, skips, 429s, a kill, quiet hours."""

import asyncio
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import serve
from bot.broadcast import BroadcastEngine, Run
from bot.emulator import BotApiEmulator, EmuMessage, EmuUser
from bot.settings import load_settings
from storage.broadcasts import schedule
from storage.models import (
    Answer,
    Broadcast,
    BroadcastStatus,
    Person,
    Recipient,
    RecipientStatus,
    Source,
    Ward,
    utcnow,
)
from tests.bot.conftest import ADMIN, BotProcess, asogopy, in_test_db, store, until
from tests.bot.test_e2e_citizen import add_ward, answer_all, rows
from tests.bot.test_e2e_leaders import talking_runtime
from tests.conftest import Clock

INVITE_WORDS = "kính mời Ông/Bà"
NIGHT = (time(21), time(7))


@pytest.fixture
def bot_env(bot_env: dict[str, str]) -> dict[str, str]:
    """No quiet hours unless a test asks: these tests run at any time of day."""
    return {**bot_env, "SOGOPY_QUIET_HOURS": ""}


async def opted_in(
    emulator: BotApiEmulator, database_url: str, ward: Ward, first: int, count: int
) -> list[EmuUser]:
    """`count` citizens of `ward` who agreed to broadcasts, chats open in the emulator."""
    people = []
    for user_id in range(first, first + count):
        user = emulator.user(user_id, first_name=f"Dân {user_id}")
        user.started = True
        people.append(user)
        await store(
            database_url,
            Person(
                platform="telegram",
                chat_id=str(user_id),
                ward_id=ward.id,
                optin=True,
                optin_at=utcnow(),
            ),
        )
    return people


def invitations(user: EmuUser) -> list[EmuMessage]:
    return [m for m in user.messages if INVITE_WORDS in m.text]


async def broadcast_row(database_url: str, broadcast_id: int) -> Broadcast:
    (found,) = [b for b in await rows(database_url, Broadcast) if b.id == broadcast_id]
    return found


async def recipients(database_url: str, broadcast_id: int) -> dict[str, str]:
    """ "status:reason" of each recipient of the broadcast, by chat id."""

    async def read(session: AsyncSession) -> dict[str, str]:
        found = await session.exec(
            select(Person.chat_id, Recipient.status, Recipient.reason)
            .join(Person, Person.id == Recipient.person_id)
            .where(Recipient.broadcast_id == broadcast_id)
        )
        return {chat: f"{status}:{reason or ''}" for chat, status, reason in found.all()}

    return await in_test_db(database_url, read)


async def test_a_citizen_is_asked_once_after_the_survey_and_can_stop_and_resume(
    emulator: BotApiEmulator, bot_env: dict[str, str], running_bot: object, database_url: str
) -> None:
    payload = await add_ward(bot_env)
    citizen = emulator.user(1001, first_name="Lan")
    await citizen.send_text(f"/start {payload}")
    await citizen.next_message()
    await answer_all(citizen, await citizen.next_message())
    ask = await citizen.next_message()
    await citizen.press(ask, "Bỏ qua")
    thanks = await citizen.wait_for(lambda m: "khảo sát ý kiến sau này" in m.text)
    assert thanks.button_labels == ["Đồng ý", "Không, cảm ơn"]
    await citizen.press(thanks, "Đồng ý")
    await citizen.wait_for(lambda m: "/huy để ngừng nhận" in m.text)
    (person,) = await rows(database_url, Person)
    assert person.optin is True and person.optin_at is not None

    await citizen.send_text("/gopy")  # a later suggestion does not ask again
    await citizen.send_text("Thêm ghế chờ")
    sign = await citizen.wait_for(lambda m: "Gửi ẩn danh" in m.button_labels)
    await citizen.press(sign, "Gửi ẩn danh")
    filed = await citizen.wait_for(lambda m: "trang số 1" in m.text)
    assert filed.buttons == [] and "khảo sát ý kiến" not in filed.text

    await citizen.send_text("/huy")
    stopped = await citizen.wait_for(lambda m: "không nhận khảo sát nào nữa" in m.text)
    (person,) = await rows(database_url, Person)
    assert person.optin is False
    await citizen.send_text("/nhan")
    await citizen.wait_for(  # the same words as after «Đồng ý»: only a newer message counts
        lambda m: m.message_id > stopped.message_id and "Phường sẽ gửi khảo sát" in m.text
    )
    (person,) = await rows(database_url, Person)
    assert person.optin is True
    await citizen.send_text("/help")
    help_text = await citizen.wait_for(lambda m: "Hướng dẫn" in m.text)
    assert "/huy" in help_text.text and "/nhan" in help_text.text


async def test_an_admin_broadcasts_from_the_chat_and_citizens_answer(
    emulator: BotApiEmulator, bot_env: dict[str, str], running_bot: object, database_url: str
) -> None:
    ward = Ward(code="NGHIA-TAN", name="Phường Nghĩa Tân")
    other = Ward(code="DICH-VONG", name="Phường Dịch Vọng")
    await store(database_url, ward, other)
    lan, binh = await opted_in(emulator, database_url, ward, 7001, 2)
    (elsewhere,) = await opted_in(emulator, database_url, other, 7101, 1)

    stranger = emulator.user(7200)
    await stranger.send_text("/guikhaosat")
    assert "chưa hiểu lệnh" in (await stranger.next_message()).text

    admin = emulator.user(ADMIN, first_name="Văn phòng")
    await admin.send_text("/guikhaosat")
    choose = await admin.next_message()
    assert choose.button_labels == ["Khảo sát mức độ hài lòng", "Huỷ"]
    await admin.press(choose, "Khảo sát mức độ hài lòng")
    audience = await admin.wait_for(lambda m: "Gửi tới ai?" in m.text)
    assert audience.button_labels[0] == "Toàn thành phố (3 người)"
    assert "Phường Nghĩa Tân (2 người)" in audience.button_labels
    await admin.send_text("nghia-tan, KHONG-CO")
    await admin.wait_for(lambda m: "Không tìm thấy phường: KHONG-CO" in m.text)
    await admin.send_text("nghia-tan")
    preview = await admin.wait_for(lambda m: m.text.startswith("Xem trước"))
    assert "Phường Nghĩa Tân; 2 người" in preview.text
    sample = await admin.wait_for(lambda m: INVITE_WORDS in m.text)
    assert "Câu 1/5" in sample.text and len(sample.buttons) == 6  # with «Chưa có ý kiến»
    query = await admin.press(sample, "Hài lòng")
    assert (await admin.callback_answer(query))["text"] == "Đây là bản xem trước"
    decide = await admin.wait_for(lambda m: "Gửi ngay" in " ".join(m.button_labels))
    for forged in ("x:1:n", "x:1:c", "x:1:w:1"):  # a citizen pressing an admin's buttons
        query = await stranger.press_data(1, forged)
        assert "không còn dùng được" in (await stranger.callback_answer(query))["text"]
    assert (await broadcast_row(database_url, 1)).status == BroadcastStatus.DRAFT
    await admin.press(decide, "📤 Gửi ngay")
    await admin.wait_for(lambda m: "Đã bắt đầu gửi khảo sát số 1" in m.text)

    done = await admin.wait_for(lambda m: "Đã gửi xong" in m.text)
    assert "Đã gửi 2/2" in done.text and done.buttons == []
    assert len(invitations(lan)) == len(invitations(binh)) == 1
    assert invitations(elsewhere) == []
    invite = invitations(lan)[0]
    assert invite.text == sample.text  # the preview was exactly what citizens see
    await answer_all(lan, invite, "Rất hài lòng")
    answers = await rows(database_url, Answer)
    assert len(answers) == 5 and {a.source for a in answers} == {Source.BROADCAST}
    people = {p.id: p.chat_id for p in await rows(database_url, Person)}
    (mine,) = [r for r in await rows(database_url, Recipient) if people[r.person_id] == "7001"]
    again = await lan.press_data(invite.message_id, f"s:{mine.id}:1")  # the first press, again
    assert (await lan.callback_answer(again))["text"] != "Rất không hài lòng"
    assert len(await rows(database_url, Answer)) == 5

    status = await asogopy(bot_env, "broadcast", "status", "1")
    assert status.returncode == 0, status.stderr
    assert "Đợt gửi 1: ✅ Đã gửi xong" in status.stdout
    assert "Đã gửi 2, chặn bot 0, lỗi 0, bỏ qua 0, còn lại 0" in status.stdout
    assert "Đã trả lời: 1 người (50.0% số người đã nhận)" in status.stdout


async def test_cli_broadcast_skips_whom_it_must_and_records_why(
    emulator: BotApiEmulator, bot_env: dict[str, str], running_bot: object, database_url: str
) -> None:
    ward = Ward(code="NGHIA-TAN", name="Phường Nghĩa Tân")
    gone = Ward(code="CU", name="Phường Cũ")
    await store(database_url, ward, gone)
    reached, changed_mind, blocked = await opted_in(emulator, database_url, ward, 7001, 3)
    (in_gone,) = await opted_in(emulator, database_url, gone, 7101, 1)
    blocked.block()
    listed = await asogopy(bot_env, "survey", "list")
    assert listed.stdout.startswith("sipas\tphiên bản 2\t5 câu hỏi")

    later_day = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date() + timedelta(days=2)
    later = f"{later_day:%Y-%m-%d} 10:00"  # out of the quiet hours
    waiting = await asogopy(bot_env, "broadcast", "create", "--survey", "sipas", "--at", later)
    assert waiting.returncode == 0, waiting.stderr
    cancelled = await asogopy(bot_env, "broadcast", "cancel", waiting.stdout.split()[0])
    assert cancelled.returncode == 0 and "Đã huỷ" in cancelled.stdout

    # made for later; then one citizen opts out and a ward is removed; then its time comes
    created = await asogopy(bot_env, "broadcast", "create", "--survey", "sipas", "--at", later)
    assert created.returncode == 0, created.stderr
    shown = f"{later_day:%d/%m/%Y} 10:00"
    assert created.stdout.splitlines()[1].endswith(f"tới 4 người (toàn thành phố), lúc {shown}")
    await asogopy(bot_env, "ward", "remove", "CU")
    broadcast_id = int(created.stdout.split()[0])

    async def change(session: AsyncSession) -> None:
        person = (
            await session.exec(select(Person).where(Person.chat_id == str(changed_mind.id)))
        ).one()
        person.optin = False
        broadcast = await session.get(Broadcast, broadcast_id)
        assert broadcast is not None and broadcast.status == BroadcastStatus.SCHEDULED
        broadcast.scheduled_at = utcnow()

    await in_test_db(database_url, change)
    await until(lambda: _done(database_url, broadcast_id))
    assert await recipients(database_url, broadcast_id) == {
        str(reached.id): "sent:",
        str(changed_mind.id): "skipped:opted out",
        str(blocked.id): "blocked:Forbidden: bot was blocked by the user",
        str(in_gone.id): "skipped:ward removed",
    }
    assert len(invitations(reached)) == 1
    assert invitations(changed_mind) == invitations(in_gone) == []
    people = {p.chat_id: p for p in await rows(database_url, Person)}
    assert people[str(blocked.id)].blocked_at is not None  # never sent to again


async def _done(database_url: str, broadcast_id: int) -> bool:
    return (await broadcast_row(database_url, broadcast_id)).status == BroadcastStatus.DONE


async def test_a_sender_killed_mid_broadcast_sends_each_recipient_exactly_once(
    emulator: BotApiEmulator, bot_env: dict[str, str], database_url: str
) -> None:
    ward = Ward(code="NGHIA-TAN", name="Phường Nghĩa Tân")
    await store(database_url, ward)
    people = await opted_in(emulator, database_url, ward, 7001, 20)
    # 5/s: a row is claimed 200 ms after the one before, so when the 10th message
    # arrives no other row has been claimed yet (one in flight is all a kill can catch)
    sender = BotProcess({**bot_env, "SOGOPY_SEND_RATE": "5"})
    received = 0

    def kill_at_the_tenth(kind: str, message: EmuMessage) -> None:
        nonlocal received
        if kind == "send" and INVITE_WORDS in message.text:
            received += 1
            if received == 10:  # while the bot waits for this very answer
                assert sender.process is not None
                sender.process.kill()

    stop_watching = emulator.on_bot_action(kill_at_the_tenth)
    created = await asogopy(bot_env, "broadcast", "create", "--survey", "sipas")
    broadcast_id = int(created.stdout.split()[0])
    await sender.start()
    assert sender.process is not None
    assert await sender.process.wait() == -9
    stop_watching()
    assert 10 <= sum(len(invitations(p)) for p in people) < 20

    await sender.start()
    try:
        await until(lambda: _done(database_url, broadcast_id))
    finally:
        await sender.terminate()
    assert [len(invitations(p)) for p in people] == [1] * 20
    statuses = await recipients(database_url, broadcast_id)
    assert set(statuses.values()) <= {"sent:", "sent:interrupted while sending"}


async def test_429s_pause_all_sending_and_lose_nobody(
    emulator: BotApiEmulator, bot_env: dict[str, str], database_url: str
) -> None:
    """The bot is told 50/s but the server allows 10: it slows down on each 429."""
    ward = Ward(code="NGHIA-TAN", name="Phường Nghĩa Tân")
    await store(database_url, ward)
    people = await opted_in(emulator, database_url, ward, 7001, 30)
    emulator.global_rate = 10
    created = await asogopy(bot_env, "broadcast", "create", "--survey", "sipas")
    broadcast_id = int(created.stdout.split()[0])
    sender = BotProcess({**bot_env, "SOGOPY_SEND_RATE": "50"})
    await sender.start()
    try:
        await until(lambda: _done(database_url, broadcast_id))
    finally:
        await sender.terminate()
    assert emulator.throttled > 0
    assert [len(invitations(p)) for p in people] == [1] * 30
    assert set((await recipients(database_url, broadcast_id)).values()) == {"sent:"}


async def test_quiet_hours_pause_a_run_and_a_scheduled_broadcast_fires_once_across_restarts(
    emulator: BotApiEmulator, in_process_env: None, database_url: str
) -> None:
    ward = Ward(code="NGHIA-TAN", name="Phường Nghĩa Tân")
    await store(database_url, ward)
    people = await opted_in(emulator, database_url, ward, 7001, 6)
    clock = Clock(datetime(2026, 11, 30, 13, 59, tzinfo=UTC))  # 20:59 in Hà Nội
    at = datetime(2026, 11, 30, 13, 59, 30, tzinfo=UTC)
    async with talking_runtime(emulator) as rt:
        rt.dispatcher.ctx.clock = clock
        rt.dispatcher.ctx.quiet = NIGHT
        engine = BroadcastEngine(rt.dispatcher, {"telegram": 5})
        async with rt.ctx.db() as session:
            broadcast = Broadcast(
                survey_key="sipas",
                survey_version_id=rt.ctx.surveys.current["sipas"],
                created_by="cli",
            )
            session.add(broadcast)
            await session.flush()
            await schedule(session, broadcast, at)
            await session.commit()
        assert await engine.run_due() == 0  # not its time yet
        clock.advance(seconds=31)
        sent_before_nine = 0

        def nine_pm(kind: str, message: EmuMessage) -> None:
            nonlocal sent_before_nine
            sent_before_nine += 1
            if sent_before_nine == 3:
                clock.now = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)  # 21:00: quiet

        stop_watching = emulator.on_bot_action(nine_pm)
        first = await engine.run_due()
        stop_watching()
        assert 3 <= first < 6
        assert await engine.run_due() == 0  # still night
    clock.now = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)  # 07:00 next morning, bot restarted
    async with talking_runtime(emulator) as rt:
        rt.dispatcher.ctx.clock = clock
        rt.dispatcher.ctx.quiet = NIGHT
        engine = BroadcastEngine(rt.dispatcher, {"telegram": 5})
        assert await engine.run_due() == 6 - first
        assert await engine.run_due() == 0
    assert [len(invitations(p)) for p in people] == [1] * 6
    assert await _done(database_url, broadcast.id or 0)


async def test_the_admin_pauses_resumes_and_the_progress_message_follows(
    emulator: BotApiEmulator,
    bot_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
) -> None:
    ward = Ward(code="NGHIA-TAN", name="Phường Nghĩa Tân")
    await store(database_url, ward)
    people = await opted_in(emulator, database_url, ward, 7001, 10)
    monkeypatch.setenv("SOGOPY_SEND_RATE", "2")  # 5 s: time to press «Tạm dừng»
    for key, value in bot_env.items():
        monkeypatch.setenv(key, value)
    stop = asyncio.Event()
    bot = asyncio.create_task(serve(load_settings(), stop))
    try:
        admin = emulator.user(ADMIN, first_name="Văn phòng")
        await admin.send_text("/guikhaosat")
        await admin.press(await admin.next_message(), "Khảo sát mức độ hài lòng")
        await admin.press(await admin.wait_for(lambda m: "Gửi tới ai?" in m.text), "Toàn")
        decide = await admin.wait_for(lambda m: "Gửi ngay" in " ".join(m.button_labels))
        await admin.press(decide, "📤 Gửi ngay")
        progress = await admin.wait_for(lambda m: "Gửi khảo sát số 1" in m.text)
        assert "Đã gửi" in progress.text and "còn lại" in progress.text
        assert progress.button_labels == ["⏸ Tạm dừng", "Huỷ"]
        query = await admin.press(progress, "⏸ Tạm dừng")
        assert (await admin.callback_answer(query))["text"] == "Đã tạm dừng"
        paused = await admin.wait_for(
            lambda m: m.message_id == progress.message_id and "Đã tạm dừng" in m.text
        )
        assert paused.button_labels == ["▶ Tiếp tục", "Huỷ"]
        await until(lambda: _stopped_sending(database_url))
        sent_while_paused = sum(len(invitations(p)) for p in people)
        assert sent_while_paused < 10
        assert (await broadcast_row(database_url, 1)).status == BroadcastStatus.PAUSED
        await admin.press(progress, "▶ Tiếp tục")
        await admin.wait_for(
            lambda m: m.message_id == progress.message_id and "Đã gửi xong" in m.text,
            timeout=20,
        )
        assert [len(invitations(p)) for p in people] == [1] * 10
    finally:
        stop.set()
        await asyncio.wait_for(bot, timeout=15)


async def _stopped_sending(database_url: str) -> bool:
    """No row is in flight: the run has stopped feeding and its last sends came back."""
    rows_now = await rows(database_url, Recipient)
    return all(r.status != "sending" for r in rows_now)


async def test_outcomes_added_during_the_last_write_are_written_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The run finishes while the writer is writing a batch: the outcomes the last sends
    added meanwhile are written before the writer ends, never left "sending"."""
    written: list[list[int]] = []
    run = Run(Broadcast(id=1, survey_key="sipas"), {})
    engine = BroadcastEngine.__new__(BroadcastEngine)  # the writer needs no transport

    async def write(run: Run) -> None:
        outcomes, run.outcomes = run.outcomes, []
        if not written:  # the first batch's write: the last send ends and the run finishes
            run.outcomes.append((2, RecipientStatus.SENT, None))
            run.finished = True
        written.append([recipient for recipient, _, _ in outcomes])

    monkeypatch.setattr(engine, "_write_outcomes", write)
    run.outcomes.append((1, RecipientStatus.SENT, None))
    await asyncio.wait_for(engine._keep_writing(run), 5)
    assert [r for batch in written for r in batch] == [1, 2]
