"""The replies' markup: parsed once, rendered as Telegram's HTML or Zalo's plain text."""

import pytest

from bot.zalo import shown
from handlers import markup
from handlers.catalogue import TEXTS, say
from handlers.events import Choice, Reply
from handlers.markup import Span


def test_text_is_parsed_into_spans_with_their_tags_and_escapes_undone() -> None:
    text = say("vi", "answered_line", number=1, element="Tiếp cận", level="<Hài lòng> & co")
    assert markup.parse(text) == [
        Span("✅ Câu 1 — Tiếp cận: "),
        Span("<Hài lòng> & co", ("b",)),
    ]
    nested = markup.parse("<blockquote>Đèn <b>hỏng</b> &quot;ngõ 5&#x27;</blockquote>")
    assert nested == [
        Span("Đèn ", ("blockquote",)),
        Span("hỏng", ("blockquote", "b")),
        Span(" \"ngõ 5'", ("blockquote",)),
    ]
    assert markup.plain(nested) == "Đèn hỏng \"ngõ 5'"
    assert markup.html(nested) == "<blockquote>Đèn <b>hỏng</b> \"ngõ 5'</blockquote>"


def test_a_slip_is_shown_as_written_and_never_breaks_the_message() -> None:
    spans = markup.parse("a < b & c <u>x</u> <b>open </i>to the end")
    assert markup.plain(spans) == "a < b & c <u>x</u> open </i>to the end"
    assert markup.html(spans) == (
        "a &lt; b &amp; c &lt;u&gt;x&lt;/u&gt; <b>open &lt;/i&gt;to the end</b>"
    )


@pytest.mark.parametrize("language", [0, 1])
def test_every_catalogue_sentence_is_in_the_markup(language: int) -> None:
    """Rendered back as HTML, a template is unchanged: no tag or escape outside the markup."""
    for key, texts in TEXTS.items():
        assert markup.html(markup.parse(texts[language])) == texts[language], key


def test_a_long_text_is_cut_at_line_ends_and_each_piece_closes_its_tags() -> None:
    spans = markup.parse("<b>" + "dòng một\n" * 3 + "</b>" + "x" * 25)
    pieces = markup.split(spans, 20)
    assert [markup.html(piece) for piece in pieces] == [
        "<b>dòng một\ndòng một\n</b>",
        "<b>dòng một\n</b>",
        "x" * 20,
        "x" * 5,
    ]
    assert markup.split(markup.parse("😀" * 3), 4, markup.utf16) == [[Span("😀😀")], [Span("😀")]]
    assert markup.split(markup.parse(" \n\n"), 10) == []


def test_zalo_shows_only_what_is_new_in_a_prompt_shown_again() -> None:
    levels = (Choice("Hài lòng", "a:1:1:4"), Choice("Rất hài lòng", "a:1:1:5"))
    asked = Reply("<b>Khảo sát</b>\n✅ Câu 1\n\nCâu 2/5", levels, news="✅ Câu 1\n\nCâu 2/5")
    assert shown(asked, "vi").startswith("Khảo sát\n✅ Câu 1")  # a new message: all of it
    again = Reply(asked.text, levels, replaces=True, news=asked.news)
    assert shown(again, "vi") == (
        "✅ Câu 1\n\nCâu 2/5\n\n1. Hài lòng\n2. Rất hài lòng\n"
        "— Xin trả lời bằng số (ví dụ: 1), hoặc gõ đúng câu trả lời."
    )
    assert shown(Reply("<blockquote>Đèn</blockquote>", replaces=True, news=""), "vi") == ""
    words = Reply("Xin gõ góp ý", (Choice("Bỏ qua", "k:1"),), free_text=True)
    assert shown(words, "vi") == "Xin gõ góp ý\n\n1. Bỏ qua\n— Hoặc gõ số để chọn."
