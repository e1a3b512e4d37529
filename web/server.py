"""uvicorn serving the HTTP app as a task of the bot's own event loop.

The socket is bound by `web.listen.bind` before this module is even imported, so a port
in use is one clear line naming SOGOPY_HTTP_PORT (uvicorn would log it and exit the
process). uvicorn's own signal handling is left out: `sogopy run` owns SIGTERM and SIGINT.
"""

import asyncio
import contextlib
import logging
import socket
from collections.abc import Iterator

import uvicorn
from starlette.types import ASGIApp

log = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 5  # open requests' time to finish at a stop


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # the CLI's handlers stay in place (uvicorn would replace and re-raise them)


class HttpServer:
    """The app on `host:port` until `stop`."""

    def __init__(self, app: ASGIApp, sock: socket.socket) -> None:
        self.sock = sock
        self.host, self.port = sock.getsockname()[:2]
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
        self._task = asyncio.create_task(self._server.serve(sockets=[self.sock]))
        log.info("HTTP app on http://%s:%s (API docs: /api/docs)", self.host, self.port)

    async def stop(self) -> None:
        if self._task is None:
            return
        self._server.should_exit = True
        await self._task
