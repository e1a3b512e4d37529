"""`sogopy report` and `sogopy export answers`, as the office runs them."""

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

from storage.models import Answer, Case, Person, SurveySession, SurveyVersion, Ward
from tests.bot.conftest import asogopy, sogopy, store

DAY = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)  # 10:00 in Hà Nội


async def answered_case(database_url: str, ward: Ward, version: SurveyVersion) -> None:
    """One case done and answered (levels 5,4,4,3,2) plus a walk-in (all 5)."""
    citizen = Person(platform="telegram", chat_id="42")
    await store(database_url, citizen)
    case = Case(
        ward_id=ward.id, code="HS-0001", procedure="Chứng thực bản sao", token="t1",
        person_id=citizen.id, done_at=DAY,
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


async def setup(database_url: str) -> None:
    ward = Ward(code="NGHIA-TAN", name="Phường Nghĩa Tân")
    version = SurveyVersion(key="sipas", version=1, title="x", definition="{}", content_hash="h")
    await store(database_url, ward, version)
    await answered_case(database_url, ward, version)


PERIOD = ("--since", "2026-11-01", "--until", "2026-11-30")


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
        await asogopy(bot_env, "report", *PERIOD, "--chart", str(chart)),
        await asogopy(bot_env, "report", *PERIOD, "--by", "ward", "--format", "csv"),
        await asogopy(bot_env, "report", "--by", "district"),
        await asogopy(bot_env, "report", "--since", "26/13/2026"),
        await asogopy(bot_env, "report", "--since", "2026-11-30", "--until", "2026-11-01"),
    ]
    assert table.returncode == 0, table.stderr
    assert "Tiếp cận dịch vụ" in table.stdout and "80.0%" in table.stdout
    assert chart.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    rows = list(csv.reader(io.StringIO(by_ward.stdout.removeprefix("\ufeff"))))
    assert rows[1][:4] == ["Tổng", "", "10", "80.0%"]
    assert any(row[0] == "NGHIA-TAN" and row[2] == "10" for row in rows)
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
    assert len(case_rows) == 5 and {row[8] for row in case_rows} == {"case"}
    assert case_rows[0][1] == "Chứng thực bản sao" and case_rows[0][7] == "sipas v1"
    assert case_rows[0][9] == "20/11/2026 10:00"
    xlsx = tmp_path / "answers.xlsx"
    written = sogopy(bot_env, "export", "answers", *PERIOD, "--format", "xlsx", "-o", str(xlsx))
    assert written.returncode == 0 and xlsx.stat().st_size > 0
