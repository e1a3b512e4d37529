"""The `sogopy` command line: run the bot, and the admin office's everyday tasks.

Every command creates or upgrades the schema it needs first, so commands work in
any order on a fresh machine. Errors are one line on stderr and a non-zero exit.
"""

import asyncio
import json
import logging
import os
import re
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar
from zoneinfo import ZoneInfo

import segno
import typer
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.settings import Settings, SettingsError, load_settings
from handlers.catalogue import ELEMENTS, element_label
from storage.db import create_engine, session_maker, upgrade_sync
from storage.models import Case, Invite, Leadership, Person, Ward, utcnow
from storage.queries import case_by_code, list_wards, new_token, ward_by_code

if TYPE_CHECKING:
    from bot.export import Table
    from storage.report import Report

T = TypeVar("T")

WARD_CODE = re.compile(r"^[A-Za-z0-9-]{1,32}$")
CASE_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")
PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
INVITE_LINK = re.compile(r"^(?:https?://t\.me/[A-Za-z0-9_]+\?start=)?(l_)?([A-Za-z0-9_-]{1,32})$")
INVITE_DAYS = (1, 90)
DEADLINE_DAYS = (1, 365)
DATE, DATE_TIME = "%d/%m/%Y", "%d/%m/%Y %H:%M"
DEFAULT_DAYS = 30  # a report's period when none is given


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
leader_app = typer.Typer(help="Ward leaders: invites, the list, removal.", no_args_is_help=True)
export_app = typer.Typer(help="Exports for the office (CSV, Excel).", no_args_is_help=True)
app.add_typer(ward_app, name="ward")
app.add_typer(case_app, name="case")
app.add_typer(leader_app, name="leader")
app.add_typer(export_app, name="export")


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


def zalo_name(settings: Settings) -> str:
    """ZALO_BOT_NAME, or the Zalo Bot API's getMe."""
    if settings.zalo_bot_name.strip():
        return settings.zalo_bot_name.strip()
    from bot.zalo import connect_zalo  # only here: it needs the network

    async def ask() -> str:
        api = await connect_zalo(settings.zalo_bot_token.strip(), settings.zalo_api_base_url)
        await api.close()
        return api.name

    return asyncio.run(ask())


def links(settings: Settings, payload: str) -> list[str]:
    """The Telegram link, and the Zalo form when Zalo is configured (Zalo links carry no
    start payload: the citizen sends the code as the first message)."""
    zalo = bool(settings.zalo_bot_token.strip())
    lines = []
    if not zalo or settings.telegram_bot_token.strip() or settings.telegram_bot_username.strip():
        lines.append(start_link(bot_username(settings), payload))
    if zalo:
        lines.append(f'Zalo: gửi "{payload}" tới Zalo {zalo_name(settings)}')
    return lines


@app.command()
def run() -> None:
    """Run the bot (long polling) with its scheduler."""
    from bot.app import serve

    settings = load_settings()
    settings.require_a_token()
    _setup_logging()
    asyncio.run(_until_signal(lambda stop: serve(settings, stop)))


@app.command()
def demo(
    zalo: Annotated[bool, typer.Option(help="the citizen uses Zalo (numbered answers)")] = False,
) -> None:
    """The bot against a built-in Bot API emulator: play citizen, leader and admin here."""
    from bot.demo import play

    asyncio.run(play(zalo=zalo))


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
        removed = "\tremoved" if ward.removed_at is not None else ""
        typer.echo(
            f"{ward.code}\t{ward.name}\tdeadline {ward.deadline_days} days\t"
            f"{ward.last_page} pages{removed}"
        )


@ward_app.command("set")
def ward_set(
    code: Annotated[str, typer.Argument(help="the ward's code")],
    deadline_days: Annotated[
        int | None,
        typer.Option(help="days leaders have to answer a page before it is overdue (1-365)"),
    ] = None,
) -> None:
    """Change a ward's settings: its answer deadline."""
    if deadline_days is None:
        raise CliError("nothing to change: give --deadline-days N")
    _check_range("--deadline-days", deadline_days, DEADLINE_DAYS)

    async def change(session: AsyncSession) -> Ward:
        ward = await _ward(session, code)
        ward.deadline_days = deadline_days
        session.add(ward)
        return ward

    ward = _with_db(change)
    typer.echo(f"ward {ward.code}: answer deadline {ward.deadline_days} days")


@ward_app.command("remove")
def ward_remove(code: Annotated[str, typer.Argument(help="the ward's code")]) -> None:
    """Remove a ward: its book and figures stay, but broadcasts skip its citizens."""

    async def remove(session: AsyncSession) -> Ward:
        ward = await _ward(session, code)
        if ward.removed_at is not None:
            raise CliError(f"ward {ward.code} was already removed")
        ward.removed_at = utcnow()
        session.add(ward)
        return ward

    ward = _with_db(remove)
    typer.echo(f"ward {ward.code} removed")


def _check_range(option: str, value: int, bounds: tuple[int, int]) -> None:
    low, high = bounds
    if not low <= value <= high:
        raise CliError(f"{option} {value}: use a number of days from {low} to {high}")


def _one_line(text: str) -> str:
    """A name as one line of output: tabs and newlines would break the columns."""
    return " ".join(text.split())


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
    printed = links(load_settings(), payload)
    typer.echo("\n".join(printed))
    if qr is not None:
        link = printed[0] if printed[0].startswith("https://") else payload
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
    token = new_token()
    printed = links(load_settings(), f"c_{token}")  # before the case: a bad setting stops it

    async def add(session: AsyncSession) -> Case:
        found = await _ward(session, ward)
        if await case_by_code(session, code) is not None:
            raise CliError(f"case {code} already exists")
        assert found.id is not None
        case = Case(ward_id=found.id, code=code, procedure=procedure, token=token)
        session.add(case)
        return case

    _with_db(add)
    typer.echo("\n".join(printed))


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


@leader_app.command("invite")
def leader_invite(
    code: Annotated[str, typer.Argument(help="the ward's code")],
    days: Annotated[int, typer.Option(help="how many days the link stays valid (1-90)")] = 7,
) -> None:
    """Print a one-time invite link that makes whoever opens it a leader of the ward."""
    _check_range("--days", days, INVITE_DAYS)
    settings = load_settings()
    username = bot_username(settings)

    async def add(session: AsyncSession) -> Invite:
        ward = await _ward(session, code)
        assert ward.id is not None
        now = utcnow()
        invite = Invite(
            ward_id=ward.id,
            token=new_token(),
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
        session.add(invite)
        return invite

    invite = _with_db(add)
    typer.echo(start_link(username, f"l_{invite.token}"))
    until = invite.expires_at.astimezone(settings.zone).strftime(DATE_TIME)
    typer.echo(f"valid once, until {until} ({settings.timezone})")


async def _active_leaders(
    session: AsyncSession, ward_id: int | None
) -> Sequence[tuple[Leadership, Person, Ward]]:
    query = (
        select(Leadership, Person, Ward)
        .join(Person, col(Leadership.person_id) == col(Person.id))
        .join(Ward, col(Leadership.ward_id) == col(Ward.id))
        .where(col(Leadership.removed_at).is_(None))
    )
    if ward_id is not None:
        query = query.where(Leadership.ward_id == ward_id)
    query = query.order_by(col(Ward.code), col(Leadership.joined_at), col(Leadership.id))
    return (await session.exec(query)).all()


@leader_app.command("list")
def leader_list(
    ward: Annotated[str | None, typer.Option(help="only this ward's leaders")] = None,
) -> None:
    """List the active leaders: id (for leader remove), ward, name, chat, since when."""
    zone = load_settings().zone

    async def find(session: AsyncSession) -> Sequence[tuple[Leadership, Person, Ward]]:
        ward_id = (await _ward(session, ward)).id if ward is not None else None
        return await _active_leaders(session, ward_id)

    leaders = _with_db(find)
    if not leaders:
        where = f" in ward {ward.upper()}" if ward is not None else ""
        typer.echo(f"no leaders{where} yet: sogopy leader invite CODE")
    for leadership, person, found in leaders:
        since = leadership.joined_at.astimezone(zone).strftime(DATE)
        typer.echo(
            f"{leadership.id}\t{found.code}\t{_one_line(leadership.name)}"
            f"\t{person.platform} {person.chat_id}\tsince {since}"
        )


@leader_app.command("remove")
def leader_remove(
    leader_id: Annotated[str, typer.Argument(metavar="ID", help="the id shown by leader list")],
) -> None:
    """End a leadership at once; the person no longer sees or answers the ward's book."""
    if not re.fullmatch(r"[0-9]{1,18}", leader_id):
        raise CliError(f"bad leader id {leader_id!r}: use the number shown by sogopy leader list")
    zone = load_settings().zone

    async def remove(session: AsyncSession) -> tuple[Leadership, Ward]:
        leadership = await session.get(Leadership, int(leader_id))
        if leadership is None:
            raise CliError(f"unknown leader id {leader_id} (see: sogopy leader list)")
        ward = await session.get(Ward, leadership.ward_id)
        assert ward is not None
        name = _one_line(leadership.name)
        if leadership.removed_at is not None:
            when = leadership.removed_at.astimezone(zone).strftime(DATE)
            raise CliError(
                f"leader {leader_id} ({name}, {ward.code}) was already removed on {when}"
            )
        leadership.removed_at = utcnow()
        session.add(leadership)
        others = await session.exec(
            select(Leadership.id).where(
                Leadership.person_id == leadership.person_id,
                col(Leadership.removed_at).is_(None),
                Leadership.id != leadership.id,
            )
        )
        person = await session.get(Person, leadership.person_id)
        if others.first() is None and person is not None and person.role != "admin":
            person.role = "citizen"
            session.add(person)
        return leadership, ward

    leadership, ward = _with_db(remove)
    typer.echo(f"removed {_one_line(leadership.name)} as leader of {ward.code} ({ward.name})")


@leader_app.command("revoke-invite")
def leader_revoke_invite(
    invite: Annotated[
        str, typer.Argument(metavar="TOKEN_OR_LINK", help="the invite link or token")
    ],
) -> None:
    """Withdraw an invite link that has not been used yet."""
    match = INVITE_LINK.fullmatch(invite.strip())
    if match is None:
        raise CliError(f"not an invite link or token: {invite!r}")
    # a bare token may itself start with "l_": try it whole first
    tokens = [token for token in (f"{match[1] or ''}{match[2]}", match[2]) if token]
    zone = load_settings().zone

    async def revoke(session: AsyncSession) -> tuple[Invite, Ward]:
        found = None
        for token in dict.fromkeys(tokens):
            found = (await session.exec(select(Invite).where(Invite.token == token))).first()
            if found is not None:
                break
        if found is None:
            raise CliError("unknown invite (check the link)")
        ward = await session.get(Ward, found.ward_id)
        assert ward is not None
        if found.used_at is not None:
            when = found.used_at.astimezone(zone).strftime(DATE_TIME)
            raise CliError(
                f"this invite to {ward.code} was already used on {when}: "
                "to end that leadership use sogopy leader remove ID"
            )
        if found.revoked_at is not None:
            when = found.revoked_at.astimezone(zone).strftime(DATE_TIME)
            raise CliError(f"this invite to {ward.code} was already revoked on {when}")
        found.revoked_at = utcnow()
        session.add(found)
        return found, ward

    found, ward = _with_db(revoke)
    created = found.created_at.astimezone(zone).strftime(DATE_TIME)
    typer.echo(f"revoked the invite to {ward.code} made on {created}: the link no longer works")


@export_app.command("book")
def export_book(
    ward: Annotated[str, typer.Option(help="the ward's code")],
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="csv or xlsx; by default from the file name, else csv"),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="the file to write; CSV goes to stdout without it"),
    ] = None,
) -> None:
    """Export a ward's suggestion book: one row per page, in page order."""
    from bot.export import book_table, record_book_export  # only here: openpyxl loads slowly

    fmt = _check_format(fmt, output, ("csv", "xlsx"))
    to_stdout = output is None or str(output) == "-"
    zone = load_settings().zone

    async def build(session: AsyncSession) -> "tuple[Ward, Table]":
        found = await _ward(session, ward)
        table = await book_table(session, found, zone, utcnow())
        await record_book_export(session, found, table, "cli")  # data protection: audit trail
        return found, table

    found, table = _with_db(build)
    _write_table(table, fmt, output)
    if not to_stdout:
        typer.echo(f"wrote {len(table.rows)} pages of {found.code}'s book to {output}")


def _check_format(fmt: str | None, output: Path | None, allowed: tuple[str, ...]) -> str:
    """The output format: given, or from the file name; Excel never to the terminal."""
    if fmt is None:
        fmt = "xlsx" if output is not None and output.suffix.lower() == ".xlsx" else "csv"
    fmt = fmt.lower()
    if fmt not in allowed:
        raise CliError(f"--format {fmt}: use {' or '.join(allowed)}")
    if fmt == "xlsx" and (output is None or str(output) == "-"):
        raise CliError("an Excel file cannot go to the terminal: give -o FILE.xlsx")
    return fmt


def _write_table(table: "Table", fmt: str, output: Path | None) -> None:
    """A table as CSV (stdout without -o) or xlsx, to the file named."""
    from bot.export import write_csv, write_xlsx

    if output is None or str(output) == "-":
        sys.stdout.flush()
        write_csv(table, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return
    try:
        with output.open("wb") as stream:
            (write_csv if fmt == "csv" else write_xlsx)(table, stream)
    except OSError as exc:
        raise CliError(f"cannot write {output}: {exc.strerror or exc}") from exc


def _parse_date(value: str, option: str) -> date:
    for layout in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value.strip(), layout).date()
        except ValueError:
            continue
    raise CliError(f"{option} {value!r}: use YYYY-MM-DD (or dd/mm/yyyy)")


def _period(since: str | None, until: str | None, zone: ZoneInfo) -> tuple[date, date]:
    """Local dates, both included; by default the last 30 days up to today."""
    last = _parse_date(until, "--until") if until else datetime.now(zone).date()
    first = _parse_date(since, "--since") if since else last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise CliError(f"--since {first:%d/%m/%Y} is after --until {last:%d/%m/%Y}")
    return first, last


@export_app.command("answers")
def export_answers(
    ward: Annotated[str | None, typer.Option(help="only this ward")] = None,
    since: Annotated[str | None, typer.Option(help="first day, YYYY-MM-DD")] = None,
    until: Annotated[str | None, typer.Option(help="last day, YYYY-MM-DD")] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="csv or xlsx")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="the file; CSV to stdout without it")
    ] = None,
) -> None:
    """One row per answer, with case code, element, level, survey version, source, time."""
    from bot.export import answers_table

    fmt = _check_format(fmt, output, ("csv", "xlsx"))
    zone = load_settings().zone
    first, last = _period(since, until, zone)

    async def build(session: AsyncSession) -> "Table":
        found = await _ward(session, ward) if ward else None
        return await answers_table(session, zone, first, last, found.id if found else None)

    table = _with_db(build)
    _write_table(table, fmt, output)
    if output is not None and str(output) != "-":
        typer.echo(f"wrote {len(table.rows)} answers to {output}")


@app.command()
def report(
    ward: Annotated[str | None, typer.Option(help="only this ward")] = None,
    since: Annotated[str | None, typer.Option(help="first day, YYYY-MM-DD")] = None,
    until: Annotated[str | None, typer.Option(help="last day, YYYY-MM-DD")] = None,
    by: Annotated[str, typer.Option(help="element, procedure, week or ward")] = "element",
    fmt: Annotated[str, typer.Option("--format", help="table, csv, xlsx or json")] = "table",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="the file to write")] = None,
    chart: Annotated[Path | None, typer.Option(help="also draw the figures to this PNG")] = None,
) -> None:
    """Satisfaction per ward and SIPAS element: answers, share satisfied, response rate."""
    from bot.export import report_table, report_text
    from handlers.charts import render_chart
    from storage.report import GROUPINGS, build_report

    if by not in GROUPINGS:
        raise CliError(f"--by {by}: use {', '.join(GROUPINGS)}")
    if fmt not in ("table", "csv", "xlsx", "json"):
        raise CliError(f"--format {fmt}: use table, csv, xlsx or json")
    if fmt == "xlsx":
        _check_format(fmt, output, ("xlsx",))
    if chart is not None and chart.suffix.lower() != ".png":
        raise CliError(f"--chart {chart}: the chart is a PNG: use a .png file name")
    zone = load_settings().zone
    first, last = _period(since, until, zone)

    async def build(session: AsyncSession) -> "Report":
        found = await _ward(session, ward) if ward else None
        return await build_report(
            session, zone=zone, since=first, until=last, ward_id=found.id if found else None,
            by=by, element_labels={code: element_label("vi", code) for code in ELEMENTS},
        )  # fmt: skip

    result = _with_db(build)
    if fmt in ("csv", "xlsx"):
        _write_table(report_table(result), fmt, output)
    else:
        text = report_text(result) if fmt == "table" else report_json(result)
        _write_text(text, output)
    if chart is not None:
        title = f"Mức độ hài lòng — {ward.upper() if ward else 'toàn thành phố'}"
        try:
            chart.write_bytes(render_chart(result, title))
        except OSError as exc:
            raise CliError(f"cannot write {chart}: {exc.strerror or exc}") from exc
        typer.echo(f"chart written to {chart}", err=output is None)


def report_json(result: "Report") -> str:
    """The report as JSON: every figure with its distribution, for other programs."""
    from bot.export import cell_dict

    data = {
        "since": result.since.isoformat(),
        "until": result.until.isoformat(),
        "ward": result.ward,
        "by": result.by,
        "overall": cell_dict(result.overall),
        "rows": [cell_dict(cell) for cell in result.rows],
        "elements": {
            code: [cell_dict(cell) for cell in cells] for code, cells in result.elements.items()
        },
        "cases_done": result.cases_done,
        "cases_answered": result.cases_answered,
        "response_rate": result.response_rate,
        "response_too_few": result.response_too_few,
        "walkin_answers": result.walkin_answers,
    }
    return json.dumps(data, ensure_ascii=False, indent=2)


def _write_text(text: str, output: Path | None) -> None:
    if output is None or str(output) == "-":
        typer.echo(text)
        return
    try:
        output.write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot write {output}: {exc.strerror or exc}") from exc


from bot.cli_broadcast import broadcast_app, survey_app  # noqa: E402  (it uses this module)

app.add_typer(survey_app, name="survey")
app.add_typer(broadcast_app, name="broadcast")

# data protection (issue 15): the desk's side of citizens' rights, the audit trail, backups
from bot.cli_privacy import audit_command, backup_command, privacy_app, restore_command  # noqa: E402

app.add_typer(privacy_app, name="privacy")
app.command("audit")(audit_command)
app.command("backup")(backup_command)
app.command("restore")(restore_command)


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
