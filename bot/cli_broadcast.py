"""`sogopy survey …` and `sogopy broadcast …`: the survey library and broadcasts.

A broadcast made here is a row the running bot picks up (within a few seconds, or at
its time); nothing is sent from the command line itself.
"""

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from bot.cli_common import load_settings, office_call

survey_app = typer.Typer(
    help="The survey library (YAML files).", no_args_is_help=True, rich_markup_mode=None
)
broadcast_app = typer.Typer(
    help="Surveys sent to opted-in citizens.", no_args_is_help=True, rich_markup_mode=None
)


@survey_app.command("list")
def survey_list() -> None:
    """The surveys the bot offers, and any file it refuses (with the reason)."""
    from office.surveys import list_surveys

    surveys, problems = list_surveys(load_settings().survey_folders)
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
    from office.surveys import check_survey

    survey = check_survey(file)
    typer.echo(f"ok: {survey.key} version {survey.version}, {len(survey.questions)} questions")


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
    from office.broadcasts import create_broadcast, parse_local_time

    settings = load_settings()
    when = parse_local_time(at, settings.zone) if at else None
    view = office_call(
        lambda session: create_broadcast(
            session, survey=survey, folders=settings.survey_folders, wards=ward or [], at=when
        )
    )
    scope = ", ".join(code.strip().upper() for code in ward or []) or "city-wide"
    typer.echo(view.broadcast.id)
    typer.echo(
        f"broadcast {view.broadcast.id}: survey {survey} to {view.progress.audience} people "
        f"({scope}), {'at ' + at if at else 'now'}"
    )


@broadcast_app.command("status")
def broadcast_status(broadcast_id: Annotated[int, typer.Argument(help="its id")]) -> None:
    """Where a broadcast stands: counts by outcome, and its response rate."""
    from office.broadcasts import LOCAL_TIME, broadcast_status

    zone = load_settings().zone
    view = office_call(lambda session: broadcast_status(session, broadcast_id))
    broadcast, report = view.broadcast, view.progress

    def shown(moment: datetime | None) -> str:
        return moment.astimezone(zone).strftime(LOCAL_TIME) if moment else "-"

    rate = report.response_rate
    lines = [
        f"broadcast {broadcast.id}: {broadcast.status}",
        f"survey: {broadcast.survey_key}",
        f"to: {', '.join(view.wards) or 'city-wide'} ({report.audience} people)",
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
    from office.broadcasts import cancel_broadcast

    broadcast = office_call(lambda session: cancel_broadcast(session, broadcast_id))
    typer.echo(f"broadcast {broadcast.id} cancelled")
