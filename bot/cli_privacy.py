"""`sogopy privacy …`, `sogopy audit`, `sogopy backup` and `sogopy restore`.

The desk's side of the citizens' data rights: a person who asks at the one-stop desk
is found by chat id, case code or name, and every reading or erasure leaves an entry
in the audit trail under the operator's OS user name.
"""

from __future__ import annotations  # the office's types are named, not loaded, at import

from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from bot.cli_common import CliError, load_settings, office_call, write_text
from handlers.catalogue import office_text

if TYPE_CHECKING:  # the office and the database load with a command, not with `--help`
    from sqlmodel.ext.asyncio.session import AsyncSession

    from storage.models import AuditEntry, Person

privacy_app = typer.Typer(
    help=office_text("help_privacy"), no_args_is_help=True, rich_markup_mode=None
)
PERSON_HELP = office_text("help_person")
TIME = "%d/%m/%Y %H:%M"

T = TypeVar("T")


def _with_db(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one transaction, committed when it returns (what it read is audited)."""

    async def committed(session: AsyncSession) -> T:
        result = await work(session)
        await session.commit()
        return result

    return office_call(committed)


async def _person(session: AsyncSession, ref: str) -> Person:
    from office.privacy import AmbiguousPerson, find_person

    try:
        return await find_person(session, ref)
    except AmbiguousPerson as exc:
        raise CliError(office_text("cli_nothing_done", why=exc)) from exc
    except LookupError as exc:
        raise CliError(str(exc)) from exc


@privacy_app.command("export", help=office_text("help_privacy_export"))
def privacy_export(
    person: Annotated[str, typer.Option(help=PERSON_HELP)],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help=office_text("help_privacy_output"))
    ] = None,
) -> None:
    """Everything stored about one person, as JSON (their right to see it)."""
    from office import audit
    from office.privacy import data_file, person_data, subject
    from storage.models import utcnow

    zone = load_settings().zone

    async def build(session: AsyncSession) -> dict[str, object]:
        found = await _person(session, person)
        audit.record(
            session, actor=audit.os_user(), actor_kind="cli", action="export_person_data",
            subject=subject(found), how="cli", at=utcnow(),
        )  # fmt: skip
        return await person_data(session, found, zone)

    data = _with_db(build)
    write_text(data_file(data).decode(), output)
    if output is not None and str(output) != "-":
        chat = data["person"]["chat_id"]  # type: ignore[index]
        typer.echo(office_text("cli_person_written", chat=chat, file=output))


@privacy_app.command("erase", help=office_text("help_privacy_erase"))
def privacy_erase(
    person: Annotated[str, typer.Option(help=PERSON_HELP)],
    content: Annotated[
        bool, typer.Option("--content", help=office_text("help_erase_content"))
    ] = False,
) -> None:
    """Erase one person's data: name, chat id, case links; answers stay anonymous counts."""
    from office import audit
    from office.privacy import describe, erase, queue_redraws, subject
    from storage.models import utcnow

    async def work(session: AsyncSession) -> tuple[str, int]:
        found = await _person(session, person)
        who = describe(found)
        now = utcnow()
        erasure = await erase(session, found, content, now)
        await queue_redraws(session, erasure.pages)  # the running bot edits leaders' copies
        audit.record(
            session, actor=audit.os_user(), actor_kind="cli", action="erase",
            subject=subject(found), how="cli", at=now, detail="with content" if content else "",
        )  # fmt: skip
        return who, len(erasure.pages)

    who, pages = _with_db(work)
    kept = office_text("cli_erased_content" if content else "cli_erased_kept")
    typer.echo(office_text("cli_erased", who=who, pages=pages, kept=kept))


@privacy_app.command("purge", help=office_text("help_privacy_purge"))
def privacy_purge(
    dry_run: Annotated[bool, typer.Option("--dry-run", help=office_text("help_dry_run"))] = False,
) -> None:
    """Apply SOGOPY_RETENTION_MONTHS: anonymize inactive people, drop old pages' photos."""
    from office import audit
    from office.privacy import describe, purge, retention_plan
    from storage.models import utcnow

    settings = load_settings()
    months = settings.retention_months

    async def work(session: AsyncSession) -> tuple[datetime, list[str], list[str]]:
        now = utcnow()
        if dry_run:
            plan = await retention_plan(session, now, months)
        else:
            plan = await purge(session, now, months, audit.os_user(), "cli", "cli")
        people = [describe(person) for person in plan.people]
        photos = [
            office_text("cli_photo_of", page=page.page_no, ward=page.ward_id)
            for page in plan.photos
        ]
        return plan.cutoff, people, photos

    cutoff, people, photos = _with_db(work)
    since = cutoff.astimezone(settings.zone).strftime(TIME)
    verb = (
        ("cli_would_anonymize", "cli_would_drop") if dry_run else ("cli_anonymized", "cli_dropped")
    )
    said = office_text(
        "cli_purge_people", verb=office_text(verb[0]), count=len(people), since=since, months=months
    )
    typer.echo(said)
    for line in people:
        typer.echo(f"  {line}")
    said = office_text(
        "cli_purge_photos", verb=office_text(verb[1]), count=len(photos), since=since
    )
    typer.echo(said)
    for line in photos:
        typer.echo(f"  {line}")


def audit_command(
    since: Annotated[str | None, typer.Option(help=office_text("help_audit_since"))] = None,
    who: Annotated[str | None, typer.Option(help=office_text("help_audit_who"))] = None,
) -> None:
    """Who read or exported personal data, when and how (the audit trail)."""
    from office import audit

    zone = load_settings().zone
    start = None
    if since is not None:
        from office.figures import parse_day  # only here: it loads the figures' libraries

        day = parse_day(since, "since")
        start = datetime(day.year, day.month, day.day, tzinfo=zone)

    async def read(session: AsyncSession) -> list[AuditEntry]:
        return list(await audit.entries(session, start, who))

    rows = _with_db(read)
    if not rows:
        typer.echo(office_text("cli_no_entries"))
    for entry in rows:
        when = entry.at.astimezone(zone).strftime(TIME)
        actor = " ".join(entry.actor.split())
        line = f"{when}\t{entry.actor_kind} {actor}\t{entry.action}\t{entry.subject}\t{entry.how}"
        typer.echo(f"{line}\t{entry.detail}".rstrip())


def backup_command(
    file: Annotated[Path, typer.Argument(metavar="FILE", help=office_text("help_backup_file"))],
) -> None:
    """A consistent copy of the database, while the bot runs (SQLite online backup, pg_dump)."""
    from storage.backup import BackupError
    from storage.backup import backup as backup_database
    from storage.db import upgrade_sync

    settings = load_settings()
    upgrade_sync(settings.database_url)
    try:
        backup_database(settings.database_url, file)
    except (BackupError, OSError) as exc:
        raise CliError(str(exc)) from exc
    typer.echo(office_text("cli_backed_up", file=file))


def restore_command(
    file: Annotated[Path, typer.Argument(metavar="FILE", help=office_text("help_restore_file"))],
    force: Annotated[bool, typer.Option("--force", help=office_text("help_force"))] = False,
) -> None:
    """Put a backup in place of the database; refuses a database with data without --force."""
    from storage.backup import BackupError
    from storage.backup import restore as restore_database
    from storage.db import upgrade_sync

    settings = load_settings()
    try:
        restore_database(settings.database_url, file, force)
    except (BackupError, OSError) as exc:
        raise CliError(str(exc)) from exc
    upgrade_sync(settings.database_url)  # a backup from an older version is brought up to date
    typer.echo(office_text("cli_restored", file=file))
