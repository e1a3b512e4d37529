"""Charts of the satisfaction figures: a report drawn as a PNG that reads well on a phone.

Portrait, 1080 px wide, large type. Each row is a horizontal bar of the share satisfied
(levels 4-5) with the percentage and the number of answers at its end, under the
overall bar; a figure standing on too few answers is greyed and hatched and says so
instead of a percentage, and a row without answers says "chưa có". A report by week,
month, quarter or year is a line of each one's share over bars of its answers instead.
«Chưa có ý kiến» answers and broadcast answers, in no bar, are counted under the title.

Drawn with matplotlib's object API on the Agg canvas (no pyplot, no display, no global
state touched) in DejaVu Sans, which ships with matplotlib and has every Vietnamese
letter; the file is loaded by path so no other font can stand in for it. The PNG carries
no software or time stamp: the same report always gives the same bytes.
"""

import io
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backend_bases import RendererBase
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from storage.report import PERIODS, SOURCES, TOO_FEW, Cell, Report

LANGUAGES = ("vi", "en")

# Every word the chart writes, Vietnamese first and English beside it.
WORDS: dict[str, tuple[str, str]] = {
    "answers": ("câu", "answers"),
    "too_few": ("ít dữ liệu", "too few"),
    "none": ("chưa có", "none yet"),
    "overall": ("Chung", "Overall"),
    "by_element": ("Tỉ lệ hài lòng theo yếu tố", "Share satisfied by element"),
    "by_procedure": ("Tỉ lệ hài lòng theo thủ tục", "Share satisfied by procedure"),
    "by_week": ("Tỉ lệ hài lòng theo tuần", "Share satisfied week by week"),
    "by_ward": ("Tỉ lệ hài lòng theo phường", "Share satisfied by ward"),
    "by_desk": ("Tỉ lệ hài lòng theo quầy", "Share satisfied by desk"),
    "by_month": ("Tỉ lệ hài lòng theo tháng", "Share satisfied month by month"),
    "by_quarter": ("Tỉ lệ hài lòng theo quý", "Share satisfied quarter by quarter"),
    "by_year": ("Tỉ lệ hài lòng theo năm", "Share satisfied year by year"),
    "no_opinion": (
        "Chưa có ý kiến: {count} câu (không tính vào tỉ lệ)",
        "No opinion yet: {count} answers (not in the share)",
    ),
    "broadcast": ("Khảo sát gửi đi (tính riêng): {figure}", "Broadcast surveys (apart): {figure}"),
    "response_rate": (
        "Tỉ lệ phản hồi: {rate} ({answered}/{done} hồ sơ)",
        "Response rate: {rate} ({answered}/{done} cases)",
    ),
    "walkin": ("Tại quầy: {count} câu trả lời", "At the desk: {count} answers"),
    "more_wards": ("{count} phường khác", "{count} more wards"),
    "more_rows": ("{count} mục khác", "{count} more"),
    "week_answers": ("Số câu trả lời mỗi tuần", "Answers each week"),
    "month_answers": ("Số câu trả lời mỗi tháng", "Answers each month"),
    "quarter_answers": ("Số câu trả lời mỗi quý", "Answers each quarter"),
    "year_answers": ("Số câu trả lời mỗi năm", "Answers each year"),
    "satisfied_note": (
        "Hài lòng = mức 4 «Hài lòng» hoặc mức 5 «Rất hài lòng».",
        "Satisfied = level 4 “Satisfied” or level 5 “Very satisfied”.",
    ),
    "too_few_note": (
        "Ít dữ liệu: dưới {count} câu trả lời, chưa đủ để đánh giá.",
        "Too few: under {count} answers, not enough to judge.",
    ),
}

FONT_DIR = Path(matplotlib.get_data_path(), "fonts", "ttf")
REGULAR, BOLD = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
TITLE_PT, LABEL_PT, TEXT_PT = 17, 12, 11  # nothing is written smaller than TEXT_PT

WIDTH, MIN_HEIGHT, DPI = 7.2, 9.0, 150  # inches: 1080 x 1350 px, taller only if needed
MARGIN = 0.3
LABEL_MAX = 2.5  # the label column's widest, in inches; longer labels wrap to 2 lines
BAR = 0.22  # bar thickness
MAX_ROWS, EDGE_ROWS = 20, 10  # beyond MAX_ROWS rows: the first and the last EDGE_ROWS
MAX_WEEK_NOTES = 13  # up to this many weeks, each point and bar has its figure written

INK, MUTED, FAINT, RULE = "#212121", "#616161", "#9e9e9e", "#e0e0e0"
BLUE, DARK_BLUE, GREY = "#4a86c5", "#1f4e79", "#d6d6d6"


def render_chart(report: Report, title: str, language: str = "vi") -> bytes:
    """The report as a PNG: bars per row under the overall bar, or a weekly line."""
    figure = draw_chart(report, title, language)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def draw_chart(report: Report, title: str, language: str = "vi") -> Figure:
    """The figure `render_chart` saves, for a caller that wants another format."""
    if language not in LANGUAGES:
        raise ValueError(f"language {language!r}: use one of {', '.join(LANGUAGES)}")
    figure = Figure(figsize=(WIDTH, MIN_HEIGHT), dpi=DPI, facecolor="white")
    page = _Page(figure, FigureCanvasAgg(figure).get_renderer(), language)
    y = page.header(report, title)
    if report.by in PERIODS:
        page.weeks(report, y)
    else:
        page.bars(report, y)
    return figure


def _count(number: int, language: str) -> str:
    """1234 as "1.234" in Vietnamese, "1,234" in English."""
    text = f"{number:,}"
    return text.replace(",", ".") if language == "vi" else text


def _percent(share: float) -> str:
    return f"{round(100 * share)}%"  # rounded as in the chat text beside the chart


def _font(size: float, bold: bool = False) -> FontProperties:
    return FontProperties(fname=BOLD if bold else REGULAR, size=size)


def _nfc(text: str) -> str:
    """Precomposed letters: "ế" as one glyph, never "e" with two combining marks."""
    return unicodedata.normalize("NFC", text)


@dataclass(frozen=True)
class _Row:
    cell: Cell | None  # None: the "…" line standing for the rows left out
    label: str  # already wrapped, one or two lines
    height: float  # inches
    left_out: int = 0


class _Page:
    """One chart being laid out in inches from the top left corner, y going down."""

    def __init__(self, figure: Figure, renderer: RendererBase, language: str) -> None:
        self.figure, self.renderer, self.language = figure, renderer, language
        self.ax = figure.add_axes((0, 0, 1, 1))
        self.ax.set_axis_off()
        self.ax.set_xlim(0, WIDTH)
        self.ax.set_ylim(-MIN_HEIGHT, 0)

    def word(self, key: str, **values: object) -> str:
        text = WORDS[key][LANGUAGES.index(self.language)]
        return text.format(**values) if values else text

    def width(self, text: str, font: FontProperties) -> float:
        """How wide `text` is drawn, in inches: its widest line."""
        measure = self.renderer.get_text_width_height_descent
        return max(measure(line, font, ismath=False)[0] for line in text.split("\n")) / DPI

    def wrap(self, text: str, width: float, font: FontProperties) -> str:
        """The text on one line, or two of about the same length, the second cut with "…"."""
        words = _nfc(text).split()
        line = " ".join(words)
        if len(words) < 2 or self.width(line, font) <= width:
            return self.cut(line, width, font)
        best: tuple[float, str] | None = None  # the break whose longer line is shortest
        for index in range(1, len(words)):
            first, second = " ".join(words[:index]), " ".join(words[index:])
            longer = max(self.width(first, font), self.width(second, font))
            if longer <= width and (best is None or longer < best[0]):
                best = (longer, f"{first}\n{second}")
        if best is not None:
            return best[1]
        taken = 1  # too long for two lines: fill the first, cut the second
        while self.width(" ".join(words[: taken + 1]), font) <= width:
            taken += 1  # stops before the last word: all of them do not fit
        first, second = " ".join(words[:taken]), " ".join(words[taken:])
        return f"{self.cut(first, width, font)}\n{self.cut(second, width, font)}"

    def cut(self, line: str, width: float, font: FontProperties) -> str:
        """The line, or as many of its words as fit followed by "…"."""
        if self.width(line, font) <= width:
            return line
        words = line.split()
        while len(words) > 1 and self.width(f"{' '.join(words)}…", font) > width:
            words.pop()
        line = " ".join(words)
        while len(line) > 1 and self.width(f"{line}…", font) > width:  # one very long word
            line = line[:-1]
        return f"{line.rstrip(' ,;:-')}…"

    def text(
        self, x: float, y: float, text: str, font: FontProperties, color: str = INK, **kw: object
    ) -> None:
        self.ax.text(
            x, y, text, fontproperties=font, color=color, parse_math=False, linespacing=1.15, **kw
        )

    def lines(self, y: float, texts: Sequence[tuple[str, FontProperties, str]]) -> float:
        """Texts written one under the other from y, each wrapped to the page; the new y."""
        for text, font, color in texts:
            wrapped = self.wrap(text, WIDTH - 2 * MARGIN, font)
            self.text(MARGIN, y, wrapped, font, color, va="top")
            y -= (wrapped.count("\n") + 1) * font.get_size_in_points() * 1.2 / 72 + 0.08
        return y

    def header(self, report: Report, title: str) -> float:
        period = f"{report.since:%d/%m/%Y} – {report.until:%d/%m/%Y}"
        by = self.word(f"by_{report.by}") if f"by_{report.by}" in WORDS else ""
        heading = title[:1].upper() + title[1:]  # a scope alone («toàn thành phố») too
        texts = [
            (heading, _font(TITLE_PT, bold=True), INK),
            (f"{by} · {period}" if by else period, _font(LABEL_PT), INK),
        ]
        if report.by in PERIODS:
            overall = f"{self.word('overall')}: {self.figure_text(report.overall)}"
            texts.append((overall, _font(LABEL_PT, bold=True), INK))
        if report.cases_done > 0 and report.response_rate is not None:
            share = _percent(report.response_rate)  # too few cases: no judgement, as bars
            rate = self.word(
                "response_rate",
                rate=self.word("too_few") if report.response_too_few else share,
                answered=_count(report.cases_answered, self.language),
                done=_count(report.cases_done, self.language),
            )
            texts.append((rate, _font(TEXT_PT), MUTED))
        if report.walkin_answers > 0:
            walkin = self.word("walkin", count=_count(report.walkin_answers, self.language))
            texts.append((walkin, _font(TEXT_PT), MUTED))
        if report.overall.no_opinion > 0:
            count = _count(report.overall.no_opinion, self.language)
            texts.append((self.word("no_opinion", count=count), _font(TEXT_PT), MUTED))
        if report.broadcast.answers > 0 and "broadcast" not in SOURCES[report.source]:
            broadcast = self.word("broadcast", figure=self.figure_text(report.broadcast))
            texts.append((broadcast, _font(TEXT_PT), MUTED))
        return self.lines(-MARGIN, texts) - 0.15

    def figure_text(self, cell: Cell) -> str:
        """ "83% · 1.234 câu", "ít dữ liệu · 7 câu" or "chưa có": a cell in words."""
        if cell.share is None:
            return self.word("none")
        answers = f"{_count(cell.answers, self.language)} {self.word('answers')}"
        if cell.too_few:
            return f"{self.word('too_few')} · {answers}"
        return f"{_percent(cell.share)} · {answers}"

    def footer(self, y: float, cells: Sequence[Cell]) -> float:
        """The notes under the chart; the new y."""
        notes = [self.word("satisfied_note")]
        if any(cell.too_few and cell.answers for cell in cells):
            notes.append(self.word("too_few_note", count=TOO_FEW))
        return self.lines(y, [(note, _font(TEXT_PT), MUTED) for note in notes])

    # -- bars: element, procedure, ward ------------------------------------------------

    def rows(self, report: Report) -> tuple[list[_Row], float]:
        """The rows drawn, the overall one first, and the width of their labels' column."""
        cells: list[Cell | None] = list(report.rows)
        left_out = 0
        if len(cells) > MAX_ROWS:  # ranked as given: the top and the bottom of it
            left_out = len(cells) - 2 * EDGE_ROWS
            cells = [*cells[:EDGE_ROWS], None, *cells[-EDGE_ROWS:]]
        font = _font(LABEL_PT)
        names = [_nfc(c.label or c.key) for c in cells if c is not None]
        widest = max([self.width(name, font) for name in names], default=0)
        width = min(LABEL_MAX, max(widest, self.width(self.word("overall"), font), 1.0))
        rows = [_Row(report.overall, self.word("overall"), 0.5)]
        for cell in cells:
            if cell is None:
                rows.append(_Row(None, "…", 0.4, left_out))
                continue
            label = self.wrap(cell.label or cell.key, width, font)
            rows.append(_Row(cell, label, 0.56 if "\n" in label else 0.4))
        return rows, width

    def value_parts(self, cell: Cell) -> tuple[str, str]:
        """The bold part and the rest written at the end of a bar."""
        text = self.figure_text(cell)
        if cell.share is None or cell.too_few:
            return "", text
        percent, _, rest = text.partition(" ")
        return percent, rest

    def bars(self, report: Report, top: float) -> None:
        rows, label_width = self.rows(report)
        shown = [row.cell for row in rows if row.cell is not None]
        notes = 1 + any(cell.too_few and cell.answers for cell in shown)
        natural = sum(row.height for row in rows) + 0.12 + 0.45 + notes * 0.27 + MARGIN - top
        stretch = min(max(0.0, (MIN_HEIGHT - natural) / len(rows)), 0.45)  # fill a short page
        rows = [replace(row, height=row.height + stretch) for row in rows]
        thickness = BAR + min(0.3 * stretch, 0.1)
        values = [self.value_parts(row.cell) for row in rows if row.cell is not None]
        value_width = max(
            self.width(bold, _font(TEXT_PT, bold=True)) + 0.06 + self.width(rest, _font(TEXT_PT))
            for bold, rest in values
        )
        x0 = MARGIN + label_width + 0.15  # where every bar starts
        full = WIDTH - MARGIN - value_width - 0.1 - x0  # a 100% bar's length

        y = top
        for index, row in enumerate(rows):
            middle = y - row.height / 2
            if row.cell is None:
                self.separator(middle, row.left_out, report.by)
            else:
                self.bar(row, index == 0, x0, full, middle, thickness)
            y -= row.height
            if index == 0:  # the overall bar stands apart from the rows
                self.ax.plot([MARGIN, WIDTH - MARGIN], [y - 0.06] * 2, color=RULE, lw=1)
                y -= 0.12
        bottom = y
        for share in (0, 0.5, 1):
            x = x0 + share * full
            self.ax.plot([x, x], [top + 0.05, bottom], color=RULE, lw=1, zorder=0)
            self.text(
                x, bottom - 0.04, _percent(share), _font(TEXT_PT), MUTED, ha="center", va="top"
            )
        end = self.footer(bottom - 0.45, shown)
        height = max(MIN_HEIGHT, math.ceil((MARGIN - end) * DPI) / DPI)
        self.figure.set_size_inches(WIDTH, height)
        self.ax.set_ylim(-height, 0)

    def bar(
        self, row: _Row, overall: bool, x0: float, full: float, middle: float, thickness: float
    ) -> None:
        """A row: its label, its bar from x0 (`full` long at 100%), its figure at the end."""
        cell = row.cell
        assert cell is not None
        font = _font(LABEL_PT, bold=overall)
        self.text(x0 - 0.15, middle, row.label, font, ha="right", va="center", ma="right")
        end = x0
        if cell.share is not None:
            end = x0 + cell.share * full
            if cell.too_few:
                style = {"facecolor": GREY, "edgecolor": FAINT, "hatch": "///", "lw": 0.8}
            else:
                style = {"facecolor": DARK_BLUE if overall else BLUE, "edgecolor": "none"}
            height = thickness * (1.25 if overall else 1)
            box = Rectangle((x0, middle - height / 2), end - x0, height, zorder=2, **style)
            self.ax.add_patch(box)
        bold, rest = self.value_parts(cell)
        backing = {"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none"}
        x = end + 0.08
        if bold:
            self.text(x, middle, bold, _font(TEXT_PT, bold=True), va="center", bbox=backing)
            x += self.width(bold, _font(TEXT_PT, bold=True)) + 0.06
        color = INK if bold else MUTED
        self.text(x, middle, rest, _font(TEXT_PT), color, va="center", bbox=backing, zorder=3)

    def separator(self, middle: float, left_out: int, by: str) -> None:
        key = "more_wards" if by == "ward" else "more_rows"
        text = f"… {self.word(key, count=_count(left_out, self.language))} …"
        backing = {"boxstyle": "square,pad=0.2", "facecolor": "white", "edgecolor": "none"}
        self.ax.plot([MARGIN, WIDTH - MARGIN], [middle] * 2, color=RULE, lw=1, ls=(0, (2, 3)))
        self.text(
            WIDTH / 2, middle, text, _font(TEXT_PT), MUTED, ha="center", va="center", bbox=backing
        )

    # -- weeks: a line of the weekly share over bars of the weekly answers ---------------

    def area(self, top: float, bottom: float, left: float = 0.8) -> Axes:
        """Axes spanning the page between two heights (inches from the top, negative)."""
        rect = (left / WIDTH, 1 + bottom / MIN_HEIGHT, 1 - (left + MARGIN) / WIDTH)
        ax = self.figure.add_axes((*rect, (top - bottom) / MIN_HEIGHT))
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        for side in ("left", "bottom"):
            ax.spines[side].set_color(FAINT)
        ax.tick_params(colors=MUTED, length=3)
        return ax

    def ticks(self, ax: Axes, axis: str, places: Sequence[float], labels: Sequence[str]) -> None:
        setter = ax.set_xticks if axis == "x" else ax.set_yticks
        setter(list(places), list(labels), fontproperties=_font(TEXT_PT), parse_math=False)

    def weeks(self, report: Report, top: float) -> None:
        """The weekly share as a line (figures written on up to 13 weeks), answers below."""
        cells = report.rows
        notes = 1 + any(cell.too_few and cell.answers for cell in [report.overall, *cells])
        bottom = -MIN_HEIGHT + MARGIN + notes * 0.3
        counts_bottom = bottom + 0.75  # room for the weeks' names, on two lines
        counts_top = counts_bottom + 1.5
        share_bottom = counts_top + 0.85  # room for the legend and the answers' heading
        self.week_shares(self.area(top - 0.1, share_bottom), report)
        heading = self.word(f"{report.by}_answers")
        self.text(MARGIN, counts_top + 0.4, heading, _font(LABEL_PT), va="top")
        self.week_answers(self.area(counts_top, counts_bottom), cells)
        self.footer(bottom, [report.overall, *cells])

    def week_shares(self, ax: Axes, report: Report) -> None:
        cells, overall = report.rows, report.overall
        count, xs = len(cells), list(range(len(cells)))
        ax.set_ylim(0, 112)
        ax.set_xlim(-0.6, max(count, 1) - 0.4)
        self.ticks(ax, "y", [0, 25, 50, 75, 100], [f"{p}%" for p in (0, 25, 50, 75, 100)])
        ax.set_xticks(xs)
        ax.tick_params(labelbottom=False)
        ax.grid(axis="y", color=RULE, lw=1)
        ax.set_axisbelow(True)
        dot = 7 if count <= MAX_WEEK_NOTES else 4.5 if count <= 2 * MAX_WEEK_NOTES else 3
        solid = [math.nan if c.share is None or c.too_few else 100 * c.share for c in cells]
        ax.plot(xs, solid, color=BLUE, lw=2.5 if dot > 3 else 1.8, marker="o", ms=dot, zorder=3)
        weak = [
            (x, 100 * c.share) for x, c in enumerate(cells) if c.too_few and c.share is not None
        ]
        hollow = {"ls": "none", "marker": "o", "mfc": "white", "mec": FAINT, "mew": 1.5}
        if weak:
            ax.plot(*zip(*weak, strict=True), ms=dot, zorder=3, **hollow)
        if count <= MAX_WEEK_NOTES:
            for x, value in zip(xs, solid, strict=True):
                if not math.isnan(value):
                    self.note(ax, x, value + 4, f"{round(value)}%", INK)
        if not any(c.answers for c in cells):
            self.note(ax, (count - 1) / 2 if count else 0, 50, self.word("none"), MUTED)

        keys: list[tuple[Line2D, str]] = []
        if overall.share is not None:
            ax.axhline(100 * overall.share, color=FAINT, lw=1.5, ls="--", zorder=1)
            line = Line2D([], [], color=FAINT, lw=1.5, ls="--")
            keys.append((line, f"{self.word('overall')} {_percent(overall.share)}"))
        if weak:
            keys.append((Line2D([], [], ms=7, **hollow), self.word("too_few")))
        if keys:
            handles, names = zip(*keys, strict=True)
            legend = ax.legend(
                handles,
                names,
                prop=_font(TEXT_PT),
                frameon=False,
                ncols=len(keys),
                loc="upper left",
                bbox_to_anchor=(0, -0.02),
                handlelength=2.2,
            )
            for text in legend.get_texts():
                text.set_parse_math(False)

    def week_answers(self, ax: Axes, cells: Sequence[Cell]) -> None:
        count, xs = len(cells), list(range(len(cells)))
        answers = [c.answers for c in cells]
        ax.bar(xs, answers, width=0.6, color=[GREY if c.too_few else BLUE for c in cells], zorder=2)
        ax.set_xlim(-0.6, max(count, 1) - 0.4)
        most = max(answers, default=0)
        top = max(most, 1) * 1.3
        ax.set_ylim(0, top)
        steps = [s for s in MaxNLocator(nbins=3, integer=True).tick_values(0, top) if s <= top]
        self.ticks(ax, "y", steps, [_count(int(s), self.language) for s in steps])
        ax.grid(axis="y", color=RULE, lw=1)
        ax.set_axisbelow(True)
        if count <= MAX_WEEK_NOTES:
            for x, value in zip(xs, answers, strict=True):
                self.note(ax, x, value + top * 0.03, _count(value, self.language), MUTED)
        names = [re.sub(r"\s*([-–])\s*", "\\1\n", _nfc(c.label), count=1) for c in cells]
        widest = max((self.width(name, _font(TEXT_PT)) for name in names), default=0)
        room = (WIDTH - 0.8 - MARGIN) / max(count, 1)  # inches per week
        shown = xs[:: max(1, math.ceil((widest + 0.12) / room))]  # names that do not touch
        self.ticks(ax, "x", shown, [names[x] for x in shown])

    def note(self, ax: Axes, x: float, y: float, text: str, color: str) -> None:
        """A figure written just above a point of a panel."""
        font = _font(TEXT_PT)
        ax.text(
            x, y, text, fontproperties=font, color=color, ha="center", va="bottom", parse_math=False
        )
