"""office/case_import.py: reading one-stop exports (xlsx, CSV variants) and importing rows."""

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook
from sqlmodel import select

from handlers.context import Context
from office.case_import import import_cases, parse_columns, read_table
from office.errors import Invalid
from storage.models import Case, Ward

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 20, 5, 0, tzinfo=UTC)  # 12:00 in Hà Nội


async def imported(ctx: Context, table: list[list[object]], **options: object) -> object:
    async with ctx.db() as session:
        return await import_cases(
            session,
            table,
            ward="NGHIA-TAN",
            zone=HANOI,
            now=NOW,
            **options,  # type: ignore[arg-type]
        )


async def stored(ctx: Context) -> dict[str, Case]:
    async with ctx.db() as session:
        return {case.code: case for case in (await session.exec(select(Case))).all()}


@pytest.mark.any_database
def test_an_xlsx_export_is_read_with_its_dates_and_numeric_codes(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["ma ho so", "TEN THU TUC", "Ngay tiep nhan"])
    sheet.append([20261120001, "Khai sinh", datetime(2026, 11, 20, 8, 15)])
    path = tmp_path / "hs.xlsx"
    workbook.save(path)
    assert read_table(path) == [
        ["ma ho so", "TEN THU TUC", "Ngay tiep nhan"],
        [20261120001, "Khai sinh", datetime(2026, 11, 20, 8, 15)],
    ]


@pytest.mark.any_database
def test_csv_with_commas_without_bom_and_a_broken_xlsx(tmp_path: Path) -> None:
    plain = tmp_path / "hs.csv"
    plain.write_text('Số hồ sơ,Thủ tục\nHS-1,"Khai sinh, bản sao"\n', encoding="utf-8")
    assert read_table(plain) == [["Số hồ sơ", "Thủ tục"], ["HS-1", "Khai sinh, bản sao"]]
    broken = tmp_path / "hs.xlsx"
    broken.write_bytes(b"not a zip")
    with pytest.raises(Invalid) as refused:
        read_table(broken)
    assert refused.value.field == "file" and "hs.xlsx" in refused.value.message


@pytest.mark.any_database
def test_column_options_name_known_columns_only() -> None:
    assert parse_columns(["code=Số HS", "Returned = Ngày trả"]) == {
        "code": "Số HS",
        "returned": "Ngày trả",
    }
    for bad in ("code", "kind=Loại", "code="):
        with pytest.raises(Invalid):
            parse_columns([bad])


async def test_cells_from_a_spreadsheet_and_return_dates_still_ahead(
    ctx: Context, ward: Ward
) -> None:
    table: list[list[object]] = [
        ["Mã HS", "Tên TTHC", "Ngày nhận", "Ngày hẹn trả", "Ngày trả KQ"],
        [12345.0, "Khai sinh", datetime(2026, 11, 20, 8, 15), date(2026, 11, 23), None],
        ["HS-2", "Kết hôn", "20/11/2026 08:30", "", "20/11/2026 11:59"],
        ["HS-3", "Thường trú", "2026-11-20T08:45:00+07:00", "", "20/11/2026 12:01"],
    ]
    summary = await imported(ctx, table)
    assert (summary.new, summary.done, summary.unchanged, summary.refused) == (3, 1, 0, [])
    cases = await stored(ctx)
    assert cases["12345"].received_at == datetime(2026, 11, 20, 1, 15, tzinfo=UTC)
    assert cases["12345"].due_at == datetime(2026, 11, 22, 17, 0, tzinfo=UTC)
    assert cases["HS-2"].done_at == datetime(2026, 11, 20, 4, 59, tzinfo=UTC)
    assert cases["HS-3"].done_at is None  # its return date is still ahead: not returned yet
    assert cases["HS-3"].received_at == datetime(2026, 11, 20, 1, 45, tzinfo=UTC)

    later = await imported(ctx, table, done=True)
    assert (later.new, later.done, later.unchanged) == (0, 2, 1)
    assert (await stored(ctx))["HS-3"].done_at == NOW


async def test_a_case_registered_elsewhere_is_refused_and_the_rest_imported(
    ctx: Context, ward: Ward
) -> None:
    await imported(ctx, [["Mã hồ sơ", "Thủ tục"], ["HS-1", "Khai sinh"]])
    summary = await imported(
        ctx, [["Mã hồ sơ", "Thủ tục"], ["HS-1", "Kết hôn"], ["HS-2", "Kết hôn"]]
    )
    assert (summary.new, summary.unchanged) == (1, 0)
    assert summary.refused == [(2, "Mã hồ sơ HS-1 đã được đăng ký với phường/xã hoặc thủ tục khác")]
    assert (await stored(ctx))["HS-1"].procedure == "Khai sinh"


async def test_a_nul_in_a_procedure_refuses_its_row_only(ctx: Context, ward: Ward) -> None:
    """PostgreSQL refuses a NUL in any text: the whole import failed on it there."""
    summary = await imported(
        ctx, [["Mã hồ sơ", "Thủ tục"], ["HS-1", "Khai\x00 sinh"], ["HS-2", "Kết hôn"]]
    )
    assert summary.new == 1 and [number for number, _ in summary.refused] == [2]
    assert "không lưu được" in summary.refused[0][1]
    assert set(await stored(ctx)) == {"HS-2"}
