"""What a clerk prints for a case: its QR code, and an A6 slip to hand out with the result.

The slip carries the ward, the case code, the procedure, the QR code of the receipt
link, the six-digit code to type on Zalo or Telegram, and two lines of instructions.
DejaVu Sans (shipped with matplotlib) has every Vietnamese diacritic, so nothing
depends on system fonts.
"""

import io
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import segno
from fpdf import FPDF

from handlers.catalogue import shorten
from office.cases import CaseView
from office.links import start_link

FONT = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
FONT_BOLD = FONT.with_name("DejaVuSans-Bold.ttf")
QR_MM = 52  # printed size: scanned easily from a phone held at arm's length
PROCEDURE_SHOWN = 200  # characters: a longer name would push the QR code off the page
MARGIN_MM = 8
A6_MM = (105, 148)  # fpdf2 names A4 and A5 but not A6

INSTRUCTIONS_TELEGRAM = (
    "1. Quét mã QR bằng điện thoại để mở Sổ góp ý trên Telegram.",
    "2. Khi nhận kết quả, xin đánh giá mức độ hài lòng và góp ý cho phường.",
)
INSTRUCTIONS_ZALO = (
    "1. Mở Zalo, gõ mã số trên gửi tới Sổ góp ý của phường.",
    "2. Khi nhận kết quả, xin đánh giá mức độ hài lòng và góp ý cho phường.",
)


@dataclass(frozen=True)
class CaseLinks:
    """How a citizen reaches the case's survey: a Telegram link, a code to send on Zalo."""

    payload: str  # f"c_{token}", what the link starts the bot with
    short_code: str  # the six digits a person may type instead, on Zalo or Telegram
    telegram: str | None  # https://t.me/<bot>?start=c_…, when a Telegram bot is known
    zalo_bot: str | None  # the Zalo bot's name, when Zalo is configured

    @property
    def zalo_line(self) -> str | None:
        """The line the CLI prints for Zalo: the code the citizen sends first."""
        if self.zalo_bot is None:
            return None
        return f'Zalo: gửi "{self.short_code}" tới Zalo {self.zalo_bot}'

    @property
    def qr_text(self) -> str:
        """What the QR code holds: the link, or the bare code when there is no Telegram."""
        return self.telegram or self.payload


def case_links(case: CaseView, telegram_username: str | None, zalo_bot: str | None) -> CaseLinks:
    payload = f"c_{case.token}"
    telegram = start_link(telegram_username, payload) if telegram_username else None
    return CaseLinks(payload, case.short_code, telegram, zalo_bot)


def qr_png(text: str, scale: int = 10) -> bytes:
    """A PNG of the QR code (error correction M, a quiet zone of four modules)."""
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def receipt_pdf(case: CaseView, links: CaseLinks) -> bytes:
    """The case's slip, one A6 page, to print with the result."""
    pdf = FPDF(format=A6_MM)
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(False)
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.add_font("DejaVu", "B", str(FONT_BOLD))
    pdf.set_title(f"Phiếu khảo sát - hồ sơ {case.code}")
    pdf.add_page()

    def lines(text: str, size: float, bold: bool = False, align: str = "L") -> None:
        pdf.set_font("DejaVu", "B" if bold else "", size)
        height = size * 0.5  # mm per line for a font size in points
        pdf.multi_cell(pdf.epw, height, text, align=align, new_x="LMARGIN", new_y="NEXT")

    lines(case.ward_name, 11, bold=True, align="C")
    lines("SỔ GÓP Ý — ĐÁNH GIÁ MỨC ĐỘ HÀI LÒNG", 8, align="C")
    pdf.ln(1.5)
    lines(f"Mã hồ sơ: {case.code}", 10, bold=True)
    lines(f"Thủ tục: {shorten(case.procedure, PROCEDURE_SHOWN)}", 8.5)
    pdf.ln(1)
    top = pdf.get_y()
    pdf.image(io.BytesIO(qr_png(links.qr_text)), x=(pdf.w - QR_MM) / 2, y=top, w=QR_MM, h=QR_MM)
    pdf.set_y(top + QR_MM + 1)
    lines(f"Mã số: {links.short_code}", 12, bold=True, align="C")
    if links.zalo_line is not None:
        lines(links.zalo_line, 8.5, bold=True, align="C")
    for line in INSTRUCTIONS_TELEGRAM if links.telegram else INSTRUCTIONS_ZALO:
        lines(line, 8)
    return bytes(pdf.output())
