"""The console's figures page, charts and xlsx downloads over httpx, against figures
worked out by hand and against `/api/v1/figures` on the same rows."""

import html
import io
import re
import threading
from datetime import date, datetime, timedelta

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy import event
from sqlmodel import select

from handlers.charts import render_chart
from handlers.context import Context
from office.console_figures import Period, figures_page, figures_table, pick_period
from office.errors import Invalid
from office.keys import create_key
from storage.models import NO_OPINION, AuditEntry, BookPage, Person, SurveyVersion, Ward
from storage.report import Report
from tests.conftest import add_ward
from tests.storage.test_report import City, at
from tests.web.conftest import bearer
from tests.web.test_console import log_in, new_user, set_password
from web import console_figures

FIGURES = "/console/ward/NGHIA-TAN/figures"


async def fill(ctx: Context, ward: Ward) -> None:
    """November 2026 (the clock's month) in Nghĩa Tân, with October and November 2025
    before it, and a walk-in of another ward that no figure may count.

    Nov: a case at desk 2 answered 5, 4, 2, 3 and «Chưa có ý kiến»; a case returned and
    never answered; a walk-in at desk 1 answered 4, 5; a broadcast answer 5 (apart).
    """
    other = await add_ward(ctx, "DICH-VONG", "Phường Dịch Vọng")
    async with ctx.db() as session:
        version = (await session.exec(select(SurveyVersion))).first()
        person = Person(platform="telegram", chat_id="1001", name="Nguyễn Văn An")
        session.add(person)
        await session.flush()
        assert version is not None
        city = City(session, version, person)
        answered = await city.case(ward, at(date(2026, 11, 10), 8))
        answered.desk = 2
        await city.case(ward, at(date(2026, 11, 12)), procedure="Chứng thực bản sao")
        await city.run(
            ward, at(date(2026, 11, 10)),
            {"access": 5, "procedure": 4, "officer": 2, "result": 3, "feedback": NO_OPINION},
            source="case", case=answered,
        )  # fmt: skip
        await city.run(ward, at(date(2026, 11, 20)), {"access": 4, "procedure": 5}, desk=1)
        await city.run(ward, at(date(2026, 11, 21)), {"access": 5}, source="broadcast")
        await city.walkins(ward, at(date(2026, 10, 5)), 2)
        await city.walkins(ward, at(date(2025, 11, 3)), 4)
        await city.walkins(other, at(date(2026, 11, 20)), 1)
        await session.commit()


async def logged_in(client: httpx.AsyncClient, ctx: Context, name: str, role: str) -> None:
    _, token = await new_user(ctx, name, role, None if role == "admin" else "NGHIA-TAN")
    await set_password(client, token)
    assert (await log_in(client, name)).status_code == 303


def table(page: str, by: str) -> dict[str, list[str]]:
    """The table `figures-<by>` of the page: each line's cells by its name."""
    found = re.search(rf'<table id="figures-{by}">(.*?)</table>', page, re.S)
    assert found, page
    lines = {}
    for row in re.findall(r"<tr>(.*?)</tr>", found[1], re.S)[1:]:
        cells = [
            html.unescape(c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        lines[cells[0]] = cells[1:]
    return lines


# answers, share, mean, «Chưa có ý kiến», previous share, previous answers, note
async def test_the_page_shows_the_figures_worked_by_hand(
    ctx: Context, ward: Ward, client: httpx.AsyncClient
) -> None:
    await fill(ctx, ward)
    await logged_in(client, ctx, "Trần Bình", "leader")
    home = await client.get("/console")
    assert 'href="/console/ward/NGHIA-TAN/figures"' in home.text
    answer = await client.get(FIGURES)
    assert answer.status_code == 200, answer.text
    page = answer.text
    assert "Tháng 11/2026: 01/11/2026 – 30/11/2026" in page
    assert "So với kỳ trước: 01/10/2026 – 31/10/2026" in page
    elements = table(page, "element")
    assert elements["Tổng hợp — Phường Nghĩa Tân"] == [
        "6", "66.7%", "3.83", "1", "0.0%", "1", "ít dữ liệu"
    ]  # fmt: skip
    assert elements["Tiếp cận dịch vụ"][:6] == ["2", "100.0%", "4.50", "0", "0.0%", "1"]
    assert elements["Thủ tục hành chính"][:3] == ["2", "100.0%", "4.50"]
    assert elements["Công chức giải quyết công việc"][:2] == ["1", "0.0%"]
    feedback = elements["Tiếp nhận, xử lý góp ý"]
    assert feedback[:4] == ["0", "—", "—", "1"]
    assert elements["Khảo sát gửi đi (tính riêng)"][:2] == ["1", "100.0%"]
    assert table(page, "procedure")["Đăng ký khai sinh"][:2] == ["4", "50.0%"]
    desks = table(page, "desk")
    assert desks["Quầy 1"][:2] == ["2", "100.0%"] and desks["Quầy 2"][:2] == ["4", "50.0%"]
    months = table(page, "month")
    assert months["11/2026"][:2] == ["6", "66.7%"] and months["10/2026"][:2] == ["1", "0.0%"]
    assert months["11/2026"][4:6] == ["100.0%", "1"]  # November 2025 beside it
    assert months["12/2026"][:2] == ["0", "—"]
    assert "50.0%, ít dữ liệu: 1/2 hồ sơ" in page  # two cases returned, one answered
    assert "«Chưa có ý kiến»: 1 câu" in page
    assert "Dịch Vọng" not in page


async def test_the_page_and_the_api_give_the_same_figures(
    ctx: Context, ward: Ward, client: httpx.AsyncClient
) -> None:
    await fill(ctx, ward)
    async with ctx.db() as session:
        _, key = await create_key(session, ward="NGHIA-TAN")
    await logged_in(client, ctx, "Trần Bình", "leader")
    for by in ("element", "procedure", "desk"):
        api = await client.get(f"/api/v1/figures?period=2026-Q4&by={by}", headers=bearer(key))
        assert api.status_code == 200, api.text
        figures = api.json()
        page = await client.get(f"{FIGURES}?unit=quarter&year=2026&quarter=4")
        lines = table(page.text, by)
        previous = {row["key"]: row for row in figures["previous"]["rows"]}
        for row in [figures["overall"], *figures["rows"]]:
            shown = lines[row["label"]]
            share = "—" if row["share"] is None else f"{100 * row['share']:.1f}%"
            assert shown[:2] == [str(row["answers"]), share], (by, row)
            assert shown[3] == str(row["no_opinion"])
            if row["key"] in previous:
                assert shown[5] == str(previous[row["key"]]["answers"])


async def test_a_period_is_picked_without_javascript_and_links_to_its_neighbours(
    ctx: Context, ward: Ward, client: httpx.AsyncClient
) -> None:
    await fill(ctx, ward)
    await logged_in(client, ctx, "Trần Bình", "leader")
    page = (await client.get(f"{FIGURES}?unit=year&year=2025")).text
    assert "Năm 2025: 01/01/2025 – 31/12/2025" in page
    assert table(page, "element")["Tổng hợp — Phường Nghĩa Tân"][:2] == ["1", "100.0%"]
    assert 'href="/console/ward/NGHIA-TAN/figures?unit=year&amp;year=2024"' in page
    assert 'href="/console/ward/NGHIA-TAN/figures?unit=year&amp;year=2026"' in page
    month = (await client.get(f"{FIGURES}?unit=month&year=2026&month=1")).text
    assert "unit=month&amp;year=2025&amp;month=12" in month  # the month before, a year back
    assert '<form method="get" action="/console/ward/NGHIA-TAN/figures"' in month
    bad = await client.get(f"{FIGURES}?unit=month&year=2026&month=13")
    assert bad.status_code == 422 and "2026-13" in bad.text
    assert (await client.get(f"{FIGURES}?unit=week")).status_code == 422


def test_pick_period_defaults_to_the_month_of_today_and_refuses_the_rest() -> None:
    today = date(2026, 11, 26)
    assert pick_period("", "", "", "", today) == Period("month", 2026, 11)
    assert pick_period("quarter", "", "", "", today) == Period("quarter", 2026, 4)
    assert pick_period("year", "2030", "", "", today).days == (date(2030, 1, 1), date(2030, 12, 31))
    assert Period("quarter", 2026, 1).shifted(-1) == Period("quarter", 2025, 4)
    assert Period("year", 2100, 1).shifted(1) is None  # past what a period may span
    for fields in (("month", "2026", "0", ""), ("year", "1999", "", ""), ("month", "x", "", "")):
        with pytest.raises(Invalid):
            pick_period(*fields, today)


async def test_the_charts_are_pngs_with_an_alt_text_drawn_off_the_event_loop(
    ctx: Context, ward: Ward, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    await fill(ctx, ward)
    await logged_in(client, ctx, "Trần Bình", "leader")
    page = (await client.get(FIGURES)).text
    images = re.findall(r'<img src="([^"]+)" alt="([^"]+)"', page)
    assert len(images) == 4
    source, alt = images[0]
    assert "theo yếu tố" in html.unescape(alt) and "chung 66.7% trên 6 câu trả lời" in alt
    chart = await client.get(html.unescape(source))
    assert chart.status_code == 200 and chart.headers["content-type"] == "image/png"
    assert chart.content.startswith(b"\x89PNG\r\n\x1a\n")
    drawn_in: list[threading.Thread] = []

    def drawing(report: Report, title: str) -> bytes:
        drawn_in.append(threading.current_thread())
        return render_chart(report, title)

    monkeypatch.setattr(console_figures, "render_chart", drawing)
    month = await client.get(f"{FIGURES}/chart.png?by=month&unit=month&year=2026&month=11")
    assert drawn_in and drawn_in[0] is not threading.current_thread()  # not on the loop
    assert month.status_code == 200 and month.content != chart.content
    assert (await client.get(f"{FIGURES}/chart.png?by=ward")).status_code == 422


async def test_the_figures_download_is_the_cli_workbook(
    ctx: Context, ward: Ward, client: httpx.AsyncClient
) -> None:
    await fill(ctx, ward)
    await logged_in(client, ctx, "Trần Bình", "leader")
    answer = await client.get("/console/ward/NGHIA-TAN/figures.xlsx?unit=month&year=2026&month=11")
    assert answer.status_code == 200
    assert "muc-do-hai-long-NGHIA-TAN-2026-11-element.xlsx" in answer.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(answer.content)).active
    assert sheet is not None
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    heading = {row[0]: row[1] for row in rows if row[0]}
    assert heading["Đơn vị"] == "Phường Nghĩa Tân"
    assert heading["Kỳ báo cáo"] == "01/11/2026 – 30/11/2026"
    assert heading["Ngày lập"] == datetime(2026, 11, 26)
    assert heading["Hồ sơ đã trả kết quả"] == 2 and heading["Hồ sơ có đánh giá"] == 1
    overall = next(row for row in rows if row[0] == "Tổng hợp — Phường Nghĩa Tân")
    assert overall[1] == 6 and overall[2] == pytest.approx(4 / 6)
    assert overall[9] == 1 and overall[10] == 0.0  # «Chưa có ý kiến»; October's share


async def test_the_book_download_never_names_an_anonymous_author(
    ctx: Context, ward: Ward, client: httpx.AsyncClient
) -> None:
    now = ctx.clock()
    async with ctx.db() as session:
        person = Person(platform="telegram", chat_id="1001", name="Nguyễn Văn An")
        session.add(person)
        await session.flush()
        assert person.id is not None and ward.id is not None
        for number, signed in ((1, False), (2, True)):
            session.add(
                BookPage(
                    ward_id=ward.id, page_no=number, person_id=person.id, text=f"=Trang {number}",
                    signed=signed, author_name="Nguyễn Văn An", consent_at=now,
                    created_at=now - timedelta(days=number),
                )
            )  # fmt: skip
        await session.commit()
    await logged_in(client, ctx, "Trần Bình", "leader")
    answer = await client.get("/console/ward/NGHIA-TAN/book.xlsx")
    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == 'attachment; filename="so-gop-y-NGHIA-TAN.xlsx"'
    sheet = load_workbook(io.BytesIO(answer.content)).active
    assert sheet is not None
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["Trang", "Thời gian", "Nội dung"]
    assert [(row[0], row[2], row[6]) for row in rows[1:]] == [
        (1, "=Trang 1", "Ẩn danh"),
        (2, "=Trang 2", "Nguyễn Văn An"),
    ]
    assert rows[1][1] == (now - timedelta(days=1)).astimezone(ctx.timezone).replace(tzinfo=None)
    async with ctx.db() as session:
        (entry,) = (await session.exec(select(AuditEntry))).all()
    assert (entry.actor, entry.actor_kind, entry.action, entry.how, entry.detail) == (
        "Trần Bình", "leader", "export_book", "console", "1 named pages"
    )  # fmt: skip


@pytest.mark.parametrize(
    "path",
    [
        "/figures",
        "/figures/chart.png",
        "/figures.xlsx",
        "/book.xlsx",
    ],
)
async def test_a_clerk_reads_no_figures_and_a_leader_no_other_ward(
    ctx: Context, ward: Ward, client: httpx.AsyncClient, path: str
) -> None:
    await fill(ctx, ward)
    await logged_in(client, ctx, "Lê Thị Hoa", "clerk")
    assert "/figures" not in (await client.get("/console")).text
    assert "/figures" not in (await client.get("/console/ward/NGHIA-TAN")).text
    own = await client.get(f"/console/ward/NGHIA-TAN{path}")
    assert own.status_code == 403 and "lãnh đạo và quản trị viên" in own.text
    other = await client.get(f"/console/ward/DICH-VONG{path}")
    assert other.status_code == 403 and "image" not in other.headers["content-type"]
    client.cookies.clear()
    await logged_in(client, ctx, "Trần Bình", "leader")
    assert (await client.get(f"/console/ward/DICH-VONG{path}")).status_code == 403
    assert (await client.get(f"/console/ward/NGHIA-TAN{path}")).status_code == 200
    client.cookies.clear()
    assert (await client.get(f"/console/ward/NGHIA-TAN{path}")).status_code == 303  # log in


async def test_an_admin_reads_any_ward(ctx: Context, ward: Ward, client: httpx.AsyncClient) -> None:
    await fill(ctx, ward)
    await logged_in(client, ctx, "Quản Trị", "admin")
    page = await client.get("/console/ward/DICH-VONG/figures?unit=month&year=2026&month=11")
    assert page.status_code == 200
    assert table(page.text, "element")["Tổng hợp — Phường Dịch Vọng"][:2] == ["1", "0.0%"]
    assert (await client.get("/console/ward/NGHIA-TAN")).status_code == 200
    assert (
        'href="/console/ward/NGHIA-TAN/figures"'
        in (await client.get("/console/ward/NGHIA-TAN")).text
    )


async def test_a_wards_response_rate_reads_one_range_of_its_own_index(
    ctx: Context, ward: Ward, database_url: str
) -> None:
    """Four times per view of the page (the month, the year, and the one before each): a
    range of `ix_case_ward_response`, not every case of the ward read from the table
    (11-30 ms for a ward of `bench.report`'s city)."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's plan; PostgreSQL's depends on its statistics")
    await fill(ctx, ward)
    statements: list[tuple[str, object]] = []

    def keep(
        _conn: object, _cursor: object, statement: str, parameters: object, *_: object
    ) -> None:
        if "survey_answered_at)" in statement:
            statements.append((statement, parameters))

    engine = ctx.db.kw["bind"].sync_engine
    event.listen(engine, "before_cursor_execute", keep)
    async with ctx.db() as session:
        await figures_page(session, "NGHIA-TAN", Period("month", 2026, 11), ctx.timezone)
        event.remove(engine, "before_cursor_execute", keep)
        assert len(statements) == 4
        statement, parameters = statements[0]
        connection = await session.connection()
        plan = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        details = " ".join(row[3] for row in plan.all())
    assert "COVERING INDEX ix_case_ward_response (ward_id=? AND done_at>? AND done_at<?)" in details


async def test_a_wards_desks_are_counted_from_its_own_runs(ctx: Context, ward: Ward) -> None:
    """PostgreSQL then reads the ward's survey runs, not every run of the city (71 -> 28 ms
    for a ward's month of `bench.report`'s city); the figures stay the same."""
    await fill(ctx, ward)
    statements: list[str] = []

    def keep(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if "surveysession" in statement:
            statements.append(" ".join(statement.split()))

    engine = ctx.db.kw["bind"].sync_engine
    event.listen(engine, "before_cursor_execute", keep)
    try:
        async with ctx.db() as session:
            desks = await figures_table(
                session, "NGHIA-TAN", Period("month", 2026, 11), ctx.timezone, "desk"
            )
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    assert [(c.key, c.levels) for c in desks.report.rows] == [
        ("1", (0, 0, 0, 1, 1)), ("2", (0, 1, 1, 1, 1))
    ]  # fmt: skip
    assert len(statements) == 2
    assert all("surveysession.ward_id =" in statement for statement in statements)
