"""A ward leader on Zalo (issue 11): asked once for the official signature, /help for
leaders, the unread pages one at a time, «Không cần trả lời» and the answer shown before
«Gửi», all by typing numbers."""

from datetime import timedelta

from bot.emulator import BotApiEmulator
from bot.zalo_emulator import ZaloEmulator
from storage.models import BookPage, Invite, Person, Ward, utcnow
from tests.bot.conftest import store
from tests.bot.test_e2e_citizen import rows
from tests.bot.test_e2e_zalo import zalo, zalo_bot, zalo_env

__all__ = ["zalo", "zalo_bot", "zalo_env"]  # the Zalo bot's fixtures, used here too
SIGNATURE = "Nguyễn Thị B, Phó Chủ tịch UBND phường"


async def test_a_zalo_leader_signs_reads_closes_and_answers_by_numbers(
    emulator: BotApiEmulator, zalo: ZaloEmulator, zalo_bot: object, database_url: str
) -> None:
    ward = Ward(code="NGHIA-TAN", name="Phường Nghĩa Tân")
    await store(database_url, ward)
    assert ward.id is not None
    later = utcnow() + timedelta(days=7)
    await store(database_url, Invite(ward_id=ward.id, token="zalo-invite", expires_at=later))
    citizen = zalo.user("8800000001", "Bà Tư")
    await citizen.send_text("/gopycuatoi")
    await citizen.next_message()
    (person,) = await rows(database_url, Person)
    assert person.id is not None
    await store(
        database_url,
        *(
            BookPage(ward_id=ward.id, page_no=n, person_id=person.id, text=f"Góp ý số {n}",
                     consent_at=utcnow())
            for n in (1, 2)
        ),
    )  # fmt: skip

    leader = zalo.user("8800000002", "Anh Hùng")
    await leader.send_text("l_zalo-invite")
    assert "họ tên đầy đủ" in (await leader.wait_for(lambda m: "lãnh đạo" in m.text)).text
    await leader.send_text("Nguyễn Thị B")
    await leader.wait_for(lambda m: "chức vụ" in m.text)
    await leader.send_text("Phó Chủ tịch UBND phường")
    assert SIGNATURE in (await leader.wait_for(lambda m: "Chữ ký" in m.text)).text
    await leader.send_text("/help")
    shown = await leader.wait_for(lambda m: "/chuaxem" in m.text)
    assert "/baocao" in shown.text and "/guikhaosat" not in shown.text

    await leader.send_text("/chuaxem")
    first = await leader.wait_for(lambda m: "Trang 1" in m.text)
    assert "Còn 1 trang" in first.text and "4. Xem tiếp" in first.text
    assert "Trang 2" not in first.text  # one page at a time: its numbers stay answerable
    await leader.send_text("3")  # «Không cần trả lời»
    thanked = await citizen.wait_for(lambda m: "cảm ơn" in m.text)
    assert f"Đã xem — {SIGNATURE} — " in thanked.text
    closed = await leader.wait_for(lambda m: m.text.startswith("Đã đóng trang"))
    assert "Góp ý số 1" not in closed.text  # only what changed: the page is not sent again

    await leader.send_text("/chuaxem")
    second = await leader.wait_for(lambda m: "Trang 2" in m.text)
    assert "1 trang chưa xem" in (leader.messages[-2].text + second.text)
    await leader.send_text("2")  # «Trả lời»
    await leader.wait_for(lambda m: "Xin gõ câu trả lời" in m.text)
    await leader.send_text("Phường đã sửa xong.")
    preview = await leader.wait_for(lambda m: "1. 📨 Gửi" in m.text)
    assert "Phường đã sửa xong." in preview.text
    assert not any("Phường đã sửa xong." in m.text for m in citizen.messages)
    await leader.send_text("1")  # «Gửi»
    answer = await citizen.wait_for(lambda m: "Phường đã sửa xong." in m.text)
    assert "trả lời góp ý của Ông/Bà (trang số 2)" in answer.text
    one, two = sorted(await rows(database_url, BookPage), key=lambda p: p.page_no)
    assert one.no_answer and one.answered_by_name == SIGNATURE
    assert two.answer_text == "Phường đã sửa xong." and two.answered_by_name == SIGNATURE
