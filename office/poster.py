"""The desk poster: an A4 page for the one-stop desk with the ward's name, a big QR
code of the walk-in survey link, the six-digit code to type on Zalo, and three lines
of instructions. Same font and QR as the case slip (`office/receipts.py`)."""

import io

from fpdf import FPDF

from handlers.catalogue import office_text
from office.receipts import FONT, FONT_BOLD, qr_png

QR_MM = 150  # A4 is 210 mm wide: scanned from a few steps away
MARGIN_MM = 20


def poster_pdf(ward_name: str, qr_text: str, short_code: str, desk: int | None) -> bytes:
    """One A4 page to pin at the desk."""
    pdf = FPDF(format="A4")
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(False)
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.add_font("DejaVu", "B", str(FONT_BOLD))
    pdf.set_title(office_text("poster_title", ward=ward_name))
    pdf.add_page()

    def lines(text: str, size: float, bold: bool = False, align: str = "C") -> None:
        pdf.set_font("DejaVu", "B" if bold else "", size)
        pdf.multi_cell(pdf.epw, size * 0.5, text, align=align, new_x="LMARGIN", new_y="NEXT")

    lines(ward_name, 24, bold=True)
    heading = office_text("poster_heading")
    lines(heading if desk is None else f"{heading} — {office_text('poster_desk', desk=desk)}", 14)
    pdf.ln(4)
    top = pdf.get_y()
    pdf.image(io.BytesIO(qr_png(qr_text)), x=(pdf.w - QR_MM) / 2, y=top, w=QR_MM, h=QR_MM)
    pdf.set_y(top + QR_MM + 4)
    lines(office_text("poster_code", code=short_code), 28, bold=True)
    pdf.ln(4)
    for key in ("poster_line_1", "poster_line_2", "poster_line_3"):
        lines(office_text(key), 13, align="L")
    return bytes(pdf.output())
