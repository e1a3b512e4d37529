"""`sogopy report` and `sogopy export answers`, as the office runs them."""

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
from PIL import Image

from handlers.catalogue import ELEMENTS
from office.exports import as_text
from storage.models import Answer, Case, Person, SurveySession, SurveyVersion, Ward
from tests.bot.conftest import asogopy, store
from tests.bot.test_cli import one_line_error

DAY = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)  # 10:00 in Hà Nội


async def answered_case(database_url: str, ward: Ward, version: SurveyVersion) -> None:
    """One case done and answered (levels 5,4,4,3,2) plus a walk-in (all 5)."""
    citizen = Person(platform="telegram", chat_id="42")
    await store(database_url, citizen)
    case = Case(
        ward_id=ward.id, code="HS-0001", procedure="Chứng thực bản sao", token="t1",
        person_id=citizen.id, done_at=DAY, survey_answered_at=DAY,
    )  # fmt: skip
    await store(database_url, case)
    for source, case_id, levels in (("case", case.id, (5, 4, 4, 3, 2)), ("walkin", None, (5,) * 5)):
        run = SurveySession(
            person_id=citizen.id, ward_id=ward.id, survey_version_id=version.id, source=source,
            case_id=case_id, status="completed",
        )  # fmt: skip
        await store(database_url, run)
        codes = ("access", "procedure", "officer", "result", "feedback")
        await store(
            database_url,
            *(
                Answer(
                    session_id=run.id,
                    survey_version_id=version.id,
                    ward_id=ward.id,
                    case_id=case_id,
                    source=source,
                    question_code=code,
                    element=code,
                    level=level,
                    answered_at=DAY,
                )
                for code, level in zip(codes, levels, strict=True)
            ),
        )


async def setup(database_url: str) -> tuple[Ward, SurveyVersion]:
    ward = Ward(code="NGHIA-TAN", name="Phường Nghĩa Tân")
    version = SurveyVersion(key="sipas", version=1, title="x", definition="{}", content_hash="h")
    await store(database_url, ward, version)
    await answered_case(database_url, ward, version)
    return ward, version


async def run(
    database_url: str,
    ward: Ward,
    version: SurveyVersion,
    source: str,
    when: datetime,
    levels: dict[str, int],
    desk: int | None = None,
) -> None:
    """One more survey run, element -> level, by a citizen of its own."""
    citizen = Person(platform="telegram", chat_id=f"{when:%m%d}{source}{desk}")
    await store(database_url, citizen)
    session = SurveySession(
        person_id=citizen.id, ward_id=ward.id, survey_version_id=version.id, source=source,
        desk=desk, status="completed",
    )  # fmt: skip
    await store(database_url, session)
    await store(
        database_url,
        *(
            Answer(session_id=session.id, survey_version_id=version.id, ward_id=ward.id,
                   source=source, question_code=code, element=code, level=level,
                   answered_at=when)
            for code, level in levels.items()
        ),
    )  # fmt: skip


PERIOD = ("--since", "2026-11-01", "--until", "2026-11-30")
LABELS = [vi for vi, _ in ELEMENTS.values()]


async def test_report_json_carries_every_figure(bot_env: dict[str, str], database_url: str) -> None:
    await setup(database_url)
    result = await asogopy(bot_env, "report", "--ward", "nghia-tan", *PERIOD, "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["overall"]["answers"] == 10 and data["overall"]["satisfied"] == 8
    assert data["overall"]["levels"] == [0, 1, 1, 2, 6]
    assert data["cases_done"] == 1 and data["cases_answered"] == 1
    assert data["response_rate"] == 1.0 and data["walkin_answers"] == 5
    access = next(row for row in data["rows"] if row["key"] == "access")
    assert access["answers"] == 2 and access["too_few"] is True


async def test_report_table_chart_and_errors(
    bot_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    await setup(database_url)
    chart = tmp_path / "bao-cao.png"
    table, by_ward, bad_by, bad_date, backwards = [
        await asogopy(bot_env, "report", *PERIOD, "--chart", str(chart), process=True),
        await asogopy(bot_env, "report", *PERIOD, "--by", "ward", "--format", "csv"),
        await asogopy(bot_env, "report", "--by", "district"),
        await asogopy(bot_env, "report", "--since", "26/13/2026"),
        await asogopy(bot_env, "report", "--since", "2026-11-30", "--until", "2026-11-01"),
    ]
    assert table.returncode == 0, table.stderr
    assert "Tiếp cận dịch vụ" in table.stdout and "80.0%" in table.stdout
    access = next(line for line in table.stdout.splitlines() if "Tiếp cận dịch vụ" in line)
    # name, answers, share, mean, «Chưa có ý kiến», the period before (none), too few
    assert access.split() == ["Tiếp", "cận", "dịch", "vụ", "2", "100.0%", "5.00", "0", "ít",
                              "dữ", "liệu"]  # fmt: skip
    assert table.stdout.splitlines()[0] == (
        "Mức độ hài lòng 01/11/2026 – 30/11/2026 — toàn thành phố (theo yếu tố)"
    )
    assert "Tổng hợp — toàn thành phố" in table.stdout
    assert "Tỉ lệ phản hồi (hồ sơ): 100.0% (1/1, ít dữ liệu)" in table.stdout
    assert "Kỳ trước 01/10/2026 – 31/10/2026: 0 câu trả lời, hài lòng —" in table.stdout
    png = chart.read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.size == (1080, 1350)  # a phone's portrait
        image.verify()
    rows = list(csv.reader(io.StringIO(by_ward.stdout.removeprefix("\ufeff"))))
    assert rows[1][:3] == ["Tổng hợp — toàn thành phố", "10", "80.0%"]
    assert any(row[0] == "Phường Nghĩa Tân" and row[1] == "10" for row in rows)
    for result in (bad_by, bad_date, backwards):
        assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1


async def test_export_answers_has_one_row_per_answer_with_its_case(
    bot_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    await setup(database_url)
    result = await asogopy(bot_env, "export", "answers", *PERIOD, "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("\ufeff")
    header, *rows = list(csv.reader(io.StringIO(result.stdout.removeprefix("\ufeff"))))
    assert header[:3] == ["Mã hồ sơ", "Thủ tục", "Mã phường"]
    assert len(rows) == 10
    case_rows = [row for row in rows if row[0] == "HS-0001"]
    assert len(case_rows) == 5 and {row[8] for row in case_rows} == {"Hồ sơ"}
    assert case_rows[0][1] == "Chứng thực bản sao" and case_rows[0][7] == "sipas v1"
    assert case_rows[0][9] == "20/11/2026 10:00"
    xlsx = tmp_path / "answers.xlsx"
    written = await asogopy(
        bot_env, "export", "answers", *PERIOD, "--format", "xlsx", "-o", str(xlsx)
    )
    assert written.returncode == 0 and xlsx.stat().st_size > 0


def read_xlsx(path: Path, skip: int = 0) -> list[list[str]]:
    """The sheet's values (after `skip` rows) as the CSV writes them: numbers as digits,
    shares and means in their number format, times as dd/mm/yyyy HH:MM, empty cells empty."""
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    return [
        [as_text(cell.value, cell.number_format) for cell in row]
        for row in sheet.iter_rows(min_row=skip + 1)
    ]


def read_csv(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


async def test_export_answers_csv_and_xlsx_carry_the_same_rows(
    bot_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    await setup(database_url)
    xlsx = tmp_path / "answers.xlsx"
    as_csv, as_xlsx, other_month = [
        await asogopy(bot_env, "export", "answers", *PERIOD, "--format", "csv"),
        await asogopy(bot_env, "export", "answers", *PERIOD, "--format", "xlsx", "-o", str(xlsx)),
        await asogopy(bot_env, "export", "answers", "--since", "2026-12-01", "--until",
                      "2026-12-31", "--format", "csv"),
    ]  # fmt: skip
    for result in (as_csv, as_xlsx, other_month):
        assert result.returncode == 0, result.stderr
    codes = ("access", "procedure", "officer", "result", "feedback")
    ward = ["NGHIA-TAN", "Phường Nghĩa Tân"]
    when = "20/11/2026 10:00"
    expected = [
        ["Mã hồ sơ", "Thủ tục", "Mã phường", "Phường", "Mã câu hỏi", "Yếu tố", "Mức (1-5)",
         "Phiên bản khảo sát", "Nguồn", "Thời gian"],
        *(["HS-0001", "Chứng thực bản sao", *ward, code, label, str(level), "sipas v1",
           "Hồ sơ", when] for code, label, level in zip(codes, LABELS, (5, 4, 4, 3, 2),
                                                         strict=True)),
        *(["", "", *ward, code, label, "5", "sipas v1", "Tại quầy", when]
          for code, label in zip(codes, LABELS, strict=True)),
    ]  # fmt: skip
    assert read_csv(as_csv.stdout) == expected
    assert read_xlsx(xlsx) == expected
    sheet = openpyxl.load_workbook(xlsx).active
    assert sheet is not None and sheet.title == "Câu trả lời"
    assert (
        isinstance(sheet["J2"].value, datetime) and sheet["J2"].number_format == "dd/mm/yyyy hh:mm"
    )
    assert read_csv(other_month.stdout) == expected[:1]  # no answers then: the header alone


async def test_report_csv_xlsx_and_json_agree_with_figures_worked_by_hand(
    bot_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    await setup(database_url)
    await store(database_url, Ward(code="DICH-VONG", name="Phường Dịch Vọng"))  # no answers
    xlsx = tmp_path / "bao-cao.xlsx"
    by_ward = ("report", *PERIOD, "--by", "ward", "--format")
    as_csv, as_xlsx, as_json = [
        await asogopy(bot_env, *by_ward, "csv"),
        await asogopy(bot_env, *by_ward, "xlsx", "-o", str(xlsx)),
        await asogopy(bot_env, *by_ward, "json"),
    ]
    for result in (as_csv, as_xlsx, as_json):
        assert result.returncode == 0, result.stderr
    few = "ít dữ liệu"
    none = ["0", "", "", "0", "0", "0", "0", "0", "0", "", "0", few]
    # answers: the case 5,4,4,3,2 and the walk-in 5,5,5,5,5, element by element; nothing in
    # October, the period before
    ward = "Phường Nghĩa Tân"
    expected = [
        ["Tên", "Số câu trả lời", "Hài lòng (mức 4-5)", "Điểm trung bình", "Mức 1", "Mức 2",
         "Mức 3", "Mức 4", "Mức 5", "Chưa có ý kiến", "Kỳ trước: hài lòng", "Kỳ trước: số câu",
         "Ghi chú"],
        ["Tổng hợp — toàn thành phố", "10", "80.0%", "4.30", "0", "1", "1", "2", "6", "0", "",
         "0", ""],
        [ward, "10", "80.0%", "4.30", "0", "1", "1", "2", "6", "0", "", "0", ""],
        [f"{ward} — Tiếp cận dịch vụ", "2", "100.0%", "5.00", "0", "0", "0", "0", "2", "0", "",
         "0", few],
        [f"{ward} — Thủ tục hành chính", "2", "100.0%", "4.50", "0", "0", "0", "1", "1", "0", "",
         "0", few],
        [f"{ward} — Công chức giải quyết công việc", "2", "100.0%", "4.50", "0", "0", "0", "1",
         "1", "0", "", "0", few],
        [f"{ward} — Kết quả giải quyết", "2", "50.0%", "4.00", "0", "0", "1", "0", "1", "0", "",
         "0", few],
        [f"{ward} — Tiếp nhận, xử lý góp ý", "2", "50.0%", "3.50", "0", "1", "0", "0", "1", "0",
         "", "0", few],
        ["Phường Dịch Vọng", *none],  # an empty ward ranks last
        *([f"Phường Dịch Vọng — {label}", *none] for label in LABELS),
        ["Khảo sát gửi đi (tính riêng)", *none],
    ]  # fmt: skip
    assert read_csv(as_csv.stdout) == expected
    heading = 14  # the header block: 13 lines, then an empty one
    assert read_xlsx(xlsx, skip=heading) == expected
    sheet = openpyxl.load_workbook(xlsx).active
    assert sheet is not None
    block = {row[0].value: row[1] for row in sheet.iter_rows(max_row=heading - 1)}
    assert block["Đơn vị"].value == "toàn thành phố"
    assert block["Kỳ báo cáo"].value == "01/11/2026 – 30/11/2026"
    assert block["Kỳ trước"].value == "01/10/2026 – 31/10/2026"
    assert block["Theo"].value == "phường/xã"
    assert isinstance(block["Ngày lập"].value, datetime)  # a date, shown as one
    assert block["Ngày lập"].number_format == "dd/mm/yyyy"
    rate = block["Tỉ lệ phản hồi (hồ sơ)"]
    assert (rate.value, rate.number_format) == (1, "0.0%")
    assert block["Chưa có ý kiến"].value == 0
    total = sheet[heading + 2]  # the overall row, under the table's bold frozen header
    assert sheet.freeze_panes == f"A{heading + 2}" and sheet.cell(heading + 1, 1).font.bold
    assert (total[2].value, total[2].data_type, total[2].number_format) == (0.8, "n", "0.0%")
    assert (total[3].value, total[3].data_type, total[3].number_format) == (4.3, "n", "0.00")
    data = json.loads(as_json.stdout)
    from_json = [data["overall"]]
    for row in data["rows"]:
        from_json += [row, *data["elements"][row["key"]]]
    from_json.append(data["broadcast"])
    assert [
        [str(cell["answers"]), *map(str, cell["levels"]), str(cell["no_opinion"])]
        for cell in from_json
    ] == [row[1:2] + row[4:10] for row in expected[1:]]
    assert (data["cases_done"], data["cases_answered"], data["response_too_few"]) == (1, 1, True)
    assert data["source"] == "visit" and data["previous"]["since"] == "2026-10-01"


async def test_report_periods_desks_sources_and_no_opinion(
    bot_env: dict[str, str], database_url: str
) -> None:
    ward, version = await setup(database_url)  # 20/11: the case 5,4,4,3,2, a walk-in all 5
    october = DAY.replace(month=10)
    await run(database_url, ward, version, "walkin", october, {"access": 2, "officer": 4})
    await run(database_url, ward, version, "walkin", DAY, {"access": 0, "officer": 1}, desk=3)
    await run(database_url, ward, version, "broadcast", DAY, {"access": 1, "result": 0})
    month = ("report", "--ward", "nghia-tan", "--period", "11/2026")
    as_json, by_desk, broadcasts, quarter, both, bad = [
        await asogopy(bot_env, *month, "--format", "json"),
        await asogopy(bot_env, *month, "--by", "desk", "--format", "csv"),
        await asogopy(bot_env, *month, "--source", "broadcast", "--format", "json"),
        await asogopy(bot_env, "report", "--period", "2026-Q4", "--by", "month"),
        await asogopy(bot_env, *month, "--since", "2026-11-01"),
        await asogopy(bot_env, "report", "--source", "kiosk"),
    ]
    for result in (as_json, by_desk, broadcasts, quarter):
        assert result.returncode == 0, result.stderr
    data = json.loads(as_json.stdout)
    assert (data["since"], data["until"], data["source"]) == ("2026-11-01", "2026-11-30", "visit")
    overall = data["overall"]  # the broadcast's answers are not in it; «Chưa có ý kiến» apart
    assert (overall["levels"], overall["no_opinion"]) == ([1, 1, 1, 2, 6], 1)
    assert overall["label"] == "Tổng hợp — Phường Nghĩa Tân"
    assert overall["share"] == 8 / 11 and overall["mean"] == (1 + 2 + 3 + 8 + 30) / 11
    assert (data["broadcast"]["levels"], data["broadcast"]["no_opinion"]) == ([1, 0, 0, 0, 0], 1)
    previous = data["previous"]  # October, whole, beside November
    assert (previous["since"], previous["until"]) == ("2026-10-01", "2026-10-31")
    assert previous["overall"]["levels"] == [0, 1, 0, 1, 0]
    access = next(row for row in previous["rows"] if row["key"] == "access")
    assert access["levels"] == [0, 1, 0, 0, 0]
    desks = {row[0]: row[1:4] + row[9:10] for row in read_csv(by_desk.stdout)[1:]}
    assert desks["Quầy 3"] == ["1", "0.0%", "1.00", "1"]
    assert desks["Không rõ quầy"] == ["10", "80.0%", "4.30", "0"]
    only = json.loads(broadcasts.stdout)
    assert (only["source"], only["overall"]["levels"], only["walkin_answers"]) == (
        "broadcast", [1, 0, 0, 0, 0], 0,
    )  # fmt: skip
    lines = quarter.stdout.splitlines()
    assert lines[0] == "Mức độ hài lòng 01/10/2026 – 31/12/2026 — toàn thành phố (theo tháng)"
    assert [line.split()[0] for line in lines[3:6]] == ["10/2026", "11/2026", "12/2026"]
    assert "Chưa có ý kiến: 1 (không tính vào tỉ lệ hài lòng và điểm trung bình)" in lines
    assert "Khảo sát gửi đi (tính riêng): 1 câu trả lời, hài lòng 0.0%" in lines
    assert "Kỳ trước 01/07/2026 – 30/09/2026: 0 câu trả lời, hài lòng —" in lines
    assert "--period" in one_line_error(both) and "kiosk" in one_line_error(bad)
    answers = await asogopy(bot_env, "export", "answers", *PERIOD, "--format", "csv")
    levels = [(row[5], row[6], row[8]) for row in read_csv(answers.stdout) if row[8] != "Hồ sơ"]
    assert ("Tiếp cận dịch vụ", "Chưa có ý kiến", "Tại quầy") in levels
    assert ("Kết quả giải quyết", "Chưa có ý kiến", "Khảo sát gửi đi") in levels
