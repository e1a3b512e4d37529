"""The HTTP app's listening socket, bound first thing at start with nothing heavy imported.

A port in use stops `sogopy run` with one line before it connects to any platform; the
app itself (FastAPI, the console's charts and PDFs: most of start-up's imports) may then
be loaded while the bot already answers (`bot.app`).
"""

import socket

from bot.settings import SettingsError


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
