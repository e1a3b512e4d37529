"""Ward leaders over HTTP: join by invite, get each page, sign «Đã xem», answer with a photo."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import Runtime, runtime, serve
from bot.emulator import BotApiEmulator, EmuMessage, EmuUser
from bot.jobs import book_schedule, send_notices
from bot.settings import load_settings
from bot.telegram import TelegramTransport, connect
from handlers import leaders
from handlers.leaders import queue_notices
from storage.models import BookPage, Invite, Leadership, Notice, Person, Ward, utcnow
from tests.bot.conftest import ADMIN, TOKEN, asogopy, in_test_db, store, until
from tests.bot.test_e2e_citizen import rows
from tests.conftest import Clock

Pages = list[BookPage]


async def setup_ward(
    database_url: str, code: str = "NGHIA-TAN", name: str = "Phường Nghĩa Tân"
) -> Ward:
    ward = Ward(code=code, name=name)
    await store(database_url, ward)
    return ward


async def invite(database_url: str, ward: Ward, token: str, days: int = 7) -> str:
    assert ward.id is not None
    expires = utcnow() + timedelta(days=days)
    await store(database_url, Invite(ward_id=ward.id, token=token, expires_at=expires))
    return f"/start l_{token}"


async def join(
    emulator: BotApiEmulator, database_url: str, ward: Ward, user_id: int, name: str
) -> EmuUser:
    leader = emulator.user(user_id, first_name=name)
    await leader.send_text(await invite(database_url, ward, f"tok{user_id}{ward.code}"))
    welcome = await leader.next_message()
    assert "lãnh đạo" in welcome.text and ward.name in welcome.text
    return leader


async def suggest(
    citizen: EmuUser, text: str, signed: bool, ward_code: str = "NGHIA-TAN"
) -> EmuMessage:
    await citizen.send_text(f"/start d_{ward_code}")
    await citizen.send_text("/thoat")
    await citizen.send_text("/gopy")
    await citizen.send_text(text)
    prompt = await citizen.wait_for(lambda m: "ẩn danh" in m.text and m.buttons != [])
    await citizen.press(prompt, "Gửi kèm tên" if signed else "Gửi ẩn danh")
    return await citizen.wait_for(lambda m: "trang số" in m.text)


async def test_leaders_are_notified_one_signs_and_the_citizen_hears_back(
    emulator: BotApiEmulator, running_bot: object, database_url: str
) -> None:
    ward = await setup_ward(database_url)
    chairman = await join(emulator, database_url, ward, 5001, "Chủ tịch Hùng")
    deputy = await join(emulator, database_url, ward, 5002, "Phó chủ tịch Mai")
    citizen = emulator.user(5100, first_name="Lan")
    await suggest(citizen, "Đèn đường <ngõ 5> & ngõ 7 hỏng 😟", signed=False)

    first = await chairman.wait_for(lambda m: "Trang 1" in m.text)
    second = await deputy.wait_for(lambda m: "Trang 1" in m.text)
    for note in (first, second):
        assert "Đèn đường <ngõ 5> & ngõ 7 hỏng 😟" in note.text  # literal
        assert "Ẩn danh" in note.text and "Lan" not in note.text
        assert note.button_labels == ["✅ Đã xem", "✍️ Trả lời", "🙏 Không cần trả lời"]

    await chairman.press(first, "Đã xem")
    await deputy.press(second, "Đã xem")  # at nearly the same moment
    signed = await deputy.wait_for(
        lambda m: m.message_id == second.message_id and "Đã xem —" in m.text
    )
    await chairman.wait_for(lambda m: m.message_id == first.message_id and "Đã xem —" in m.text)
    assert "✅ Đã xem" not in signed.button_labels
    told = await citizen.wait_for(lambda m: "đã đọc góp ý" in m.text)
    assert "trang số 1" in told.text
    (page,) = await rows(database_url, BookPage)
    assert page.seen_by_name in ("Chủ tịch Hùng", "Phó chủ tịch Mai")
    assert page.seen_by_name in first.text and page.seen_by_name in second.text
    assert first.text.count("Đã xem —") == 1

    await deputy.press(second, "Trả lời")
    await deputy.wait_for(lambda m: "Xin gõ câu trả lời" in m.text)
    await deputy.send_photo(caption="Đã thay bóng đèn ngõ 5 và ngõ 7 <xong>.")
    preview = await deputy.wait_for(lambda m: "📨 Gửi" in m.button_labels)
    await deputy.press(preview, "Gửi")
    await deputy.wait_for(lambda m: "Đã gửi trả lời" in m.text)
    answer = await citizen.wait_for(lambda m: "trả lời góp ý" in m.text)
    assert "Đã thay bóng đèn ngõ 5 và ngõ 7 <xong>." in answer.text
    assert any(m.photo for m in citizen.messages)
    await chairman.wait_for(lambda m: m.message_id == first.message_id and "Đã trả lời" in m.text)
    (page,) = await rows(database_url, BookPage)
    assert (
        page.answer_text == "Đã thay bóng đèn ngõ 5 và ngõ 7 <xong>." and page.answer_photo_file_id
    )
    await citizen.send_text("/gopycuatoi")
    assert "đã trả lời" in (await citizen.wait_for(lambda m: "• Trang 1" in m.text)).text


async def test_only_leaders_of_the_page_ward_may_sign_or_answer(
    emulator: BotApiEmulator, running_bot: object, database_url: str
) -> None:
    ward = await setup_ward(database_url)
    other_ward = await setup_ward(database_url, "DICH-VONG", "Phường Dịch Vọng")
    leader = await join(emulator, database_url, ward, 5201, "Hùng")
    outsider = await join(emulator, database_url, other_ward, 5202, "Mai")
    citizen = emulator.user(5300, first_name="Bình")
    await suggest(citizen, "Cần thêm ghế", signed=True)
    note = await leader.wait_for(lambda m: "Trang 1" in m.text)
    assert "Bình" in note.text  # signed: the name is shown
    (page,) = await rows(database_url, BookPage)
    for intruder in (citizen, outsider):
        for data in (f"v:{page.id}", f"r:{page.id}"):
            query = await intruder.press_data(1, data)
            assert "không phải lãnh đạo" in (await intruder.callback_answer(query))["text"]
    (page,) = await rows(database_url, BookPage)
    assert page.seen_at is None and page.answered_at is None

    async def remove(session: AsyncSession) -> None:
        (membership,) = (
            await session.exec(select(Leadership).where(Leadership.ward_id == ward.id))
        ).all()
        membership.removed_at = utcnow()

    await in_test_db(database_url, remove)
    query = await leader.press(note, "Đã xem")  # an old button of a removed leader
    assert "không phải lãnh đạo" in (await leader.callback_answer(query))["text"]


async def test_a_used_or_expired_invite_grants_nothing(
    emulator: BotApiEmulator, running_bot: object, database_url: str
) -> None:
    ward = await setup_ward(database_url)
    first = emulator.user(5401)
    await first.send_text(await invite(database_url, ward, "used-token"))
    assert "lãnh đạo" in (await first.next_message()).text
    second = emulator.user(5402)
    await second.send_text("/start l_used-token")
    assert "không còn dùng được" in (await second.next_message()).text
    await second.send_text(await invite(database_url, ward, "old-token", days=-1))
    assert "không còn dùng được" in (await second.next_message()).text
    revoked = Invite(ward_id=ward.id, token="revoked", expires_at=utcnow() + timedelta(days=7))
    revoked.revoked_at = utcnow()
    await store(database_url, revoked)
    await second.send_text("/start l_revoked")
    assert "không còn dùng được" in (await second.next_message()).text
    await second.send_text("/chuaxem")
    assert "dành cho lãnh đạo" in (await second.next_message()).text


async def test_a_blocked_leader_is_skipped_and_admins_learn_the_ward_is_unreachable(
    emulator: BotApiEmulator, bot_env: dict[str, str], running_bot: object, database_url: str
) -> None:
    ward = await setup_ward(database_url)
    leader = await join(emulator, database_url, ward, 5501, "Hùng")
    deputy = await join(emulator, database_url, ward, 5502, "Mai")
    admin = emulator.user(5999, first_name="Văn phòng")
    await admin.send_text("/help")  # admins must have started the bot
    await admin.next_message()
    leader.block()
    await suggest(emulator.user(5600), "Có ai đọc không?", signed=False)
    await deputy.wait_for(lambda m: "Có ai đọc không?" in m.text)  # the others still hear

    async def recorded() -> bool:  # each notice is marked just after its attempt
        return all(n.sent_at or n.failed for n in await rows(database_url, Notice))

    await until(recorded)
    notices = {n.person_id: n for n in await rows(database_url, Notice)}
    assert sorted((n.failed or "", n.sent_at is not None) for n in notices.values()) == [
        ("", True),
        ("blocked", False),
    ]
    deputy.block()
    await suggest(emulator.user(5601), "Ai đọc không?", signed=False)
    alert = await admin.wait_for(lambda m: "Không lãnh đạo nào" in m.text, timeout=15)
    assert "Phường Nghĩa Tân" in alert.text and "trang số 2" in alert.text


async def test_unread_list_and_book_browsing(
    emulator: BotApiEmulator, running_bot: object, database_url: str
) -> None:
    ward = await setup_ward(database_url)
    leader = await join(emulator, database_url, ward, 5701, "Hùng")
    for n in range(3):
        await suggest(emulator.user(5800 + n), f"Góp ý số {n + 1}", signed=False)
    await leader.wait_for(lambda m: "Trang 3" in m.text)
    await leader.send_text("/chuaxem")
    title = await leader.wait_for(lambda m: "3 trang chưa xem" in m.text)
    await leader.wait_for(lambda m: m.message_id > title.message_id and "Trang 3" in m.text)
    listed = [m for m in leader.messages if m.message_id > title.message_id]
    assert ["Trang 1" in listed[0].text, "Trang 3" in listed[-1].text] == [True, True]
    await leader.press(listed[0], "Đã xem")
    await leader.wait_for(lambda m: m.message_id == listed[0].message_id and "Đã xem —" in m.text)
    await leader.send_text("/so")
    book = await leader.wait_for(lambda m: "Trang 3" in m.text and "Trang trước" in str(m.buttons))
    await leader.press(book, "Trang trước")
    await leader.wait_for(lambda m: m.message_id == book.message_id and "Trang 2" in m.text)
    other = await setup_ward(database_url, "DICH-VONG", "Phường Dịch Vọng")
    await leader.send_text(await invite(database_url, other, "second-ward"))
    await leader.wait_for(lambda m: "Phường Dịch Vọng" in m.text and "lãnh đạo" in m.text)
    await leader.send_text("/so")  # a leader of two wards picks the book
    choice = await leader.wait_for(lambda m: "phường nào" in m.text)
    await leader.press(choice, "Phường Dịch Vọng")
    await leader.wait_for(lambda m: "Dịch Vọng chưa có trang nào" in m.text)


async def test_overdue_pages_escalate_and_the_digest_arrives_once_over_http(
    emulator: BotApiEmulator, in_process_env: None, database_url: str
) -> None:
    """The scheduled jobs of a running bot, on a clock the test moves, through the emulator."""
    ward = await setup_ward(database_url)
    async with talking_runtime(emulator) as rt:
        leader = await join_directly(rt, emulator, ward)
        admin = emulator.user(ADMIN)
        await admin.send_text("/help")  # the emulator delivers only to people who started
        clock = Clock(datetime(2026, 11, 1, 3, 0, tzinfo=UTC))  # 10:00 in Hà Nội
        rt.dispatcher.ctx.clock = clock
        await file_page(rt, ward, clock.now)
        clock.advance(days=11)
        await book_schedule(rt.dispatcher)
        assert "Quá hạn" in (await admin.wait_for(lambda m: "Quá hạn" in m.text)).text
        assert "chưa xem" in (await leader.wait_for(lambda m: "⏰" in m.text)).text
        clock.now = datetime(2026, 11, 13, 0, 30, tzinfo=UTC)  # 07:30 local
        await book_schedule(rt.dispatcher)
        await book_schedule(rt.dispatcher)
        digest = await leader.wait_for(lambda m: "Bản tin sáng 13/11/2026" in m.text)
        assert "Quá hạn: 1" in digest.text
        assert len([m for m in leader.messages if "Bản tin sáng 13/11" in m.text]) == 1


@asynccontextmanager
async def talking_runtime(emulator: BotApiEmulator) -> AsyncIterator[Runtime]:
    """The bot's runtime with its Telegram transport, for calling its jobs by hand."""
    async with runtime(load_settings()) as rt:
        api = await connect(TOKEN, emulator.base_url)
        rt.dispatcher.add_transport(TelegramTransport(api, rt.dispatcher))
        try:
            yield rt
        finally:
            await api.close()


async def join_directly(rt: Runtime, emulator: BotApiEmulator, ward: Ward) -> EmuUser:
    leader = emulator.user(5901, first_name="Hùng")
    await leader.send_text("/start")  # the chat exists; the leadership is written directly
    async with rt.ctx.db() as session:
        person = Person(platform="telegram", chat_id="5901", name="Hùng", role="leader")
        session.add(person)
        await session.flush()
        session.add(Leadership(person_id=person.id, ward_id=ward.id, name="Hùng"))
        await session.commit()
    return leader


async def file_page(rt: Runtime, ward: Ward, created: datetime) -> None:
    async with rt.ctx.db() as session:
        citizen = Person(platform="telegram", chat_id="5902")
        session.add(citizen)
        await session.flush()
        page = BookPage(
            ward_id=ward.id, page_no=1, person_id=citizen.id, text="Rác chưa thu",
            consent_at=created, created_at=created,
        )  # fmt: skip
        session.add(page)
        await session.commit()


async def test_a_page_committed_before_a_crash_is_notified_once_after_restart(
    emulator: BotApiEmulator, in_process_env: None, database_url: str
) -> None:
    ward = await setup_ward(database_url)
    async with runtime(load_settings()) as rt:  # the crashed bot's last commit
        leader = await join_directly(rt, emulator, ward)
        await file_page(rt, ward, utcnow())
        async with rt.ctx.db() as session:
            (page,) = (await session.exec(select(BookPage))).all()
            await queue_notices(session, page)
            await session.commit()
    stop = asyncio.Event()  # the bot comes back: the outbox still holds the notice
    bot = asyncio.create_task(serve(load_settings(), stop))
    await leader.wait_for(lambda m: "Rác chưa thu" in m.text, timeout=15)
    stop.set()
    await bot
    async with talking_runtime(emulator) as rt:  # and again: nothing left to send
        assert await send_notices(rt.dispatcher) == 0
    assert len([m for m in leader.messages if "Rác chưa thu" in m.text]) == 1


async def test_long_texts_with_markup_travel_literally_both_ways(
    emulator: BotApiEmulator, running_bot: object, database_url: str
) -> None:
    ward = await setup_ward(database_url)
    leader = await join(emulator, database_url, ward, 6001, "Hùng")
    citizen = emulator.user(6100)
    long_text = "<b>Vỉa hè</b> & lòng đường 🚧 " * 140  # about 4,000 characters
    await suggest(citizen, long_text.strip(), signed=False)
    note = await leader.wait_for(lambda m: "Trang 1" in m.text)
    assert "<b>Vỉa hè</b> & lòng đường 🚧" in note.text and note.text.endswith("…")
    await leader.press(note, "Trả lời")
    await leader.wait_for(lambda m: "Xin gõ câu trả lời" in m.text)
    answer = "\n".join(f"{n}. <i>Đã xử lý</i> & kiểm tra lại 👍 " + "x" * 60 for n in range(80))
    await leader.send_text(answer)
    preview = await leader.wait_for(lambda m: "📨 Gửi" in m.button_labels)
    await leader.press(preview, "Gửi")
    await leader.wait_for(lambda m: "Đã gửi trả lời" in m.text)
    await citizen.wait_for(lambda m: "79. <i>Đã xử lý</i> & kiểm tra lại 👍" in m.text)
    received = [m.text for m in citizen.messages if "Đã xử lý" in m.text]
    assert len(received) > 1 and all(len(t) <= 4096 for t in received)  # cut at line ends
    assert all(f"{n}. <i>Đã xử lý</i>" in "".join(received) for n in range(80))
    (page,) = await rows(database_url, BookPage)
    assert page.text == long_text.strip() and page.answer_text == answer


async def test_a_leader_asks_for_the_figures_and_gets_a_chart(
    emulator: BotApiEmulator, running_bot: object, database_url: str
) -> None:
    ward = await setup_ward(database_url)
    leader = await join(emulator, database_url, ward, 6201, "Hùng")
    citizen = emulator.user(6300)
    await citizen.send_text("/start d_NGHIA-TAN")
    survey = await citizen.wait_for(lambda m: "Câu 1/3" in m.text)
    for number in range(1, 4):
        await citizen.press(survey, "Rất hài lòng")
        await citizen.wait_for(lambda m, n=number: f"Câu {n} — " in m.text)
    await leader.send_text("/baocao")
    summary = await leader.wait_for(lambda m: "Mức độ hài lòng" in m.text)
    assert "Chung: 100% (3 câu, ít dữ liệu)" in summary.text
    assert any(m.photo for m in leader.messages)  # the chart, uploaded as a photo
    await leader.press(summary, "90 ngày")
    await leader.wait_for(lambda m: m.message_id > summary.message_id and "Mức độ" in m.text)


async def file_pages(database_url: str, ward: Ward, citizen: EmuUser, count: int) -> Pages:
    """`count` unread pages of one citizen, written straight into the book (no notices)."""
    await citizen.send_text("/start")
    await citizen.next_message()
    (person,) = [p for p in await rows(database_url, Person) if p.chat_id == str(citizen.id)]
    assert person.id is not None and ward.id is not None
    photo = "https://example.org/anh.jpg"  # page 2's photo, as the emulator takes it
    pages = [
        BookPage(ward_id=ward.id, page_no=n, person_id=person.id, text=f"Góp ý số {n}",
                 consent_at=utcnow(), photo_file_id=photo if n == 2 else None)
        for n in range(1, count + 1)
    ]  # fmt: skip
    await store(database_url, *pages)
    return pages


async def test_a_leader_signs_officially_pages_through_unread_previews_answers_and_menus(
    emulator: BotApiEmulator,
    bot_env: dict[str, str],
    running_bot: object,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 11, points 8-11 over the Bot API: what a busy ward chairman lives."""
    monkeypatch.setattr(leaders, "UNREAD_BATCH", 2)  # batches of 2: Telegram paces each chat
    ward = await setup_ward(database_url)
    invited = await asogopy(
        bot_env, "leader", "invite", "NGHIA-TAN",
        "--name", "Nguyễn Văn A", "--title", "Chủ tịch UBND phường",
    )  # fmt: skip
    assert invited.returncode == 0, invited.stderr
    link = invited.stdout.splitlines()[0]
    citizen = emulator.user(6901, first_name="Lan")
    await file_pages(database_url, ward, citizen, 3)
    leader = emulator.user(6900, first_name="Hung")
    await leader.send_text(f"/start {link.partition('start=')[2]}")
    welcome = await leader.next_message()
    assert "Nguyễn Văn A" in welcome.text and "họ tên" not in welcome.text
    await until(lambda: _true(emulator.menu(6900)))
    assert {"chuaxem", "so", "baocao"} <= set(emulator.menu(6900) or [])
    assert "chuaxem" not in (emulator.menu() or []) and "gopy" in (emulator.menu() or [])

    await leader.send_text("/chuaxem")
    more = await leader.wait_for(lambda m: "Còn 1 trang" in m.text)
    listed = [m for m in leader.messages if m.message_id < more.message_id and "Trang" in m.text]
    assert any("Có 3 trang chưa xem" in m.text for m in leader.messages)
    assert len(listed) == 2
    await leader.press(listed[1], "Xem ảnh")
    photo = await leader.wait_for(lambda m: m.photo is not None)
    assert "trang số 2" in (photo.caption or "")
    await leader.press(more, "Xem tiếp")
    last = await leader.wait_for(lambda m: "Trang 3" in m.text)

    await leader.press(listed[0], "Không cần trả lời")
    thanked = await citizen.wait_for(lambda m: "cảm ơn" in m.text)
    assert "Đã xem — Nguyễn Văn A, Chủ tịch UBND phường — " in thanked.text
    await leader.press(last, "Trả lời")
    await leader.wait_for(lambda m: "Xin gõ câu trả lời" in m.text)
    await leader.send_text("Phường sẽ sửa trong tuần này.")
    preview = await leader.wait_for(lambda m: "📨 Gửi" in m.button_labels)
    assert "trả lời góp ý của Ông/Bà (trang số 3)" in preview.text
    assert not any("trả lời góp ý" in m.text for m in citizen.messages)  # nothing left yet
    await leader.press(preview, "Gửi")
    answer = await citizen.wait_for(lambda m: "trả lời góp ý" in m.text)
    assert answer.text == preview.text  # exactly what the leader saw
    first, _, third, *_ = sorted(await rows(database_url, BookPage), key=lambda p: p.page_no)
    assert first.no_answer and first.answered_by_name == "Nguyễn Văn A, Chủ tịch UBND phường"
    assert third.answer_text == "Phường sẽ sửa trong tuần này."

    (leadership,) = await rows(database_url, Leadership)
    removed = await asogopy(bot_env, "leader", "remove", str(leadership.id))
    assert removed.returncode == 0, removed.stderr
    await until(lambda: _true(emulator.menu(6900) is None))  # back to the citizens' menu


async def _true(value: object) -> bool:
    return bool(value)


async def test_a_notice_cut_off_mid_send_is_never_sent_twice(
    emulator: BotApiEmulator, in_process_env: None, database_url: str
) -> None:
    """A leader that dies between Telegram taking a notice and marking it sent leaves it
    claimed: the next leader leaves it alone while a send may be under way, then marks it
    interrupted; a notice Telegram refused is sent again."""
    ward = await setup_ward(database_url)
    async with talking_runtime(emulator) as rt:
        leader = await join_directly(rt, emulator, ward)
        await file_page(rt, ward, utcnow())
        async with rt.ctx.db() as session:
            (page,) = (await session.exec(select(BookPage))).all()
            await queue_notices(session, page)
            (notice,) = (await session.exec(select(Notice))).all()
            notice.claimed_at = rt.ctx.clock() - timedelta(seconds=5)  # another's send
            await session.commit()
        assert await send_notices(rt.dispatcher) == 0
        async with rt.ctx.db() as session:
            notice = (await session.exec(select(Notice))).one()
            assert notice.failed is None  # perhaps still under way: left alone
            notice.claimed_at = rt.ctx.clock() - timedelta(seconds=20)
            await session.commit()
        assert await send_notices(rt.dispatcher) == 0
        async with rt.ctx.db() as session:
            notice = (await session.exec(select(Notice))).one()
            assert notice.failed == "interrupted while sending" and notice.sent_at is None
            notice.failed, notice.claimed_at = None, None  # a new notice, as it were
            await session.commit()
        emulator.fail("sendMessage", status=502)
        assert await send_notices(rt.dispatcher) == 0
        async with rt.ctx.db() as session:
            notice = (await session.exec(select(Notice))).one()
            assert notice.claimed_at is None and notice.failed is None  # refused: unclaimed
        emulator.heal()
        assert await send_notices(rt.dispatcher) == 1
    assert len([m for m in leader.messages if "Rác chưa thu" in m.text]) == 1
