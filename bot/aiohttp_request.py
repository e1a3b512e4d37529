"""python-telegram-bot's request layer on aiohttp instead of httpx, plus a raw JSON call.

A sampling profile of the bot answering survey presses spent about 40% of its CPU in
httpx/httpcore's connection pool bookkeeping (every request re-checks every pooled
connection, each check a socket poll). `BaseRequest` is PTB's documented extension
point for other HTTP libraries; PTB's `Bot` methods run on it unchanged.

`call` is for the hot path (updates, presses, edits), which reads a handful of
fields: building PTB's objects for each update and each edited message cost about
a sixth of a press. It raises PTB's own exceptions, exactly as PTB maps them.
"""

import json
from http import HTTPStatus
from typing import Any

import aiohttp
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import BaseRequest, RequestData


def api_error(status: int, payload: bytes) -> TelegramError:
    """The exception PTB raises for this HTTP answer of the Bot API."""
    try:
        data = json.loads(payload)
        message = data.get("description") or f"HTTP {status}"
        parameters = data.get("parameters") or {}
    except (ValueError, AttributeError):
        message, parameters = f"HTTP {status}: {payload[:200]!r}", {}
    if parameters.get("migrate_to_chat_id"):
        return ChatMigrated(parameters["migrate_to_chat_id"])
    if parameters.get("retry_after"):
        return RetryAfter(parameters["retry_after"])
    match status:
        case HTTPStatus.FORBIDDEN:
            return Forbidden(message)
        case HTTPStatus.NOT_FOUND | HTTPStatus.UNAUTHORIZED:
            return InvalidToken(message)
        case HTTPStatus.BAD_REQUEST:
            return BadRequest(message)
        case HTTPStatus.CONFLICT:
            return Conflict(message)
    return NetworkError(message)


class AiohttpRequest(BaseRequest):
    """A pooled aiohttp session speaking JSON (or multipart for uploads) to the Bot API."""

    def __init__(self, connections: int = 16, read_timeout: float = 15.0) -> None:
        self._connections = connections
        self._read_timeout = read_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._connections)
            self._session = aiohttp.ClientSession(connector=connector)

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _send(
        self, url: str, body: aiohttp.FormData | bytes | None, headers: dict[str, str], read: Any
    ) -> tuple[int, bytes]:
        if self._session is None:
            raise RuntimeError("AiohttpRequest is not initialized")
        timeout = aiohttp.ClientTimeout(sock_read=read, sock_connect=10.0)
        try:
            async with self._session.post(
                url, data=body, headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc

    async def call(
        self, url: str, params: dict[str, Any], read_timeout: float | None = None
    ) -> Any:
        """POST `params` as JSON; the decoded `result`, or PTB's exception for the error."""
        status, payload = await self._send(
            url,
            json.dumps(params, ensure_ascii=False).encode(),
            {"Content-Type": "application/json", "User-Agent": self.USER_AGENT},
            read_timeout or self._read_timeout,
        )
        if status != HTTPStatus.OK:
            raise api_error(status, payload)
        answer = self.parse_json_payload(payload)
        if "result" not in answer:
            raise NetworkError(f"the Bot API answered 200 without a result: {payload[:200]!r}")
        return answer["result"]

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        """The Bot API's JSON object; anything else (a proxy's HTML page, a truncated body)
        is a `NetworkError`, retried like a lost connection instead of stopping the bot."""
        try:
            answer = json.loads(payload.decode("utf-8", "replace"))
        except ValueError:
            answer = None
        if not isinstance(answer, dict) or not ("result" in answer or "description" in answer):
            raise NetworkError(f"the Bot API's answer is not its JSON: {payload[:200]!r}")
        return answer

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        read = self._read_timeout if read_timeout is BaseRequest.DEFAULT_NONE else read_timeout
        headers = {"User-Agent": self.USER_AGENT}
        body: aiohttp.FormData | bytes | None = None
        if request_data is not None and request_data.contains_files:
            form = aiohttp.FormData()
            for name, value in request_data.json_parameters.items():
                form.add_field(name, value)
            for name, (filename, content, mimetype) in request_data.multipart_data.items():
                form.add_field(name, content, filename=filename, content_type=mimetype)
            body = form
        elif request_data is not None and request_data.parameters:
            body = request_data.json_payload
            headers["Content-Type"] = "application/json"
        return await self._send(url, body, headers, read)
