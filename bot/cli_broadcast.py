"""`sogopy survey …` and `sogopy broadcast …`: the survey library and broadcasts.

A broadcast made here is a row the running bot picks up (within a few seconds, or at
its time); nothing is sent from the command line itself.
"""

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.cli import CliError, _ward, _with_db
from bot.settings import load_settings
from handlers.context import stored_version
from handlers.survey_library import SurveyError, load_survey, scan_library
from storage.broadcasts import ACTIVE, Progress, progress, schedule, set_wards, ward_names
from storage.models import Broadcast, BroadcastStatus, utcnow

survey_app = typer.Typer(help="The survey library (YAML files).", no_args_is_help=True)
broadcast_app = typer.Typer(help="Surveys sent to opted-in citizens.", no_args_is_help=True)
LOCAL_TIME = "%Y-%m-%d %H:%M"


@survey_app.command("list")
def survey_list() -> None:
    """The surveys the bot offers, and any file it refuses (with the reason)."""
    surveys, problems = scan_library(load_settings().survey_folders)
    for key, survey in sorted(surveys.items()):
        count = len(survey.questions)
        typer.echo(f"{key}\tversion {survey.version}\t{count} questions\t{survey.title['vi']}")
    for problem in problems:
        typer.echo(f"refused: {problem}")


@survey_app.command("check")
def survey_check(
    file: Annotated[Path, typer.Argument(help="a survey file (YAML)")],
) -> None:
    """Validate a survey file: errors name the file, the line and the field."""
    try:
        survey = load_survey(file)
    except SurveyError as exc:
        raise CliError(str(exc)) from exc
    typer.echo(f"ok: {survey.key} version {survey.version}, {len(survey.questions)} questions")


def _local_time(value: str) -> datetime:
    zone = load_settings().zone
    try:
        return datetime.strptime(value.strip(), LOCAL_TIME).replace(tzinfo=zone)
    except ValueError as exc:
        raise CliError(f"--at: use YYYY-MM-DD HH:MM (local time), not {value!r}") from exc


@broadcast_app.command("create")
def broadcast_create(
    survey: Annotated[str, typer.Option(help="the survey's key (see: sogopy survey list)")],
    ward: Annotated[
        list[str] | None, typer.Option(help="a ward code; repeat for several; none: city-wide")
    ] = None,
    at: Annotated[
        str | None, typer.Option(help='local time "YYYY-MM-DD HH:MM"; default: now')
    ] = None,
) -> None:
    """Create a broadcast for the running bot to send; prints its id."""
    settings = load_settings()
    library, _ = scan_library(settings.survey_folders)
    if survey not in library:
        raise CliError(f"unknown survey {survey!r} (see: sogopy survey list)")
    when = _local_time(at) if at else utcnow()
    if at and when <= utcnow():
        raise CliError(f"--at {at!r} has already passed")

    async def create(session: AsyncSession) -> tuple[Broadcast, int, list[str]]:
        wards = [await _ward(session, code) for code in ward or []]
        removed = [w.code for w in wards if w.removed_at is not None]
        if removed:
            raise CliError(f"ward {removed[0]} was removed")
        version = await stored_version(session, survey, library[survey])
        broadcast = Broadcast(
            survey_key=survey, survey_version_id=version.id, created_by="cli", created_at=utcnow()
        )
        session.add(broadcast)
        await session.flush()
        await set_wards(session, broadcast, [w.id for w in wards if w.id is not None])
        audience = await schedule(session, broadcast, when)
        return broadcast, audience, [w.code for w in wards]

    broadcast, audience, codes = _with_db(create)
    scope = ", ".join(codes) or "city-wide"
    typer.echo(broadcast.id)
    typer.echo(
        f"broadcast {broadcast.id}: survey {survey} to {audience} people ({scope}), "
        f"{'at ' + at if at else 'now'}"
    )


async def _broadcast(session: AsyncSession, broadcast_id: int) -> Broadcast:
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None or broadcast.status == BroadcastStatus.DRAFT:
        raise CliError(f"unknown broadcast {broadcast_id}")
    return broadcast


@broadcast_app.command("status")
def broadcast_status(broadcast_id: Annotated[int, typer.Argument(help="its id")]) -> None:
    """Where a broadcast stands: counts by outcome, and its response rate."""
    zone = load_settings().zone

    async def read(session: AsyncSession) -> tuple[Broadcast, Progress, list[str]]:
        broadcast = await _broadcast(session, broadcast_id)
        assert broadcast.id is not None
        return (
            broadcast,
            await progress(session, broadcast),
            await ward_names(session, broadcast.id),
        )

    broadcast, report, names = _with_db(read)

    def shown(moment: datetime | None) -> str:
        return moment.astimezone(zone).strftime(LOCAL_TIME) if moment else "-"

    rate = report.response_rate
    lines = [
        f"broadcast {broadcast.id}: {broadcast.status}",
        f"survey: {broadcast.survey_key}",
        f"to: {', '.join(names) or 'city-wide'} ({report.audience} people)",
        f"scheduled: {shown(broadcast.scheduled_at)}  started: {shown(broadcast.started_at)}"
        f"  finished: {shown(broadcast.finished_at)}",
        "sent {sent}, blocked {blocked}, failed {failed}, skipped {skipped}, "
        "pending {pending}".format(
            sent=report.delivered,
            blocked=report.by_status.get("blocked", 0),
            failed=report.by_status.get("failed", 0),
            skipped=report.by_status.get("skipped", 0),
            pending=report.remaining,
        ),
        f"answered: {report.answered} people"
        + (f" ({rate * 100:.1f}% of those reached)" if rate is not None else ""),
    ]
    typer.echo("\n".join(lines))


@broadcast_app.command("cancel")
def broadcast_cancel(broadcast_id: Annotated[int, typer.Argument(help="its id")]) -> None:
    """Stop a broadcast: nothing more is sent (what was sent stays sent)."""

    async def cancel(session: AsyncSession) -> Broadcast:
        broadcast = await _broadcast(session, broadcast_id)
        if broadcast.status not in ACTIVE:
            raise CliError(f"broadcast {broadcast_id} is already {broadcast.status}")
        broadcast.status, broadcast.finished_at = BroadcastStatus.CANCELLED, utcnow()
        return broadcast

    broadcast = _with_db(cancel)
    typer.echo(f"broadcast {broadcast.id} cancelled")
