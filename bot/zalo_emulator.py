"""A Zalo Bot API server on loopback, for tests and `sogopy demo --zalo`.

It speaks the documented shapes: `{ok, result}` answers, string chat ids,
millisecond timestamps, the `event_name` of each update, one update per
`getUpdates` (no offset; 408 when nothing came), and webhook delivery with the
`X-Bot-Api-Secret-Token` header once `setWebhook` was called. Messages over 2,000
characters are refused; `rate` makes it answer 429 "quota exceeded" beyond that
many sends per second; `misbehave` makes the next calls of a method fail as a
proxy or a network does (a 502 page, a connection reset).
"""

import asyncio
import itertools
import logging
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

import aiohttp
from aiohttp import web

log = logging.getLogger(__name__)

MAX_TEXT = 2000
RESET = "reset"  # a fault of `misbehave`: the connection is closed without an answer
Json = dict[str, Any]


@dataclass
class ZaloMessage:
    """A message the bot sent to a person."""

    text: str = ""
    photo: str | None = None
    caption: str | None = None
    date: int = field(default_factory=lambda: int(time.time() * 1000))


class ZaloUser:
    """A person chatting with the bot on Zalo; tests drive the conversation with it."""

    def __init__(self, emu: "ZaloEmulator", user_id: str, name: str) -> None:
        self._emu = emu
        self.id = user_id
        self.name = name
        self.blocked = False
        self.chat_actions: list[str] = []  # sendChatAction calls, in order
        self.messages: list[ZaloMessage] = []
        self._cursor = 0
        self._changed = asyncio.Event()

    def _message(self, extra: Json) -> Json:
        return {
            "message_id": uuid.uuid4().hex,
            "from": {"id": self.id, "display_name": self.name, "is_bot": False},
            "chat": {"id": self.id, "chat_type": "PRIVATE"},
            "date": int(time.time() * 1000),
            **extra,
        }

    async def send_text(self, text: str) -> Json:
        return await self._emu.deliver("message.text.received", self._message({"text": text}))

    async def send_image(self, url: str, caption: str = "") -> Json:
        extra = {"photo": url, "caption": caption} if caption else {"photo": url}
        return await self._emu.deliver("message.image.received", self._message(extra))

    async def send_sticker(self) -> Json:
        sticker = {"sticker": "bfe4b0f4c5b12ce975a0", "url": "https://zalo.me/sticker.png"}
        return await self._emu.deliver("message.sticker.received", self._message(sticker))

    async def send_unsupported(self) -> Json:
        """What a "protected" user's message looks like to a bot."""
        return await self._emu.deliver("message.unsupported.received", self._message({}))

    async def next_message(self, timeout: float = 10.0) -> ZaloMessage:  # noqa: ASYNC109
        """The next bot message not yet read by this method."""

        def check() -> ZaloMessage | None:
            if self._cursor < len(self.messages):
                self._cursor += 1
                return self.messages[self._cursor - 1]
            return None

        return await self._wait(check, timeout)

    async def wait_for(
        self,
        predicate: Callable[[ZaloMessage], bool],
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> ZaloMessage:
        """The first bot message after the cursor that matches; the cursor moves past it."""

        def check() -> ZaloMessage | None:
            for index in range(self._cursor, len(self.messages)):
                if predicate(self.messages[index]):
                    self._cursor = index + 1
                    return self.messages[index]
            return None

        return await self._wait(check, timeout)

    async def _wait(self, check: Callable[[], ZaloMessage | None], seconds: float) -> ZaloMessage:
        deadline = asyncio.get_running_loop().time() + seconds
        while (found := check()) is None:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                shown = "\n".join(f"  ← {m.text!r}" for m in self.messages[-8:])
                raise AssertionError(f"timed out waiting in Zalo chat {self.id}:\n{shown}")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                continue
        return found


class ZaloEmulator:
    def __init__(self, token: str = "zalo-test-token", name: str = "Bot Phường Thử") -> None:
        self.token = token
        self.name = name
        self.rate: float | None = None  # sends per second before 429 "quota exceeded"
        self.throttled = 0
        self.webhook_url = ""
        self.webhook_secret = ""
        self.webhook_answers: list[int] = []  # status codes the bot's webhook answered
        self.webhook_set = asyncio.Event()
        self._watchers: list[Callable[[ZaloMessage], None]] = []
        self.users: dict[str, ZaloUser] = {}
        self._pending: deque[Json] = deque()
        self._arrived = asyncio.Event()
        self._sends: deque[float] = deque()
        self._seq = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._closing = False
        self._session: aiohttp.ClientSession | None = None
        self._raw_answers: dict[str, deque[str]] = {}  # method -> bodies answered with 200
        self._faults: dict[str, deque[int | str]] = {}  # method -> HTTP statuses or RESET
        self.faulted = 0  # calls answered with a fault
        self.port = 0

    async def __aenter__(self) -> Self:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._session = aiohttp.ClientSession()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._closing = True
        self._arrived.set()
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        """ZALO_API_BASE_URL: the token and the method are appended."""
        return f"http://127.0.0.1:{self.port}/bot"

    async def wait_idle(self, quiet: float = 0.3, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Until every update was taken and the bot has been silent for `quiet` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            before = sum(len(user.messages) for user in self.users.values())
            await asyncio.sleep(quiet)
            after = sum(len(user.messages) for user in self.users.values())
            if not self._pending and before == after:
                return

    def on_message(self, callback: Callable[[ZaloMessage], None]) -> None:
        """Call `callback(message)` for every message the bot sends (the demo prints them)."""
        self._watchers.append(callback)

    def user(self, user_id: str, name: str = "Dân") -> ZaloUser:
        if user_id not in self.users:
            self.users[user_id] = ZaloUser(self, user_id, name)
        return self.users[user_id]

    async def deliver(self, event_name: str, message: Json) -> Json:
        """Hand an update to the bot: by webhook when one is set, else to getUpdates."""
        update = {"event_name": event_name, "message": message}
        await self.redeliver(update)
        return update

    async def redeliver(self, update: Json) -> None:
        """The same update again, as Zalo does when it is not sure it was received."""
        if self.webhook_url:
            assert self._session is not None
            async with self._session.post(
                self.webhook_url,
                json={"ok": True, "result": update},
                headers={"X-Bot-Api-Secret-Token": self.webhook_secret},
            ) as response:
                self.webhook_answers.append(response.status)
            return
        self._pending.append(update)
        self._arrived.set()

    async def inject_raw_update(self, update: object) -> None:
        """Hand the bot `update` exactly as given (malformed too), by webhook or getUpdates."""
        await self.redeliver(update)  # type: ignore[arg-type]

    def answer_raw(self, method: str, body: str, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with HTTP 200 and `body` as is (a proxy's
        HTML page, a cut body); the call has no other effect."""
        self._raw_answers.setdefault(method, deque()).extend([body] * times)

    def misbehave(self, method: str, *faults: int | str) -> None:
        """The next calls of `method` fail, one per fault, in order: an HTTP status (a
        proxy's HTML page, e.g. 502) or `RESET` (the connection closed, nothing answered);
        they have no other effect."""
        self._faults.setdefault(method, deque()).extend(faults)

    @property
    def raw_answers_left(self) -> int:
        return sum(len(bodies) for bodies in self._raw_answers.values())

    # ---- the API ------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        try:
            params = await request.json() if request.can_read_body else {}
        except ValueError:
            return _error(400, "Bad Request: invalid JSON")
        method = request.match_info["method"]
        faults = self._faults.get(method)
        if faults:
            fault = faults.popleft()
            self.faulted += 1
            if fault == RESET:
                assert request.transport is not None
                request.transport.abort()
                raise ConnectionResetError("the emulator reset the connection")
            page = f"<html><body>{fault} Bad Gateway</body></html>"
            return web.Response(status=int(fault), text=page, content_type="text/html")
        raw = self._raw_answers.get(method)
        if raw:
            return web.Response(status=200, text=raw.popleft(), content_type="text/html")
        handler = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendChatAction": self._send_chat_action,
        }.get(method)
        if handler is None:
            return _error(404, "Not Found: method")
        return await handler(params or {})

    async def _get_me(self, params: Json) -> web.Response:
        return _ok({"id": "1234567890", "account_name": self.name, "account_type": "BASIC"})

    async def _get_updates(self, params: Json) -> web.Response:
        wait = float(params.get("timeout") or 0)
        deadline = asyncio.get_running_loop().time() + wait
        while not self._pending:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0 or self._closing:
                return _error(408, "Request timeout")
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), remaining)
            except TimeoutError:
                return _error(408, "Request timeout")
        return _ok(self._pending.popleft())

    async def _set_webhook(self, params: Json) -> web.Response:
        url, secret = str(params.get("url") or ""), str(params.get("secret_token") or "")
        if not url.startswith(("http://", "https://")) or not 8 <= len(secret) <= 256:
            return _error(400, "Bad Request: url or secret_token")
        self.webhook_url, self.webhook_secret = url, secret
        self.webhook_set.set()
        return _ok({"url": url, "updated_at": int(time.time() * 1000)})

    async def _delete_webhook(self, params: Json) -> web.Response:
        self.webhook_url = self.webhook_secret = ""
        return _ok({"url": ""})

    async def _get_webhook_info(self, params: Json) -> web.Response:
        return _ok({"url": self.webhook_url})

    def _chat(self, params: Json) -> ZaloUser | web.Response:
        chat_id = params.get("chat_id")
        user = self.users.get(chat_id) if isinstance(chat_id, str) else None
        if user is None:
            return _error(400, "Bad Request: chat not found")
        if user.blocked:
            return _error(403, "Forbidden: the user blocked the bot")
        if self.rate is not None:
            now = time.monotonic()
            while self._sends and self._sends[0] <= now - 1:
                self._sends.popleft()
            if len(self._sends) >= self.rate:
                self.throttled += 1
                return _error(429, "quota exceeded")
            self._sends.append(now)
        return user

    def _store(self, user: ZaloUser, message: ZaloMessage) -> web.Response:
        user.messages.append(message)
        user._changed.set()
        for watcher in self._watchers:
            watcher(message)
        return _ok({"message_id": uuid.uuid4().hex, "date": message.date})

    async def _send_message(self, params: Json) -> web.Response:
        user = self._chat(params)
        if isinstance(user, web.Response):
            return user
        text = params.get("text")
        if not isinstance(text, str) or not text:
            return _error(400, "Bad Request: text is empty")
        if len(text) > MAX_TEXT:
            return _error(400, "Bad Request: text is too long")
        return self._store(user, ZaloMessage(text=text))

    async def _send_photo(self, params: Json) -> web.Response:
        user = self._chat(params)
        if isinstance(user, web.Response):
            return user
        photo = params.get("photo")
        if not isinstance(photo, str) or not photo.startswith(("http://", "https://")):
            return _error(400, "Bad Request: photo must be a URL")
        caption = params.get("caption")
        return self._store(user, ZaloMessage(text=str(caption or ""), photo=photo))

    async def _send_chat_action(self, params: Json) -> web.Response:
        user = self._chat(params)
        if isinstance(user, web.Response):
            return user
        user.chat_actions.append(str(params.get("action") or ""))
        return _ok(True)


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(code: int, description: str) -> web.Response:
    status = code if code in (400, 401, 403, 404, 408, 429) else 400
    body = {"ok": False, "error_code": code, "description": description}
    return web.json_response(body, status=status)
