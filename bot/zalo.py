"""The Zalo transport: the same handlers for citizens who use Zalo.

Zalo's Bot API is shaped like Telegram's but has no buttons, no edits and no HTML:
choices become numbered lines answered with a digit or the label typed (with or
without diacritics), an edit becomes a new message, and text is sent plain, cut at
2,000 characters. The numbered choices last shown to a person are kept in the
database, so a digit typed after a restart still means the same thing.

Updates come by webhook (`POST /zalo/webhook` of the HTTP app, `web.app`, checked
against the secret header in constant time) or, for development, by long polling; Zalo
message ids do not grow, so each handled id is remembered and a redelivery is handled
once (`seen_id`).
"""

import asyncio
import logging
import re
from collections.abc import Callable
from typing import Any

import httpx

from bot.dispatch import Dispatcher, RateLimited, Refused, Unreachable, polled
from bot.pacing import Budget
from bot.settings import SettingsError
from bot.wire import Unreadable, int64, obj, optional_text, text
from handlers import markup
from handlers.catalogue import say
from handlers.events import Address, Incoming, Kind, Reply
from handlers.numbered import stored
from storage.queries import person_by_chat

log = logging.getLogger(__name__)

PLATFORM = "zalo"
MAX_TEXT = 2000
SEND_ATTEMPTS = 4
POLL_SECONDS = 30
DEFAULT_RATE = 10  # messages per second overall (SOGOPY_ZALO_SEND_RATE)
IN_HAND = 100  # polled updates being handled at most: Zalo keeps none once given
STOP_GRACE = 2.0  # seconds the chats get to finish what they hold at a stop
SECRET_HEADER = "X-Bot-Api-Secret-Token"
WEBHOOK_PATH = "/zalo/webhook"
BAD_GATEWAY = 502
CHAT_ID_LENGTH = 64  # the person.chat_id column
SEEN_ID_LENGTH = 128  # the seenmessage.message_id column
EVENTS = {
    "message.text.received": Kind.TEXT,
    "message.image.received": Kind.PHOTO,
    "message.sticker.received": Kind.UNSUPPORTED,
    "message.unsupported.received": Kind.UNSUPPORTED,  # also "protected" users' messages
}
# the code printed for Zalo; a phone may capitalise its first letter ("D_NGHIA-TAN")
START_PAYLOAD = re.compile(r"^(?:/start\s+)?([cdlCDL]_[A-Za-z0-9_-]{1,64})$")
Json = dict[str, Any]


class ZaloError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(f"{code} {description}")
        self.code = code
        self.description = description


class ZaloApi:
    """`<base><token>/<method>` calls with JSON bodies; answers `{ok, result}`."""

    def __init__(self, token: str, base_url: str) -> None:
        self.url = f"{base_url}{token}"
        self.client = httpx.AsyncClient(timeout=httpx.Timeout(10, read=POLL_SECONDS + 10))
        self.name = ""

    async def call(self, method: str, **params: Any) -> Any:
        response = await self.client.post(f"{self.url}/{method}", json=params)
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or "ok" not in body:
            # a proxy's page or a cut body, even with 200: a bad gateway, retried like one
            raise ZaloError(BAD_GATEWAY, f"not the Bot API's JSON: {response.content[:200]!r}")
        if not body["ok"]:
            code = body.get("error_code")
            code = code if isinstance(code, int) else response.status_code
            raise ZaloError(code, str(body.get("description") or "error"))
        return body.get("result")

    async def updates(self, wait: int) -> list[Json]:
        """The next update, if any (Zalo gives one at a time and keeps no offset)."""
        try:
            result = await self.call("getUpdates", timeout=str(wait))
        except ZaloError as exc:
            if exc.code == 408:  # nothing came within the timeout
                return []
            raise
        if isinstance(result, list):
            return [item for item in result if isinstance(item, dict)]
        return [result] if isinstance(result, dict) and result else []

    async def close(self) -> None:
        await self.client.aclose()


async def connect_zalo(token: str, base_url: str) -> ZaloApi:
    """A Zalo API whose token was accepted; a `SettingsError` naming the variable if not."""
    api = ZaloApi(token, base_url)
    try:
        me = await api.call("getMe")
    except ZaloError as exc:
        await api.close()
        raise SettingsError(f"ZALO_BOT_TOKEN: the Zalo Bot API refused it ({exc})") from exc
    except httpx.HTTPError as exc:
        await api.close()
        raise SettingsError(f"ZALO_API_BASE_URL: cannot reach {base_url} ({exc})") from exc
    api.name = str((me or {}).get("account_name") or (me or {}).get("name") or "")
    return api


def shown(reply: Reply, language: str) -> str:
    """What Zalo shows of a reply, as plain text: its text (only its news when it replaces
    the prompt just answered), then its choices as numbered lines and how to answer."""
    new = reply.news if reply.replaces and reply.news is not None else reply.text
    text = markup.plain(markup.parse(new))
    if not reply.choices:
        return text
    lines = [f"{number}. {choice.label}" for number, choice in enumerate(reply.choices, 1)]
    hint = "zalo_or_number" if reply.free_text else "zalo_answer_by_number"
    lines.append(markup.plain(markup.parse(say(language, hint))))
    return "\n".join([text, "", *lines] if text.strip() else lines)


def pieces(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Plain text cut at line ends (inside a huge line, anywhere) into messages Zalo takes."""
    return [markup.plain(piece) for piece in markup.split([markup.Span(text)], limit)]


def _plain_say(key: str) -> str:
    return markup.plain(markup.parse(say("vi", key)))


def _sender_name(sender: Json) -> str:
    for key in ("display_name", "name"):
        name = optional_text(sender.get(key), f"message.from.{key}")
        if name:
            return name
    return ""


def _chat_id(value: object, field: str) -> str:
    """Zalo's ids are strings; a number is taken as its digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(int64(value, field))
    return text(value, field) if value is not None else ""


def read_update(update: object) -> Incoming | Unreadable | None:
    """The neutral event for a private-chat update; typed text may answer numbered choices.

    None for an event we do not serve; `Unreadable` when a field is missing or of the
    wrong type. Never raises, whatever the JSON.
    """
    try:
        return _read(obj(update, "update"))
    except Unreadable as exc:
        return exc


def to_incoming(update: object) -> Incoming | None:
    """The neutral event for a private-chat update; None for anything else or unreadable."""
    event = read_update(update)
    return event if isinstance(event, Incoming) else None


def _read(update: Json) -> Incoming | None:
    kind = EVENTS.get(str(update.get("event_name")))
    if kind is None:
        return None
    message = obj(update.get("message"), "message")
    chat = obj(message.get("chat"), "message.chat", required=False)
    sender = obj(message.get("from"), "message.from", required=False)
    chat_id = _chat_id(chat.get("id"), "message.chat.id") or _chat_id(
        sender.get("id"), "message.from.id"
    )
    if not chat_id:
        raise Unreadable("message.chat.id is missing")
    if len(chat_id) > CHAT_ID_LENGTH:
        raise Unreadable("message.chat.id is too long")
    if str(chat.get("chat_type", "PRIVATE")).upper() != "PRIVATE":
        return None
    seen_id = _chat_id(message.get("message_id"), "message.message_id") or None
    if seen_id is not None and len(seen_id) > SEEN_ID_LENGTH:
        raise Unreadable("message.message_id is too long")
    base: Json = {
        "address": Address(PLATFORM, chat_id),
        "user_name": _sender_name(sender),
        "seen_id": seen_id,
    }
    if kind == Kind.PHOTO:
        photo = optional_text(message.get("photo"), "message.photo") or optional_text(
            message.get("url"), "message.url"
        )
        caption = optional_text(message.get("caption"), "message.caption") or ""
        return Incoming(kind=kind, text=caption, photo=photo or "", **base)
    if kind == Kind.UNSUPPORTED:
        return Incoming(kind=kind, **base)
    typed = (optional_text(message.get("text"), "message.text") or "").strip()
    payload = START_PAYLOAD.fullmatch(typed)
    if payload:
        code = payload[1][0].lower() + payload[1][1:]  # the token after it keeps its case
        return Incoming(kind=Kind.COMMAND, command="start", text=code, **base)
    if typed.startswith("/") and len(typed) > 1:
        command, _, argument = typed[1:].partition(" ")
        return Incoming(  # numbered: a reply to a command may depend on there being no buttons
            kind=Kind.COMMAND, command=command.lower(), text=argument, numbered=True, **base
        )
    return Incoming(kind=Kind.TEXT, text=typed, numbered=True, **base)


class ZaloTransport:
    platform = PLATFORM
    redelivers = False  # getUpdates hands each update once: a failure gets an apology

    def __init__(self, api: ZaloApi, dispatcher: Dispatcher, rate: float = DEFAULT_RATE) -> None:
        self.api = api
        self.dispatcher = dispatcher
        self.budget = Budget(rate)

    # ---- out ----------------------------------------------------------------------------

    async def send(
        self,
        to: Address,
        reply: Reply,
        attempts: int = SEND_ATTEMPTS,
        background: bool = False,
    ) -> int | None:
        """One reply as Zalo messages; the numbered choices are remembered for the answer.

        A reply that replaces the prompt just answered sends only what is new in it.
        """
        language = await self._remember_choices(to, reply)
        text = shown(reply, language)
        if reply.replaces and not text.strip():
            return None  # nothing new: Telegram would only have taken its buttons away
        for attempt in range(attempts):
            try:
                await self._send_once(to.chat_id, reply, text, background)
                return None  # Zalo messages cannot be edited: no id is worth keeping
            except ZaloError as exc:
                if exc.code == 403:
                    raise Unreachable(exc.description) from exc
                if exc.code != 429 and exc.code < 500:
                    raise Refused(exc.description) from exc
                if attempt == attempts - 1:
                    if exc.code == 429:
                        raise RateLimited(1.0) from exc
                    raise
                await asyncio.sleep(0.5 * 2**attempt)
            except httpx.TransportError:
                if attempt == attempts - 1:
                    raise
                await asyncio.sleep(0.5 * 2**attempt)
        return None

    def transient(self, exc: Exception) -> bool:
        """Zalo's or a proxy's 5xx (a page that is not the API's JSON counts as 502), a reset
        connection, a timeout."""
        if isinstance(exc, ZaloError):
            return exc.code >= 500
        return isinstance(exc, httpx.TransportError | OSError)

    async def _send_once(self, chat_id: str, reply: Reply, text: str, background: bool) -> None:
        if not reply.replaces:  # else an edit on Telegram: its photo or file went before
            if reply.photo and reply.photo.startswith(("http://", "https://")):
                async with self.budget.slot(background):
                    await self.api.call("sendPhoto", chat_id=chat_id, photo=reply.photo)
            elif reply.photo or reply.image is not None:
                text = f"[{_plain_say('zalo_photo_elsewhere')}]\n{text}"
            if reply.document is not None:  # Zalo's Bot API sends no files
                text = f"{text}\n\n{_plain_say('document_elsewhere')}"
        for piece in pieces(text):
            async with self.budget.slot(background):
                await self.api.call("sendMessage", chat_id=chat_id, text=piece)

    async def _remember_choices(self, to: Address, reply: Reply) -> str:
        """Keep what each number means for this person; their language.

        The numbers shown last keep their meaning until a message with choices of its
        own comes, or the prompt that showed them is replaced (answered): a notice in
        between (a leader read the page) leaves them.
        """
        async with self.dispatcher.ctx.db() as session:
            person = await person_by_chat(session, to.platform, to.chat_id)
            if person is None:
                return "vi"
            meanings = stored(reply.choices)
            if (reply.choices or reply.replaces) and person.choices != meanings:
                person.choices = meanings
                await session.commit()
            return person.language

    # ---- in -----------------------------------------------------------------------------

    async def process(self, update: Json) -> bool:
        """Handle one update in its chat's turn; False when it is not one we know.

        The update joins its chat's queue before this first waits, so updates started
        in their order are handled in their order. A notice is sent as a message: Zalo
        has no pop-ups.
        """
        event = read_update(update)
        if not isinstance(event, Incoming):
            if event is not None:
                message = update.get("message") if isinstance(update, dict) else None
                seen = message.get("message_id") if isinstance(message, dict) else None
                log.warning("Zalo update %.64r skipped: %s", seen, event)
            return False
        handled = self.dispatcher.submit(event)
        if event.kind == Kind.PHOTO:  # a photo takes the citizen a while: show we are on it
            await self._typing(event.address.chat_id)
        await handled
        return True

    async def _typing(self, chat_id: str) -> None:
        """Zalo's "typing…" sign; a failure only loses the sign."""
        try:
            await self.api.call("sendChatAction", chat_id=chat_id, action="typing")
        except (ZaloError, httpx.HTTPError) as exc:
            log.info("Zalo chat action not shown: %s", exc)

    async def poll(self, stop: asyncio.Event) -> None:
        """Long polling, for development, until `stop` is set: each update to its chat's
        queue, and the next one fetched at once (at most `IN_HAND` being handled).

        Zalo keeps no update once given: at the stop, the chats get `STOP_GRACE` seconds
        to finish what they hold.
        """
        in_hand: set[asyncio.Task[bool]] = set()
        batches = polled(
            stop,
            lambda: self.api.updates(POLL_SECONDS),
            (ZaloError, httpx.HTTPError),
            "Zalo getUpdates",
        )
        try:
            async for updates in batches:
                for update in updates:
                    task = asyncio.create_task(self.process(update))
                    in_hand.add(task)
                    task.add_done_callback(_forget_done(in_hand))
                if len(in_hand) >= IN_HAND:
                    await asyncio.wait(in_hand, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if in_hand:
                await asyncio.wait(in_hand, timeout=STOP_GRACE)


def _forget_done(in_hand: set[asyncio.Task[bool]]) -> Callable[[asyncio.Task[bool]], None]:
    """Drop a finished update's task; a failure is logged."""

    def done(task: asyncio.Task[bool]) -> None:
        in_hand.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("Zalo update failed", exc_info=task.exception())

    return done
