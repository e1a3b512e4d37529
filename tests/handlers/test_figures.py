"""/baocao in chat: leaders see their ward's figures and a chart, admins every ward."""

from dataclasses import replace

from handlers.context import Context
from storage.models import Leadership, Person, Ward
from tests.conftest import Chat, add_ward

PNG = b"\x89PNG\r\n\x1a\n"


async def rate_walk_in(ctx: Context, chat_id: str, ward_code: str, label: str) -> None:
    chat = Chat(ctx, chat_id=chat_id)
    await chat.command("start", f"d_{ward_code}")
    for _ in range(5):
        await chat.press_label(label)


async def make_leader(ctx: Context, ward: Ward, chat_id: str = "700") -> Chat:
    async with ctx.db() as session:
        person = Person(platform="telegram", chat_id=chat_id, name="Hùng", role="leader")
        session.add(person)
        await session.flush()
        session.add(Leadership(person_id=person.id, ward_id=ward.id, name="Hùng"))
        await session.commit()
    return Chat(ctx, chat_id=chat_id, name="Hùng")


async def test_a_leader_sees_the_ward_figures_and_a_chart(ctx: Context, ward: Ward) -> None:
    for n in range(3):
        await rate_walk_in(ctx, f"10{n}", "NGHIA-TAN", "Hài lòng")
    await rate_walk_in(ctx, "200", "NGHIA-TAN", "Không hài lòng")
    leader = await make_leader(ctx, ward)
    response = await leader.command("baocao")
    chart, summary = response.replies
    assert chart.image is not None and chart.image.startswith(PNG)
    text = summary.text
    assert "Phường Nghĩa Tân" in text
    assert "Chung: <b>75%</b> (20 câu)" in text  # 15 of 20 answers at levels 4-5
    assert "Tiếp cận dịch vụ: 75% (4 câu, ít dữ liệu)" in text  # 4 answers: too few to judge
    assert "tại quầy: 20 câu trả lời" in text and "Góp ý trong kỳ: 0" in text
    assert [c.label for c in summary.choices] == ["7 ngày", "30 ngày", "90 ngày", "365 ngày"]
    again = await leader.press_label("7 ngày")
    assert "Phường Nghĩa Tân" in again.replies[1].text


async def test_admins_see_every_ward_ranked_and_citizens_nothing(ctx: Context, ward: Ward) -> None:
    await add_ward(ctx, "DICH-VONG", "Phường Dịch Vọng")
    await rate_walk_in(ctx, "101", "NGHIA-TAN", "Không hài lòng")
    await rate_walk_in(ctx, "102", "DICH-VONG", "Rất hài lòng")
    citizen = Chat(ctx, chat_id="300")
    assert "dành cho lãnh đạo" in (await citizen.command("baocao")).replies[0].text
    admin_ctx = replace(ctx, admins=frozenset({"900"}))
    admin = Chat(admin_ctx, chat_id="900")
    summary = (await admin.command("baocao")).replies[1].text
    assert "toàn thành phố" in summary and "Xếp hạng" in summary
    assert summary.index("Phường Dịch Vọng") < summary.index("Phường Nghĩa Tân")
    assert (await admin.press("f:x")).notice
