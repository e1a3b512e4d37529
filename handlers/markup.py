"""The replies' own markup: what a handler writes in `Reply.text`, parsed once, here.

A reply's text is plain text with HTML's escapes (`&amp;`, `&lt;`, `&gt;`, `&quot;`,
`&#x27;`: `say()` escapes every value it puts in a template) and four tags, nested:

- `<b>…</b>` bold, `<i>…</i>` italic, `<code>…</code>` something to type (a code);
- `<blockquote>…</blockquote>` a person's own words, quoted.

No attribute, no other tag or entity: anything else (a stray `<` or `&`) is shown as
written, and a tag left open ends with the text, so a slip never costs a message.
`parse` turns the text into spans, runs of text with the tags around them; each
transport renders the spans its own way: Telegram as its HTML (`html`), a chat that
shows plain text only (Zalo) as the text alone (`plain`). Both cut a long message at
line ends with `split`, so a piece never ends inside a tag or an escape.
"""

import html as escapes
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

TAGS = ("b", "i", "code", "blockquote")
ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "#x27": "'", "#39": "'"}
TOKEN = re.compile(r"<(/?)(b|i|code|blockquote)>|&(amp|lt|gt|quot|#x27|#39);")


@dataclass(frozen=True)
class Span:
    """A run of text (unescaped) and the tags around it, the outermost first."""

    text: str
    tags: tuple[str, ...] = ()


def parse(text: str) -> list[Span]:
    """The spans of a reply's text."""
    spans: list[Span] = []
    tags: list[str] = []
    run: list[str] = []

    def close_run() -> None:
        joined = "".join(run)
        if joined:
            spans.append(Span(joined, tuple(tags)))
        run.clear()

    position = 0
    for token in TOKEN.finditer(text):
        run.append(text[position : token.start()])
        position = token.end()
        if token[3] is not None:
            run.append(ENTITIES[token[3]])
            continue
        closing, tag = token[1], token[2]
        if closing and tag not in tags:  # closes nothing: shown as written
            run.append(token[0])
            continue
        close_run()
        if not closing:
            tags.append(tag)
        else:  # closes it and whatever was left open inside it
            del tags[len(tags) - 1 - tags[::-1].index(tag) :]
    run.append(text[position:])
    close_run()
    return spans


def plain(spans: Iterable[Span]) -> str:
    """The text alone, for chats that show no formatting."""
    return "".join(span.text for span in spans)


def html(spans: Iterable[Span]) -> str:
    """Telegram's HTML for the spans: every tag closed, every text escaped."""
    out: list[str] = []
    open_tags: tuple[str, ...] = ()
    for span in spans:
        kept = 0
        while kept < min(len(open_tags), len(span.tags)) and open_tags[kept] == span.tags[kept]:
            kept += 1
        out.extend(f"</{tag}>" for tag in reversed(open_tags[kept:]))
        out.extend(f"<{tag}>" for tag in span.tags[kept:])
        out.append(escapes.escape(span.text, quote=False))
        open_tags = span.tags
    out.extend(f"</{tag}>" for tag in reversed(open_tags))
    return "".join(out)


def utf16(text: str) -> int:
    """Telegram's measure of a text: UTF-16 units (an emoji counts two)."""
    return len(text.encode("utf-16-le")) // 2


def split(spans: list[Span], limit: int, size: Callable[[str], int] = len) -> list[list[Span]]:
    """Pieces of at most `limit` (by `size`), cut at line ends (inside a huge line, anywhere).

    Pieces of only white space are left out, since no platform sends an empty message.
    """
    pieces: list[list[Span]] = []
    current: list[Span] = []
    used = 0
    for line in _lines(spans):
        length = sum(size(span.text) for span in line)
        if used + length > limit and current:
            pieces.append(current)
            current, used = [], 0
        while length > limit:
            head, line = _cut(line, limit, size)
            pieces.append(head)
            length = sum(size(span.text) for span in line)
        current.extend(line)
        used += length
    pieces.append(current)
    return [piece for piece in pieces if plain(piece).strip()]


def _lines(spans: list[Span]) -> Iterable[list[Span]]:
    """The spans line by line, each line with its line end."""
    line: list[Span] = []
    for span in spans:
        for part in span.text.splitlines(keepends=True):
            line.append(Span(part, span.tags))
            if part.endswith(("\n", "\r")):
                yield line
                line = []
    if line:
        yield line


def _cut(line: list[Span], limit: int, size: Callable[[str], int]) -> tuple[list[Span], list[Span]]:
    """The first `limit` of a line (by `size`), and the rest."""
    head: list[Span] = []
    room = limit
    for index, span in enumerate(line):
        if size(span.text) <= room:
            head.append(span)
            room -= size(span.text)
            continue
        characters = 0
        for character in span.text:
            room -= size(character)
            if room < 0:
                break
            characters += 1
        head.append(Span(span.text[:characters], span.tags))
        rest = [Span(span.text[characters:], span.tags), *line[index + 1 :]]
        return head, rest
    return head, []
