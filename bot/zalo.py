"""The Zalo transport: the same handlers for citizens who use Zalo.

Zalo's Bot API is shaped like Telegram's but has no buttons, no edits and no HTML:
choices become numbered lines answered with a digit or the label typed (with or
without diacritics), an edit becomes a new message, and text is sent plain, cut at
2,000 characters. The numbered choices last shown to a person are kept in the
database, so a digit typed after a restart still means the same thing.

Updates come by webhook (`POST /zalo/webhook`, checked against the secret header in
constant time) or, for development, by long polling; Zalo message ids do not grow, so
each handled id is remembered and a redelivery is handled once (`seen_id`).
"""

import asyncio
import hmac
import html
import logging
import re
from typing import Any

import httpx
from aiohttp import web

from bot.dispatch import Dispatcher, RateLimited, Unreachable, polled
from bot.settings import SettingsError
from handlers.catalogue import say
from handlers.events import Address, Choice, Incoming, Kind, Reply
from handlers.numbered import stored
from storage.queries import person_by_chat

log = logging.getLogger(__name__)

PLATFORM = "zalo"
MAX_TEXT = 2000
SEND_ATTEMPTS = 4
POLL_SECONDS = 30
SECRET_HEADER = "X-Bot-Api-Secret-Token"
WEBHOOK_PATH = "/zalo/webhook"
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
        except ValueError as exc:
            raise ZaloError(response.status_code, "not JSON") from exc
        if not isinstance(body, dict) or not body.get("ok"):
            body = body if isinstance(body, dict) else {}
            code = int(body.get("error_code") or response.status_code)
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


TAG = re.compile(r"<[^>]+>")


def plain(text: str) -> str:
    """The handlers' Telegram HTML as the plain text Zalo shows."""
    return html.unescape(TAG.sub("", text))


def numbered(reply: Reply, language: str) -> str:
    """The reply's text, then its choices as numbered lines and how to answer."""
    text = plain(reply.text)
    if not reply.choices:
        return text
    lines = [f"{number}. {plain(choice.label)}" for number, choice in enumerate(reply.choices, 1)]
    return "\n".join([text, "", *lines, say(language, "zalo_answer_by_number")])


def split_plain(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Cut at line ends (inside a huge line, anywhere) into pieces Zalo accepts."""
    pieces: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        if len(current) + len(line) > limit:
            pieces.append(current)
            current = ""
        current += line
    pieces.append(current)
    return [piece for piece in pieces if piece.strip()] or [text[:limit]]


def _sender_name(message: Json) -> str:
    sender = message.get("from") or {}
    return str(sender.get("display_name") or sender.get("name") or "")


def to_incoming(update: Json) -> Incoming | None:
    """The neutral event for a private-chat update; typed text may answer numbered choices."""
    kind = EVENTS.get(str(update.get("event_name")))
    message = update.get("message")
    if kind is None or not isinstance(message, dict):
        return None
    chat = message.get("chat") or {}
    chat_id = str(chat.get("id") or (message.get("from") or {}).get("id") or "")
    if not chat_id or str(chat.get("chat_type", "PRIVATE")).upper() != "PRIVATE":
        return None
    base: Json = {
        "address": Address(PLATFORM, chat_id),
        "user_name": _sender_name(message),
        "seen_id": str(message.get("message_id") or "") or None,
    }
    if kind == Kind.PHOTO:
        photo = str(message.get("photo") or message.get("url") or "")
        return Incoming(kind=kind, text=str(message.get("caption") or ""), photo=photo, **base)
    if kind == Kind.UNSUPPORTED:
        return Incoming(kind=kind, **base)
    text = str(message.get("text") or "").strip()
    payload = START_PAYLOAD.fullmatch(text)
    if payload:
        code = payload[1][0].lower() + payload[1][1:]  # the token after it keeps its case
        return Incoming(kind=Kind.COMMAND, command="start", text=code, **base)
    if text.startswith("/") and len(text) > 1:
        command, _, argument = text[1:].partition(" ")
        return Incoming(kind=Kind.COMMAND, command=command.lower(), text=argument, **base)
    return Incoming(kind=Kind.TEXT, text=text, numbered=True, **base)


class ZaloTransport:
    platform = PLATFORM

    def __init__(self, api: ZaloApi, dispatcher: Dispatcher) -> None:
        self.api = api
        self.dispatcher = dispatcher

    # ---- out ----------------------------------------------------------------------------

    async def send(self, to: Address, reply: Reply, attempts: int = SEND_ATTEMPTS) -> int | None:
        """One reply as Zalo messages; the numbered choices are remembered for the answer."""
        language = await self._remember_choices(to, reply.choices)
        text = numbered(reply, language)
        for attempt in range(attempts):
            try:
                await self._send_once(to.chat_id, reply, text)
                return None  # Zalo messages cannot be edited: no id is worth keeping
            except ZaloError as exc:
                if exc.code == 403:
                    raise Unreachable(exc.description) from exc
                if exc.code != 429 and exc.code < 500:
                    raise
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

    async def _send_once(self, chat_id: str, reply: Reply, text: str) -> None:
        if reply.photo and reply.photo.startswith(("http://", "https://")):
            await self.api.call("sendPhoto", chat_id=chat_id, photo=reply.photo)
        elif reply.photo or reply.image is not None:
            text = f"[{say('vi', 'zalo_photo_elsewhere')}]\n{text}"
        if reply.document is not None:  # Zalo's Bot API sends no files
            text = f"{text}\n\n{say('vi', 'document_elsewhere')}"
        for piece in split_plain(text):
            await self.api.call("sendMessage", chat_id=chat_id, text=piece)

    async def _remember_choices(self, to: Address, choices: tuple[Choice, ...]) -> str:
        """Keep what each number means for this person (or forget it); their language."""
        async with self.dispatcher.ctx.db() as session:
            person = await person_by_chat(session, to.platform, to.chat_id)
            if person is None:
                return "vi"
            meanings = stored(choices)
            if person.choices != meanings:
                person.choices = meanings
                await session.commit()
            return person.language

    # ---- in -----------------------------------------------------------------------------

    async def process(self, update: Json) -> bool:
        """Handle one update under its chat's turn; False when it is not one we know."""
        event = to_incoming(update)
        if event is None:
            return False
        async with self.dispatcher.chat(event.address):
            if event.kind == Kind.PHOTO:  # a photo takes the citizen a while: show we are on it
                await self._typing(event.address.chat_id)
            response = await self.dispatcher.decide(event)
            if not response.replies and response.notice:
                response.replies.append(Reply(response.notice))  # no pop-up on Zalo
            await self.dispatcher.deliver(event.address, response)
        return True

    async def _typing(self, chat_id: str) -> None:
        """Zalo's "typing…" sign; a failure only loses the sign."""
        try:
            await self.api.call("sendChatAction", chat_id=chat_id, action="typing")
        except (ZaloError, httpx.HTTPError) as exc:
            log.info("Zalo chat action not shown: %s", exc)

    async def poll(self, stop: asyncio.Event) -> None:
        """Long polling, for development: one update at a time until `stop` is set."""
        batches = polled(
            stop,
            lambda: self.api.updates(POLL_SECONDS),
            (ZaloError, httpx.HTTPError),
            "Zalo getUpdates",
        )
        async for updates in batches:
            for update in updates:
                try:
                    await self.process(update)
                except Exception:
                    log.exception("Zalo update failed")

    def webhook(self, secret: str) -> web.RouteDef:
        """`POST /zalo/webhook`: the secret header is checked in constant time."""
        expected = secret.encode()

        async def receive(request: web.Request) -> web.Response:
            given = request.headers.get(SECRET_HEADER, "").encode()
            if not hmac.compare_digest(given, expected):
                log.warning("Zalo webhook refused: wrong or missing secret")
                return web.json_response({"ok": False}, status=401)
            try:
                body = await request.json()
            except (ValueError, UnicodeDecodeError):
                log.warning("Zalo webhook refused: the body is not JSON")
                return web.json_response({"ok": False}, status=400)
            update = body.get("result", body) if isinstance(body, dict) else None
            if not isinstance(update, dict) or not await self.process(update):
                log.warning("Zalo webhook refused: not an update we know")
                return web.json_response({"ok": False}, status=400)
            return web.json_response({"ok": True})

        return web.post(WEBHOOK_PATH, receive)
