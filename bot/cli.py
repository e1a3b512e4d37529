"""The `sogopy` command line: run the bot, and the admin office's everyday tasks.

Each command translates its options into one call of the office layer (office/) and
prints what comes back; the rules live there. Every command creates or upgrades the
schema it needs first, so commands work in any order on a fresh machine. Errors are
one line on stderr and exit status 1. Heavy libraries (the bot, spreadsheets, charts)
are loaded only by the commands that use them, so that a command starts quickly.
"""

import asyncio
import gc
import json
import logging
import os
import re
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from typer._click.exceptions import NoArgsIsHelpError, UsageError

from bot.cli_apikey import apikey_app
from bot.cli_broadcast import broadcast_app, survey_app
from bot.cli_common import (
    CliError,
    bot_username,
    check_format,
    link_maker,
    load_settings,
    office_call,
    one_line,
    problem_line,
    start_link,
    terminal_safe,
    to_stdout,
    usage_line,
    work_begins,
    write_binary,
    write_table,
    write_text,
)
from bot.cli_import import case_import
from bot.cli_privacy import audit_command, backup_command, privacy_app, restore_command
from bot.cli_user import user_app
from handlers.catalogue import office_text
from office.errors import OfficeError

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

DATE, DATE_TIME = "%d/%m/%Y", "%d/%m/%Y %H:%M"

app = typer.Typer(
    help=office_text("help_app"),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help and usage errors: Rich's took half of `sogopy --help`
)
ward_app = typer.Typer(help=office_text("help_wards"), no_args_is_help=True, rich_markup_mode=None)
case_app = typer.Typer(help=office_text("help_cases"), no_args_is_help=True, rich_markup_mode=None)
leader_app = typer.Typer(
    help=office_text("help_leaders"), no_args_is_help=True, rich_markup_mode=None
)
export_app = typer.Typer(
    help=office_text("help_exports"), no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(ward_app, name="ward")
app.add_typer(case_app, name="case")
app.add_typer(leader_app, name="leader")
app.add_typer(export_app, name="export")
app.add_typer(survey_app, name="survey")
app.add_typer(broadcast_app, name="broadcast")
app.add_typer(apikey_app, name="apikey")
app.add_typer(user_app, name="user")  # the web console's accounts (issue 13)
# data protection (issue 15): the desk's side of citizens' rights, the audit trail, backups
app.add_typer(privacy_app, name="privacy")
app.command("audit", help=office_text("help_audit"))(audit_command)
app.command("backup", help=office_text("help_backup"))(backup_command)
app.command("restore", help=office_text("help_restore"))(restore_command)
case_app.command("import", help=office_text("help_case_import"))(case_import)
WARD_HELP = office_text("help_ward_code")


@app.command(help=office_text("help_run"))
def run() -> None:
    """Run the bot (long polling) with its scheduler."""
    from bot.app import serve

    settings = load_settings()
    settings.require_a_token()
    _setup_logging()
    work_begins()
    asyncio.run(_until_signal(lambda stop: serve(settings, stop)))


@app.command(help=office_text("help_demo"))
def demo(
    zalo: Annotated[bool, typer.Option(help=office_text("help_demo_zalo"))] = False,
) -> None:
    """The bot against a built-in Bot API emulator: play citizen, leader and admin here."""
    from bot.demo import play

    work_begins()
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


@ward_app.command("add", help=office_text("help_ward_add"))
def ward_add(
    code: Annotated[str, typer.Argument(help=WARD_HELP)],
    name: Annotated[str, typer.Argument(help=office_text("help_ward_name"))],
    kind: Annotated[str | None, typer.Option(help=office_text("help_ward_kind"))] = None,
) -> None:
    """Add a ward; a code typed as a name becomes one ("Dịch Vọng" → DICH-VONG)."""
    from office import wards

    ward = office_call(lambda session: wards.add_ward(session, code, name, kind))
    typer.echo(office_text("cli_ward_added", kind=ward.kind, code=ward.code, name=ward.name))


@ward_app.command("list", help=office_text("help_ward_list"))
def ward_list() -> None:
    """List the wards."""
    from office import wards

    found = office_call(wards.list_wards)
    if not found:
        typer.echo(office_text("cli_no_wards"))
    for ward in found:
        removed = office_text("cli_ward_removed_mark") if ward.removed_at is not None else ""
        line = office_text(
            "cli_ward_line",
            code=ward.code,
            name=ward.name,
            kind=ward.kind,
            days=ward.deadline_days,
            pages=ward.last_page,
            removed=removed,
        )
        typer.echo(line)


@ward_app.command("set", help=office_text("help_ward_set"))
def ward_set(
    code: Annotated[str, typer.Argument(help=WARD_HELP)],
    deadline_days: Annotated[int | None, typer.Option(help=office_text("help_deadline"))] = None,
) -> None:
    """Change a ward's settings: its answer deadline."""
    from office import wards

    if deadline_days is None:
        raise CliError(office_text("cli_nothing_to_set"))
    ward = office_call(lambda session: wards.set_deadline(session, code, deadline_days))
    typer.echo(office_text("cli_deadline_set", code=ward.code, days=ward.deadline_days))


@ward_app.command("remove", help=office_text("help_ward_remove"))
def ward_remove(code: Annotated[str, typer.Argument(help=WARD_HELP)]) -> None:
    """Remove a ward: its book and figures stay, but broadcasts skip its citizens."""
    from office import wards

    ward = office_call(lambda session: wards.remove_ward(session, code))
    typer.echo(office_text("cli_ward_removed", code=ward.code))


@app.command("desk-link", help=office_text("help_desk_link"))
def desk_link(
    code: Annotated[str, typer.Argument(help=WARD_HELP)],
    desk: Annotated[int | None, typer.Option(min=1, max=999, help=office_text("help_desk"))] = None,
    qr: Annotated[Path | None, typer.Option(help=office_text("help_qr"))] = None,
) -> None:
    """Print the walk-in survey link and code of a ward's desk, and write its QR code."""
    from office import wards

    if qr is not None and qr.suffix.lower() != ".png":
        raise CliError(office_text("cli_qr_png", file=qr))
    payload, short_code = office_call(lambda session: wards.desk_payload(session, code, desk))
    printed = link_maker(load_settings())(payload, short_code)
    typer.echo("\n".join(printed))
    if qr is not None:
        import segno  # only here: no other command draws a QR code

        link = printed[0] if printed[0].startswith("https://") else payload
        try:
            segno.make(link, error="m").save(str(qr), kind="png", scale=10, border=4)
        except OSError as exc:
            raise CliError(office_text("cli_cannot_write", file=qr, why=exc.strerror)) from exc
        typer.echo(office_text("cli_qr_written", file=qr))


@case_app.command("new", help=office_text("help_case_new"))
def case_new(
    ward: Annotated[str, typer.Option(help=WARD_HELP)],
    code: Annotated[str, typer.Option(help=office_text("help_case_code"))],
    procedure: Annotated[str, typer.Option(help=office_text("help_procedure"))],
) -> None:
    """Register a case; prints the link and the code to put on the receipt."""
    from office.cases import register_case

    links = link_maker(load_settings())  # before the case: a bad setting stops it
    case, created = office_call(
        lambda session: register_case(session, ward=ward, code=code, procedure=procedure)
    )
    if not created:
        raise CliError(office_text("cli_case_exists", code=case.code))
    typer.echo("\n".join(links(f"c_{case.token}", case.short_code)))


@case_app.command("done", help=office_text("help_case_done"))
def case_done(code: Annotated[str, typer.Argument(help=office_text("help_case_code"))]) -> None:
    """Mark a case returned: the running bot then asks the linked citizen for the survey."""
    from office.cases import CaseStatus, get_case, mark_case_done

    async def mark(session: "AsyncSession") -> tuple[bool, bool]:
        linked = (await get_case(session, code)).status != CaseStatus.REGISTERED
        _, changed = await mark_case_done(session, code)
        return linked, changed

    linked, changed = office_call(mark)
    if not changed:
        typer.echo(office_text("cli_case_already_done", code=code))
    elif linked:
        typer.echo(office_text("cli_case_done_linked", code=code))
    else:
        typer.echo(office_text("cli_case_done_unlinked", code=code))


@leader_app.command("invite", help=office_text("help_leader_invite"))
def leader_invite(
    code: Annotated[str, typer.Argument(help=WARD_HELP)],
    days: Annotated[int, typer.Option(help=office_text("help_invite_days"))] = 7,
    name: Annotated[str | None, typer.Option(help=office_text("help_invite_name"))] = None,
    title: Annotated[str | None, typer.Option(help=office_text("help_invite_title"))] = None,
) -> None:
    """Print a one-time invite link that makes whoever opens it a leader of the ward."""
    from office import leaders

    settings = load_settings()
    username = bot_username(settings)
    invite = office_call(
        lambda session: leaders.invite_leader(session, code, days, name=name, title=title)
    )
    typer.echo(start_link(username, f"l_{invite.token}"))
    until = invite.expires_at.astimezone(settings.zone).strftime(DATE_TIME)
    typer.echo(office_text("cli_invite_valid", until=until, zone=settings.timezone))


@leader_app.command("list", help=office_text("help_leader_list"))
def leader_list(
    ward: Annotated[str | None, typer.Option(help=office_text("help_leader_ward"))] = None,
) -> None:
    """List the active leaders: id (for leader remove), ward, name, chat, since when."""
    from office import leaders

    zone = load_settings().zone
    found = office_call(lambda session: leaders.list_leaders(session, ward))
    if not found:
        typer.echo(
            office_text("cli_no_leaders_in", ward=ward.upper())
            if ward is not None
            else office_text("cli_no_leaders")
        )
    for leader in found:
        since = leader.joined_at.astimezone(zone).strftime(DATE)
        line = office_text(
            "cli_leader_line",
            id=leader.id,
            ward=leader.ward_code,
            name=one_line(leader.name),
            platform=leader.platform,
            chat=leader.chat_id,
            since=since,
        )
        typer.echo(line)


@leader_app.command("remove", help=office_text("help_leader_remove"))
def leader_remove(
    leader_id: Annotated[str, typer.Argument(metavar="ID", help=office_text("help_leader_id"))],
) -> None:
    """End a leadership at once; the person no longer sees or answers the ward's book."""
    from office import leaders

    if not re.fullmatch(r"[0-9]{1,18}", leader_id):
        raise CliError(office_text("cli_bad_leader_id", value=leader_id))
    zone = load_settings().zone
    leadership, ward = office_call(
        lambda session: leaders.remove_leader(session, int(leader_id), zone)
    )
    name = one_line(leadership.name)
    typer.echo(office_text("cli_leader_removed", name=name, code=ward.code, ward=ward.name))


@leader_app.command("revoke-invite", help=office_text("help_revoke_invite"))
def leader_revoke_invite(
    invite: Annotated[
        str, typer.Argument(metavar="TOKEN_OR_LINK", help=office_text("help_invite_link"))
    ],
) -> None:
    """Withdraw an invite link that has not been used yet."""
    from office import leaders

    zone = load_settings().zone
    found, ward = office_call(lambda session: leaders.revoke_invite(session, invite, zone))
    created = found.created_at.astimezone(zone).strftime(DATE_TIME)
    typer.echo(office_text("cli_invite_revoked", code=ward.code, created=created))


@export_app.command("book", help=office_text("help_export_book"))
def export_book(
    ward: Annotated[str, typer.Option(help=WARD_HELP)],
    fmt: Annotated[
        str | None, typer.Option("--format", help=office_text("help_book_format"))
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help=office_text("help_output_csv"))
    ] = None,
) -> None:
    """Export a ward's suggestion book: one row per page, in page order."""
    from office import exports

    fmt = check_format(fmt, output, ("csv", "xlsx"))
    zone = load_settings().zone
    found, table = office_call(lambda session: exports.export_book(session, ward, zone))
    write_table(table, fmt, output)
    if not to_stdout(output):
        count = len(table.rows)
        typer.echo(office_text("cli_book_written", count=count, code=found.code, file=output))


@export_app.command("answers", help=office_text("help_export_answers"))
def export_answers(
    ward: Annotated[str | None, typer.Option(help=office_text("help_only_ward"))] = None,
    since: Annotated[str | None, typer.Option(help=office_text("help_since"))] = None,
    until: Annotated[str | None, typer.Option(help=office_text("help_until"))] = None,
    fmt: Annotated[str | None, typer.Option("--format", help=office_text("help_csv_xlsx"))] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help=office_text("help_output_csv"))
    ] = None,
) -> None:
    """One row per answer, with case code, element, level, survey version, source, time."""
    from office import exports
    from office.figures import period

    fmt = check_format(fmt, output, ("csv", "xlsx"))
    zone = load_settings().zone
    first, last = period(since, until, zone)
    table = office_call(
        lambda session: exports.export_answers(
            session, ward=ward, since=first, until=last, zone=zone
        )
    )
    write_table(table, fmt, output)
    if not to_stdout(output):
        typer.echo(office_text("cli_answers_written", count=len(table.rows), file=output))


@export_app.command("archive", help=office_text("help_export_archive"))
def export_archive(
    ward: Annotated[str, typer.Option(help=WARD_HELP)],
    month: Annotated[str, typer.Option(help=office_text("help_month"))],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help=office_text("help_output_pdf"))
    ] = None,
) -> None:
    """A month of the book as a PDF to print and file; the photos fetched from the chats."""
    from bot.photos import ChatPhotos
    from office import archive, audit
    from storage.models import utcnow

    settings = load_settings()
    zone = settings.zone
    photos = ChatPhotos(settings.telegram_bot_token, settings.telegram_api_base_url)

    found = office_call(
        lambda session: archive.month_archive(
            session, ward, month, zone=zone, now=utcnow(), actor=audit.os_user(),
            actor_kind="cli", how="cli",
        )
    )  # fmt: skip
    printed = asyncio.run(archive.print_archive(found, zone, photos))
    target = output or Path(f"so-gop-y-{found.ward_code}-{found.month:%Y-%m}.pdf")
    write_binary(printed.pdf, target)
    to_terminal = to_stdout(output) and output is not None  # `-o -`: the PDF is stdout
    if not to_terminal:
        values = {"month": found.month_label, "code": found.ward_code, "file": target}
        count, sheets = len(found.pages), printed.sheets
        typer.echo(office_text("cli_archive_written", count=count, sheets=sheets, **values))
    if printed.photos_missing:
        missing = office_text("cli_archive_photos", count=printed.photos_missing)
        typer.echo(missing, err=to_terminal)


@app.command(help=office_text("help_report"))
def report(
    ward: Annotated[str | None, typer.Option(help=office_text("help_only_ward"))] = None,
    since: Annotated[str | None, typer.Option(help=office_text("help_since"))] = None,
    until: Annotated[str | None, typer.Option(help=office_text("help_until"))] = None,
    period_name: Annotated[
        str | None, typer.Option("--period", help=office_text("help_period"))
    ] = None,
    by: Annotated[str, typer.Option(help=office_text("help_by"))] = "element",
    source: Annotated[str, typer.Option(help=office_text("help_source"))] = "visit",
    fmt: Annotated[str, typer.Option("--format", help=office_text("help_report_format"))] = "table",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help=office_text("help_output"))
    ] = None,
    chart: Annotated[Path | None, typer.Option(help=office_text("help_chart"))] = None,
) -> None:
    """Satisfaction per ward and SIPAS element: answers, share satisfied, response rate,
    with the period before beside."""
    from datetime import datetime

    from office.exports import report_table, report_text, scope_of
    from office.figures import check_grouping, check_source, figures, period, report_json

    check_grouping(by)
    check_source(source)
    if fmt not in ("table", "csv", "xlsx", "json"):
        choices = office_text("cli_or").join(("table", "csv", "xlsx", "json"))
        raise CliError(office_text("cli_bad_format", value=fmt, choices=choices))
    if fmt == "xlsx":
        check_format(fmt, output, ("xlsx",))
    if chart is not None and chart.suffix.lower() != ".png":
        raise CliError(office_text("cli_chart_not_png", file=chart))
    zone = load_settings().zone
    first, last = period(since, until, zone, named=period_name)
    result = office_call(
        lambda session: figures(
            session, zone=zone, since=first, until=last, ward=ward, by=by, source=source
        )
    )
    if fmt in ("csv", "xlsx"):
        write_table(report_table(result, made=datetime.now(zone).date()), fmt, output)
    elif fmt == "json":
        write_text(json.dumps(report_json(result), ensure_ascii=False, indent=2), output)
    else:
        write_text(report_text(result), output)
    if chart is not None:
        from handlers.charts import render_chart  # only here: matplotlib is slow to load

        title = f"Mức độ hài lòng — {scope_of(result)}"
        try:
            chart.write_bytes(render_chart(result, title))
        except OSError as exc:
            why = exc.strerror or exc
            raise CliError(office_text("cli_cannot_write", file=chart, why=why)) from exc
        typer.echo(office_text("cli_chart_written", file=chart), err=output is None)


def main(args: list[str] | None = None) -> None:
    """The console entry point: every expected failure is one line and exit status 1.

    The garbage collector is off while the command loads its modules, which make many
    objects and no garbage (its passes were two fifths of `ward list`), until the work
    begins (`work_begins`) or the command ends.
    """
    collecting = gc.isenabled()
    gc.disable()
    terminal = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = terminal_safe(sys.stdout), terminal_safe(sys.stderr)
    try:
        # not standalone: usage errors come here, to be told in one Vietnamese line
        status = app(args, prog_name="sogopy", standalone_mode=False)
    except NoArgsIsHelpError as exc:  # a group named without its command: its help
        exc.show()
        sys.exit(exc.exit_code)
    except UsageError as exc:
        typer.echo(usage_line(exc), err=True)
        sys.exit(exc.exit_code)
    except typer.Abort:  # a prompt's input ended (Ctrl-D)
        typer.echo(office_text("cli_aborted"), err=True)
        sys.exit(1)
    except OfficeError as exc:
        typer.echo(office_text("cli_error", message=exc.message), err=True)
        sys.exit(1)
    except CliError as exc:
        typer.echo(office_text("cli_error", message=exc), err=True)
        sys.exit(1)
    except Exception as exc:  # the last guard: still one line, never a traceback
        from bot.settings import SettingsError  # here: a command that raised it loaded it

        if isinstance(exc, SettingsError):
            typer.echo(office_text("cli_error", message=exc), err=True)
            sys.exit(1)
        if os.environ.get("SOGOPY_DEBUG"):
            raise
        typer.echo(office_text("cli_error", message=problem_line(exc)), err=True)
        sys.exit(1)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        sys.stdout, sys.stderr = terminal
        if collecting:
            gc.enable()
    if isinstance(status, int) and status:  # typer.Exit(n), Ctrl-C (130): returned, not raised
        sys.exit(status)
