"""A local Telegram Bot API emulator: an aiohttp server on loopback plus an in-process test API.

The end-to-end tests, the benchmarks and ``sogopy demo`` point the real bot (python-telegram-bot
with ``base_url=emu.base_url``) at this server instead of api.telegram.org.  It speaks the same
wire format as Telegram (form-encoded, multipart or JSON requests; ``{"ok": ..., "result": ...}``
answers with Telegram's error codes and descriptions), so PTB raises its normal exceptions.

The test side plays the citizens: ``emu.user(42)`` returns an :class:`EmuUser` that can send
texts, photos, stickers, press inline buttons and wait (event-driven, never by sleeping) for
the bot's answers, which are kept as :class:`EmuMessage` objects and updated in place on edits.

Only private chats exist here: the chat id of a conversation is the user's id.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import json
import logging
import math
import re
import socket
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import Any, Literal, Self

import aiohttp
from aiohttp import web
from aiohttp.web_request import FileField

__all__ = ["BotApiEmulator", "EmuMessage", "EmuUser", "HtmlParseError", "parse_html"]

_LOG = logging.getLogger(__name__)

JSONDict = dict[str, Any]
BotActionCallback = Callable[[Literal["send", "edit"], "EmuMessage"], None]

# Telegram's limits (Bot API docs; lengths are counted after entity parsing).
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_INLINE_BUTTONS = 100

_QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
# A tiny but well-formed JPEG stand-in for photos that users "took" (no real image data needed).
_PLACEHOLDER_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


# --------------------------------------------------------------------------------------------
# HTML parse mode, following tdlib's parser (td/telegram/MessageEntity.cpp) and its messages.
# --------------------------------------------------------------------------------------------


class HtmlParseError(ValueError):
    """Raised for HTML Telegram would refuse; the message is Telegram's wording."""


_TAG_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_SPECIAL_RE = re.compile(r"[<&]")
_ENTITY_RE = re.compile(r"&(?:#[xX]([0-9a-fA-F]{1,8})|#([0-9]{1,10})|([a-zA-Z]+));?")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TRIM_CHARS = " \t\n\r\x0b\x0c"


def utf16_len(s: str) -> int:
    """Length of ``s`` in UTF-16 code units, the unit of Telegram's entity offsets."""
    if s.isascii():
        return len(s)
    return len(s.encode("utf-16-le")) // 2


def _byte_offset(src: str, index: int) -> int:
    return len(src[:index].encode())


def _decode_entity(src: str, i: int) -> tuple[str, int] | None:
    """Decode the HTML entity at ``src[i] == "&"``; None if it is not one Telegram knows."""
    m = _ENTITY_RE.match(src, i)
    if m is None:
        return None
    hex_code, dec_code, name = m.groups()
    if name is not None:
        char = _NAMED_ENTITIES.get(name)
        if char is None:
            return None
        return char, m.end()
    code = int(hex_code, 16) if hex_code is not None else int(dec_code)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), m.end()


@dataclass(slots=True)
class _OpenTag:
    tag: str
    arg: str
    start16: int
    out_index: int


def _parse_attributes(src: str, k: int, tag: str, begin: int) -> tuple[dict[str, str], int]:
    """Parse the attributes of a start tag; returns them and the index of the closing '>'."""
    n = len(src)
    attrs: dict[str, str] = {}

    def unclosed() -> HtmlParseError:
        return HtmlParseError(f"Unclosed start tag at byte offset {_byte_offset(src, begin)}")

    while True:
        while k < n and src[k].isspace():
            k += 1
        if k >= n:
            raise unclosed()
        if src[k] == ">":
            return attrs, k
        name_start = k
        while k < n and not src[k].isspace() and src[k] not in "=>":
            k += 1
        name = src[name_start:k].lower()
        if not name:
            raise HtmlParseError(
                f'Empty attribute name in the tag "{tag}" at byte offset {_byte_offset(src, begin)}'
            )
        while k < n and src[k].isspace():
            k += 1
        if k >= n:
            raise unclosed()
        if src[k] != "=":
            if tag == "blockquote" and name == "expandable":
                attrs[name] = ""
                continue
            raise HtmlParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                f"at byte offset {_byte_offset(src, begin)}"
            )
        k += 1
        while k < n and src[k].isspace():
            k += 1
        if k >= n:
            raise unclosed()
        quote = src[k]
        if quote in "\"'":
            k += 1
            buf: list[str] = []
            while k < n and src[k] != quote:
                if src[k] == "&" and (decoded := _decode_entity(src, k)) is not None:
                    buf.append(decoded[0])
                    k = decoded[1]
                    continue
                buf.append(src[k])
                k += 1
            if k >= n:
                raise unclosed()
            k += 1
            value = "".join(buf)
        else:
            value_start = k
            while k < n and (src[k].isalnum() or src[k] in ".-"):
                k += 1
            value = src[value_start:k].lower()
            if k >= n:
                raise unclosed()
            if not src[k].isspace() and src[k] != ">":
                raise HtmlParseError(
                    f"Unexpected end of name token at byte offset {_byte_offset(src, value_start)}"
                )
        attrs[name] = value


def _tag_argument(tag: str, attrs: dict[str, str], src: str, begin: int) -> str:
    """The one attribute each tag cares about (href, language, emoji id, expandable)."""
    if tag == "a":
        return attrs.get("href", "")
    if tag == "code":
        cls = attrs.get("class", "")
        return cls.removeprefix("language-") if cls.startswith("language-") else ""
    if tag == "span":
        if attrs.get("class") != "tg-spoiler":
            raise HtmlParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(src, begin)}'
            )
        return ""
    if tag == "tg-emoji":
        emoji_id = attrs.get("emoji-id", "")
        if not emoji_id.isdigit() or int(emoji_id) == 0:
            raise HtmlParseError("Invalid custom emoji identifier specified")
        return emoji_id
    if tag == "blockquote":
        return "expandable" if "expandable" in attrs else ""
    return ""


def _close_entity(open_tag: _OpenTag, end16: int, out: list[str], entities: list[JSONDict]) -> None:
    length = end16 - open_tag.start16
    if length <= 0:
        return
    tag = open_tag.tag
    entity: JSONDict = {"type": _TAG_TYPES[tag], "offset": open_tag.start16, "length": length}
    if tag == "a":
        url = open_tag.arg or "".join(out[open_tag.out_index :])
        if not url:
            return
        entity["url"] = url
    elif tag == "code" and open_tag.arg:
        entity["language"] = open_tag.arg
    elif tag == "pre":
        # <pre><code class="language-x">...</code></pre> is one pre entity with a language.
        if entities:
            last = entities[-1]
            if (
                last["type"] == "code"
                and last["offset"] == open_tag.start16
                and last["length"] == length
            ):
                entities.pop()
                if "language" in last:
                    entity["language"] = last["language"]
    elif tag == "tg-emoji":
        entity["custom_emoji_id"] = open_tag.arg
    elif tag == "blockquote" and open_tag.arg:
        entity["type"] = "expandable_blockquote"
    entities.append(entity)


def parse_html(src: str, *, strict: bool = True) -> tuple[str, list[JSONDict]]:
    """Parse Telegram-flavoured HTML into (plain text, entities with UTF-16 offsets).

    Mirrors tdlib, including its error messages.  With ``strict`` (the default) a ``&`` that
    does not start a known entity is an error, where Telegram would show it literally: an
    unescaped ``&`` almost always means user input was not passed through ``html.escape``.
    """
    out: list[str] = []
    pos16 = 0
    stack: list[_OpenTag] = []
    entities: list[JSONDict] = []
    i, n = 0, len(src)
    while i < n:
        m = _SPECIAL_RE.search(src, i)
        j = m.start() if m else n
        if j > i:
            chunk = src[i:j]
            out.append(chunk)
            pos16 += utf16_len(chunk)
            i = j
            if i >= n:
                break
        if src[i] == "&":
            decoded = _decode_entity(src, i)
            if decoded is None:
                if strict:
                    raise HtmlParseError(
                        f"Unsupported HTML entity at byte offset {_byte_offset(src, i)} "
                        '(the emulator is strict: escape "&" as &amp;)'
                    )
                out.append("&")
                pos16 += 1
                i += 1
                continue
            char, i = decoded
            out.append(char)
            pos16 += utf16_len(char)
            continue

        begin = i
        if i + 1 < n and src[i + 1] == "/":
            if not stack:
                raise HtmlParseError(
                    f"Unexpected end tag at byte offset {_byte_offset(src, begin)}"
                )
            k = i + 2
            while k < n and not src[k].isspace() and src[k] != ">":
                k += 1
            end_name = src[i + 2 : k].lower()
            while k < n and src[k].isspace():
                k += 1
            if k >= n or src[k] != ">":
                raise HtmlParseError(f"Unclosed end tag at byte offset {_byte_offset(src, begin)}")
            open_tag = stack.pop()
            if end_name and end_name != open_tag.tag:
                raise HtmlParseError(
                    f"Unmatched end tag at byte offset {_byte_offset(src, begin)}, "
                    f'expected "</{open_tag.tag}>", found "</{end_name}>"'
                )
            _close_entity(open_tag, pos16, out, entities)
            i = k + 1
            continue

        k = i + 1
        while k < n and not src[k].isspace() and src[k] != ">":
            k += 1
        if k >= n:
            raise HtmlParseError(f"Unclosed start tag at byte offset {_byte_offset(src, begin)}")
        tag = src[i + 1 : k].lower()
        if tag not in _TAG_TYPES:
            raise HtmlParseError(
                f'Unsupported start tag "{tag}" at byte offset {_byte_offset(src, begin)}'
            )
        attrs, k = _parse_attributes(src, k, tag, begin)
        stack.append(_OpenTag(tag, _tag_argument(tag, attrs, src, begin), pos16, len(out)))
        i = k + 1

    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _trim(text: str, entities: list[JSONDict]) -> tuple[str, list[JSONDict]]:
    """Strip surrounding whitespace like Telegram does, shifting and clipping the entities."""
    stripped = text.strip(_TRIM_CHARS)
    if stripped == text:
        return text, entities
    shift = len(text) - len(text.lstrip(_TRIM_CHARS))  # whitespace is 1 UTF-16 unit per char
    total = utf16_len(stripped)
    result: list[JSONDict] = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, total)
        if end > start:
            result.append({**entity, "offset": start, "length": end - start})
    return stripped, result


_COMMAND_RE = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_@])")


def _command_entities(text: str) -> list[JSONDict]:
    """The bot_command entities Telegram attaches to a user's text."""
    return [
        {"type": "bot_command", "offset": utf16_len(text[: m.start()]), "length": utf16_len(m[0])}
        for m in _COMMAND_RE.finditer(text)
    ]


# --------------------------------------------------------------------------------------------
# State objects
# --------------------------------------------------------------------------------------------


class _ApiError(Exception):
    """An error answer; turned into Telegram's JSON error object by the request handler."""

    def __init__(self, code: int, description: str, parameters: JSONDict | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


def _bad(message: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {message}")


@dataclass(eq=False)
class EmuMessage:
    """A message the bot sent into a chat, updated in place when the bot edits it.

    ``text`` is the plain text as Telegram returns it (entities removed; "" for photo
    messages), ``caption`` the plain caption of a photo, ``html`` the raw text or caption exactly
    as the bot sent it (HTML markup when ``parse_mode`` was HTML).  ``buttons`` holds the inline
    keyboard as rows of (label, callback_data); URL buttons have an empty callback_data.
    """

    message_id: int
    chat_id: int
    date: int
    text: str = ""
    html: str | None = None
    parse_mode: str | None = None
    entities: list[JSONDict] = field(default_factory=list)
    caption: str | None = None
    photo: str | None = None
    reply_markup: JSONDict | None = None
    buttons: list[list[tuple[str, str]]] = field(default_factory=list)
    edits: int = 0
    edit_date: int | None = None
    from_bot: bool = True
    reply_keyboard: JSONDict | None = field(default=None, repr=False)
    photo_sizes: list[JSONDict] = field(default_factory=list, repr=False)
    document: tuple[str, bytes] | None = field(default=None, repr=False)  # (file name, content)

    @property
    def button_labels(self) -> list[str]:
        """All inline button labels, row by row."""
        return [label for row in self.buttons for label, _ in row]

    @property
    def content(self) -> str:
        """Text or caption, whichever the message has; handy in predicates."""
        return self.text or self.caption or ""

    def describe(self) -> str:
        """One line for failure dumps."""
        kind = "photo" if self.photo is not None else "text"
        edited = f", edited {self.edits}x" if self.edits else ""
        body = self.content
        if len(body) > 300:
            body = body[:300] + "…"
        line = f"#{self.message_id} bot {kind}{edited}: {body!r}"
        if self.buttons:
            line += "  buttons: " + " / ".join(
                " | ".join(f"[{label}→{data}]" for label, data in row) for row in self.buttons
            )
        return line


@dataclass(slots=True)
class _Pending:
    update_id: int
    kind: str
    update: JSONDict
    protected: bool = False  # redelivered: survives one confirmation until handed out again
    posting: bool = False  # webhook mode: a delivery of it is under way
    not_before: float = 0.0  # webhook mode: when a failed delivery may be tried again
    attempts: int = 0  # webhook mode: deliveries that failed


@dataclass(slots=True)
class _Query:
    query_id: str
    user: EmuUser
    message_id: int
    data: str
    answer: JSONDict | None = None


@dataclass(slots=True)
class _File:
    file_id: str
    file_unique_id: str
    file_size: int
    file_path: str
    data: bytes | None


class EmuUser:
    """A citizen talking to the bot in a private chat; tests drive the conversation with it."""

    def __init__(
        self,
        emu: BotApiEmulator,
        user_id: int,
        first_name: str,
        last_name: str | None,
        username: str | None,
        language_code: str | None,
    ) -> None:
        self._emu = emu
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.started = False  # has written to the bot: only then can the bot reach the chat
        self.blocked = False
        self.chat_action: str | None = None  # last sendChatAction
        self.reply_keyboard: list[list[str]] | None = None  # current custom reply keyboard
        self._msgs: list[EmuMessage] = []  # bot messages, ordered by message_id
        self._by_id: dict[int, EmuMessage] = {}
        self._last_message_id = 0
        self._cursor = 0  # message_id of the last message handed out by next_message
        self._last_send: float | None = None  # for per_chat_interval
        self._send_tokens = 0.0  # the chat's bucket after the last send (per_chat_burst)
        self._waiters: list[asyncio.Future[None]] = []
        self._recent_in: deque[tuple[int, str]] = deque(maxlen=10)  # user's own, for dumps

        user: JSONDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        chat: JSONDict = {"id": user_id, "type": "private", "first_name": first_name}
        for key, value in (("last_name", last_name), ("username", username)):
            if value is not None:
                user[key] = value
                chat[key] = value
        if language_code is not None:
            user["language_code"] = language_code
        self.user_dict = user
        self.chat_dict = chat

    def __repr__(self) -> str:
        return f"EmuUser(id={self.id}, first_name={self.first_name!r})"

    # ---- what the citizen sees ------------------------------------------------------------

    @property
    def messages(self) -> list[EmuMessage]:
        """The bot's messages in this chat, oldest first, in their current (edited) state."""
        return list(self._msgs)

    @property
    def last_message(self) -> EmuMessage:
        """The newest bot message in this chat."""
        if not self._msgs:
            raise AssertionError(f"the bot has not sent anything to {self!r} yet")
        return self._msgs[-1]

    # ---- what the citizen does ------------------------------------------------------------

    async def send_text(self, text: str) -> JSONDict:
        """Write ``text`` to the bot; returns the queued Update."""
        content: JSONDict = {"text": text}
        entities = _command_entities(text)
        if entities:
            content["entities"] = entities
        return self._emu._user_message(self, content, text)

    async def send_photo(self, caption: str | None = None, data: bytes | None = None) -> JSONDict:
        """Send a photo (with a fresh file_id) and an optional caption; `data` is what
        the file's URL serves (a placeholder that is no real picture without it)."""
        content: JSONDict = {"photo": self._emu._new_photo(data)}
        if caption:
            content["caption"] = caption
        return self._emu._user_message(self, content, f"<photo> {caption or ''}")

    async def send_sticker(self, emoji: str = "👍") -> JSONDict:
        """Send a sticker, something the bot cannot use as feedback."""
        fid, uid = self._emu._new_file("sticker", "CAACAgIAAxkBAA", None, "stickers", "webp")
        sticker = {
            "file_id": fid,
            "file_unique_id": uid,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self._emu._user_message(self, {"sticker": sticker}, f"<sticker {emoji}>")

    async def send_voice(self, duration: int = 3) -> JSONDict:
        """Send a voice note."""
        fid, uid = self._emu._new_file("voice", "AwACAgIAAxkBAA", None, "voice", "oga")
        voice = {
            "file_id": fid,
            "file_unique_id": uid,
            "duration": duration,
            "mime_type": "audio/ogg",
        }
        return self._emu._user_message(self, {"voice": voice}, "<voice>")

    async def send_location(self, latitude: float, longitude: float) -> JSONDict:
        """Share a location."""
        location = {"latitude": latitude, "longitude": longitude}
        return self._emu._user_message(self, {"location": location}, "<location>")

    async def send_contact(self, phone_number: str = "+84901234567") -> JSONDict:
        """Share the user's own contact (as the "share phone" reply button does)."""
        contact = {"phone_number": phone_number, "first_name": self.first_name, "user_id": self.id}
        return self._emu._user_message(self, {"contact": contact}, f"<contact {phone_number}>")

    async def send_document(
        self, file_name: str = "don.pdf", mime_type: str = "application/pdf"
    ) -> JSONDict:
        """Send a document."""
        fid, uid = self._emu._new_file("document", "BQACAgIAAxkBAA", None, "documents", "pdf")
        document = {
            "file_id": fid,
            "file_unique_id": uid,
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(_PLACEHOLDER_JPEG),
        }
        return self._emu._user_message(self, {"document": document}, f"<document {file_name}>")

    async def press(self, message: EmuMessage | int, label_or_data: str) -> str:
        """Press an inline button; returns the callback query id.

        Matches, in this order: a label equal to the string, a callback_data equal to it, then a
        single label containing it (several containing it is an error: be more specific).
        """
        msg = self._lookup(message)
        flat = [(label, data) for row in msg.buttons for label, data in row]
        matches = [b for b in flat if b[0] == label_or_data] or [
            b for b in flat if b[1] and b[1] == label_or_data
        ]
        if not matches:
            matches = [b for b in flat if label_or_data in b[0]]
        if len(matches) != 1:
            problem = "no button matches" if not matches else "several buttons match"
            raise AssertionError(
                f"{problem} {label_or_data!r} in message #{msg.message_id} of {self!r}; "
                f"buttons: {flat}\n{self._dump()}"
            )
        label, data = matches[0]
        if not data:
            raise AssertionError(f"button {label!r} has no callback_data (a URL button?)")
        return self._emu._callback_query(self, msg.message_id, data)

    async def press_data(self, message_id: int, data: str) -> str:
        """Send a callback query with arbitrary (e.g. forged or stale) data."""
        return self._emu._callback_query(self, message_id, data)

    def block(self) -> None:
        """Block the bot: its sends and edits to this chat now get 403 Forbidden."""
        if not self.blocked:
            self.started = True
            self.blocked = True
            self._emu._chat_member_update(self, "member", "kicked")

    def unblock(self) -> None:
        """Unblock the bot (writing to the bot also does this, as in Telegram)."""
        if self.blocked:
            self.blocked = False
            self._emu._chat_member_update(self, "kicked", "member")

    # ---- waiting ------------------------------------------------------------------------

    async def next_message(self, timeout: float = 10.0) -> EmuMessage:  # noqa: ASYNC109
        """The next bot message in this chat not yet returned by next_message/wait_for."""

        def check() -> EmuMessage | None:
            index = bisect.bisect_right(self._msgs, self._cursor, key=_message_id)
            if index < len(self._msgs):
                msg = self._msgs[index]
                self._cursor = msg.message_id
                return msg
            return None

        return await self._wait(check, timeout, "the next bot message")

    async def wait_for(
        self,
        predicate: Callable[[EmuMessage], bool],
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> EmuMessage:
        """Wait until some bot message here (sent or edited, newest first) satisfies predicate.

        Messages already present count, so a fast bot cannot make the test miss its answer.
        The next_message cursor moves past the returned message.
        """

        def check() -> EmuMessage | None:
            for msg in reversed(self._msgs):
                if predicate(msg):
                    self._cursor = max(self._cursor, msg.message_id)
                    return msg
            return None

        what = f"a bot message matching {getattr(predicate, '__name__', predicate)}"
        return await self._wait(check, timeout, what)

    async def callback_answer(self, query_id: str, timeout: float = 10.0) -> JSONDict:  # noqa: ASYNC109
        """Wait until the bot answered callback query ``query_id``; {"text", "show_alert"}."""
        query = self._emu._queries.get(query_id)
        if query is None:
            raise AssertionError(f"unknown callback query id {query_id!r}")
        return await self._wait(
            lambda: query.answer, timeout, f"the answer to callback query {query_id}"
        )

    async def _wait(self, check: Callable[[], Any], seconds: float, what: str) -> Any:
        """Re-run ``check`` whenever the bot acts in this chat, until it returns non-None."""
        result = check()
        if result is not None:
            return result
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"timed out after {seconds:g} s waiting for {what} in the chat with "
                    f"{self!r}\n{self._dump()}"
                )
            fut: asyncio.Future[None] = loop.create_future()
            self._waiters.append(fut)
            try:
                async with asyncio.timeout(remaining):
                    await fut
            except TimeoutError:
                pass
            finally:
                _forget(self._waiters, fut)
            result = check()
            if result is not None:
                return result

    def _notify(self) -> None:
        waiters, self._waiters = self._waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)

    # ---- helpers ------------------------------------------------------------------------

    def _lookup(self, message: EmuMessage | int) -> EmuMessage:
        message_id = message if isinstance(message, int) else message.message_id
        if not isinstance(message, int) and message.chat_id != self.id:
            raise AssertionError(f"message #{message_id} belongs to chat {message.chat_id}")
        msg = self._by_id.get(message_id)
        if msg is None:
            raise AssertionError(f"no bot message #{message_id} in the chat with {self!r}")
        return msg

    def _next_message_id(self) -> int:
        self._last_message_id += 1
        return self._last_message_id

    def _dump(self, last: int = 10) -> str:
        """A readable tail of the conversation plus recent API errors, for failing tests."""
        lines = [(m.message_id, "  ← " + m.describe()) for m in self._msgs[-last:]] + [
            (mid, f"  → #{mid} user: {summary!r}") for mid, summary in self._recent_in
        ]
        lines.sort()
        out = [f"Chat with {self!r} (started={self.started}, blocked={self.blocked}):"]
        out += [line for _, line in lines[-last:]] or ["  (no messages)"]
        out.append(f"  next_message cursor is after #{self._cursor}")
        errors = [e for e in self._emu.errors if e.get("chat_id") == self.id][-5:]
        if errors:
            out.append("Recent Bot API errors for this chat:")
            out += [f"  {e['method']} → {e['error_code']} {e['description']}" for e in errors]
        out.append(f"Updates not yet confirmed by the bot: {self._emu.updates_pending}")
        return "\n".join(out)


def _message_id(msg: EmuMessage) -> int:
    return msg.message_id


# --------------------------------------------------------------------------------------------
# Parameter decoding: PTB sends strings raw and everything else JSON-encoded.
# --------------------------------------------------------------------------------------------

_INT_PARAMS = frozenset(
    {
        "chat_id",
        "message_id",
        "offset",
        "limit",
        "cache_time",
        "user_id",
        "message_thread_id",
        "max_connections",
    }
)
_NUMBER_PARAMS = frozenset({"timeout"})
_BOOL_PARAMS = frozenset(
    {
        "show_alert",
        "drop_pending_updates",
        "disable_notification",
        "protect_content",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "has_spoiler",
        "show_caption_above_media",
        "allow_paid_broadcast",
    }
)
_JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "allowed_updates",
        "entities",
        "caption_entities",
        "link_preview_options",
        "commands",
        "scope",
        "reply_parameters",
    }
)


def _coerce(params: JSONDict) -> JSONDict:
    """Turn form strings into the types Telegram would parse them as."""
    for key, value in params.items():
        if not isinstance(value, str):
            continue
        if key in _INT_PARAMS:
            try:
                params[key] = int(value)
            except ValueError:
                if key != "chat_id":  # "@username" chat ids stay strings
                    raise _bad(f"invalid {key} specified") from None
        elif key in _NUMBER_PARAMS:
            try:
                params[key] = float(value)
            except ValueError:
                raise _bad(f"invalid {key} specified") from None
        elif key in _BOOL_PARAMS:
            params[key] = value.lower() in ("true", "1")
        elif key in _JSON_PARAMS:
            try:
                params[key] = json.loads(value)
            except ValueError:
                what = "reply keyboard markup" if key == "reply_markup" else key
                raise _bad(f"can't parse {what} JSON object") from None
    return params


@dataclass(slots=True)
class _Upload:
    name: str
    filename: str | None
    data: bytes

    def __repr__(self) -> str:
        return f"<upload {self.filename or self.name}: {len(self.data)} bytes>"


MethodHandler = Callable[[JSONDict, dict[str, _Upload]], Awaitable[Any]]  # one Bot API method

# --------------------------------------------------------------------------------------------
# The emulator
# --------------------------------------------------------------------------------------------


class BotApiEmulator:
    """A Telegram Bot API server on loopback for one bot, with an in-process test API.

    Rate limits are off by default.  ``global_rate`` caps send/edit calls per sliding second;
    ``per_chat_interval`` is the time one send to a chat takes to be allowed again, and
    ``per_chat_burst`` how many may go at once after a pause (a token bucket: 1 by default,
    strictly one send per interval).  Exceeding either answers 429 with ``retry_after`` like
    Telegram and increments :attr:`throttled`; :attr:`throttled_chats` counts them per chat.

    After ``setWebhook`` updates are POSTed to the bot's URL instead of waiting for
    getUpdates, as Telegram does: with the ``X-Telegram-Bot-Api-Secret-Token`` header, on
    several connections at once (so one chat's updates may arrive out of order), each
    kept and tried again after a growing delay until the bot answers 2xx
    (:attr:`webhook_failures` counts the other answers, :attr:`webhook_posts` every POST).
    With :attr:`webhook_spread` set to several URLs, each POST goes to the next of them
    instead of the webhook's URL, as a reverse proxy in front of several processes would.
    A 2xx answer may carry a method call (`{"method": "answerCallbackQuery", ...}`), which
    is performed as Telegram does (:attr:`webhook_methods` counts them).

    ``record_calls=False`` (benchmarks) disables the :attr:`calls` log and, unless
    ``history_limit`` says otherwise, keeps only the last 100 bot messages per chat.
    ``strict_html=False`` shows a stray ``&`` literally, as Telegram does, instead of failing.

    Bookkeeping for assertions: :attr:`calls` (method, decoded params), :attr:`method_counts`
    (every call, failed ones included), :attr:`throttled`, :attr:`errors` (the last 500 error
    answers), :attr:`polling` (long polls waiting now) and :attr:`commands`.
    """

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "sogopy_test_bot",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        global_rate: float | None = None,
        per_chat_interval: float | None = None,
        per_chat_burst: int = 1,
        record_calls: bool = True,
        history_limit: int | None = None,
        bot_first_name: str = "Sổ góp ý",
        strict_html: bool = True,
    ) -> None:
        self._token = token
        self._host = host
        self._requested_port = port
        self._port: int | None = None
        self.global_rate = global_rate
        self.per_chat_interval = per_chat_interval
        self.per_chat_burst = per_chat_burst
        self.record_calls = record_calls
        self.history_limit = history_limit if history_limit or record_calls else 100
        self.strict_html = strict_html
        bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 1
        self.bot_user: JSONDict = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self._from_bot: JSONDict = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }

        self.calls: list[tuple[str, JSONDict]] = []
        self.method_counts: Counter[str] = Counter()
        self.throttled = 0
        self.throttled_chats: Counter[int] = Counter()
        self.errors: deque[JSONDict] = deque(maxlen=500)
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}
        self.faults: dict[str, int] = {}  # method -> the HTTP error it answers (see fail())
        # method -> seconds it takes to answer: a Telegram far away ("*": every method)
        self.latency: dict[str, float] = {}
        self.bot_settings: dict[str, Any] = {}

        self._users: dict[int, EmuUser] = {}
        self._pending: deque[_Pending] = deque()
        self._update_seq = 0
        self._allowed_updates: set[str] | None = None
        self._poll_generation = 0
        self._poll_waiters: list[asyncio.Future[None]] = []
        self._queries: dict[str, _Query] = {}
        self._query_seq = itertools.count(1)
        self._files: dict[str, _File] = {}
        self._files_by_path: dict[str, _File] = {}
        self._photos: dict[str, list[JSONDict]] = {}  # any size's file_id -> all sizes
        self._file_seq = itertools.count(1)
        self._global_window: deque[float] = deque()
        self._action_callbacks: list[BotActionCallback] = []
        self._inflight = 0
        self.polling = 0  # getUpdates requests currently long-polling
        self._last_activity = time.monotonic()
        self._state_waiters: list[asyncio.Future[None]] = []
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._raw_answers: dict[str, deque[str]] = {}  # method -> bodies answered with 200
        self.webhook: JSONDict | None = None  # setWebhook's url, secret_token, max_connections
        self.webhook_retry = 0.05  # seconds before a failed delivery's first retry (doubling)
        self.webhook_failures = 0
        self.webhook_posts: Counter[int] = Counter()  # update id -> POSTs made
        self.webhook_methods: Counter[str] = Counter()  # performed from webhook answers
        self.webhook_spread: list[str] = []  # URLs taking the POSTs in turn (see the class)
        self._spread_turn = itertools.count()
        self._webhook_tasks: list[asyncio.Task[None]] = []
        self._webhook_session: aiohttp.ClientSession | None = None

        self._methods: dict[str, tuple[str, MethodHandler]] = {}
        for name, handler in (
            ("getMe", self._get_me),
            ("getUpdates", self._get_updates),
            ("setWebhook", self._set_webhook),
            ("deleteWebhook", self._delete_webhook),
            ("getWebhookInfo", self._get_webhook_info),
            ("setMyCommands", self._set_my_commands),
            ("getMyCommands", self._get_my_commands),
            ("deleteMyCommands", self._delete_my_commands),
            ("setMyDescription", self._set_bot_setting("description")),
            ("setMyShortDescription", self._set_bot_setting("short_description")),
            ("setMyName", self._set_bot_setting("name")),
            ("sendMessage", self._send_message),
            ("sendPhoto", self._send_photo),
            ("sendDocument", self._send_document),
            ("editMessageText", self._edit_message_text),
            ("editMessageCaption", self._edit_message_caption),
            ("editMessageReplyMarkup", self._edit_message_reply_markup),
            ("deleteMessage", self._delete_message),
            ("answerCallbackQuery", self._answer_callback_query),
            ("sendChatAction", self._send_chat_action),
            ("getChat", self._get_chat),
            ("getFile", self._get_file),
        ):
            self._methods[name.lower()] = (name, handler)

    # ---- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        """Bind the loopback socket and start serving."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, self._requested_port))
        self._port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        self._closing = False

    async def stop(self) -> None:
        """Answer pending long polls and shut the server down."""
        self._closing = True
        _wake(self._poll_waiters)
        await self._stop_webhook()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        """The bound TCP port (known after start)."""
        if self._port is None:
            raise RuntimeError("the emulator is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """Pass as python-telegram-bot's ``base_url`` (PTB appends the token)."""
        return f"http://{self._host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """Pass as python-telegram-bot's ``base_file_url``."""
        return f"http://{self._host}:{self.port}/file/bot"

    @property
    def token(self) -> str:
        """The one token this server accepts."""
        return self._token

    # ---- test-side API ------------------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str = "An",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "vi",
    ) -> EmuUser:
        """The citizen with this id (created on first use; later calls return the same one)."""
        found = self._users.get(user_id)
        if found is None:
            found = EmuUser(self, user_id, first_name, last_name, username, language_code)
            self._users[user_id] = found
        return found

    @property
    def users(self) -> dict[int, EmuUser]:
        """All citizens created so far, by id."""
        return dict(self._users)

    @property
    def updates_pending(self) -> int:
        """Updates queued and not yet confirmed by a getUpdates offset."""
        return len(self._pending)

    def redeliver(self, update: JSONDict) -> None:
        """Queue ``update`` again with its update_id, as Telegram does for unconfirmed ones.

        It is handed out by the next getUpdates even if its id is below the confirmed offset.
        """
        update_id = update["update_id"]
        kind = next(key for key in update if key != "update_id")
        for entry in self._pending:
            if entry.update_id == update_id:
                entry.protected = True
                break
        else:
            index = 0
            for index, entry in enumerate(self._pending):  # noqa: B007
                if entry.update_id > update_id:
                    break
            else:
                index = len(self._pending)
            self._pending.insert(index, _Pending(update_id, kind, update, protected=True))
        self._touch()
        _wake(self._poll_waiters)

    # ---- faults: what a hostile network or client may send -------------------------------

    def inject_raw_update(self, payload: JSONDict) -> JSONDict:
        """Queue ``payload`` exactly as given (malformed too) under the next update_id.

        ``{"message": {...}}`` becomes ``{"update_id": N, "message": {...}}``; its first key is
        the update's kind for ``allowed_updates``.
        """
        return self._enqueue(next(iter(payload), "message"), payload)

    def answer_raw(self, method: str, body: str, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with HTTP 200 and ``body`` as is, the
        way a proxy's HTML page or a broken gateway would; the call has no other effect."""
        name = self._methods[method.lower()][0]
        self._raw_answers.setdefault(name, deque()).extend([body] * times)

    @property
    def raw_answers_left(self) -> int:
        """Raw answers still to give (0 once the bot went through every fault)."""
        return sum(len(bodies) for bodies in self._raw_answers.values())

    def menu(self, chat_id: int | None = None, language: str = "") -> list[str] | None:
        """The command names the bot set for one chat (`BotCommandScopeChat`), or for every
        chat (the default scope) without `chat_id`; None when no menu is set there."""
        scope: JSONDict = {"type": "default"}
        if chat_id is not None:
            scope = {"type": "chat", "chat_id": chat_id}
        commands = self.commands.get(
            self._commands_key({"scope": scope, "language_code": language})
        )
        return None if commands is None else [str(c["command"]) for c in commands]

    def fail(self, *methods: str, status: int = 502) -> None:
        """Answer these methods with an HTTP error (Telegram's 5xx in an outage) until heal()."""
        for method in methods:
            self.faults[method] = status

    def heal(self) -> None:
        """The outage is over: every method answers normally again."""
        self.faults.clear()

    def reset_counters(self) -> None:
        """Forget the call log, method counts, throttling count and errors."""
        self.calls.clear()
        self.method_counts.clear()
        self.webhook_methods.clear()
        self.throttled = 0
        self.throttled_chats.clear()
        self.errors.clear()

    def on_bot_action(self, callback: BotActionCallback) -> Callable[[], None]:
        """Call ``callback(kind, message)`` on every bot send/edit; returns an unsubscriber."""
        self._action_callbacks.append(callback)
        return lambda: self._action_callbacks.remove(callback)

    async def wait_idle(self, timeout: float = 10.0, quiet: float = 0.05) -> None:  # noqa: ASYNC109
        """Wait until all updates are confirmed, no request is running and nothing happened for
        ``quiet`` seconds (a heuristic for "the bot has finished reacting")."""

        def check() -> float | None:
            """0 when idle and quiet, else how long to wait at most before checking again."""
            if self._pending or self._inflight:
                return None
            still = quiet - (time.monotonic() - self._last_activity)
            return 0.0 if still <= 0 else still

        await self._wait_state(
            check,
            timeout,
            lambda: (
                f"emulator not idle after {timeout:g} s: {len(self._pending)} updates "
                f"pending, {self._inflight} requests in flight"
            ),
        )

    async def wait_polling(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until a getUpdates long poll is waiting (the bot is up and listening)."""
        await self._wait_state(
            lambda: 0.0 if self.polling else None,
            timeout,
            lambda: f"no getUpdates long poll within {timeout:g} s",
        )

    async def _wait_state(
        self, check: Callable[[], float | None], seconds: float, failure: Callable[[], str]
    ) -> None:
        """Wait, woken by every emulator activity, until ``check()`` returns 0.

        ``check`` returns None (not yet), 0 (done) or a positive delay after which it should be
        asked again even without activity (for quiet periods).
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while True:
            state = check()
            if state == 0:
                return
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(failure())
            wait = remaining if state is None else min(remaining, state)
            fut: asyncio.Future[None] = loop.create_future()
            self._state_waiters.append(fut)
            try:
                async with asyncio.timeout(wait):
                    await fut
            except TimeoutError:
                pass
            finally:
                _forget(self._state_waiters, fut)

    # ---- producing updates --------------------------------------------------------------

    def _touch(self) -> None:
        self._last_activity = time.monotonic()
        if self._state_waiters:
            _wake(self._state_waiters)

    def _queue(self, kind: str, payload: JSONDict) -> JSONDict:
        return self._enqueue(kind, {kind: payload})

    def _enqueue(self, kind: str, body: JSONDict) -> JSONDict:
        self._update_seq += 1
        update = {"update_id": self._update_seq, **body}
        self._pending.append(_Pending(self._update_seq, kind, update))
        self._touch()
        _wake(self._poll_waiters)
        return update

    def _user_message(self, user: EmuUser, content: JSONDict, summary: str) -> JSONDict:
        if user.blocked:
            user.unblock()
        user.started = True
        message_id = user._next_message_id()
        user._recent_in.append((message_id, summary))
        message = {
            "message_id": message_id,
            "from": user.user_dict,
            "chat": user.chat_dict,
            "date": int(time.time()),
            **content,
        }
        return self._queue("message", message)

    def _callback_query(self, user: EmuUser, message_id: int, data: str) -> str:
        query_id = str(4_410_000_000_000_000_000 + next(self._query_seq))
        msg = user._by_id.get(message_id)
        if msg is not None:
            message = self._message_dict(msg)
        else:  # Telegram's InaccessibleMessage
            message = {"chat": user.chat_dict, "message_id": message_id, "date": 0}
        self._queries[query_id] = _Query(query_id, user, message_id, data)
        self._queue(
            "callback_query",
            {
                "id": query_id,
                "from": user.user_dict,
                "message": message,
                "chat_instance": str(-(8_000_000_000_000_000_000 + user.id)),
                "data": data,
            },
        )
        return query_id

    def _chat_member_update(self, user: EmuUser, old: str, new: str) -> None:
        def member(status: str) -> JSONDict:
            result: JSONDict = {"user": self._from_bot, "status": status}
            if status == "kicked":
                result["until_date"] = 0
            return result

        self._queue(
            "my_chat_member",
            {
                "chat": user.chat_dict,
                "from": user.user_dict,
                "date": int(time.time()),
                "old_chat_member": member(old),
                "new_chat_member": member(new),
            },
        )

    def _new_file(
        self, kind: str, prefix: str, data: bytes | None, folder: str, ext: str
    ) -> tuple[str, str]:
        n = next(self._file_seq)
        file_id = f"{prefix}{n:08d}{kind[:2].upper()}"
        unique_id = f"AQAD{n:08d}"
        path = f"{folder}/file_{n}.{ext}"
        record = _File(file_id, unique_id, len(data or _PLACEHOLDER_JPEG), path, data)
        self._files[file_id] = record
        self._files_by_path[path] = record
        return file_id, unique_id

    def _new_photo(self, data: bytes | None) -> list[JSONDict]:
        """PhotoSize objects (three sizes, each its own file) for a new photo."""
        sizes = []
        for width, height in ((90, 67), (320, 240), (1280, 960)):
            fid, uid = self._new_file("photo", "AgACAgIAAxkBAA", data, "photos", "jpg")
            size = len(data) if data else width * height // 10
            sizes.append(
                {
                    "file_id": fid,
                    "file_unique_id": uid,
                    "file_size": size,
                    "width": width,
                    "height": height,
                }
            )
        for size in sizes:
            self._photos[size["file_id"]] = sizes
        return sizes

    # ---- HTTP plumbing ------------------------------------------------------------------

    async def _read_params(self, request: web.Request) -> tuple[JSONDict, dict[str, _Upload]]:
        params: JSONDict = dict(request.query)
        uploads: dict[str, _Upload] = {}
        ctype = request.content_type
        if ctype == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise _bad("can't parse JSON object") from None
            if not isinstance(body, dict):
                raise _bad("JSON object expected")
            params.update(body)
        elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, FileField):
                    uploads[key] = _Upload(key, value.filename, value.file.read())
                else:
                    params[key] = value
        return _coerce(params), uploads

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self._token:
            return _json_response(
                401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
            )
        entry = self._methods.get(request.match_info["method"].lower())
        if entry is None:
            return _json_response(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        name, handler = entry
        raw = self._raw_answers.get(name)
        if raw:
            self.method_counts[name] += 1
            body = raw.popleft()
            self._touch()
            return web.Response(status=200, text=body, content_type="text/html")
        long_poll = name == "getUpdates"
        if not long_poll:
            self._inflight += 1
            self._touch()
        params: JSONDict = {}
        try:
            params, uploads = await self._read_params(request)
            result = await self._perform(name, handler, params, uploads)
        except _ApiError as exc:
            body: JSONDict = {
                "ok": False,
                "error_code": exc.code,
                "description": exc.description,
            }
            if exc.parameters:
                body["parameters"] = exc.parameters
            self._keep_error(name, params, exc)
            return _json_response(exc.code, body)
        finally:
            if not long_poll:
                self._inflight -= 1
                self._touch()
        return _json_response(200, {"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self._token:
            return web.Response(status=401, text="Unauthorized")
        record = self._files_by_path.get(request.match_info["path"])
        if record is None:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=record.data or _PLACEHOLDER_JPEG)

    # ---- shared checks ------------------------------------------------------------------

    def _chat(self, params: JSONDict) -> EmuUser:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _bad("chat_id is empty")
        user = self._users.get(chat_id) if isinstance(chat_id, int) else None
        if user is None or not user.started:
            raise _bad("chat not found")
        return user

    def _writable_chat(self, params: JSONDict) -> EmuUser:
        user = self._chat(params)
        if user.blocked:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")
        return user

    def _check_rate(self, user: EmuUser, send: bool) -> None:
        now = time.monotonic()
        if self.global_rate is not None:
            window = self._global_window
            while window and window[0] <= now - 1.0:
                window.popleft()
            if len(window) >= self.global_rate:
                self._throttle(window[0] + 1.0 - now)
        if send and self.per_chat_interval is not None and user._last_send is not None:
            tokens = self._chat_tokens(user, now)
            if tokens < 1:
                self.throttled_chats[user.id] += 1
                self._throttle((1 - tokens) * self.per_chat_interval)

    def _chat_tokens(self, user: EmuUser, now: float) -> float:
        """Sends the chat's bucket holds now: refilled one per interval, up to the burst."""
        if user._last_send is None or self.per_chat_interval is None:
            return float(self.per_chat_burst)
        refill = (now - user._last_send) / self.per_chat_interval
        return min(float(self.per_chat_burst), user._send_tokens + refill)

    def _throttle(self, seconds: float) -> None:
        self.throttled += 1
        retry = max(1, math.ceil(seconds))
        raise _ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})

    def _note_rate(self, user: EmuUser, send: bool) -> None:
        now = time.monotonic()
        if self.global_rate is not None:
            self._global_window.append(now)
        if send and self.per_chat_interval is not None:  # else the bucket stays full
            user._send_tokens = self._chat_tokens(user, now) - 1
            user._last_send = now

    def _format(self, raw: str, parse_mode: Any, entities: Any) -> tuple[str, list[JSONDict]]:
        """Plain text and entities for raw text as the bot sent it."""
        if entities is not None:
            if not isinstance(entities, list) or not all(isinstance(e, dict) for e in entities):
                raise _bad("can't parse entities JSON object")
            return _trim(raw, [dict(e) for e in entities])
        if parse_mode:
            mode = str(parse_mode).lower()
            if mode == "html":
                try:
                    text, found = parse_html(raw, strict=self.strict_html)
                except HtmlParseError as exc:
                    raise _bad(f"can't parse entities: {exc}") from None
                return _trim(text, found)
            if mode in ("markdown", "markdownv2"):
                raise _bad("the emulator supports only parse_mode HTML")
            raise _bad("unsupported parse_mode")
        return _trim(raw, [])

    def _markup(
        self, value: Any, *, inline_only: bool = False
    ) -> tuple[JSONDict | None, list[list[tuple[str, str]]], JSONDict | None]:
        """Validate reply_markup; returns (inline markup, button rows, other keyboard)."""
        if value is None:
            return None, [], None
        if not isinstance(value, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in value:
            if inline_only:
                raise _bad("inline keyboard expected")
            if not any(k in value for k in ("keyboard", "remove_keyboard", "force_reply")):
                raise _bad("can't parse reply keyboard markup JSON object")
            return None, [], value
        keyboard = value["inline_keyboard"]
        if not isinstance(keyboard, list) or not all(isinstance(row, list) for row in keyboard):
            raise _bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
        rows: list[list[tuple[str, str]]] = []
        count = 0
        for row in keyboard:
            out_row = []
            for button in row:
                count += 1
                if not isinstance(button, dict):
                    raise _bad("can't parse inline keyboard button: object expected")
                label = button.get("text")
                if not isinstance(label, str) or not label.strip():
                    raise _bad("BUTTON_TEXT_INVALID")
                data = button.get("callback_data")
                if data is not None:
                    if (
                        not isinstance(data, str)
                        or not data
                        or len(data.encode()) > MAX_CALLBACK_DATA_BYTES
                    ):
                        raise _bad("BUTTON_DATA_INVALID")
                elif "url" in button:
                    url = button["url"]
                    if not isinstance(url, str) or not re.match(r"(https?|tg)://\S", url):
                        raise _bad("BUTTON_URL_INVALID")
                elif not any(
                    k in button
                    for k in ("web_app", "login_url", "switch_inline_query", "copy_text", "pay")
                ):
                    raise _bad("text buttons are unallowed in the inline keyboard")
                out_row.append((label, data or ""))
            rows.append(out_row)
        if count > MAX_INLINE_BUTTONS:
            raise _bad("reply markup is too long")
        if not count:
            return None, [], None
        return value, rows, None

    def _message_dict(self, msg: EmuMessage) -> JSONDict:
        """The Message object Telegram would return for a bot message (a fresh snapshot)."""
        result: JSONDict = {
            "message_id": msg.message_id,
            "from": self._from_bot,
            "chat": self._users[msg.chat_id].chat_dict,
            "date": msg.date,
        }
        if msg.edit_date is not None:
            result["edit_date"] = msg.edit_date
        if msg.document is not None:
            name, data = msg.document
            result["document"] = {
                "file_id": f"BQACAgIAAxkBAA{msg.message_id:08d}DO",
                "file_unique_id": f"AgAD{msg.message_id:08d}",
                "file_name": name,
                "file_size": len(data),
            }
        elif msg.photo is not None:
            result["photo"] = msg.photo_sizes
            if msg.caption:
                result["caption"] = msg.caption
                if msg.entities:
                    result["caption_entities"] = msg.entities
        else:
            result["text"] = msg.text
            if msg.entities:
                result["entities"] = msg.entities
        if msg.reply_markup is not None:
            result["reply_markup"] = msg.reply_markup
        return result

    def _store(self, user: EmuUser, msg: EmuMessage) -> None:
        user._msgs.append(msg)
        user._by_id[msg.message_id] = msg
        if msg.reply_keyboard is not None:
            keyboard = msg.reply_keyboard.get("keyboard")
            if keyboard is not None:
                user.reply_keyboard = [
                    [b if isinstance(b, str) else str(b.get("text", "")) for b in row]
                    for row in keyboard
                ]
            elif msg.reply_keyboard.get("remove_keyboard"):
                user.reply_keyboard = None
        limit = self.history_limit
        if limit and len(user._msgs) > 2 * limit:
            for old in user._msgs[:-limit]:
                user._by_id.pop(old.message_id, None)
            del user._msgs[:-limit]
        self._bot_acted(user, "send", msg)

    def _bot_acted(self, user: EmuUser, kind: Literal["send", "edit"], msg: EmuMessage) -> None:
        user._notify()
        for callback in list(self._action_callbacks):
            try:
                callback(kind, msg)
            except Exception:
                _LOG.exception("on_bot_action callback failed")

    def _editable(self, user: EmuUser, params: JSONDict) -> EmuMessage:
        if "inline_message_id" in params:
            raise _bad("the emulator does not support inline messages")
        message_id = params.get("message_id")
        if not isinstance(message_id, int):
            raise _bad("message identifier is not specified")
        msg = user._by_id.get(message_id)
        if msg is None:
            if any(mid == message_id for mid, _ in user._recent_in):  # the user's own message
                raise _bad("message can't be edited")
            raise _bad("message to edit not found")
        return msg

    def _apply_edit(self, user: EmuUser, msg: EmuMessage) -> JSONDict:
        msg.edits += 1
        msg.edit_date = int(time.time())
        self._note_rate(user, send=False)
        self._bot_acted(user, "edit", msg)
        return self._message_dict(msg)

    # ---- Bot API methods ----------------------------------------------------------------

    async def _get_me(self, params: JSONDict, uploads: dict[str, _Upload]) -> JSONDict:
        return self.bot_user

    async def _get_updates(self, params: JSONDict, uploads: dict[str, _Upload]) -> list[JSONDict]:
        offset = params.get("offset")
        limit = params.get("limit", 100)
        timeout = params.get("timeout", 0) or 0
        if not isinstance(limit, int) or not 1 <= limit <= 100:
            limit = 100
        allowed = params.get("allowed_updates")
        if allowed is not None:
            if not isinstance(allowed, list):
                raise _bad("can't parse allowed_updates JSON object")
            self._allowed_updates = {str(a) for a in allowed} or None
        if self.webhook is not None:
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        if self._closing:
            return []
        self._confirm(offset)
        self._poll_generation += 1
        generation = self._poll_generation
        _wake(self._poll_waiters)  # a previous long poll now ends with 409 Conflict
        result = self._collect(limit)
        if result or timeout <= 0:
            return result
        loop = asyncio.get_running_loop()
        deadline = loop.time() + float(timeout)
        self.polling += 1
        self._touch()
        try:
            while True:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return []
                fut: asyncio.Future[None] = loop.create_future()
                self._poll_waiters.append(fut)
                try:
                    async with asyncio.timeout(remaining):
                        await fut
                except TimeoutError:
                    pass
                finally:
                    _forget(self._poll_waiters, fut)
                if self._poll_generation != generation:
                    raise _ApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; make sure that only "
                        "one bot instance is running",
                    )
                if self._closing:
                    return []
                result = self._collect(limit)
                if result:
                    return result
        finally:
            self.polling -= 1
            self._touch()

    def _confirm(self, offset: Any) -> None:
        """Drop updates confirmed by ``offset`` (Telegram semantics, negative included)."""
        if not isinstance(offset, int) or offset == 0:
            return
        pending = self._pending
        if offset < 0:
            while len(pending) > -offset:
                pending.popleft()
        else:
            kept = []
            while pending and pending[0].update_id < offset:
                entry = pending.popleft()
                if entry.protected:
                    kept.append(entry)
            pending.extendleft(reversed(kept))
        self._touch()

    def _collect(self, limit: int) -> list[JSONDict]:
        allowed = self._allowed_updates
        result: list[JSONDict] = []
        dropped = False
        for entry in self._pending:
            if allowed is not None and entry.kind not in allowed:
                dropped = True
                continue
            entry.protected = False
            result.append(entry.update)
            if len(result) >= limit:
                break
        if dropped and allowed is not None:  # types the bot did not ask for: never delivered
            self._pending = deque(e for e in self._pending if e.kind in allowed)
        return result

    async def _set_webhook(self, params: JSONDict, uploads: dict[str, _Upload]) -> bool:
        url = params.get("url")
        if not url:
            return await self._delete_webhook(params, uploads)
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise _bad("bad webhook: secret token contains unallowed characters")
        connections = params.get("max_connections", 40)
        if not isinstance(connections, int) or not 1 <= connections <= 100:
            raise _bad("bad webhook: max_connections must be between 1 and 100")
        allowed = params.get("allowed_updates")
        if allowed is not None:
            self._allowed_updates = {str(a) for a in allowed} or None
        if params.get("drop_pending_updates"):
            self._pending.clear()
        webhook = {"url": url, "secret_token": secret, "max_connections": connections}
        if webhook == self.webhook:
            return True  # several processes set the same webhook: deliveries go on
        await self._stop_webhook()
        self.webhook = webhook
        self._webhook_session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=connections),
            timeout=aiohttp.ClientTimeout(total=60),
        )
        self._webhook_tasks = [
            asyncio.create_task(self._post_updates(self._webhook_session))
            for _ in range(connections)
        ]
        _wake(self._poll_waiters)  # a long poll waiting now ends (409 on its next call)
        self._touch()
        return True

    async def _delete_webhook(self, params: JSONDict, uploads: dict[str, _Upload]) -> bool:
        await self._stop_webhook()
        if params.get("drop_pending_updates"):
            self._pending.clear()
            self._touch()
        return True

    async def _stop_webhook(self) -> None:
        self.webhook = None
        tasks, self._webhook_tasks = self._webhook_tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for entry in self._pending:
            entry.posting = False
        if self._webhook_session is not None:
            await self._webhook_session.close()
            self._webhook_session = None

    async def _get_webhook_info(self, params: JSONDict, uploads: dict[str, _Upload]) -> JSONDict:
        pending = len(self._pending)
        webhook = self.webhook or {}
        return {
            "url": webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": pending,
            **({"max_connections": webhook["max_connections"]} if webhook else {}),
        }

    def _next_delivery(self, now: float) -> _Pending | float | None:
        """The oldest update no connection is posting and due now; else the delay until one
        is due (None: wait for a new update)."""
        allowed = self._allowed_updates
        if allowed is not None and any(e.kind not in allowed for e in self._pending):
            self._pending = deque(e for e in self._pending if e.kind in allowed)  # never sent
        soonest: float | None = None
        for entry in self._pending:
            if entry.posting:
                continue
            if entry.not_before <= now:
                return entry
            wait = entry.not_before - now
            soonest = wait if soonest is None else min(soonest, wait)
        return soonest

    def _delivery_url(self) -> str:
        """Where the next POST goes: the webhook's URL, or the next URL of the spread."""
        assert self.webhook is not None
        if not self.webhook_spread:
            return str(self.webhook["url"])
        return self.webhook_spread[next(self._spread_turn) % len(self.webhook_spread)]

    async def _post_updates(self, session: aiohttp.ClientSession) -> None:
        """One webhook connection: POST the next update, keep it until the bot answers 2xx."""
        loop = asyncio.get_running_loop()
        while self.webhook is not None:
            entry = self._next_delivery(loop.time())
            if not isinstance(entry, _Pending):
                fut: asyncio.Future[None] = loop.create_future()
                self._poll_waiters.append(fut)
                try:
                    async with asyncio.timeout(entry):
                        await fut
                except TimeoutError:
                    pass
                finally:
                    _forget(self._poll_waiters, fut)
                continue
            entry.posting = True
            self.webhook_posts[entry.update_id] += 1
            secret = self.webhook.get("secret_token")
            headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
            try:
                async with session.post(
                    self._delivery_url(), json=entry.update, headers=headers
                ) as response:
                    answer = await response.read()
                    delivered = 200 <= response.status < 300
                if delivered:  # while still pending: `wait_idle` waits for it too
                    await self._perform_webhook_answer(answer)
            except (aiohttp.ClientError, OSError, TimeoutError):
                delivered = False
            finally:
                entry.posting = False
            if delivered:
                try:
                    self._pending.remove(entry)
                except ValueError:
                    pass  # dropped meanwhile (deleteWebhook with drop_pending_updates)
            else:
                self.webhook_failures += 1
                entry.attempts += 1
                entry.not_before = loop.time() + min(2.0, self.webhook_retry * 2**entry.attempts)
            self._touch()
            _wake(self._poll_waiters)

    async def _perform_webhook_answer(self, answer: bytes) -> None:
        """A method the bot put in its answer to a webhook POST (`{"method": ..., params}`),
        performed as Telegram does: nobody learns its result; a failure is only kept in
        :attr:`errors`. :attr:`webhook_methods` counts them, by method."""
        try:
            params = json.loads(answer)
        except ValueError:
            return
        if not isinstance(params, dict) or not isinstance(params.get("method"), str):
            return
        entry = self._methods.get(params.pop("method").lower())
        if entry is None:
            return
        name, handler = entry
        self.webhook_methods[name] += 1
        try:
            await self._perform(name, handler, _coerce(params), {})
        except _ApiError as exc:
            self._keep_error(name, params, exc)

    async def _perform(
        self, name: str, handler: MethodHandler, params: JSONDict, uploads: dict[str, _Upload]
    ) -> Any:
        """One method call, by HTTP or in a webhook's answer: counted, logged, failed when a
        fault is set for it (`fail`), else its handler's result, after its `latency`."""
        self.method_counts[name] += 1
        if self.record_calls:
            self.calls.append((name, {**params, **uploads}))
        if name in self.faults:
            status = self.faults[name]
            raise _ApiError(status, HTTPStatus(status).phrase)
        if delay := self.latency.get(name, self.latency.get("*", 0.0)):
            await asyncio.sleep(delay)
        return await handler(params, uploads)

    def _keep_error(self, name: str, params: JSONDict, exc: _ApiError) -> None:
        """An error answer, kept in :attr:`errors` with the chat it concerned."""
        chat_id = params.get("chat_id")
        if chat_id is None and name == "answerCallbackQuery":
            query = self._queries.get(str(params.get("callback_query_id")))
            chat_id = query.user.id if query else None
        self.errors.append(
            {
                "method": name,
                "chat_id": chat_id,
                "error_code": exc.code,
                "description": exc.description,
            }
        )

    @staticmethod
    def _commands_key(params: JSONDict) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    async def _set_my_commands(self, params: JSONDict, uploads: dict[str, _Upload]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        for command in commands:
            if not isinstance(command, dict) or not re.fullmatch(
                r"[a-z0-9_]{1,32}", str(command.get("command", ""))
            ):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise _bad("command description must be non-empty")
        self.commands[self._commands_key(params)] = commands
        return True

    async def _get_my_commands(
        self, params: JSONDict, uploads: dict[str, _Upload]
    ) -> list[JSONDict]:
        return self.commands.get(self._commands_key(params), [])

    async def _delete_my_commands(self, params: JSONDict, uploads: dict[str, _Upload]) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True

    def _set_bot_setting(self, key: str) -> MethodHandler:
        async def handler(params: JSONDict, uploads: dict[str, _Upload]) -> bool:
            lang = str(params.get("language_code") or "")
            self.bot_settings[f"{key}:{lang}" if lang else key] = params.get(key)
            return True

        return handler

    async def _send_message(self, params: JSONDict, uploads: dict[str, _Upload]) -> JSONDict:
        user = self._writable_chat(params)
        self._check_rate(user, send=True)
        raw = params.get("text")
        if raw is None or raw == "":
            raise _bad("message text is empty")
        raw = str(raw)
        text, entities = self._format(raw, params.get("parse_mode"), params.get("entities"))
        if not text:
            raise _bad("message text is empty")
        if len(text) > MAX_TEXT_LENGTH:
            raise _bad("message is too long")
        markup, rows, keyboard = self._markup(params.get("reply_markup"))
        return self._post(
            user, params, text=text, html=raw, entities=entities, reply_markup=markup,
            buttons=rows, reply_keyboard=keyboard,
        )  # fmt: skip

    async def _send_photo(self, params: JSONDict, uploads: dict[str, _Upload]) -> JSONDict:
        user = self._writable_chat(params)
        self._check_rate(user, send=True)
        photo = params.get("photo")
        upload = uploads.get("photo")
        if isinstance(photo, str) and photo.startswith("attach://"):
            upload = uploads.get(photo.removeprefix("attach://"))
            if upload is None:
                raise _bad("wrong file identifier/HTTP URL specified")
        if upload is not None:
            if not upload.data:
                raise _bad("file must be non-empty")
            sizes = self._new_photo(upload.data)
        elif isinstance(photo, str) and photo:
            if photo.startswith(("http://", "https://")):
                sizes = self._new_photo(None)
            elif photo in self._photos:
                sizes = self._photos[photo]  # re-sending a known photo keeps its sizes
            elif photo in self._files:
                raise _bad("can't use file of another type as Photo")
            else:
                raise _bad("wrong file identifier/HTTP URL specified")
        else:
            raise _bad("there is no photo in the request")
        raw = params.get("caption")
        caption, entities = ("", [])
        if raw:
            raw = str(raw)
            caption, entities = self._format(
                raw, params.get("parse_mode"), params.get("caption_entities")
            )
        if len(caption) > MAX_CAPTION_LENGTH:
            raise _bad("message caption is too long")
        markup, rows, keyboard = self._markup(params.get("reply_markup"))
        return self._post(
            user, params, html=raw, entities=entities, caption=caption or None,
            photo=sizes[-1]["file_id"], reply_markup=markup, buttons=rows,
            reply_keyboard=keyboard, photo_sizes=sizes,
        )  # fmt: skip

    async def _send_document(self, params: JSONDict, uploads: dict[str, _Upload]) -> JSONDict:
        """A file uploaded by the bot (multipart); kept whole on the message for the test."""
        user = self._writable_chat(params)
        self._check_rate(user, send=True)
        document = params.get("document")
        upload = uploads.get("document")
        if isinstance(document, str) and document.startswith("attach://"):
            upload = uploads.get(document.removeprefix("attach://"))
        if upload is None or not upload.data:
            raise _bad("there is no document in the request")
        if params.get("caption"):
            raise _bad("the emulator takes documents without a caption")
        return self._post(user, params, document=(upload.filename or "file", upload.data))

    def _post(self, user: EmuUser, params: JSONDict, **fields: Any) -> JSONDict:
        """A new bot message in the user's chat: counted for the rate limits, stored, returned."""
        msg = EmuMessage(
            message_id=user._next_message_id(),
            chat_id=user.id,
            date=int(time.time()),
            parse_mode=params.get("parse_mode"),
            **fields,
        )
        self._note_rate(user, send=True)
        self._store(user, msg)
        return self._message_dict(msg)

    async def _edit_message_text(self, params: JSONDict, uploads: dict[str, _Upload]) -> JSONDict:
        user = self._writable_chat(params)
        self._check_rate(user, send=False)
        msg = self._editable(user, params)
        if msg.photo is not None:
            raise _bad("there is no text in the message to edit")
        raw = params.get("text")
        if raw is None or raw == "":
            raise _bad("message text is empty")
        raw = str(raw)
        text, entities = self._format(raw, params.get("parse_mode"), params.get("entities"))
        if not text:
            raise _bad("message text is empty")
        if len(text) > MAX_TEXT_LENGTH:
            raise _bad("message is too long")
        markup, rows, _ = self._markup(params.get("reply_markup"), inline_only=True)
        if text == msg.text and entities == msg.entities and markup == msg.reply_markup:
            raise _bad(_NOT_MODIFIED)
        msg.text, msg.entities, msg.html = text, entities, raw
        msg.parse_mode = params.get("parse_mode")
        msg.reply_markup, msg.buttons = markup, rows
        return self._apply_edit(user, msg)

    async def _edit_message_caption(
        self, params: JSONDict, uploads: dict[str, _Upload]
    ) -> JSONDict:
        user = self._writable_chat(params)
        self._check_rate(user, send=False)
        msg = self._editable(user, params)
        if msg.photo is None:
            raise _bad("there is no caption in the message to edit")
        raw = params.get("caption")
        caption, entities = ("", [])
        if raw:
            raw = str(raw)
            caption, entities = self._format(
                raw, params.get("parse_mode"), params.get("caption_entities")
            )
        if len(caption) > MAX_CAPTION_LENGTH:
            raise _bad("message caption is too long")
        markup, rows, _ = self._markup(params.get("reply_markup"), inline_only=True)
        if (
            (caption or None) == msg.caption
            and entities == msg.entities
            and markup == msg.reply_markup
        ):
            raise _bad(_NOT_MODIFIED)
        msg.caption, msg.entities, msg.html = caption or None, entities, raw
        msg.parse_mode = params.get("parse_mode")
        msg.reply_markup, msg.buttons = markup, rows
        return self._apply_edit(user, msg)

    async def _edit_message_reply_markup(
        self, params: JSONDict, uploads: dict[str, _Upload]
    ) -> JSONDict:
        user = self._writable_chat(params)
        self._check_rate(user, send=False)
        msg = self._editable(user, params)
        markup, rows, _ = self._markup(params.get("reply_markup"), inline_only=True)
        if markup == msg.reply_markup:
            raise _bad(_NOT_MODIFIED)
        msg.reply_markup, msg.buttons = markup, rows
        return self._apply_edit(user, msg)

    async def _delete_message(self, params: JSONDict, uploads: dict[str, _Upload]) -> bool:
        user = self._chat(params)
        message_id = params.get("message_id")
        msg = user._by_id.pop(message_id, None) if isinstance(message_id, int) else None
        if msg is None:
            raise _bad("message to delete not found")
        user._msgs.remove(msg)
        user._notify()
        return True

    async def _answer_callback_query(self, params: JSONDict, uploads: dict[str, _Upload]) -> bool:
        query = self._queries.get(str(params.get("callback_query_id", "")))
        if query is None or query.answer is not None:
            raise _bad(_QUERY_INVALID)
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        answer: JSONDict = {"text": text, "show_alert": bool(params.get("show_alert", False))}
        if params.get("url"):
            answer["url"] = params["url"]
        query.answer = answer
        query.user._notify()
        return True

    async def _send_chat_action(self, params: JSONDict, uploads: dict[str, _Upload]) -> bool:
        user = self._writable_chat(params)
        action = params.get("action")
        if action not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        user.chat_action = action
        user._notify()
        return True

    async def _get_chat(self, params: JSONDict, uploads: dict[str, _Upload]) -> JSONDict:
        user = self._chat(params)
        return {
            **user.chat_dict,
            "accent_color_id": user.id % 7,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    async def _get_file(self, params: JSONDict, uploads: dict[str, _Upload]) -> JSONDict:
        record = self._files.get(str(params.get("file_id", "")))
        if record is None:
            raise _bad("invalid file_id")
        return {
            "file_id": record.file_id,
            "file_unique_id": record.file_unique_id,
            "file_size": record.file_size,
            "file_path": record.file_path,
        }


def _wake(waiters: list[asyncio.Future[None]]) -> None:
    """Resolve and forget every waiter (they re-check their condition and re-register)."""
    pending = waiters[:]
    waiters.clear()
    for fut in pending:
        if not fut.done():
            fut.set_result(None)


def _forget(waiters: list[asyncio.Future[None]], fut: asyncio.Future[None]) -> None:
    """Unregister a waiter that timed out (a woken one was already removed by _wake)."""
    fut.cancel()
    try:
        waiters.remove(fut)
    except ValueError:
        pass


def _json_response(status: int, body: JSONDict) -> web.Response:
    try:
        data = json.dumps(body, ensure_ascii=False).encode()
    except UnicodeEncodeError:  # a lone surrogate (an injected update): JSON escapes it
        data = json.dumps(body).encode()
    return web.Response(status=status, body=data, content_type="application/json")
