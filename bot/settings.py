"""Settings from the environment (the contract's table), checked once at start.

A missing or malformed value becomes one line naming the variable (`SettingsError`),
never a traceback.
"""

import os
import re
import secrets
from datetime import time
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from storage.db import DEFAULT_DATABASE_URL, DatabaseUrlError, normalize_url

TELEGRAM_API = "https://api.telegram.org/bot"
ZALO_API = "https://bot-api.zaloplatforms.com/bot"
QUIET_PATTERN = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
TELEGRAM_SECRET = re.compile(r"[A-Za-z0-9_-]{8,256}")  # what setWebhook's secret_token takes


class SettingsError(Exception):
    """A setting that stops the program: the message names the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", env_ignore_empty=False)

    telegram_bot_token: str = Field(default="", validation_alias="TELEGRAM_BOT_TOKEN")
    telegram_bot_username: str = Field(default="", validation_alias="TELEGRAM_BOT_USERNAME")
    telegram_api_base_url: str = Field(
        default=TELEGRAM_API, validation_alias="TELEGRAM_API_BASE_URL"
    )
    database_url: str = Field(default=DEFAULT_DATABASE_URL, validation_alias="DATABASE_URL")
    admins: Annotated[frozenset[int], NoDecode] = Field(
        default=frozenset(), validation_alias="SOGOPY_ADMINS"
    )
    timezone: str = Field(default="Asia/Ho_Chi_Minh", validation_alias="SOGOPY_TIMEZONE")
    survey_delay: float = Field(default=0, ge=0, validation_alias="SOGOPY_SURVEY_DELAY")
    remind_after_hours: float = Field(
        default=24, gt=0, validation_alias="SOGOPY_REMIND_AFTER_HOURS"
    )
    send_rate: float = Field(default=25, gt=0, le=1000, validation_alias="SOGOPY_SEND_RATE")
    quiet_hours: str = Field(default="21:00-07:00", validation_alias="SOGOPY_QUIET_HOURS")
    survey_dir: str = Field(default="", validation_alias="SOGOPY_SURVEY_DIR")
    telegram_webhook_url: str = Field(default="", validation_alias="TELEGRAM_WEBHOOK_URL")
    telegram_webhook_secret: str = Field(default="", validation_alias="TELEGRAM_WEBHOOK_SECRET")
    zalo_bot_token: str = Field(default="", validation_alias="ZALO_BOT_TOKEN")
    zalo_bot_name: str = Field(default="", validation_alias="ZALO_BOT_NAME")
    zalo_api_base_url: str = Field(default=ZALO_API, validation_alias="ZALO_API_BASE_URL")
    zalo_webhook_secret: str = Field(default="", validation_alias="ZALO_WEBHOOK_SECRET")
    zalo_webhook_url: str = Field(default="", validation_alias="ZALO_WEBHOOK_URL")
    zalo_send_rate: float = Field(
        default=10, gt=0, le=1000, validation_alias="SOGOPY_ZALO_SEND_RATE"
    )
    http_host: str = Field(default="127.0.0.1", validation_alias="SOGOPY_HTTP_HOST")
    # 0 or "off": no HTTP app (no API, no health, no webhook)
    http_port: int = Field(default=8080, ge=0, le=65535, validation_alias="SOGOPY_HTTP_PORT")
    public_url: str = Field(default="", validation_alias="SOGOPY_PUBLIC_URL")
    secret_key: str = Field(default="", validation_alias="SOGOPY_SECRET_KEY")
    retention_months: int = Field(
        default=24, ge=1, le=600, validation_alias="SOGOPY_RETENTION_MONTHS"
    )

    @field_validator("admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            if not all(re.fullmatch(r"-?\d+", part) for part in parts):
                raise ValueError("must be comma-separated Telegram user ids (digits)")
            return frozenset(int(part) for part in parts)
        return value

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        try:
            return normalize_url(value)
        except DatabaseUrlError as exc:
            raise ValueError(str(exc)) from exc

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _check_quiet_hours(cls, value: str) -> str:
        value = value.strip()
        match = QUIET_PATTERN.fullmatch(value)
        if value and (
            not match
            or int(match[1]) > 23
            or int(match[3]) > 23
            or max(int(match[2]), int(match[4])) > 59
        ):
            raise ValueError("use HH:MM-HH:MM, e.g. 21:00-07:00, or leave it empty")
        return value

    @field_validator("survey_dir")
    @classmethod
    def _check_survey_dir(cls, value: str) -> str:
        if value and not Path(value).is_dir():
            raise ValueError("must be an existing folder of survey files (*.yaml)")
        return value

    @field_validator("telegram_api_base_url", "zalo_api_base_url")
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("http_port", mode="before")
    @classmethod
    def _http_off(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().lower() in ("off", "no", "false"):
            return 0
        return value

    @field_validator("public_url")
    @classmethod
    def _check_public_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with https:// (or http://), e.g. https://gopy.example.vn")
        return value

    @field_validator("zalo_webhook_url", "telegram_webhook_url")
    @classmethod
    def _check_webhook_url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with https:// (or http:// for a local test)")
        return value

    @model_validator(mode="after")
    def _check_webhook_secret(self) -> "Settings":
        if self.zalo_webhook_url and not 8 <= len(self.zalo_webhook_secret) <= 256:
            raise ValueError("ZALO_WEBHOOK_SECRET: a webhook needs a secret of 8-256 characters")
        if self.zalo_webhook_url and not self.http_port:
            raise ValueError("SOGOPY_HTTP_PORT: the Zalo webhook needs the HTTP app: set a port")
        if self.telegram_webhook_url and not TELEGRAM_SECRET.fullmatch(
            self.telegram_webhook_secret
        ):
            raise ValueError(
                "TELEGRAM_WEBHOOK_SECRET: the webhook needs a secret of 8-256 characters "
                "A-Z a-z 0-9 _ - (Telegram's secret_token)"
            )
        if self.telegram_webhook_url and not self.http_port:
            raise ValueError(
                "SOGOPY_HTTP_PORT: the Telegram webhook needs the HTTP app: set a port"
            )
        return self

    @property
    def console_url(self) -> str:
        """The console's base for links: SOGOPY_PUBLIC_URL, else the HTTP app's own
        address; "" when the HTTP app is off."""
        if not self.http_port:
            return ""
        return self.public_url or f"http://{self.http_host}:{self.http_port}"

    @property
    def console_secret(self) -> str:
        """SOGOPY_SECRET_KEY; without it, on a SQLite file, a key made once and kept beside
        the database (so `make demo` needs no setting); else a key for this run alone."""
        if self.secret_key:
            return self.secret_key
        from sqlalchemy import make_url  # only here: most commands never sign a session

        url = make_url(self.database_url)
        database = url.database
        if url.get_backend_name() != "sqlite" or database in (None, "", ":memory:"):
            return secrets.token_urlsafe(32)
        kept = Path(database).with_name(Path(database).name + ".secret-key")
        if not kept.exists():
            kept.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(kept, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as out:
                out.write(secrets.token_urlsafe(32))
        return kept.read_text().strip()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def quiet(self) -> tuple[time, time] | None:
        match = QUIET_PATTERN.fullmatch(self.quiet_hours)
        if not match:
            return None
        start, end = time(int(match[1]), int(match[2])), time(int(match[3]), int(match[4]))
        return start, end

    @property
    def survey_folders(self) -> list[Path]:
        """The packaged surveys, and the admins' own folder when SOGOPY_SURVEY_DIR is set."""
        from handlers.survey_library import PACKAGED  # only here: YAML is for surveys alone

        return [PACKAGED, *([Path(self.survey_dir)] if self.survey_dir else [])]

    def require_a_token(self) -> None:
        """`sogopy run` needs Telegram, Zalo, or both."""
        if not self.telegram_bot_token.strip() and not self.zalo_bot_token.strip():
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN is not set (nor ZALO_BOT_TOKEN): export at least one"
            )


def load_settings() -> Settings:
    """Read the environment; one line naming the variable when something is wrong."""
    try:
        return Settings()
    except ValidationError as exc:
        error = exc.errors()[0]
        message = str(error["msg"]).removeprefix("Value error, ")
        if not error["loc"]:  # a check across variables names them itself
            raise SettingsError(message) from None
        variable = str(error["loc"][0])
        field = Settings.model_fields.get(variable)
        if field is not None and isinstance(field.validation_alias, str):
            variable = field.validation_alias
        raise SettingsError(f"{variable}: {message}") from None
