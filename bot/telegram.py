"""The Telegram transport: updates in, replies out, on python-telegram-bot.

Polling is our own small loop rather than PTB's Updater so that an update is
confirmed to Telegram (the next `getUpdates` offset) only after it was handled and
committed: a bot killed mid-batch gets the batch again, and the handlers' own
idempotence makes the second pass change nothing. Within a batch, chats are served
concurrently and each chat's updates in order.

Messages, edits, photos by file id, callback answers and getUpdates go as plain JSON
through PTB's request layer (`AiohttpRequest.call`), which spares the hot path PTB's
objects; PTB's `Bot` does the rest (getMe, commands).
"""

import asyncio
import logging
import re
from collections import defaultdict
from typing import Any

from telegram import Bot, BotCommand
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)

from bot.aiohttp_request import AiohttpRequest
from bot.dispatch import Dispatcher, RateLimited, Unreachable, polled
from bot.settings import SettingsError
from handlers.events import Address, Incoming, Kind, Reply

log = logging.getLogger(__name__)

PLATFORM = "telegram"
MAX_TEXT = 4096
MAX_CAPTION = 1024
SEND_ATTEMPTS = 4
NO_PREVIEW = {"is_disabled": True}
UPDATE_KINDS = ["message", "callback_query"]
COMMANDS = (
    ("gopy", "Viết góp ý gửi phường"),
    ("gopycuatoi", "Xem góp ý đã gửi"),
    ("thoat", "Dừng việc đang làm"),
    ("ngonngu", "English / Tiếng Việt"),
    ("dulieucuatoi", "Xem dữ liệu của tôi"),
    ("xoadulieu", "Xoá dữ liệu của tôi"),
    ("quyenriengtu", "Quyền riêng tư"),
    ("help", "Hướng dẫn"),
)
Json = dict[str, Any]


class TelegramApi:
    """PTB's Bot, and raw JSON calls on the same connections for the hot path."""

    def __init__(self, bot: Bot, request: AiohttpRequest, poll_request: AiohttpRequest) -> None:
        self.bot = bot
        self.request = request
        self.poll_request = poll_request

    @property
    def username(self) -> str:
        return self.bot.username

    async def call(self, method: str, **params: Any) -> Any:
        return await self.request.call(f"{self.bot.base_url}/{method}", params)

    async def updates(self, offset: int | None, wait: int) -> list[Json]:
        params: Json = {"timeout": wait, "allowed_updates": UPDATE_KINDS}
        if offset is not None:
            params["offset"] = offset
        url = f"{self.bot.base_url}/getUpdates"
        return await self.poll_request.call(url, params, read_timeout=wait + 10)

    async def close(self) -> None:
        await self.bot.shutdown()


async def connect(token: str, base_url: str, connections: int = 16) -> TelegramApi:
    """A ready connection to the Bot API at `base_url` (Telegram, a local server, the emulator).

    A refused token or an unreachable server is a `SettingsError` naming the variable.
    """
    request, poll_request = AiohttpRequest(connections), AiohttpRequest(connections=1)
    bot = Bot(token, base_url=base_url, request=request, get_updates_request=poll_request)
    try:
        await bot.initialize()
    except (InvalidToken, NetworkError) as exc:
        await request.shutdown()
        await poll_request.shutdown()
        if isinstance(exc, InvalidToken):
            raise SettingsError("TELEGRAM_BOT_TOKEN: the Bot API refused this token") from exc
        raise SettingsError(f"TELEGRAM_API_BASE_URL: cannot reach {base_url} ({exc})") from exc
    return TelegramApi(bot, request, poll_request)


def _full_name(user: Json) -> str:
    return " ".join(part for part in (user.get("first_name"), user.get("last_name")) if part)


def _command(text: str, entities: list[Json]) -> tuple[str, str] | None:
    """('start', 'payload') for '/start@bot payload', or None when it is not a command."""
    first = entities[0] if entities else None
    if not first or first.get("type") != "bot_command" or first.get("offset") != 0:
        return None
    length = first["length"]  # a command is ASCII: UTF-16 units are characters
    return text[1:length].split("@", 1)[0].lower(), text[length:].strip()


def to_incoming(update: Json) -> Incoming | None:
    """The neutral event for a private-chat update (Bot API JSON); None for anything else."""
    query = update.get("callback_query")
    if query is not None:
        message = query.get("message") or {}
        chat = message.get("chat") or {}
        if chat.get("type") != "private":
            return None
        user = query.get("from") or {}
        return Incoming(
            address=Address(PLATFORM, str(chat["id"])),
            kind=Kind.CHOICE,
            user_name=_full_name(user),
            choice=query.get("data") or "",
            message_id=message.get("message_id"),
            language=user.get("language_code"),
        )
    message = update.get("message")
    if not message or (message.get("chat") or {}).get("type") != "private":
        return None
    user = message.get("from") or {}
    base: Json = {
        "address": Address(PLATFORM, str(message["chat"]["id"])),
        "user_name": _full_name(user),
        "message_id": message.get("message_id"),
        "language": user.get("language_code"),
    }
    text = message.get("text")
    if text is not None:
        command = _command(text, message.get("entities") or [])
        if command is not None:
            return Incoming(kind=Kind.COMMAND, command=command[0], text=command[1], **base)
        return Incoming(kind=Kind.TEXT, text=text, **base)
    if message.get("photo"):
        photo = message["photo"][-1]["file_id"]
        return Incoming(kind=Kind.PHOTO, text=message.get("caption") or "", photo=photo, **base)
    return Incoming(kind=Kind.UNSUPPORTED, **base)


def keyboard(reply: Reply) -> Json | None:
    """The inline keyboard of a reply, as Bot API JSON."""
    if not reply.choices:
        return None
    buttons = [{"text": c.label, "callback_data": c.data} for c in reply.choices]
    rows = [buttons[i : i + reply.columns] for i in range(0, len(buttons), reply.columns)]
    return {"inline_keyboard": rows}


TAG = re.compile(r"<(/?)([a-z-]+)[^>]*>")
ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[a-z]+);")
HTML_MARGIN = 200  # room for the tags re-opened and closed around a piece


def visible_length(html: str) -> int:
    """Telegram's measure: the text shown, after tags and entities are parsed, counted in
    UTF-16 units (an emoji counts two), which is never less than in characters."""
    return len(ENTITY.sub("&", TAG.sub("", html)).encode("utf-16-le")) // 2


def _safe_cut(line: str, limit: int) -> int:
    """Where to cut a too-long line: not inside a tag or an entity."""
    cut = limit
    for opener, closer in (("<", ">"), ("&", ";")):
        start = line.rfind(opener, 0, cut)
        if start > 0 and line.find(closer, start, cut) == -1:
            cut = start
    return cut


def _balance(chunks: list[str]) -> list[str]:
    """Close the tags still open at the end of a piece and open them again in the next."""
    balanced, open_tags = [], []
    for chunk in chunks:
        prefix = "".join(tag for tag, _ in open_tags)
        for match in TAG.finditer(chunk):
            if match[1]:
                if open_tags and open_tags[-1][1] == match[2]:
                    open_tags.pop()
            else:
                open_tags.append((match[0], match[2]))
        suffix = "".join(f"</{name}>" for _, name in reversed(open_tags))
        balanced.append(prefix + chunk + suffix)
    return balanced


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Cut a long HTML message at line ends (inside a huge line, between tags and entities).

    Each piece is valid HTML on its own: tags open at a cut are closed and opened again.
    Pieces of only white space are left out, since Telegram refuses an empty message.
    """
    if visible_length(text) <= limit:
        return [text]
    room = limit - HTML_MARGIN
    chunks: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        if visible_length(current) + visible_length(line) > room:
            chunks.append(current)
            current = ""
            while visible_length(line) > room:  # cut by characters: never more than shown
                cut = _safe_cut(line, room)
                chunks.append(line[:cut])
                line = line[cut:]
        current += line
    chunks.append(current)
    return _balance([chunk for chunk in chunks if chunk.strip()]) or [text[:limit]]


class TelegramTransport:
    platform = PLATFORM

    def __init__(self, api: TelegramApi, dispatcher: Dispatcher, poll_timeout: int = 10) -> None:
        self.api = api
        self.dispatcher = dispatcher
        self.poll_timeout = poll_timeout

    async def set_commands(self) -> None:
        await self.api.bot.set_my_commands([BotCommand(name, text) for name, text in COMMANDS])

    async def send(self, to: Address, reply: Reply, attempts: int = SEND_ATTEMPTS) -> int | None:
        """One reply as Telegram calls, returning the (last) message's id.

        429s and network hiccups are retried up to `attempts` times; a blocked chat is
        `Unreachable`; a 429 on the last attempt is `RateLimited` (the broadcast sender
        makes one attempt and pauses all its sending instead).
        """
        for attempt in range(attempts):
            try:
                return await self._send_once(int(to.chat_id), reply)
            except Forbidden as exc:
                raise Unreachable(str(exc)) from exc
            except RetryAfter as exc:
                delay = exc.retry_after
                seconds = delay.total_seconds() if hasattr(delay, "total_seconds") else delay
                if attempt == attempts - 1:
                    raise RateLimited(float(seconds)) from exc
                await asyncio.sleep(seconds)
            except BadRequest as exc:
                if "not modified" in exc.message:
                    return reply.edit  # the same press twice: the message already shows it
                if "chat not found" in exc.message:
                    raise Unreachable(exc.message) from exc  # never started the bot
                raise
            except (TimedOut, NetworkError):
                if attempt == attempts - 1:
                    raise
                await asyncio.sleep(0.5 * 2**attempt)
        return None

    async def _send_once(self, chat_id: int, reply: Reply) -> int | None:
        markup = keyboard(reply)
        extra: Json = {"reply_markup": markup} if markup else {}
        if reply.edit is not None:
            await self.api.call(
                "editMessageText",
                chat_id=chat_id,
                message_id=reply.edit,
                text=split_text(reply.text)[0],  # an edit is one message: the rest is cut
                parse_mode="HTML",
                link_preview_options=NO_PREVIEW,
                **extra,
            )
            return reply.edit
        if reply.image is not None:  # an upload: PTB builds the multipart request
            caption = reply.text if len(reply.text) <= MAX_CAPTION else None
            sent_photo = await self.api.bot.send_photo(
                chat_id, reply.image, caption=caption, parse_mode="HTML"
            )
            if caption is not None:
                return sent_photo.message_id
        if reply.photo:
            fits = len(reply.text) <= MAX_CAPTION
            sent = await self.api.call(
                "sendPhoto",
                chat_id=chat_id,
                photo=reply.photo,
                parse_mode="HTML",
                **({"caption": reply.text, **extra} if fits else {}),
            )
            if fits:
                return int(sent["message_id"])
        chunks = split_text(reply.text)
        sent = {}
        for index, chunk in enumerate(chunks):
            sent = await self.api.call(
                "sendMessage",
                chat_id=chat_id,
                text=chunk,
                parse_mode="HTML",
                link_preview_options=NO_PREVIEW,
                **(extra if index == len(chunks) - 1 else {}),
            )
        if reply.document is not None:  # a file made here (a person's data), after its summary
            name, content = reply.document
            await self.api.bot.send_document(chat_id, content, filename=name)
        return int(sent["message_id"])

    async def _answer_query(self, query_id: str, notice: str) -> None:
        """Callback queries must be answered, even with no notice, or the button spins."""
        params: Json = {"callback_query_id": query_id}
        if notice:
            params["text"] = notice[:200]
        try:
            await self.api.call("answerCallbackQuery", **params)
        except (BadRequest, NetworkError) as exc:
            log.info("callback query not answered: %s", exc)

    async def process(self, update: Json) -> None:
        """Handle one update under its chat's turn, then answer it."""
        event = to_incoming(update)
        query = update.get("callback_query")
        if event is None:
            if query is not None:
                await self._answer_query(query["id"], "")
            return
        async with self.dispatcher.chat(event.address):
            response = await self.dispatcher.decide(event)
            if query is None:
                await self.dispatcher.deliver(event.address, response)
                return
            await asyncio.gather(
                self._answer_query(query["id"], response.notice),
                self.dispatcher.deliver(event.address, response),
            )

    async def _process_chat(self, updates: list[Json]) -> None:
        for update in updates:
            try:
                await self.process(update)
            except Exception:
                log.exception("update %s failed", update.get("update_id"))

    async def process_batch(self, updates: list[Json]) -> None:
        """Chats concurrently, each chat's updates in the order Telegram gave them."""
        by_chat: dict[str, list[Json]] = defaultdict(list)
        for update in updates:
            event = to_incoming(update)
            by_chat[event.address.chat_id if event else ""].append(update)
        await asyncio.gather(*(self._process_chat(group) for group in by_chat.values()))

    async def poll(self, stop: asyncio.Event) -> None:
        """Long-poll until `stop` is set; a batch in progress is always finished first."""
        offset: int | None = None
        try:
            async for updates in polled(
                stop,
                lambda: self.api.updates(offset, self.poll_timeout),  # noqa: B023 (the newest)
                (TimedOut, NetworkError),
                "getUpdates",
            ):
                await self.process_batch(updates)
                offset = updates[-1]["update_id"] + 1
        finally:
            if offset is not None:
                await self._confirm(offset)

    async def _confirm(self, offset: int) -> None:
        """Tell Telegram the last batch is done, so it is not delivered again after a stop."""
        try:
            await self.api.updates(offset, wait=0)
        except Exception as exc:
            log.info("could not confirm the last updates: %s", exc)
