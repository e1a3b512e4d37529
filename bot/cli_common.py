"""What every `sogopy` command shares: the database session, links, output files.

Commands translate options into office calls and print what comes back; the rules
live in office/. Kept light: a command loads only what it uses.
"""

import asyncio
import codecs
import gc
import io
import re
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TextIO, TypeVar

import typer

# Typer's own copy of Click: the usage errors it raises (pinned in pyproject.toml)
from typer._click.exceptions import BadParameter, MissingParameter, NoSuchOption, UsageError

from handlers.catalogue import office_text
from office.links import start_link

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from bot.settings import Settings
    from office.exports import Table

T = TypeVar("T")


_UNKNOWN_COMMAND = re.compile(r"No such command '(.*?)'\.(?: Did you mean '(.*)'\?)?")
_EXTRA_ARGUMENTS = re.compile(r"Got unexpected extra argument\(s\) \((.*)\)")
_VALUE_KINDS = (  # the English reasons Typer gives for a refused value (pydantic's)
    (re.compile(r"Input should be a valid integer\b.*"), "cli_value_integer"),
    (re.compile(r"Input should be a valid number\b.*"), "cli_value_number"),
    (re.compile(r"Input should be greater than or equal to (?P<limit>\S+)"), "cli_value_min"),
    (re.compile(r"Input should be less than or equal to (?P<limit>\S+)"), "cli_value_max"),
)


def _value_reason(message: str) -> str:
    for pattern, key in _VALUE_KINDS:
        if found := pattern.fullmatch(message):
            return office_text(key, **found.groupdict())
    return message


def usage_line(error: UsageError) -> str:
    """A usage error as one line in Vietnamese, naming the command's help; Typer's own
    report is three English lines (usage, a hint, the error)."""
    hint = error.param.get_error_hint() if isinstance(error, BadParameter) and error.param else ""
    message = error.format_message()
    if isinstance(error, MissingParameter):
        kind = error.param.param_type_name if error.param else ""
        what = office_text(
            f"cli_missing_{kind}" if kind in ("argument", "option") else "cli_missing",
            name=hint or str(error),
        )
    elif isinstance(error, NoSuchOption):
        what = office_text("cli_no_such_option", option=error.option_name)
    elif isinstance(error, BadParameter):
        what = office_text("cli_bad_value", name=hint, why=_value_reason(error.message))
    elif found := _UNKNOWN_COMMAND.fullmatch(message):
        what = office_text("cli_no_such_command", name=found[1])
        if found[2]:
            what = office_text("cli_did_you_mean", said=what, name=found[2])
    elif found := _EXTRA_ARGUMENTS.fullmatch(message):
        what = office_text("cli_extra_arguments", values=found[1])
    else:
        what = message
    path = error.ctx.command_path if error.ctx is not None else "sogopy"
    return office_text("cli_usage", message=what, help=f"{path} --help")


# C0 and C1 control characters but tab, newline and carriage return (CSV's line ends)
_TERMINAL_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class _ShownControls(io.RawIOBase):
    """A terminal's bytes with control characters shown as �.

    Names and suggestions are typed by citizens, and kept as typed: an escape sequence
    among them would act on the clerk's terminal when printed there (colours, its title,
    OSC 52 writing its clipboard). Files and pipes still get the text exactly as kept.
    """

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return True

    def fileno(self) -> int:  # `input()` still finds the terminal, and its line editing
        return self._out.fileno()

    def write(self, data: "bytes | bytearray | memoryview") -> int:  # type: ignore[override]
        text = self._decoder.decode(bytes(data))  # a letter cut between writes waits
        self._out.write(_TERMINAL_CONTROLS.sub("\ufffd", text).encode())
        self._out.flush()
        return len(data)


def terminal_safe(stream: TextIO) -> TextIO:
    """`stream` itself, or when it is a terminal, the same showing control characters."""
    try:
        if not stream.isatty():
            return stream
        raw = stream.buffer
    except (AttributeError, ValueError):  # a test's capture, a closed stream
        return stream
    stream.flush()
    return io.TextIOWrapper(
        _ShownControls(raw),  # type: ignore[arg-type]
        encoding="utf-8",
        errors="replace",
        newline="\n",
        write_through=True,
    )


def problem_line(error: Exception) -> str:
    """An unexpected error in one line. The database's refusal in its own words, naming the
    setting (SQLAlchemy's text adds the statement's driver and a second line, a link)."""
    database_errors = sys.modules.get("sqlalchemy.exc")  # loaded if the database was used
    if database_errors is not None and isinstance(error, database_errors.DBAPIError):
        why = str(error.orig or error).strip().splitlines() or [type(error).__name__]
        return office_text("cli_database", why=why[0])
    first = str(error).strip().splitlines()
    return f"{type(error).__name__}: {first[0]}" if first else type(error).__name__


class CliError(Exception):
    """A problem the person at the terminal can fix; printed as one line."""


def load_settings() -> "Settings":
    """`bot.settings.load_settings`, imported on first use: settings bring pydantic and
    SQLAlchemy, which `sogopy --help` and a usage error never need."""
    from bot.settings import load_settings as load

    return load()


def work_begins() -> None:
    """The command has loaded what it needs: the garbage collector, off while modules
    load (`bot.cli.main`), runs again for the work, which may make garbage. What loaded
    is kept out of its passes (frozen), or the first pass would walk all of it."""
    gc.freeze()
    gc.enable()


def office_call(work: Callable[["AsyncSession"], Awaitable[T]]) -> T:
    """Run one office operation on the configured database (the operation commits itself).

    The schema is upgraded first when it is not at the newest migration; checking costs
    one query, whereas loading Alembic every time would cost a command most of its time.
    """
    from storage.db import create_engine, schema_is_current, session_maker, upgrade

    settings = load_settings()
    work_begins()

    async def main() -> T:
        engine = create_engine(settings.database_url)
        try:
            try:
                if not await schema_is_current(engine):
                    await upgrade(settings.database_url)
            except OSError as exc:  # refused, no such host, no answer: the URL's address
                why = exc.strerror or str(exc) or type(exc).__name__
                raise CliError(office_text("cli_database", why=why)) from exc
            async with session_maker(engine)() as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(main())


def bot_username(settings: "Settings") -> str:
    """TELEGRAM_BOT_USERNAME, or the Bot API's getMe when only the token is known."""
    if settings.telegram_bot_username.strip():
        return settings.telegram_bot_username.strip().lstrip("@")
    if not settings.telegram_bot_token.strip():
        raise CliError(office_text("cli_need_username"))
    from bot.telegram import connect  # only here: it needs the network

    async def ask() -> str:
        api = await connect(settings.telegram_bot_token.strip(), settings.telegram_api_base_url, 1)
        try:
            return api.username
        finally:
            await api.close()

    return asyncio.run(ask())


def zalo_name(settings: "Settings") -> str:
    """ZALO_BOT_NAME, or the Zalo Bot API's getMe."""
    if settings.zalo_bot_name.strip():
        return settings.zalo_bot_name.strip()
    from bot.zalo import connect_zalo  # only here: it needs the network

    async def ask() -> str:
        api = await connect_zalo(settings.zalo_bot_token.strip(), settings.zalo_api_base_url)
        await api.close()
        return api.name

    return asyncio.run(ask())


def link_maker(settings: "Settings") -> Callable[[str, str], list[str]]:
    """Turns a start payload and its six-digit code into the lines to print: the Telegram
    link, the Zalo form when Zalo is configured (Zalo links carry no payload: the citizen
    sends the code), and the code a person may type on either instead.

    The bot's names are resolved here, once, so that a missing setting stops a command
    before it changes anything.
    """
    zalo = bool(settings.zalo_bot_token.strip())
    telegram = not zalo or bool(
        settings.telegram_bot_token.strip() or settings.telegram_bot_username.strip()
    )
    username = bot_username(settings) if telegram else ""
    zalo_bot = zalo_name(settings) if zalo else ""

    def lines(payload: str, short_code: str) -> list[str]:
        printed = [start_link(username, payload)] if telegram else []
        if zalo:
            printed.append(office_text("cli_zalo_line", code=short_code, bot=zalo_bot))
        printed.append(office_text("cli_short_code", code=short_code))
        return printed

    return lines


def one_line(text: str) -> str:
    """A name as one line of output: tabs and newlines would break the columns."""
    return " ".join(text.split())


def to_stdout(output: Path | None) -> bool:
    return output is None or str(output) == "-"


def check_format(fmt: str | None, output: Path | None, allowed: tuple[str, ...]) -> str:
    """The output format: given, or from the file name; Excel never to the terminal."""
    if fmt is None:
        fmt = "xlsx" if output is not None and output.suffix.lower() == ".xlsx" else "csv"
    fmt = fmt.lower()
    if fmt not in allowed:
        choices = office_text("cli_or").join(allowed)
        raise CliError(office_text("cli_bad_format", value=fmt, choices=choices))
    if fmt == "xlsx" and to_stdout(output):
        raise CliError(office_text("cli_excel_to_terminal"))
    return fmt


def write_table(table: "Table", fmt: str, output: Path | None) -> None:
    """A table as CSV (stdout without -o) or xlsx, to the file named."""
    from office.exports import write_csv, write_xlsx

    if to_stdout(output):
        sys.stdout.flush()
        write_csv(table, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return
    assert output is not None
    try:
        with output.open("wb") as stream:
            (write_csv if fmt == "csv" else write_xlsx)(table, stream)
    except OSError as exc:
        why = exc.strerror or exc
        raise CliError(office_text("cli_cannot_write", file=output, why=why)) from exc


def write_text(text: str, output: Path | None) -> None:
    if to_stdout(output):
        typer.echo(text)
        return
    assert output is not None
    try:
        output.write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        why = exc.strerror or exc
        raise CliError(office_text("cli_cannot_write", file=output, why=why)) from exc


def write_binary(data: bytes, output: Path) -> None:
    """A file's bytes (a PDF) to the file named, or to stdout for `-`."""
    if to_stdout(output):
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        output.write_bytes(data)
    except OSError as exc:
        why = exc.strerror or exc
        raise CliError(office_text("cli_cannot_write", file=output, why=why)) from exc
