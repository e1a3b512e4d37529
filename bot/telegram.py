"""The Telegram transport: updates in, replies out, over python-telegram-bot's `Bot`.

Polling is our own small loop rather than PTB's Updater so that an update is
confirmed to Telegram (the next `getUpdates` offset) only after it was handled and
committed: a bot killed mid-batch gets the batch again, and the handlers' own
idempotence makes the second pass change nothing. Within a batch, chats are served
concurrently and each chat's updates in order.
"""

import asyncio
import logging
from collections import defaultdict

from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ChatType, MessageEntityType, ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)

from bot.aiohttp_request import AiohttpRequest
from bot.dispatch import Dispatcher, Unreachable
from bot.settings import SettingsError
from handlers.events import Address, Incoming, Kind, Reply

log = logging.getLogger(__name__)

PLATFORM = "telegram"
MAX_TEXT = 4096
MAX_CAPTION = 1024
SEND_ATTEMPTS = 4
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
COMMANDS = (
    ("gopy", "Viết góp ý gửi phường"),
    ("gopycuatoi", "Xem góp ý đã gửi"),
    ("thoat", "Dừng việc đang làm"),
    ("ngonngu", "English / Tiếng Việt"),
    ("help", "Hướng dẫn"),
)


async def connect(token: str, base_url: str, connections: int = 16) -> Bot:
    """A ready PTB Bot on `base_url` (Telegram, a local Bot API server or the emulator).

    A refused token or an unreachable server is a `SettingsError` naming the variable.
    """
    requests = (AiohttpRequest(connections=connections), AiohttpRequest(connections=1))
    bot = Bot(token, base_url=base_url, request=requests[0], get_updates_request=requests[1])
    try:
        await bot.initialize()
    except (InvalidToken, NetworkError) as exc:
        for request in requests:
            await request.shutdown()
        if isinstance(exc, InvalidToken):
            raise SettingsError("TELEGRAM_BOT_TOKEN: the Bot API refused this token") from exc
        raise SettingsError(f"TELEGRAM_API_BASE_URL: cannot reach {base_url} ({exc})") from exc
    return bot


def _command(message: Message) -> tuple[str, str] | None:
    """('start', 'payload') for '/start@bot payload', or None when it is not a command."""
    entity = next(iter(message.entities), None)
    text = message.text or ""
    if entity is None or entity.type != MessageEntityType.BOT_COMMAND or entity.offset != 0:
        return None
    name = text[1 : entity.length].split("@", 1)[0].lower()
    return name, text[entity.length :].strip()


def to_incoming(update: Update) -> Incoming | None:
    """The neutral event for a private-chat update; None for anything else."""
    query = update.callback_query
    if query is not None:
        message = query.message
        if message is None or message.chat.type != ChatType.PRIVATE:
            return None
        return Incoming(
            address=Address(PLATFORM, str(message.chat.id)),
            kind=Kind.CHOICE,
            user_name=query.from_user.full_name,
            choice=query.data or "",
            message_id=message.message_id,
            language=query.from_user.language_code,
        )
    message = update.message
    if message is None or message.chat.type != ChatType.PRIVATE or message.from_user is None:
        return None
    base = {
        "address": Address(PLATFORM, str(message.chat.id)),
        "user_name": message.from_user.full_name,
        "message_id": message.message_id,
        "language": message.from_user.language_code,
    }
    if message.text is not None:
        command = _command(message)
        if command is not None:
            return Incoming(kind=Kind.COMMAND, command=command[0], text=command[1], **base)
        return Incoming(kind=Kind.TEXT, text=message.text, **base)
    if message.photo:
        photo = message.photo[-1].file_id
        return Incoming(kind=Kind.PHOTO, text=message.caption or "", photo=photo, **base)
    return Incoming(kind=Kind.UNSUPPORTED, **base)


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.choices:
        return None
    buttons = [InlineKeyboardButton(c.label, callback_data=c.data) for c in reply.choices]
    rows = [buttons[i : i + reply.columns] for i in range(0, len(buttons), reply.columns)]
    return InlineKeyboardMarkup(rows)


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Cut a long message at line ends (hard, inside a single huge line) under `limit`.

    The pieces join back to the text; pieces of only white space are left out, since
    Telegram refuses an empty message.
    """
    chunks: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        if len(current) + len(line) > limit:
            chunks.append(current)
            current = ""
            while len(line) > limit:
                chunks.append(line[:limit])
                line = line[limit:]
        current += line
    chunks.append(current)
    return [chunk for chunk in chunks if chunk.strip()] or [text[:limit]]


class TelegramTransport:
    platform = PLATFORM

    def __init__(self, bot: Bot, dispatcher: Dispatcher, poll_timeout: int = 10) -> None:
        self.bot = bot
        self.dispatcher = dispatcher
        self.poll_timeout = poll_timeout

    async def set_commands(self) -> None:
        await self.bot.set_my_commands([BotCommand(name, text) for name, text in COMMANDS])

    async def send(self, to: Address, reply: Reply) -> None:
        """One reply as Telegram calls; 429s and network hiccups are retried a few times."""
        for attempt in range(SEND_ATTEMPTS):
            try:
                await self._send_once(int(to.chat_id), reply)
                return
            except Forbidden as exc:
                raise Unreachable(str(exc)) from exc
            except RetryAfter as exc:
                delay = exc.retry_after
                await asyncio.sleep(
                    delay.total_seconds() if hasattr(delay, "total_seconds") else delay
                )
            except BadRequest as exc:
                if "not modified" in exc.message:
                    return  # the same press twice: the message already shows it
                raise
            except (TimedOut, NetworkError):
                if attempt == SEND_ATTEMPTS - 1:
                    raise
                await asyncio.sleep(0.5 * 2**attempt)

    async def _send_once(self, chat_id: int, reply: Reply) -> None:
        markup = keyboard(reply)
        if reply.edit is not None:
            await self.bot.edit_message_text(
                reply.text[:MAX_TEXT],
                chat_id=chat_id,
                message_id=reply.edit,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                link_preview_options=NO_PREVIEW,
            )
            return
        text = reply.text
        if reply.photo:
            caption = text if len(text) <= MAX_CAPTION else None
            await self.bot.send_photo(
                chat_id,
                reply.photo,
                caption=caption,
                parse_mode=ParseMode.HTML,
                reply_markup=markup if caption is not None else None,
            )
            if caption is not None:
                return
        chunks = split_text(text)
        for index, chunk in enumerate(chunks):
            await self.bot.send_message(
                chat_id,
                chunk,
                parse_mode=ParseMode.HTML,
                reply_markup=markup if index == len(chunks) - 1 else None,
                link_preview_options=NO_PREVIEW,
            )

    async def _answer_query(self, query_id: str, notice: str) -> None:
        """Callback queries must be answered, even with no notice, or the button spins."""
        try:
            await self.bot.answer_callback_query(query_id, text=notice[:200] or None)
        except (BadRequest, NetworkError) as exc:
            log.info("callback query not answered: %s", exc)

    async def process(self, update: Update) -> None:
        """Handle one update under its chat's turn, then answer it."""
        event = to_incoming(update)
        query = update.callback_query
        if event is None:
            if query is not None:
                await self._answer_query(query.id, "")
            return
        async with self.dispatcher.chat(event.address):
            response = await self.dispatcher.decide(event)
            if query is None:
                await self.dispatcher.deliver(event.address, response)
                return
            await asyncio.gather(
                self._answer_query(query.id, response.notice),
                self.dispatcher.deliver(event.address, response),
            )

    async def _process_chat(self, updates: list[Update]) -> None:
        for update in updates:
            try:
                await self.process(update)
            except Exception:
                log.exception("update %s failed", update.update_id)

    async def process_batch(self, updates: list[Update]) -> None:
        """Chats concurrently, each chat's updates in the order Telegram gave them."""
        by_chat: dict[int, list[Update]] = defaultdict(list)
        for update in updates:
            chat = update.effective_chat
            by_chat[chat.id if chat else 0].append(update)
        await asyncio.gather(*(self._process_chat(group) for group in by_chat.values()))

    async def poll(self, stop: asyncio.Event) -> None:
        """Long-poll until `stop` is set; a batch in progress is always finished first."""
        offset: int | None = None
        stopping = asyncio.create_task(stop.wait())
        failures = 0
        try:
            while not stop.is_set():
                fetch = asyncio.create_task(
                    self.bot.get_updates(
                        offset=offset,
                        timeout=self.poll_timeout,
                        allowed_updates=["message", "callback_query"],
                    )
                )
                await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if not fetch.done():
                    fetch.cancel()
                    break
                try:
                    updates = fetch.result()
                except (TimedOut, NetworkError) as exc:
                    failures += 1
                    log.warning("getUpdates failed (%s); retrying", exc)
                    await asyncio.wait({stopping}, timeout=min(30, 2**failures))
                    continue
                failures = 0
                if updates:
                    await self.process_batch(list(updates))
                    offset = updates[-1].update_id + 1
        finally:
            stopping.cancel()
            if offset is not None:
                await self._confirm(offset)

    async def _confirm(self, offset: int) -> None:
        """Tell Telegram the last batch is done, so it is not delivered again after a stop."""
        try:
            await self.bot.get_updates(offset=offset, timeout=0)
        except Exception as exc:
            log.info("could not confirm the last updates: %s", exc)
