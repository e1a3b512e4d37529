"""Case import: the one-stop software's export of the day's cases, read and registered.

A clerk exports the day's cases from the province's one-stop software (xlsx or CSV)
and imports the file: each row is registered through `office.cases.register_case` and,
when returned (a return date that has come, or `done`), marked done. Columns are found
by their usual Vietnamese headers, with or without diacritics, or named explicitly.
Importing the same file again changes nothing: registering is idempotent and a case
already done stays as it was. A row that cannot be read is refused with its row number
and why; the others are still imported, each in its own transaction.
"""

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.catalogue import office_text
from office.cases import mark_case_done, register_case
from office.errors import Conflict, Invalid, OfficeError
from office.wards import get_ward
from storage.models import utcnow

# the usual headers of one-stop exports, compared without diacritics, case or punctuation
HEADERS: dict[str, tuple[str, ...]] = {
    "code": ("ma ho so", "so ho so", "ma hs", "so hs", "ma so ho so", "so bien nhan"),
    "procedure": (
        "ten thu tuc", "thu tuc", "ten thu tuc hanh chinh", "thu tuc hanh chinh", "ten tthc",
    ),
    "received": ("ngay tiep nhan", "ngay nhan", "ngay nhan ho so", "thoi gian tiep nhan"),
    "returned": ("ngay tra ket qua", "ngay tra kq", "ngay tra", "thoi gian tra ket qua"),
    "due": ("ngay hen tra", "ngay hen tra ket qua", "ngay hen tra kq", "han giai quyet"),
}  # fmt: skip
REQUIRED = ("code", "procedure")
HEADER_ROWS = 20  # a title or a blank line may stand above the header
DATE_LAYOUTS = (
    "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%H:%M %d/%m/%Y", "%H:%M:%S %d/%m/%Y",
    "%d-%m-%Y %H:%M", "%d-%m-%Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d",
)  # fmt: skip


@dataclass
class ImportSummary:
    """What an import did: counts, and each refused row (its row number in the file, why)."""

    new: int = 0
    done: int = 0
    unchanged: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)


class _Refused(Exception):
    """A row that cannot be imported, with the reason shown to the clerk."""


def plain(text: object) -> str:
    """A header compared as people mean it: no diacritics, case or punctuation."""
    folded = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    folded = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", folded).split())


def parse_columns(mappings: Iterable[str]) -> dict[str, str]:
    """`--column NAME=HEADER` options as {name: header}; NAME is one of HEADERS."""
    columns = {}
    for mapping in mappings:
        name, sep, header = mapping.partition("=")
        name = name.strip().lower()
        if not sep or name not in HEADERS or not header.strip():
            message = office_text("import_bad_mapping", value=mapping, names=", ".join(HEADERS))
            raise Invalid("import_bad_mapping", message, "columns")
        columns[name] = header.strip()
    return columns


def read_table(path: Path) -> list[list[object]]:
    """The rows of an export file: xlsx (first sheet) or CSV (UTF-8, comma or semicolon)."""
    kind = path.suffix.lower()
    if kind not in (".xlsx", ".csv"):
        raise Invalid("import_bad_kind", office_text("import_bad_kind", file=path.name), "file")
    try:
        return _read_xlsx(path) if kind == ".xlsx" else _read_csv(path.read_bytes())
    except (OSError, UnicodeDecodeError, csv.Error, ValueError, KeyError) as exc:
        why = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        message = office_text("import_bad_file", file=path.name, why=why)
        raise Invalid("import_bad_file", message, "file") from exc


def _read_csv(data: bytes) -> list[list[object]]:
    text = data.decode("utf-8-sig")
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    return [list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def _read_xlsx(path: Path) -> list[list[object]]:
    from openpyxl import load_workbook  # only here: openpyxl is slow to load
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException) as exc:
        raise ValueError("not an Excel (.xlsx) file") from exc
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def _find_columns(
    rows: Sequence[Sequence[object]], columns: Mapping[str, str]
) -> tuple[int, dict[str, int]]:
    """The header row's index and each known column's position in it."""
    wanted = {
        name: (plain(columns[name]),) if name in columns else HEADERS[name] for name in HEADERS
    }
    for index, row in enumerate(rows[:HEADER_ROWS]):
        found = [plain(cell) if cell is not None else "" for cell in row]
        positions = {
            name: found.index(header)
            for name, headers in wanted.items()
            for header in headers
            if header in found
        }
        if all(name in positions for name in REQUIRED):
            return index, positions
    # name the headers of the fullest line, most likely the header the clerk meant
    seen = max(
        rows[:HEADER_ROWS], key=lambda row: sum(c not in (None, "") for c in row), default=[]
    )
    headers = ", ".join(str(cell) for cell in seen if cell not in (None, "")) or "-"
    missing = "code" if not any(h in map(plain, seen) for h in wanted["code"]) else "procedure"
    column = columns.get(missing, _LABELS[missing])
    message = office_text("import_no_column", column=column, headers=headers, name=missing)
    raise Invalid("import_no_column", message, "columns")


_LABELS = {"code": "Mã hồ sơ", "procedure": "Tên thủ tục"}


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a code Excel stored as a number
    return "" if value is None else " ".join(str(value).split())


def _moment(value: object, zone: ZoneInfo) -> datetime | None:
    """A cell's date or time, local to the office unless it says its zone; None if empty."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    else:
        text = _text(value)
        if not text:
            return None
        moment = _parse_moment(text)
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment


def _parse_moment(text: str) -> datetime:
    for layout in DATE_LAYOUTS:
        try:
            return datetime.strptime(text, layout)
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise _Refused(office_text("import_bad_date", value=text)) from None


async def import_cases(
    session: AsyncSession,
    rows: Sequence[Sequence[object]],
    *,
    ward: str,
    zone: ZoneInfo,
    done: bool = False,
    columns: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> ImportSummary:
    """Register the export's cases for `ward`, and mark returned ones done.

    A case counts as returned with `done`, or when its return date has come (a return
    date still ahead is the promised one). Rows are numbered as in the file (1 = first).
    """
    kept = await get_ward(session, ward)
    if kept.removed_at is not None:
        raise Conflict("ward_removed", office_text("ward_removed", ward=kept.code), "ward")
    header, positions = _find_columns(rows, columns or {})
    now = now or utcnow()
    summary = ImportSummary()
    first_row: dict[str, int] = {}
    for number, row in enumerate(rows[header + 1 :], start=header + 2):
        cells = {name: row[at] if at < len(row) else None for name, at in positions.items()}
        if not any(_text(cell) for cell in row):
            continue  # a blank line
        try:
            code, procedure = _text(cells["code"]), _text(cells["procedure"])
            if not code:
                raise _Refused(office_text("import_no_code"))
            if not procedure:
                raise _Refused(office_text("import_no_procedure"))
            if code in first_row:
                raise _Refused(office_text("import_repeated", code=code, first=first_row[code]))
            received, returned, due = (
                _moment(cells.get(name), zone) for name in ("received", "returned", "due")
            )
            first_row[code] = number
            _, created = await register_case(
                session, ward=kept.code, code=code, procedure=procedure,
                received_at=received, due_at=due,
            )  # fmt: skip
            changed = False
            if done or (returned is not None and returned <= now):
                when = returned if returned is not None and returned <= now else now
                _, changed = await mark_case_done(session, code, ward=kept.code, now=when)
        except _Refused as exc:
            summary.refused.append((number, str(exc)))
            continue
        except OfficeError as exc:
            summary.refused.append((number, exc.message))
            continue
        summary.new += created
        summary.done += changed
        summary.unchanged += not (created or changed)
    return summary
