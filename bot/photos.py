"""A page's photo, fetched back from the chat that keeps it, for the printed archive.

The bot stores no picture: a page keeps what the platform gave, a Telegram file id or
a Zalo URL. Telegram gives a file's bytes through `getFile` and its file URL
(`<base>/file/bot<token>/<path>`, files up to 20 MB); Zalo's photo is a URL of its
own. A photo that cannot be fetched (no token here, a file Telegram no longer has, a
link that expired) is left out, and the archive says on its page where the photo is.
"""

import asyncio
import logging
from collections.abc import Sequence

import httpx

log = logging.getLogger(__name__)

MAX_BYTES = 20 * 1024 * 1024  # Telegram's own limit for a bot's download
TIMEOUT = httpx.Timeout(20.0, connect=5.0)
AT_ONCE = 4  # fetches in flight: a month's photos in seconds, gently on the Bot API


def is_url(ref: str) -> bool:
    """A Zalo photo is a URL; a Telegram photo a file id."""
    return ref.startswith(("http://", "https://"))


def file_base(api_base: str) -> str | None:
    """Telegram's file URL for a Bot API base (`…/bot` → `…/file/bot`, as
    python-telegram-bot's defaults are), or None for a base of another shape."""
    if not api_base.endswith("/bot"):
        return None
    return api_base.removesuffix("bot") + "file/bot"


class ChatPhotos:
    """Fetches photos by their stored reference, with the Telegram token when known."""

    def __init__(self, telegram_token: str = "", telegram_base: str = "") -> None:
        self.token = telegram_token.strip()
        self.api_base = telegram_base
        self.files = file_base(telegram_base) if self.token else None

    async def __call__(self, refs: Sequence[str]) -> dict[str, bytes]:
        """The bytes of each photo that could be fetched, by reference."""
        wanted = list(dict.fromkeys(refs))
        if not wanted:
            return {}
        gate = asyncio.Semaphore(AT_ONCE)
        async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=True) as client:

            async def one(ref: str) -> tuple[str, bytes | None]:
                async with gate:
                    try:
                        return ref, await self._fetch(client, ref)
                    except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
                        log.info("archive: a photo was not fetched (%s)", _why(exc))
                        return ref, None

            found = await asyncio.gather(*(one(ref) for ref in wanted))
        return {ref: data for ref, data in found if data is not None}

    async def _fetch(self, client: httpx.AsyncClient, ref: str) -> bytes | None:
        if is_url(ref):
            return await _download(client, ref)
        if self.files is None:
            return None
        answer = await client.post(f"{self.api_base}{self.token}/getFile", json={"file_id": ref})
        answer.raise_for_status()
        path = answer.json()["result"]["file_path"]
        if not isinstance(path, str) or not path or path.startswith("/"):
            return None  # a local Bot API server's own disk path: not reachable from here
        return await _download(client, f"{self.files}{self.token}/{path}")


def _why(exc: Exception) -> str:
    """What went wrong, without the URL: Telegram's file URL carries the bot's token."""
    if isinstance(exc, httpx.HTTPStatusError):
        return f"HTTP {exc.response.status_code}"
    return type(exc).__name__


async def _download(client: httpx.AsyncClient, url: str) -> bytes | None:
    """The body at `url`, or None when it is larger than a photo may be."""
    async with client.stream("GET", url) as response:
        response.raise_for_status()
        chunks, size = [], 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > MAX_BYTES:
                log.info("archive: a photo over %d bytes is left out", MAX_BYTES)
                return None
            chunks.append(chunk)
    return b"".join(chunks)
