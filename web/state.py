"""What the HTTP app shares with the running bot, filled in as the bot connects."""

import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.telegram import TelegramTransport
from bot.zalo import ZaloTransport
from handlers.survey_library import PACKAGED
from storage.db import GroupSync, SessionMaker
from storage.models import utcnow


@dataclass
class HttpState:
    db: SessionMaker
    zone: ZoneInfo
    clock: Callable[[], datetime] = utcnow
    durable: Callable[[], Awaitable[None]] = field(default=GroupSync().wait)  # before "recorded"
    public_url: str = ""  # SOGOPY_PUBLIC_URL, for absolute links; relative ones without it
    telegram_username: str | None = None  # the running bot's, for receipt links
    zalo_name: str | None = None  # the Zalo bot's name, for the code citizens send
    zalo: ZaloTransport | None = None  # the webhook's receiver, in webhook mode
    zalo_secret: str = ""
    telegram: TelegramTransport | None = None  # the webhook's receiver, in webhook mode
    telegram_secret: str = ""
    # signs console sessions (SOGOPY_SECRET_KEY); a fresh one ends them at each start
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    # fetches pages' photos back from the chats, for the archive (`bot.photos.ChatPhotos`)
    photos: Callable[[Sequence[str]], Awaitable[dict[str, bytes]]] | None = None
    ready: bool = False  # every transport connected: /health answers 200 from then on
    # what a broadcast made in the console may send, and when not (the CLI's settings)
    survey_folders: list[Path] = field(default_factory=lambda: [PACKAGED])
    quiet: tuple[time, time] | None = None  # SOGOPY_QUIET_HOURS
