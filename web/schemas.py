"""The API's JSON shapes, with examples in Vietnamese and English for `/api/docs`."""

from datetime import date, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, Field

CaseStatusName = Literal["registered", "linked", "done", "asked", "answered"]
PageStatusName = Literal["unread", "seen", "answered", "overdue", "closed"]
Grouping = Literal["element", "procedure", "ward", "desk", "week", "month", "quarter", "year"]
SourceChoice = Literal["visit", "case", "walkin", "broadcast", "all"]


class CaseIn(BaseModel):
    """A case as the one-stop software registers it; rules (code characters, lengths)
    are the office's, answered with 422 naming the field."""

    ward: str = Field(description="mã phường/xã (ward code)", max_length=64)
    code: str = Field(description="mã hồ sơ (case code), unique city-wide", max_length=200)
    procedure: str = Field(description="thủ tục hành chính (the procedure)", max_length=2000)
    received_at: AwareDatetime | None = Field(None, description="lúc tiếp nhận, with its zone")
    desk: int | None = Field(None, description="quầy tiếp nhận (desk number, 1-999)")
    due_at: AwareDatetime | None = Field(None, description="ngày hẹn trả (the promised date)")


CASE_EXAMPLES: dict[str, Any] = {
    "vi": {
        "summary": "Hồ sơ khai sinh tại quầy 2",
        "value": {
            "ward": "NGHIA-TAN",
            "code": "HS-2026-000123",
            "procedure": "Đăng ký khai sinh",
            "received_at": "2026-12-01T08:30:00+07:00",
            "desk": 2,
            "due_at": "2026-12-03T17:00:00+07:00",
        },
    },
    "en": {
        "summary": "A marriage registration, code and procedure only",
        "value": {"ward": "DICH-VONG", "code": "HS-2026-000124", "procedure": "Đăng ký kết hôn"},
    },
}


class CaseOut(BaseModel):
    """A case, how the citizen reaches its survey, and where it stands."""

    code: str
    ward: str
    ward_name: str
    procedure: str
    status: CaseStatusName = Field(
        description="registered: chưa ai mở link; linked: công dân đã mở link; done: đã trả "
        "kết quả; asked: đã mời đánh giá; answered: đã đánh giá (registered, linked, done, "
        "asked, answered)"
    )
    received_at: datetime | None
    desk: int | None
    due_at: datetime | None
    done_at: datetime | None
    telegram_link: str | None = Field(description="the receipt link, when a Telegram bot runs")
    short_code: str = Field(
        description="mã số 6 chữ số in trên phiếu, gõ vào Zalo hoặc Telegram (the six-digit "
        "code a citizen types instead of opening the link)"
    )
    zalo_code: str = Field(description="mã gửi tới Zalo (the link's payload, also taken)")
    zalo_line: str | None = Field(description="the Zalo line as printed, when Zalo runs")
    qr_url: str
    receipt_url: str

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "code": "HS-2026-000123",
                    "ward": "NGHIA-TAN",
                    "ward_name": "Phường Nghĩa Tân",
                    "procedure": "Đăng ký khai sinh",
                    "status": "registered",
                    "received_at": "2026-12-01T01:30:00Z",
                    "desk": 2,
                    "due_at": "2026-12-03T10:00:00Z",
                    "done_at": None,
                    "telegram_link": "https://t.me/sogopy_bot?start=c_Xb3kP0aQ2mZ9vL1w",
                    "short_code": "483920",
                    "zalo_code": "c_Xb3kP0aQ2mZ9vL1w",
                    "zalo_line": 'Zalo: gửi "483920" tới Zalo Sổ góp ý',
                    "qr_url": "https://gopy.example.vn/api/v1/cases/HS-2026-000123/qr.png",
                    "receipt_url": "https://gopy.example.vn/api/v1/cases/HS-2026-000123/receipt.pdf",
                }
            ]
        }
    }


class Cell(BaseModel):
    """One figure: answers at each level 1-5, the share at levels 4-5 and the mean."""

    key: str
    label: str
    answers: int
    satisfied: int
    share: float | None
    mean: float | None
    levels: list[int]
    too_few: bool = Field(description="fewer than 10 answers: «ít dữ liệu», too few to judge")
    no_opinion: int = Field(description="«Chưa có ý kiến»: counted apart, in no share or mean")


class PreviousOut(BaseModel):
    """The same figures over the period just before (previous month, quarter, year or days)."""

    since: date
    until: date
    overall: Cell
    rows: list[Cell]


class FiguresOut(BaseModel):
    """As `sogopy report --format json`."""

    since: date
    until: date
    ward: str | None
    by: Grouping
    overall: Cell
    rows: list[Cell]
    elements: dict[str, list[Cell]]
    cases_done: int
    cases_answered: int
    response_rate: float | None
    response_too_few: bool
    walkin_answers: int
    source: SourceChoice = Field(description="the answers counted: visit = cases and walk-ins")
    broadcast: Cell = Field(description="the period's broadcast answers, shown apart")
    previous: PreviousOut | None


class PageOut(BaseModel):
    """A page of the book; `author` is the signed name or «Ẩn danh»."""

    ward: str
    page: int
    time: datetime
    text: str
    photo: bool
    case_code: str | None
    procedure: str | None
    author: str
    seen_by: str | None
    seen_at: datetime | None
    answer: str | None
    answered_at: datetime | None
    status: PageStatusName

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "ward": "NGHIA-TAN",
                    "page": 12,
                    "time": "2026-12-01T09:15:00+07:00",
                    "text": "Ghế chờ ở quầy 2 bị gãy",
                    "photo": False,
                    "case_code": "HS-2026-000123",
                    "procedure": "Đăng ký khai sinh",
                    "author": "Ẩn danh",
                    "seen_by": "Trần Thị Bình",
                    "seen_at": "2026-12-01T10:02:00+07:00",
                    "answer": None,
                    "answered_at": None,
                    "status": "seen",
                }
            ]
        }
    }


class BookOut(BaseModel):
    since: date
    until: date
    pages: list[PageOut]


class HealthOut(BaseModel):
    ok: bool
