"""/baocao in chat: leaders see their ward's figures and a chart, admins every ward."""

import asyncio
import threading
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from handlers import charts
from handlers.catalogue import ELEMENTS, element_label
from handlers.charts import render_chart
from handlers.context import Context
from storage.models import (
    Answer,
    Broadcast,
    Case,
    Leadership,
    Person,
    Recipient,
    SurveySession,
    Ward,
)
from storage.report import build_report
from tests.conftest import Chat, Clock, add_ward

PNG = b"\x89PNG\r\n\x1a\n"


async def rate_walk_in(ctx: Context, chat_id: str, ward_code: str, label: str) -> None:
    chat = Chat(ctx, chat_id=chat_id)
    await chat.command("start", f"d_{ward_code}")
    await chat.answer_all(label)


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
    assert "Chung: <b>75%</b> (12 câu)" in text  # 9 of 12 answers at levels 4-5
    assert "Tiếp cận dịch vụ: 75% (4 câu, ít dữ liệu)" in text  # 4 answers: too few to judge
    assert "tại quầy: 12 câu trả lời" in text and "Góp ý trong kỳ: 0" in text
    assert [c.label for c in summary.choices] == ["7 ngày", "30 ngày", "90 ngày", "365 ngày"]
    again = await leader.press_label("7 ngày")
    assert "Phường Nghĩa Tân" in again.replies[1].text


async def test_admins_see_every_ward_ranked_and_citizens_nothing(ctx: Context, ward: Ward) -> None:
    await add_ward(ctx, "DICH-VONG", "Phường Dịch Vọng")
    for n in range(2):  # a walk-in answers 3 questions
        await rate_walk_in(ctx, f"10{n}", "NGHIA-TAN", "Không hài lòng")
        await rate_walk_in(ctx, f"11{n}", "DICH-VONG", "Rất hài lòng")
    citizen = Chat(ctx, chat_id="300")
    assert "dành cho lãnh đạo" in (await citizen.command("baocao")).replies[0].text
    await add_ward(ctx, "MAI-DICH", "Phường Mai Dịch")  # no answers yet
    admin_ctx = replace(ctx, admins=frozenset({"900"}))
    admin = Chat(admin_ctx, chat_id="900")
    chart, summary_reply = (await admin.command("baocao")).replies
    summary = summary_reply.text
    assert "toàn thành phố" in summary and "Xếp hạng" in summary
    assert summary.index("Phường Dịch Vọng") < summary.index("Phường Nghĩa Tân")
    assert "• Phường Mai Dịch: chưa có" in summary  # every ward, the empty ones last
    assert summary.index("Phường Nghĩa Tân") < summary.index("Phường Mai Dịch")
    assert "Chung: <b>50%</b> (12 câu)" in summary  # 12 answers: enough
    async with ctx.db() as session:  # the chart compares the wards: the by-ward chart
        today = ctx.clock().astimezone(ctx.timezone).date()
        labels = {code: element_label("vi", code) for code in ELEMENTS}
        city = await build_report(
            session, zone=ctx.timezone, since=today - timedelta(days=29), until=today,
            by="ward", element_labels=labels,
        )  # fmt: skip
    assert chart.image == render_chart(city, "toàn thành phố")
    assert [cell.key for cell in city.rows] == ["DICH-VONG", "NGHIA-TAN", "MAI-DICH"]
    assert (await admin.press("f:x")).notice
    leader = await make_leader(ctx, ward)  # of NGHIA-TAN: nothing of the other wards
    mine = (await leader.command("baocao")).replies[1].text
    assert "Nghĩa Tân" in mine and "Dịch Vọng" not in mine and "Mai Dịch" not in mine
    assert "Chung: 0% (6 câu, ít dữ liệu)" in mine


async def lead(ctx: Context, chat_id: str, *wards: Ward) -> Chat:
    """A leader of every ward given."""
    async with ctx.db() as session:
        person = Person(platform="telegram", chat_id=chat_id, name="Lan", role="leader")
        session.add(person)
        await session.flush()
        for ward in wards:
            session.add(Leadership(person_id=person.id, ward_id=ward.id, name="Lan"))
        await session.commit()
    return Chat(ctx, chat_id=chat_id, name="Lan")


async def test_a_leader_of_two_wards_picks_one_and_sees_only_its_figures(
    ctx: Context, ward: Ward
) -> None:
    other = await add_ward(ctx, "DICH-VONG", "Phường Dịch Vọng")
    stranger = await add_ward(ctx, "MAI-DICH", "Phường Mai Dịch")
    for n in range(4):
        await rate_walk_in(ctx, f"10{n}", "NGHIA-TAN", "Hài lòng")
        await rate_walk_in(ctx, f"20{n}", "DICH-VONG", "Không hài lòng")
    leader = await lead(ctx, "701", ward, other)
    ask = (await leader.command("baocao", "90")).replies
    assert len(ask) == 1 and ask[0].image is None  # a question, no figures yet
    assert [c.label for c in ask[0].choices] == ["Phường Dịch Vọng", "Phường Nghĩa Tân"]
    chart, summary = (await leader.press_label("Phường Dịch Vọng")).replies
    assert chart.image is not None and chart.image.startswith(PNG)
    assert "Phường Dịch Vọng" in summary.text and "Nghĩa Tân" not in summary.text
    assert "Chung: <b>0%</b> (12 câu)" in summary.text
    assert "16/11–22/11" in summary.text  # 90 days, as asked: the trend goes back weeks
    week = (await leader.press_label("7 ngày")).replies[1].text  # the period keeps the ward
    assert "Phường Dịch Vọng" in week and "Chung: <b>0%</b> (12 câu)" in week
    mine = (await leader.press(f"f:30:{ward.id}")).replies[1].text
    assert "Phường Nghĩa Tân" in mine and "Chung: <b>100%</b> (12 câu)" in mine
    refused = await leader.press(f"f:30:{stranger.id}")  # not one of theirs
    assert refused.notice and not refused.replies


async def test_a_removed_leader_old_ward_button_shows_nothing(ctx: Context, ward: Ward) -> None:
    other = await add_ward(ctx, "DICH-VONG", "Phường Dịch Vọng")
    leader = await lead(ctx, "702", ward, other)
    await leader.command("baocao")
    async with ctx.db() as session:
        for leadership in (await session.exec(select(Leadership))).all():
            leadership.removed_at = ctx.clock()
        await session.commit()
    refused = await leader.press_label("Phường Dịch Vọng")
    assert refused.notice and not refused.replies


async def test_every_figure_says_how_many_answers_and_too_few_is_marked(
    ctx: Context, ward: Ward, clock: Clock
) -> None:
    for n in range(4):
        await rate_walk_in(ctx, f"10{n}", "NGHIA-TAN", "Rất hài lòng")  # this week: 12
    clock.advance(days=7)
    await rate_walk_in(ctx, "200", "NGHIA-TAN", "Bình thường")  # next week: 3
    async with ctx.db() as session:
        done = ctx.clock() - timedelta(days=1)
        session.add(Case(ward_id=ward.id, code="HS-1", procedure="Đăng ký khai sinh", token="t1",
                         done_at=done, survey_answered_at=done))  # fmt: skip
        session.add(Case(ward_id=ward.id, code="HS-2", procedure="Đăng ký khai sinh", token="t2",
                         done_at=done))  # fmt: skip
        await session.commit()
    leader = await make_leader(ctx, ward)
    text = (await leader.command("baocao", "14")).replies[1].text
    lines = text.splitlines()
    trend = lines[lines.index("Theo tuần:") + 1 :]
    assert trend[:3] == [  # 20/11 to 03/12: three ISO weeks, the first one empty
        "• 16/11–22/11: chưa có",
        "• 23/11–29/11: <b>100%</b> (12 câu)",
        "• 30/11–06/12: 0% (3 câu, ít dữ liệu)",
    ]
    assert "Tỉ lệ phản hồi: 50% (1/2 hồ sơ, ít dữ liệu)" in text  # 2 cases: too few
    assert "Chung: <b>80%</b> (15 câu)" in text


async def test_admins_see_broadcasts_answered_over_reached_in_the_period(
    ctx: Context, ward: Ward, clock: Clock
) -> None:
    """Unique people: a reached person who answered two questions counts once."""
    admin_ctx = replace(ctx, admins=frozenset({"900"}))
    async with ctx.db() as session:
        people = [Person(platform="telegram", chat_id=str(n), ward_id=ward.id) for n in (1, 2, 3)]
        session.add_all(people)
        await session.flush()
        old = Broadcast(
            survey_key="sipas", created_by="cli", started_at=clock.now - timedelta(days=40)
        )
        new = Broadcast(
            survey_key="sipas", created_by="cli", started_at=clock.now - timedelta(days=2)
        )
        session.add_all([old, new])
        await session.flush()
        version = ctx.surveys.current["sipas"]
        for person, status in zip(people, ("sent", "sent", "blocked"), strict=True):
            session.add(Recipient(broadcast_id=new.id, person_id=person.id, status=status))
            session.add(Recipient(broadcast_id=old.id, person_id=person.id, status="sent"))
        session.add(
            SurveySession(person_id=people[0].id, ward_id=ward.id, survey_version_id=version,
                          source="broadcast", broadcast_id=new.id, step=2)
        )  # fmt: skip
        session.add(
            SurveySession(person_id=people[1].id, ward_id=ward.id, survey_version_id=version,
                          source="broadcast", broadcast_id=old.id, step=5)
        )  # fmt: skip
        await session.commit()
    summary = (await Chat(admin_ctx, chat_id="900").command("baocao")).replies[1].text
    assert "Khảo sát gửi đi: 1 đợt; 1/2 người nhận đã trả lời (50%)" in summary
    leader = await make_leader(ctx, ward)
    assert "Khảo sát gửi đi" not in (await leader.command("baocao")).replies[1].text


async def test_no_opinion_and_broadcast_answers_are_apart_in_the_leaders_figures(
    ctx: Context, ward: Ward
) -> None:
    async with ctx.db() as session:
        person = Person(platform="telegram", chat_id="102", ward_id=ward.id)
        session.add(person)
        await session.flush()
        for source, levels in (("walkin", (4, 0, 0, 5)), ("broadcast", (1, 1, 2, 0))):
            run = SurveySession(
                person_id=person.id, ward_id=ward.id, source=source, step=len(levels),
                survey_version_id=ctx.surveys.current["sipas"],
            )  # fmt: skip
            session.add(run)
            await session.flush()
            session.add_all(
                Answer(session_id=run.id, survey_version_id=run.survey_version_id,
                       ward_id=ward.id, source=source, question_code=f"q{n}",
                       element="access", level=level, answered_at=ctx.clock())
                for n, level in enumerate(levels)
            )  # fmt: skip
        await session.commit()
    text = (await (await make_leader(ctx, ward)).command("baocao")).replies[1].text
    assert "Chung: 100% (2 câu, ít dữ liệu)" in text  # a 4 and a 5; not the broadcast's
    assert "Tiếp cận dịch vụ: 100% (2 câu, ít dữ liệu)" in text
    assert "Chưa có ý kiến: 2 câu (không tính vào tỉ lệ hài lòng)" in text
    assert "Khảo sát gửi đi (tính riêng): 0% (3 câu, ít dữ liệu)" in text


async def test_each_share_has_the_same_days_before_beside_it(
    ctx: Context, ward: Ward, clock: Clock
) -> None:
    await rate_walk_in(ctx, "100", "NGHIA-TAN", "Không hài lòng")  # 30 days before: 0%
    clock.advance(days=30)
    for n in range(3):
        await rate_walk_in(ctx, f"20{n}", "NGHIA-TAN", "Hài lòng")
    await rate_walk_in(ctx, "300", "NGHIA-TAN", "Không hài lòng")
    leader = await make_leader(ctx, ward)
    text = (await leader.command("baocao")).replies[1].text
    assert "Chung: <b>75%</b> (12 câu) · kỳ trước 0%" in text
    assert "Tiếp cận dịch vụ: 75% (4 câu, ít dữ liệu) · kỳ trước 0%" in text
    week = (await leader.press_label("7 ngày")).replies[1].text
    assert "Chung: <b>75%</b> (12 câu)\n" in week  # nothing in the 7 days before: no figure


async def test_a_chart_being_drawn_holds_up_no_other_chat(
    ctx: Context, ward: Ward, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The chart is drawn after the commit, in a thread: a citizen is answered meanwhile.
    Drawn on the event loop (as before), the citizen waited for the whole drawing."""
    await rate_walk_in(ctx, "100", "NGHIA-TAN", "Hài lòng")
    leader = await make_leader(ctx, ward)
    drawing, release = threading.Event(), threading.Event()
    finished: list[str] = []

    def slow_chart(*args: Any) -> bytes:
        drawing.set()
        release.wait(10)  # on the event loop, this would stop it for the whole wait
        finished.append("chart")
        return render_chart(*args)

    monkeypatch.setattr(charts, "render_chart", slow_chart)
    figures = asyncio.create_task(leader.command("baocao"))
    assert await asyncio.to_thread(drawing.wait, 10)
    answer = await Chat(ctx, chat_id="300").command("start", "d_NGHIA-TAN")
    assert answer.replies  # the citizen's survey, recorded while the chart is drawn
    finished.append("citizen")
    release.set()
    chart, _summary = (await figures).replies
    assert finished == ["citizen", "chart"]
    assert chart.image is not None and chart.image.startswith(PNG) and chart.draw is None
