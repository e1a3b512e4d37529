"""The Telegram transport: updates in, replies out, on python-telegram-bot.

Polling is our own small loop rather than PTB's Updater so that an update is
confirmed to Telegram (the next `getUpdates` offset) only after it was handled and
committed: a bot killed or stopped before that gets it again, and the handlers' own
idempotence makes the second pass change nothing. Updates go to their chat's queue
(`Dispatcher.submit`) and the next batch is fetched at once: a slow chat holds up
nobody, and the offset passes an update only when it and every update before it are
handled (`Offsets`).

With `TELEGRAM_WEBHOOK_URL`, Telegram POSTs each update to the HTTP app instead
(`POST /telegram/webhook`, `web.app`), possibly to several processes at once and in
any order: the webhook answers 200 only once the update is handled and committed, so
Telegram delivers again what a dying process did not finish, and each update id is
remembered (`seen_id`) so a redelivery is handled once.

Every message and edit takes a slot of the bot's overall budget (replies before
broadcasts) and every new message the chat's own turn (`bot.pacing`): the bot stays
under Telegram's limits instead of sleeping on its 429s.

A reply's markup (`handlers.markup`) is rendered as Telegram's HTML, cut into pieces
that each close their own tags. Messages, edits, photos by file id, callback answers
and getUpdates go as plain JSON through PTB's request layer (`AiohttpRequest.call`),
which spares the hot path PTB's objects; PTB's `Bot` does the rest (getMe, commands).
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import replace
from typing import Any

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.aiohttp_request import AiohttpRequest
from bot.dispatch import Dispatcher, HandlingFailed, RateLimited, Refused, Unreachable, polled
from bot.pacing import Budget, ChatPace
from bot.settings import SettingsError
from bot.wire import Unreadable, array, int64, obj, optional_int64, optional_text
from bot.wire import text as text_field
from handlers import markup
from handlers.events import Address, Incoming, Kind, Reply, Response
from handlers.leaders import menu
from storage.text import storable

log = logging.getLogger(__name__)

PLATFORM = "telegram"
MAX_TEXT = 4096
MAX_CAPTION = 1024
SEND_ATTEMPTS = 4
DEFAULT_RATE = 25  # messages per second overall (SOGOPY_SEND_RATE); Telegram allows ~30
STOP_GRACE = 2.0  # seconds the chats get to finish what they hold at a stop
PAGE = 100  # updates getUpdates gives at most
REPOLL_SECONDS = 0.05  # a poll that brought only updates still in hand: the next one waits
AGAIN_SECONDS = 1.0  # an update the database was away for is taken again after this
FIRST = asyncio.FIRST_COMPLETED
NO_PREVIEW = {"is_disabled": True}
UPDATE_KINDS = ["message", "callback_query"]
WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
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
        updates = await self.poll_request.call(url, params, read_timeout=wait + 10)
        if not isinstance(updates, list) or not all(_numbered(update) for update in updates):
            raise NetworkError(f"getUpdates answered without numbered updates: {updates!r:.200}")
        return updates

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
    parts = (optional_text(user.get(key), f"from.{key}") for key in ("first_name", "last_name"))
    return " ".join(part for part in parts if part)


def _command(text: str, entities: list[Any]) -> tuple[str, str] | None:
    """('start', 'payload') for '/start@bot payload', or None when it is not a command."""
    first = obj(entities[0], "entities[0]") if entities else None
    if not first or first.get("type") != "bot_command" or first.get("offset") != 0:
        return None
    length = int64(first.get("length"), "entities[0].length")  # ASCII: UTF-16 units are characters
    if not 1 < length <= len(text):
        raise Unreadable("entities[0].length is outside the text")
    return text[1:length].split("@", 1)[0].lower(), text[length:].strip()


def _chat(message: Json, field: str) -> Json | None:
    """The message's chat when it is a private one (the bot serves no groups), else None."""
    chat = obj(message.get("chat"), f"{field}.chat", required=False)
    return chat if chat.get("type") == "private" else None


def _address(chat: Json, field: str) -> Address:
    return Address(PLATFORM, str(int64(chat.get("id"), f"{field}.chat.id")))


def read_update(update: object) -> Incoming | Unreadable | None:
    """The neutral event for a private-chat update (Bot API JSON); None for anything else
    (groups, edits); `Unreadable` when a field it needs is missing or of the wrong type.
    Never raises, whatever the JSON."""
    try:
        return _read(obj(update, "update"))
    except Unreadable as exc:
        return exc


def to_incoming(update: object) -> Incoming | None:
    """The neutral event for a private-chat update; None for anything else or unreadable."""
    event = read_update(update)
    return event if isinstance(event, Incoming) else None


def _read(update: Json) -> Incoming | None:
    query = update.get("callback_query")
    if query is not None:
        query = obj(query, "callback_query")
        message = obj(query.get("message"), "callback_query.message", required=False)
        chat = _chat(message, "callback_query.message")
        if chat is None:
            return None
        user = obj(query.get("from"), "callback_query.from", required=False)
        return Incoming(
            address=_address(chat, "callback_query.message"),
            kind=Kind.CHOICE,
            user_name=_full_name(user),
            choice=optional_text(query.get("data"), "callback_query.data") or "",
            message_id=optional_int64(
                message.get("message_id"), "callback_query.message.message_id"
            ),
            language=optional_text(user.get("language_code"), "from.language_code"),
        )
    if update.get("message") is None:
        return None
    message = obj(update["message"], "message")
    chat = _chat(message, "message")
    if chat is None:
        return None
    user = obj(message.get("from"), "message.from", required=False)
    base: Json = {
        "address": _address(chat, "message"),
        "user_name": _full_name(user),
        "message_id": optional_int64(message.get("message_id"), "message.message_id"),
        "language": optional_text(user.get("language_code"), "from.language_code"),
    }
    text = optional_text(message.get("text"), "message.text")
    if text is not None:
        command = _command(text, array(message.get("entities"), "message.entities"))
        if command is not None:
            return Incoming(kind=Kind.COMMAND, command=command[0], text=command[1], **base)
        return Incoming(kind=Kind.TEXT, text=text, **base)
    photos = array(message.get("photo"), "message.photo")
    if photos:
        largest = obj(photos[-1], "message.photo[-1]")
        photo = text_field(largest.get("file_id"), "message.photo[-1].file_id")
        caption = optional_text(message.get("caption"), "message.caption") or ""
        return Incoming(kind=Kind.PHOTO, text=caption, photo=photo, **base)
    return Incoming(kind=Kind.UNSUPPORTED, **base)


def _query_id(update: object) -> str | None:
    """The callback query's id, to answer it even when the rest cannot be read."""
    query = update.get("callback_query") if isinstance(update, dict) else None
    query_id = query.get("id") if isinstance(query, dict) else None
    return storable(query_id) if isinstance(query_id, str) and query_id else None


def _query_answer(query_id: str, notice: str) -> Json:
    """`answerCallbackQuery`'s parameters for a press, its notice shown briefly."""
    answer: Json = {"callback_query_id": query_id}
    if notice:
        answer["text"] = notice[:200]
    return answer


def _numbered(update: object) -> bool:
    """An update whose id can be confirmed: the offset can move past it, readable or not."""
    return isinstance(update, dict) and isinstance(update.get("update_id"), int)


def keyboard(reply: Reply) -> Json | None:
    """The inline keyboard of a reply, as Bot API JSON."""
    if not reply.choices:
        return None
    buttons = [{"text": c.label, "callback_data": c.data} for c in reply.choices]
    rows = [buttons[i : i + reply.columns] for i in range(0, len(buttons), reply.columns)]
    return {"inline_keyboard": rows}


def html_pieces(spans: list[markup.Span], limit: int = MAX_TEXT) -> list[str]:
    """A reply's text as Telegram HTML, cut at line ends into messages Telegram takes.

    Telegram measures what is shown, in UTF-16 units; every piece closes its own tags.
    A text of only white space stays one piece, which Telegram refuses (`Refused`).
    """
    return [markup.html(piece) for piece in markup.split(spans, limit, markup.utf16)] or [
        markup.html(spans)
    ]


def _caption(spans: list[markup.Span]) -> str | None:
    """The text as a photo's caption, when it fits in one."""
    pieces = html_pieces(spans, MAX_CAPTION)
    return pieces[0] if len(pieces) == 1 else None


class Offsets:
    """The getUpdates offset: past an update only once it and every one before it are handled.

    Until then Telegram keeps giving back the updates still in hand (at most 100 from
    the offset): they are recognised and not handled twice. That limit also bounds the
    updates in hand, and so the memory.
    """

    def __init__(self) -> None:
        self.next: int | None = None  # the offset to confirm with
        self._open: dict[int, bool] = {}  # update id -> handled, in increasing order
        self._released: set[int] = set()  # not handled, out of hand: the next poll retakes them
        self.progress = asyncio.Event()  # set whenever the offset moves

    def fresh(self, updates: list[Json]) -> list[Json]:
        """The updates not already in hand, now taken in hand.

        One below the offset was handled already: a poll that left before the offset
        moved brings it back once more.
        """
        new = [
            update
            for update in updates
            if update["update_id"] in self._released
            or (
                update["update_id"] not in self._open
                and (self.next is None or update["update_id"] >= self.next)
            )
        ]
        for update in new:
            self._released.discard(update["update_id"])
            self._open[update["update_id"]] = False
        self._open = dict(sorted(self._open.items()))
        return new

    def release(self, update_id: int) -> None:
        """Out of hand again, still not handled (the offset stays below it): the next poll
        brings it back and takes it."""
        if self._open.get(update_id) is False:
            self._released.add(update_id)

    def handled(self, update_id: int) -> None:
        if update_id in self._open:
            self._open[update_id] = True
        while self._open and next(iter(self._open.values())):
            done = next(iter(self._open))
            del self._open[done]
            self.next = done + 1
            self.progress.set()


class TelegramTransport:
    platform = PLATFORM
    redelivers = True  # a polled update is confirmed, a webhook's answered 200, once handled

    def __init__(
        self,
        api: TelegramApi,
        dispatcher: Dispatcher,
        poll_timeout: int = 10,
        rate: float = DEFAULT_RATE,
    ) -> None:
        self.api = api
        self.dispatcher = dispatcher
        self.poll_timeout = poll_timeout
        self.budget = Budget(rate)
        self.pace = ChatPace()

    async def settle(self) -> None:
        """At a stop, wait until every chat may have a burst again (a few seconds at most,
        only for chats written to in the last ones): the next process to start, a restart
        or a rolling update, answers them at once and Telegram, which counts per chat
        whoever sends, answers it no 429."""
        await asyncio.sleep(self.pace.full_in())

    async def set_commands(self) -> None:
        """The citizens' command menu (the default scope), set while the bot already answers;
        a failure only leaves the previous menu, never stops us."""
        try:
            await self.api.bot.set_my_commands([BotCommand(n, t) for n, t in menu(None)])
        except TelegramError as exc:
            log.warning("command menu not set: %s", exc)

    async def set_menu(self, chat_id: str, role: str | None) -> None:
        """One chat's own menu (a leader's, an admin's), or back to the default (`None`).

        A chat Telegram does not know (an admin who never wrote) has no menu to set: done.
        Network errors are raised, for the menu job to try again.
        """
        scope = BotCommandScopeChat(int(chat_id))
        try:
            if role is None:
                await self.api.bot.delete_my_commands(scope=scope)
            else:
                commands = [BotCommand(n, t) for n, t in menu(role)]
                await self.api.bot.set_my_commands(commands, scope=scope)
        except (BadRequest, Forbidden) as exc:
            log.info("no command menu for chat %s: %s", chat_id, exc)

    async def use_webhook(self, url: str, secret: str) -> None:
        """Take updates by webhook: Telegram POSTs each to `url` with `secret` in a header."""
        try:
            await self.api.call(
                "setWebhook", url=url, secret_token=secret, allowed_updates=UPDATE_KINDS
            )
        except BadRequest as exc:
            raise SettingsError(f"TELEGRAM_WEBHOOK_URL: Telegram refused it ({exc})") from exc

    async def use_polling(self) -> None:
        """Take updates by long polling: a webhook left by an earlier run would refuse it.

        A network failure only leaves the webhook as it was (usually none): polling goes on.
        """
        try:
            await self.api.call("deleteWebhook")
        except NetworkError as exc:
            log.warning("webhook not deleted: %s", exc)

    async def send(
        self,
        to: Address,
        reply: Reply,
        attempts: int = SEND_ATTEMPTS,
        background: bool = False,
    ) -> int | None:
        """One reply as Telegram calls, returning the (last) message's id.

        429s and network hiccups are retried up to `attempts` times; a blocked chat is
        `Unreachable`; a 429 on the last attempt is `RateLimited` (the broadcast sender
        makes one attempt and pauses all its sending instead). A `background` send (a
        broadcast's) waits until no reply is waiting for the budget.
        """
        for attempt in range(attempts):
            try:
                return await self._send_once(int(to.chat_id), reply, background)
            except Forbidden as exc:
                raise Unreachable(str(exc)) from exc
            except RetryAfter as exc:
                delay = exc.retry_after
                seconds = delay.total_seconds() if hasattr(delay, "total_seconds") else delay
                if attempt == attempts - 1:
                    raise RateLimited(float(seconds)) from exc
                await asyncio.sleep(seconds)  # this chat's turn only: the others go on
            except BadRequest as exc:
                if "not modified" in exc.message:
                    return reply.edit  # the same press twice: the message already shows it
                if "chat not found" in exc.message.lower():  # PTB writes "Chat not found"
                    raise Unreachable(exc.message) from exc  # never started the bot
                raise Refused(exc.message) from exc
            except (TimedOut, NetworkError):
                if attempt == attempts - 1:
                    raise
                await asyncio.sleep(0.5 * 2**attempt)
        return None

    def transient(self, exc: Exception) -> bool:
        """The network, a timeout, or Telegram's own trouble (PTB's BadRequest is a
        NetworkError too, but sending it again cannot help)."""
        return isinstance(exc, NetworkError | OSError) and not isinstance(exc, BadRequest)

    @asynccontextmanager
    async def _turn(self, chat_id: int, new: bool, background: bool) -> AsyncIterator[None]:
        """The chat's turn for a new message, then a slot of the bot's budget."""
        async with AsyncExitStack() as turn:
            if new:
                await turn.enter_async_context(self.pace.turn(str(chat_id)))
            await turn.enter_async_context(self.budget.slot(background))
            yield

    async def _call(self, method: str, background: bool, **params: Any) -> Any:
        async with self._turn(params["chat_id"], method != "editMessageText", background):
            return await self.api.call(method, **params)

    async def _send_once(self, chat_id: int, reply: Reply, background: bool) -> int | None:
        buttons = keyboard(reply)
        extra: Json = {"reply_markup": buttons} if buttons else {}
        spans = markup.parse(reply.text)
        if reply.edit is not None:
            await self._call(
                "editMessageText",
                background,
                chat_id=chat_id,
                message_id=reply.edit,
                text=html_pieces(spans)[0],  # an edit is one message: the rest is cut
                parse_mode="HTML",
                link_preview_options=NO_PREVIEW,
                **extra,
            )
            return reply.edit
        caption = _caption(spans) if reply.image is not None or reply.photo else None
        if reply.image is not None:  # an upload: PTB builds the multipart request
            async with self._turn(chat_id, True, background):
                sent_photo = await self.api.bot.send_photo(
                    chat_id, reply.image, caption=caption, parse_mode="HTML"
                )
            if caption is not None:
                return sent_photo.message_id
        if reply.photo:
            sent = await self._call(
                "sendPhoto",
                background,
                chat_id=chat_id,
                photo=reply.photo,
                parse_mode="HTML",
                **({"caption": caption, **extra} if caption is not None else {}),
            )
            if caption is not None:
                return int(sent["message_id"])
        chunks = html_pieces(spans)
        sent = {}
        for index, chunk in enumerate(chunks):
            sent = await self._call(
                "sendMessage",
                background,
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
        try:
            await self.api.call("answerCallbackQuery", **_query_answer(query_id, notice))
        except (BadRequest, NetworkError) as exc:
            log.info("callback query not answered: %s", exc)

    def _answer(self, query_id: str) -> Callable[[Response], Awaitable[None]]:
        async def answer(response: Response) -> None:
            await self._answer_query(query_id, response.notice)

        return answer

    @staticmethod
    def _answer_in(query_id: str, webhook_answer: Json) -> Callable[[Response], Awaitable[None]]:
        """The press's answer written into the webhook's own answer, for Telegram to perform."""

        async def answer(response: Response) -> None:
            webhook_answer.update(
                method="answerCallbackQuery", **_query_answer(query_id, response.notice)
            )

        return answer

    async def process(self, update: Json, webhook_answer: Json | None = None) -> None:
        """Handle one update in its chat's turn, then answer it.

        The update joins its chat's queue before this first waits, so updates started
        in their order are handled in their order. One that cannot be read is logged
        once and skipped (it is confirmed with the others: never delivered again).

        A webhook's update (`webhook_answer` given) is recognised by its id when it comes
        again: webhook deliveries of one chat may come in any order, so its message ids
        prove nothing. Coming again, it re-sends what the person should now see: another
        process may have decided it and died before answering, which this process cannot
        know. A press is answered in `webhook_answer`, the webhook's answer to Telegram.
        """
        event = read_update(update)
        if webhook_answer is not None and isinstance(event, Incoming):
            event = replace(event, seen_id=str(update["update_id"]), resend=True)
        query_id = _query_id(update)
        answer = None
        if query_id is not None and webhook_answer is not None:
            answer = self._answer_in(query_id, webhook_answer)
        elif query_id is not None:
            answer = self._answer(query_id)
        if not isinstance(event, Incoming):
            if event is not None:
                update_id = update.get("update_id") if isinstance(update, dict) else None
                log.warning("update %s skipped: %s", update_id, event)
            if answer is not None:  # the button must not spin
                await answer(Response())
            return
        await self.dispatcher.submit(event, answer)

    async def on_webhook(self, update: Json) -> Json | None:
        """One update POSTed by Telegram; the webhook's answer once it is handled and committed.

        None when it must come again: the handlers failed (nothing was committed) or the
        bot is stopping. The webhook then answers 5xx, and Telegram delivers it again.

        A press's answer (`answerCallbackQuery`) goes in the webhook's answer, which
        Telegram performs: the bot makes one call fewer per press (issue 14). Nobody learns
        whether it went; at worst the button's spinner stops by itself.
        """
        webhook_answer: Json = {}
        try:
            await self.process(update, webhook_answer)
        except HandlingFailed:
            return None
        except asyncio.CancelledError:  # the chat's turn was cancelled: the bot is stopping
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise
            return None
        return webhook_answer

    async def poll(self, stop: asyncio.Event) -> None:
        """Long-poll until `stop` is set, handing each update to its chat's queue.

        An update that failed because the database was away is not confirmed: a moment
        later it is let go, and the next poll brings it again, as a webhook's 5xx would.

        At the stop, the chats get `STOP_GRACE` seconds to finish what they hold; what is
        still unhandled is not confirmed, and comes again after a restart.
        """
        offsets = Offsets()
        in_hand: set[asyncio.Task[None]] = set()
        try:
            async for updates in polled(
                stop,
                lambda: self._updates(offsets),
                (TimedOut, NetworkError),
                "getUpdates",
            ):
                fresh = offsets.fresh(updates)
                for update in fresh:
                    task = asyncio.create_task(self.process(update))
                    in_hand.add(task)
                    task.add_done_callback(self._done(update["update_id"], offsets, in_hand))
                if not fresh:  # Telegram gave back only what is in hand: wait a little
                    # (a full page hides anything newer until the offset moves)
                    timeout = None if len(updates) >= PAGE else REPOLL_SECONDS
                    waits = [asyncio.create_task(e.wait()) for e in (stop, offsets.progress)]
                    await asyncio.wait(waits, timeout=timeout, return_when=FIRST)
                    for wait in waits:
                        wait.cancel()
        finally:
            if in_hand:
                await asyncio.wait(in_hand, timeout=STOP_GRACE)
            for task in in_hand:
                task.cancel()
            if offsets.next is not None:
                await self._confirm(offsets.next)

    async def _updates(self, offsets: Offsets) -> list[Json]:
        offsets.progress.clear()  # set again if the offset moves while this poll waits
        return await self.api.updates(offsets.next, self.poll_timeout)

    @staticmethod
    def _done(
        update_id: int, offsets: Offsets, in_hand: set[asyncio.Task[None]]
    ) -> Callable[[asyncio.Task[None]], None]:
        def done(task: asyncio.Task[None]) -> None:
            in_hand.discard(task)
            if task.cancelled():
                return  # stopped before it was handled: Telegram gives it again
            failure = task.exception()
            if isinstance(failure, HandlingFailed) and failure.again:  # never confirmed
                asyncio.get_running_loop().call_later(AGAIN_SECONDS, offsets.release, update_id)
                return
            if failure is not None:
                log.error("update %s failed", update_id, exc_info=failure)
            offsets.handled(update_id)

        return done

    async def _confirm(self, offset: int) -> None:
        """Tell Telegram what was handled, so it is not delivered again after a stop."""
        try:
            await self.api.updates(offset, wait=0)
        except Exception as exc:
            log.info("could not confirm the last updates: %s", exc)
