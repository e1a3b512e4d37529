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

if TYPE_CHECKING:  # the office and the database load with a command, not with `--help`
    from sqlmodel.ext.asyncio.session import AsyncSession

    from storage.models import AuditEntry, Person

privacy_app = typer.Typer(
    help="Citizens' data rights served at the desk; retention.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
PERSON_HELP = "a chat id, a case code, or the name the person gave"
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
        raise CliError(f"{exc} — nothing done") from exc
    except LookupError as exc:
        raise CliError(str(exc)) from exc


@privacy_app.command("export")
def privacy_export(
    person: Annotated[str, typer.Option(help=PERSON_HELP)],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="the JSON file; stdout without it")
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
        typer.echo(f"wrote the data of {data['person']['chat_id']} to {output}")  # type: ignore[index]


@privacy_app.command("erase")
def privacy_erase(
    person: Annotated[str, typer.Option(help=PERSON_HELP)],
    content: Annotated[
        bool, typer.Option("--content", help="also replace the text and photos of their pages")
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
    kept = "their text replaced" if content else "kept, anonymous"
    typer.echo(f"erased {who}: {pages} pages {kept}; answers kept as anonymous counts")


@privacy_app.command("purge")
def privacy_purge(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="only show what would go")] = False,
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
        photos = [f"page {page.page_no} of ward {page.ward_id}" for page in plan.photos]
        return plan.cutoff, people, photos

    cutoff, people, photos = _with_db(work)
    since = cutoff.astimezone(settings.zone).strftime(TIME)
    verb = ("would anonymize", "would drop") if dry_run else ("anonymized", "dropped")
    typer.echo(f"{verb[0]} {len(people)} people inactive since {since} ({months} months)")
    for line in people:
        typer.echo(f"  {line}")
    typer.echo(f"{verb[1]} the photos of {len(photos)} pages older than {since}")
    for line in photos:
        typer.echo(f"  {line}")


def audit_command(
    since: Annotated[str | None, typer.Option(help="from this day, YYYY-MM-DD")] = None,
    who: Annotated[
        str | None, typer.Option(help="part of the actor's name, or a kind: leader, cli…")
    ] = None,
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
        typer.echo("no entries")
    for entry in rows:
        when = entry.at.astimezone(zone).strftime(TIME)
        actor = " ".join(entry.actor.split())
        line = f"{when}\t{entry.actor_kind} {actor}\t{entry.action}\t{entry.subject}\t{entry.how}"
        typer.echo(f"{line}\t{entry.detail}".rstrip())


def backup_command(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="the copy to write (new file)")],
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
    typer.echo(f"backed up to {file}")


def restore_command(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="a file made by sogopy backup")],
    force: Annotated[
        bool, typer.Option("--force", help="overwrite a database that holds data")
    ] = False,
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
    typer.echo(f"restored from {file}")
