"""`sogopy case import`: a clerk imports the one-stop software's export of the day's cases.

tests/data/one_stop_export.csv is such an export (UTF-8 with BOM, semicolons, a title
line above the header, a blank line) with five rows that cannot be imported.
"""

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from storage.models import Case
from tests.bot.conftest import asogopy
from tests.bot.test_cli import add_ward_row, one_line_error
from tests.bot.test_e2e_citizen import rows

SAMPLE = Path(__file__).parent.parent / "data" / "one_stop_export.csv"
REFUSED = [
    "Dòng 5: thiếu mã hồ sơ",
    "Dòng 6: Mã hồ sơ 'HS 0004' không hợp lệ: tối đa 64 ký tự gồm chữ, số, '.', '/', '-', '_'",
    "Dòng 7: thiếu tên thủ tục",
    "Dòng 8: ngày «32/11/2026» không đọc được",
    "Dòng 9: mã hồ sơ HS-0002 lặp lại dòng 4",
]


async def test_importing_an_export_twice_registers_its_cases_once(
    bot_env: dict[str, str], database_url: str
) -> None:
    await add_ward_row(database_url)
    first = await asogopy(bot_env, "case", "import", str(SAMPLE), "--ward", "nghia-tan")
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [
        "Hồ sơ mới: 3",
        "Đã trả kết quả: 2",
        "Không đổi: 0",
        "Bị từ chối: 5",
        *REFUSED,
    ]
    cases = {case.code: case for case in await rows(database_url, Case)}
    assert sorted(cases) == ["HS-0001", "HS-0002", "HS-0008"]
    assert cases["HS-0001"].procedure == "Đăng ký khai sinh"
    assert cases["HS-0001"].received_at == datetime(2026, 11, 20, 1, 15, tzinfo=UTC)
    assert cases["HS-0001"].done_at == datetime(2026, 11, 20, 3, 0, tzinfo=UTC)  # 10:00 local
    assert cases["HS-0002"].done_at is None
    assert cases["HS-0008"].done_at == datetime(2026, 11, 21, 2, 0, tzinfo=UTC)

    again = await asogopy(bot_env, "case", "import", str(SAMPLE), "--ward", "NGHIA-TAN")
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[:4] == [
        "Hồ sơ mới: 0",
        "Đã trả kết quả: 0",
        "Không đổi: 3",
        "Bị từ chối: 5",
    ]
    kept = {case.code: case for case in await rows(database_url, Case)}
    assert {code: (c.token, c.done_at) for code, c in kept.items()} == {
        code: (c.token, c.done_at) for code, c in cases.items()
    }


async def test_done_marks_every_case_returned_and_the_installed_command_runs_it(
    bot_env: dict[str, str], database_url: str
) -> None:
    await add_ward_row(database_url)
    result = await asogopy(
        bot_env, "case", "import", str(SAMPLE), "--ward", "NGHIA-TAN", "--done", process=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:2] == ["Hồ sơ mới: 3", "Đã trả kết quả: 3"]
    assert all(case.done_at is not None for case in await rows(database_url, Case))


async def test_a_column_named_on_the_command_line(
    bot_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    await add_ward_row(database_url)
    export = tmp_path / "ngay-20.csv"
    export.write_text("Mã biên nhận,Loại việc\nBN-1,Khai sinh\n", encoding="utf-8")
    found, missing, bad = await asyncio.gather(
        asogopy(
            bot_env, "case", "import", str(export), "--ward", "NGHIA-TAN",
            "--column", "code=ma bien nhan", "--column", "procedure=Loại việc",
        ),
        asogopy(bot_env, "case", "import", str(export), "--ward", "NGHIA-TAN"),
        asogopy(bot_env, "case", "import", str(export), "--ward", "NGHIA-TAN", "--column", "x=y"),
    )  # fmt: skip
    assert found.returncode == 0, found.stderr
    assert found.stdout.startswith("Hồ sơ mới: 1\n")
    assert [case.code for case in await rows(database_url, Case)] == ["BN-1"]
    assert "Mã hồ sơ" in one_line_error(missing) and "--column code=" in missing.stderr
    assert "--column «x=y»" in one_line_error(bad)


async def test_an_unknown_ward_or_unreadable_file_changes_nothing(
    bot_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    await add_ward_row(database_url)
    latin1 = tmp_path / "cu.csv"
    latin1.write_bytes(b"Ma ho so;Ten thu tuc\nHS-1;Khai sinh \xe9\n")  # not UTF-8
    unknown, unreadable, odd, absent = await asyncio.gather(
        asogopy(bot_env, "case", "import", str(SAMPLE), "--ward", "KHONG-CO"),
        asogopy(bot_env, "case", "import", str(latin1), "--ward", "NGHIA-TAN"),
        asogopy(bot_env, "case", "import", str(tmp_path / "a.pdf"), "--ward", "NGHIA-TAN"),
        asogopy(bot_env, "case", "import", str(tmp_path / "none.csv"), "--ward", "NGHIA-TAN"),
    )
    assert "Không có phường/xã mã 'KHONG-CO'" in one_line_error(unknown)
    assert "Không đọc được tệp cu.csv" in one_line_error(unreadable)
    assert ".xlsx hoặc .csv" in one_line_error(odd)
    assert "Không đọc được tệp none.csv" in one_line_error(absent)
    assert await rows(database_url, Case) == []
