"""The report charts: valid PNGs sized for a phone, every grouping, the edge cases
(no answers, too few, 126 wards, long procedure names), Vietnamese without a missing
glyph, and the same bytes for the same report.
"""

import io
import math
import struct
import unicodedata
import warnings
from dataclasses import replace
from datetime import date

import pytest
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from PIL import Image

from handlers.charts import WORDS, draw_chart, render_chart
from storage.report import GROUPINGS, Cell, Report

PNG = b"\x89PNG\r\n\x1a\n"
TITLE = "Mức độ hài lòng — Phường Nghĩa Tân"
ELEMENTS = [
    Cell("access", "Tiếp cận dịch vụ", (3, 5, 20, 300, 420)),
    Cell("procedure", "Thủ tục hành chính", (10, 12, 40, 200, 250)),
    Cell("officer", "Công chức giải quyết công việc", (1, 2, 3, 500, 700)),
    Cell("result", "Kết quả giải quyết", (0, 1, 2, 3, 1)),  # 7 answers: too few
    Cell("feedback", "Tiếp nhận, xử lý góp ý", (0, 0, 0, 0, 0)),
]
OVERALL = Cell("all", "Tất cả", (14, 20, 65, 1003, 1371))
LONG = (
    "Đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi"
    " theo quy trình liên thông điện tử giữa các cơ quan"
)


def report(
    by: str = "element",
    rows: list[Cell] | None = None,
    overall: Cell = OVERALL,
    cases_done: int = 0,
    cases_answered: int = 0,
    walkin_answers: int = 0,
) -> Report:
    return Report(
        since=date(2026, 11, 1),
        until=date(2026, 11, 30),
        ward=None if by == "ward" else "NGHIA-TAN",
        by=by,
        overall=overall,
        rows=ELEMENTS if rows is None else rows,
        cases_done=cases_done,
        cases_answered=cases_answered,
        walkin_answers=walkin_answers,
    )


def weeks(count: int) -> list[Cell]:
    cells = []
    for index in range(count):
        day = 2 + 7 * index
        label = f"{day % 28 + 1:02}/{11 + day // 28:02}-{(day + 6) % 28 + 1:02}/{11 + day // 28:02}"
        levels = (0, 0, 1, 2, 1) if index % 5 == 2 else (1, 2, 3, 30 + index % 7, 40)
        cells.append(Cell(f"2026-W{45 + index}", label, levels))
    return cells


def wards(count: int) -> list[Cell]:
    return [
        Cell(f"W{i:03}", f"Phường Nghĩa Tân {i}", (i % 4, 2, 3, 40, 60 - i % 50))
        for i in range(count)
    ]


SAMPLES = {
    "element": report(cases_done=200, cases_answered=122, walkin_answers=45),
    "procedure": report("procedure", [Cell("p1", LONG, (1, 2, 3, 40, 50)), *ELEMENTS]),
    "week": report("week", weeks(13)),
    "ward": report("ward", wards(126)),
    "desk": report("desk", [Cell("1", "Quầy 1", (0, 1, 2, 30, 40)), Cell("none", "Không rõ quầy",
                                                                          (0, 0, 1, 2, 3))]),
    "month": report("month", [Cell(f"2026-{m:02}", f"{m:02}/2026", (0, 1, 2, 3, 4 * m))
                              for m in range(1, 13)]),
    "quarter": report("quarter", [Cell(f"2026-Q{q}", f"Quý {q}/2026", (0, 1, 2, 30, 40))
                                  for q in range(1, 5)]),
    "year": report("year", [Cell("2025", "2025", (1, 1, 2, 30, 40)),
                            Cell("2026", "2026", (0, 1, 2, 30, 50))]),
}  # fmt: skip


def size(png: bytes) -> tuple[int, int]:
    assert png.startswith(PNG)
    length, kind = struct.unpack(">I4s", png[8:16])
    assert (length, kind) == (13, b"IHDR")
    return struct.unpack(">II", png[16:24])


def chunks(png: bytes) -> list[bytes]:
    kinds, at = [], len(PNG)
    while at < len(png):
        length, kind = struct.unpack(">I4s", png[at : at + 8])
        kinds.append(kind)
        at += 12 + length
    return kinds


def texts(figure: Figure) -> list[Text]:
    found = figure.findobj(lambda a: isinstance(a, Text) and a.get_visible() and a.get_text())
    return [t for t in found if isinstance(t, Text)]


def words(figure: Figure) -> list[str]:
    return [t.get_text() for t in texts(figure)]


def test_a_png_for_a_phone_without_stamps() -> None:
    png = render_chart(SAMPLES["element"], TITLE)
    assert size(png) == (1080, 1350)
    image = Image.open(io.BytesIO(png))
    image.verify()
    kinds = chunks(png)
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND"
    assert b"tIME" not in kinds and b"tEXt" not in kinds and b"iTXt" not in kinds


@pytest.mark.parametrize("by", GROUPINGS)
def test_every_grouping_portrait_with_large_text_on_the_page(by: str) -> None:
    figure = draw_chart(SAMPLES[by], TITLE)
    figure.canvas.draw()
    page = figure.bbox
    assert page.width == 1080 and 1350 <= page.height <= 1900
    for text in texts(figure):
        assert text.get_fontsize() >= 11, text.get_text()
        box = text.get_window_extent()
        inside = box.x0 >= 0 and box.y0 >= 0 and box.x1 <= page.x1 and box.y1 <= page.y1
        assert inside, text.get_text()


def test_no_opinion_and_broadcast_answers_are_counted_under_the_title() -> None:
    apart = replace(
        SAMPLES["element"],
        overall=replace(OVERALL, no_opinion=37),
        broadcast=Cell("broadcast", "Khảo sát gửi đi", (0, 1, 1, 4, 6), 2),
    )
    shown = words(draw_chart(apart, TITLE))
    assert "Chưa có ý kiến: 37 câu (không tính vào tỉ lệ)" in shown
    assert "Khảo sát gửi đi (tính riêng): 83% · 12 câu" in shown
    assert not any(
        "Chưa có ý kiến" in text for text in words(draw_chart(SAMPLES["element"], TITLE))
    )
    everything = replace(apart, source="all")  # broadcast answers among the bars: not apart
    assert not any("tính riêng" in text for text in words(draw_chart(everything, TITLE)))


def test_the_title_begins_with_a_capital_whatever_the_scope() -> None:
    """/baocao's city-wide chart is titled with its scope alone, «toàn thành phố»."""
    assert "Toàn thành phố" in words(draw_chart(SAMPLES["ward"], "toàn thành phố"))
    assert TITLE in words(draw_chart(SAMPLES["element"], TITLE))


def test_figures_at_the_end_of_the_bars() -> None:
    figure = draw_chart(SAMPLES["element"], TITLE)
    shown = words(figure)
    assert "Phường Nghĩa Tân" in shown[0]
    assert "Tỉ lệ hài lòng theo yếu tố · 01/11/2026 – 30/11/2026" in shown
    assert "Tỉ lệ phản hồi: 61% (122/200 hồ sơ)" in shown
    assert "Tại quầy: 45 câu trả lời" in shown
    assert shown.index("Chung") < shown.index("Tiếp cận dịch vụ")  # the overall bar on top
    assert ["96%", "· 2.473 câu"] == shown[shown.index("Chung") + 1 : shown.index("Chung") + 3]
    assert "· 1.206 câu" in shown  # Vietnamese thousands separator
    english = words(draw_chart(SAMPLES["element"], "Nghĩa Tân", language="en"))
    assert "· 2,473 answers" in english and "Response rate: 61% (122/200 cases)" in english


def test_too_few_and_none_make_no_judgement() -> None:
    figure = draw_chart(SAMPLES["element"], TITLE)
    shown = words(figure)
    assert "ít dữ liệu · 7 câu" in shown and "57%" not in shown  # 4 of 7, not shown
    assert "chưa có" in shown
    assert any(w.startswith("Ít dữ liệu: dưới 10 câu") for w in shown)
    bars = [p for p in figure.axes[0].patches if isinstance(p, Rectangle)]
    assert len(bars) == 5  # the overall, three rows, the too-few one; none for "chưa có"
    assert [bar.get_hatch() for bar in bars].count("///") == 1


def test_a_response_rate_on_too_few_cases_makes_no_judgement() -> None:
    few = words(draw_chart(report(cases_done=9, cases_answered=3), TITLE))
    assert "Tỉ lệ phản hồi: ít dữ liệu (3/9 hồ sơ)" in few
    enough = words(draw_chart(report(cases_done=10, cases_answered=3), TITLE))
    assert "Tỉ lệ phản hồi: 30% (3/10 hồ sơ)" in enough


def test_no_answers_at_all() -> None:
    nothing = Cell("all", "Tất cả", (0, 0, 0, 0, 0))
    empty = [Cell(c.key, c.label, (0, 0, 0, 0, 0)) for c in ELEMENTS]
    figure = draw_chart(report(rows=empty, overall=nothing), TITLE)
    assert words(figure).count("chưa có") == 6
    assert not figure.axes[0].patches
    assert not any(w.startswith("Tỉ lệ phản hồi") for w in words(figure))  # no cases done
    for by in GROUPINGS:
        png = render_chart(report(by, [], overall=nothing), TITLE)
        assert size(png)[0] == 1080
    week = draw_chart(report("week", [Cell("w", "01/11-07/11", (0,) * 5)], overall=nothing), "")
    assert "Chung: chưa có" in words(week)


def test_many_wards_show_the_top_and_the_bottom() -> None:
    shown = words(draw_chart(SAMPLES["ward"], TITLE))
    names = [w for w in shown if w.startswith("Phường Nghĩa Tân ")]
    expected = [*range(10), *range(116, 126)]
    assert names == [f"Phường Nghĩa Tân {i}" for i in expected]
    assert "… 106 phường khác …" in shown
    twenty = words(draw_chart(report("ward", wards(20)), TITLE))
    assert len([w for w in twenty if w.startswith("Phường Nghĩa Tân ")]) == 20
    assert not any(w.startswith("…") for w in twenty)
    assert "… 1 phường khác …" in words(draw_chart(report("ward", wards(21)), TITLE))


def test_long_labels_wrap_to_two_lines() -> None:
    shown = words(draw_chart(SAMPLES["procedure"], TITLE))
    long = next(w for w in shown if w.startswith("Đăng ký khai sinh"))
    first, second = long.split("\n")
    assert second.endswith("…") and "…" not in first
    officer = next(w for w in shown if w.startswith("Công chức"))
    assert [len(line.split()) > 1 for line in officer.split("\n")] == [True, True]  # balanced
    assert "Tiếp cận dịch vụ" in shown  # short labels stay on one line


def test_weeks_are_a_line_over_the_answers() -> None:
    figure = draw_chart(SAMPLES["week"], TITLE)
    _, shares, answers = figure.axes
    assert len(answers.patches) == 13
    line = [math.isnan(y) for y in shares.lines[0].get_ydata()]
    assert [i for i, gap in enumerate(line) if gap] == [2, 7, 12]  # too few: not on the line
    shown = words(figure)
    assert "Tỉ lệ hài lòng theo tuần · 01/11/2026 – 30/11/2026" in shown
    assert "Chung: 96% · 2.473 câu" in shown
    labels = [t.get_text() for t in answers.get_xticklabels()]
    assert labels[0] == SAMPLES["week"].rows[0].label.replace("-", "-\n")  # "03/11-\n09/11"
    year = draw_chart(report("week", weeks(53)), TITLE)
    named = [t.get_text() for t in year.axes[2].get_xticklabels()]
    assert 5 <= len(named) <= 13  # thinned so that no two touch


def test_vietnamese_without_a_missing_glyph() -> None:
    decomposed = [Cell(c.key, unicodedata.normalize("NFD", c.label), c.levels) for c in ELEMENTS]
    labels = ["Rất hài lòng", "Phường Nghĩa Tân", "Đồng ý – “được” · … «ổn»", LONG]
    odd = [Cell(f"x{i}", label, (1, 2, 3, 40, 50)) for i, label in enumerate(labels)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for by, rows in (("procedure", decomposed + odd), ("week", weeks(4))):
            render_chart(report(by, rows, cases_done=9, cases_answered=3, walkin_answers=3), TITLE)
    assert all(word.isprintable() for pair in WORDS.values() for word in pair)
    with pytest.warns(UserWarning, match="missing from font"):  # the check can fail
        render_chart(report(rows=[Cell("zh", "漢字", (1, 2, 3, 40, 50))]), TITLE)


def test_same_report_same_bytes() -> None:
    first = render_chart(SAMPLES["ward"], TITLE)
    assert render_chart(SAMPLES["ward"], TITLE) == first
    assert render_chart(SAMPLES["week"], TITLE) == render_chart(SAMPLES["week"], TITLE)


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="language"):
        render_chart(SAMPLES["element"], TITLE, "fr")
