"""uvicorn serving the HTTP app as a task of the bot's own event loop.

The socket is bound here, so a port in use is one clear line naming SOGOPY_HTTP_PORT
(uvicorn would log it and exit the process), and it listens before `start` returns.
uvicorn's own signal handling is left out: `sogopy run` owns SIGTERM and SIGINT.
"""

import asyncio
import contextlib
import logging
import socket
from collections.abc import Iterator

import uvicorn
from fastapi import FastAPI

from bot.settings import SettingsError

log = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 5  # open requests' time to finish at a stop


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # the CLI's handlers stay in place (uvicorn would replace and re-raise them)


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket, or SettingsError naming the variable."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
            sock.listen(2048)
        except OSError:
            sock.close()
            raise
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise SettingsError(
            f"SOGOPY_HTTP_PORT: cannot listen on {host}:{port} ({reason}); "
            "choose another port, or SOGOPY_HTTP_PORT=off"
        ) from exc
    sock.setblocking(False)
    return sock


class HttpServer:
    """The app on `host:port` until `stop`."""

    def __init__(self, app: FastAPI, host: str, port: int) -> None:
        self.host, self.port = host, port
        config = uvicorn.Config(
            app,
            log_level="warning",
            lifespan="off",
            access_log=False,
            timeout_graceful_shutdown=STOP_GRACE_SECONDS,
        )
        self._server = _Server(config)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        sock = bind(self.host, self.port)
        self.port = sock.getsockname()[1]
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        log.info("HTTP app on http://%s:%s (API docs: /api/docs)", self.host, self.port)

    async def stop(self) -> None:
        if self._task is None:
            return
        self._server.should_exit = True
        await self._task
