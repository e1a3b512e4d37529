"""The `sogopy` command line: run the bot, and the admin office's everyday tasks.

Every command creates or upgrades the schema it needs first, so commands work in
any order on a fresh machine. Errors are one line on stderr and a non-zero exit.
"""

import asyncio
import logging
import os
import re
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, TypeVar

import segno
import typer
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.settings import Settings, SettingsError, load_settings
from storage.db import create_engine, session_maker, upgrade_sync
from storage.models import Case, Ward
from storage.queries import case_by_code, list_wards, new_token, ward_by_code

T = TypeVar("T")

WARD_CODE = re.compile(r"^[A-Za-z0-9-]{1,32}$")
CASE_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")
PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class CliError(Exception):
    """A problem the person at the terminal can fix; printed as one line."""


app = typer.Typer(
    help="Sổ góp ý: the ward's digital suggestion book and satisfaction survey.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
ward_app = typer.Typer(help="Wards (phường, xã).", no_args_is_help=True)
case_app = typer.Typer(help="Cases (hồ sơ) at the one-stop desk.", no_args_is_help=True)
app.add_typer(ward_app, name="ward")
app.add_typer(case_app, name="case")


@asynccontextmanager
async def _session(settings: Settings) -> AsyncIterator[AsyncSession]:
    engine = create_engine(settings.database_url)
    try:
        async with session_maker(engine)() as session:
            yield session
    finally:
        await engine.dispose()


def _with_db(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Upgrade the schema, then run `work` in one transaction."""
    settings = load_settings()
    upgrade_sync(settings.database_url)

    async def main() -> T:
        async with _session(settings) as session:
            result = await work(session)
            await session.commit()
            return result

    return asyncio.run(main())


async def _ward(session: AsyncSession, code: str) -> Ward:
    ward = await ward_by_code(session, code.upper())
    if ward is None:
        raise CliError(f"unknown ward {code!r} (see: sogopy ward list)")
    return ward


def bot_username(settings: Settings) -> str:
    """TELEGRAM_BOT_USERNAME, or the Bot API's getMe when only the token is known."""
    if settings.telegram_bot_username.strip():
        return settings.telegram_bot_username.strip().lstrip("@")
    if not settings.telegram_bot_token.strip():
        raise CliError("set TELEGRAM_BOT_USERNAME (or TELEGRAM_BOT_TOKEN) to print links")
    from bot.telegram import connect  # only here: it needs the network

    async def ask() -> str:
        api = await connect(settings.telegram_bot_token.strip(), settings.telegram_api_base_url, 1)
        try:
            return api.username
        finally:
            await api.close()

    return asyncio.run(ask())


def start_link(username: str, payload: str) -> str:
    assert PAYLOAD.fullmatch(payload), payload
    return f"https://t.me/{username}?start={payload}"


@app.command()
def run() -> None:
    """Run the bot (long polling) with its scheduler."""
    from bot.app import serve

    settings = load_settings()
    settings.require_telegram_token()
    _setup_logging()
    asyncio.run(_until_signal(lambda stop: serve(settings, stop)))


@app.command()
def demo() -> None:
    """The bot against a built-in Bot API emulator: play citizen, leader and admin here."""
    from bot.demo import play

    asyncio.run(play())


async def _until_signal(main: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    """Run `main(stop)`; SIGTERM or SIGINT sets `stop` so it can finish cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await main(stop)


def _setup_logging() -> None:
    level = os.environ.get("SOGOPY_LOG_LEVEL", "INFO").upper()
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


@ward_app.command("add")
def ward_add(
    code: Annotated[str, typer.Argument(help="letters, digits and '-', e.g. NGHIA-TAN")],
    name: Annotated[str, typer.Argument(help="e.g. 'Phường Nghĩa Tân'")],
) -> None:
    """Add a ward."""
    if not WARD_CODE.fullmatch(code):
        raise CliError(f"bad ward code {code!r}: use 1-32 letters, digits or '-'")
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise CliError("the ward's name must be 1-200 characters")

    async def add(session: AsyncSession) -> Ward:
        if await ward_by_code(session, code.upper()) is not None:
            raise CliError(f"ward {code.upper()} already exists")
        ward = Ward(code=code.upper(), name=name)
        session.add(ward)
        return ward

    ward = _with_db(add)
    typer.echo(f"added ward {ward.code}: {ward.name}")


@ward_app.command("list")
def ward_list() -> None:
    """List the wards."""
    wards = _with_db(list_wards)
    if not wards:
        typer.echo("no wards yet: sogopy ward add CODE NAME")
    for ward in wards:
        typer.echo(
            f"{ward.code}\t{ward.name}\tdeadline {ward.deadline_days} days\t{ward.last_page} pages"
        )


@app.command("desk-link")
def desk_link(
    code: Annotated[str, typer.Argument(help="the ward's code")],
    desk: Annotated[int | None, typer.Option(min=1, max=999, help="the desk's number")] = None,
    qr: Annotated[
        Path | None, typer.Option(help="write the link's QR code to this PNG file")
    ] = None,
) -> None:
    """Print the walk-in survey link of a ward's desk, and write its QR code."""
    if qr is not None and qr.suffix.lower() != ".png":
        raise CliError(f"--qr {qr}: the QR code is written as PNG: use a .png file name")

    async def find(session: AsyncSession) -> Ward:
        return await _ward(session, code)

    ward = _with_db(find)
    payload = f"d_{ward.code}" + (f"_{desk}" if desk else "")
    link = start_link(bot_username(load_settings()), payload)
    typer.echo(link)
    if qr is not None:
        try:
            segno.make(link, error="m").save(str(qr), kind="png", scale=10, border=4)
        except OSError as exc:
            raise CliError(f"cannot write {qr}: {exc.strerror}") from exc
        typer.echo(f"QR code written to {qr}")


@case_app.command("new")
def case_new(
    ward: Annotated[str, typer.Option(help="the ward's code")],
    code: Annotated[str, typer.Option(help="the case code (mã hồ sơ)")],
    procedure: Annotated[str, typer.Option(help="the procedure, e.g. 'Đăng ký khai sinh'")],
) -> None:
    """Register a case; prints the link to put on the receipt."""
    if not CASE_CODE.fullmatch(code):
        raise CliError(f"bad case code {code!r}: use up to 64 letters, digits, '.', '/', '-', '_'")
    procedure = " ".join(procedure.split())
    if not procedure or len(procedure) > 500:
        raise CliError("the procedure must be 1-500 characters")
    username = bot_username(load_settings())

    async def add(session: AsyncSession) -> Case:
        found = await _ward(session, ward)
        if await case_by_code(session, code) is not None:
            raise CliError(f"case {code} already exists")
        assert found.id is not None
        case = Case(ward_id=found.id, code=code, procedure=procedure, token=new_token())
        session.add(case)
        return case

    case = _with_db(add)
    typer.echo(start_link(username, f"c_{case.token}"))


@case_app.command("done")
def case_done(code: Annotated[str, typer.Argument(help="the case code")]) -> None:
    """Mark a case returned: the running bot then asks the linked citizen for the survey."""
    from storage.models import utcnow

    async def mark(session: AsyncSession) -> Case:
        case = await case_by_code(session, code)
        if case is None:
            raise CliError(f"unknown case {code!r}")
        if case.done_at is None:
            case.done_at = utcnow()
        return case

    case = _with_db(mark)
    if case.person_id is None:
        typer.echo(f"case {case.code} marked done; no citizen has opened its link yet")
    else:
        typer.echo(f"case {case.code} marked done; the citizen will be asked for the survey")


def main() -> None:
    """The console entry point: every expected failure is one line and exit status 1."""
    try:
        app()  # usage errors are reported by Typer itself, with exit status 2
    except (CliError, SettingsError) as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except Exception as exc:  # the last guard: still one line, never a traceback
        if os.environ.get("SOGOPY_DEBUG"):
            raise
        typer.echo(f"error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(1)
